/** Mocha root hooks: every test file starts on the reference cpu backend unless it picks another itself. */
import * as tf from "@tensorflow/tfjs";

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    // Importing tfjs-backend-wasm (as some test files do) makes the uninitialised "wasm" the default backend.
    await tf.setBackend("cpu");
  },
};
