/**
 * Run by `npm install` (the prepare step): says which compute backend the course will train on, since npm stays
 * silent when the optional native package could not be installed.
 */
function nativeBackendProblem(): string | undefined {
  try {
    require("@tensorflow/tfjs-node");
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /Cannot find module '@tensorflow\/tfjs-node'/.test(message) ? "is not installed" : `does not load (${message.split("\n")[0]})`;
  }
}

const problem = nativeBackendProblem();
console.log(
  problem === undefined
    ? "autoencoder-course: native TensorFlow (@tensorflow/tfjs-node) is installed; the notebooks will train on it."
    : `autoencoder-course: @tensorflow/tfjs-node ${problem}, so the notebooks will train on WebAssembly (slower, ` +
        "but fine for the course). README.md › Compute backends says how to add the native one.",
);
