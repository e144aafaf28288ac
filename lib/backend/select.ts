/** Picks the fastest tfjs backend that can train the course's models: native TensorFlow → WebAssembly → plain JS. */
import * as tf from "@tensorflow/tfjs";
import { recordFigures } from "../figures";
import { backendFromEnvironment, wasmThreadsFromEnvironment, type BackendChoice } from "../settings";
import { registerCpuFixes } from "./cpu-fixes";
import { configureWasmThreads, wasmThreadsCount } from "./threads";
import { registerWasmTrainingKernels } from "./wasm-training";

/** A backend the course can train on. */
export type BackendName = Exclude<BackendChoice, "auto">;

/** What selectBackend chose and why. */
export interface BackendSelection {
  name: BackendName;
  /** One sentence a notebook prints: which backend and why. */
  reason: string;
  /** Backends tried before this one, each with why it was passed over. */
  skipped: { name: BackendName; why: string }[];
}

const SEARCH_ORDER: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];
const WHY: Record<BackendName, string> = {
  tensorflow: "native TensorFlow (@tensorflow/tfjs-node), the fastest",
  wasm: "WebAssembly with the course's training kernels",
  cpu: "plain JavaScript, the slowest (training will take much longer)",
};

let current: { preference: BackendChoice; selection: BackendSelection } | undefined;

/** Loads a backend's package and registers what it needs; throws with the reason when it cannot. */
async function load(name: BackendName): Promise<void> {
  if (name === "tensorflow") {
    try {
      require("@tensorflow/tfjs-node");
    } catch (error) {
      throw new Error(
        `@tensorflow/tfjs-node is not installed or did not load (${firstLine(error)}); ` +
          "`npm install @tensorflow/tfjs-node` adds it where a prebuilt binary exists",
      );
    }
  } else if (name === "wasm") {
    const threads = wasmThreadsFromEnvironment();
    if (threads > 1 && tf.engine().registry["wasm"] === undefined) configureWasmThreads(threads);
    registerWasmTrainingKernels();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
  await tf.ready();
}

/** A tiny conv net's loss and gradients, computed on the active backend, as plain numbers. */
function convTrainingProbe(): number[] {
  return tf.tidy(() => {
    // Distinct values everywhere, so max-pooling has no ties that backends may break differently.
    const x = tf.tensor4d(Array.from({ length: 2 * 6 * 6 }, (_, i) => 0.5 + 0.5 * Math.sin(1.7 * i)), [2, 6, 6, 1]);
    const w = tf.tensor4d(Array.from({ length: 3 * 3 * 1 * 2 }, (_, i) => 0.6 * Math.cos(2.3 * i)), [3, 3, 1, 2]);
    const lossOf = (input: tf.Tensor4D, filter: tf.Tensor4D) => {
      const h = tf.relu(tf.conv2d(input, filter, 1, "same"));
      const pooled = tf.maxPool(h, 2, 2, "same");
      const up = tf.image.resizeNearestNeighbor(pooled, [6, 6]);
      return tf.sigmoid(up).mean();
    };
    const [dx, dw] = tf.grads((a, b) => lossOf(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
    return [...lossOf(x, w).dataSync(), ...dx.dataSync(), ...dw.dataSync()];
  });
}

/** Checks that the active backend trains a small conv net like the reference `cpu` backend does. */
async function checkTrainsLikeCpu(name: BackendName): Promise<void> {
  const candidate = convTrainingProbe();
  if (name === "cpu") return;
  await tf.setBackend("cpu");
  const reference = convTrainingProbe();
  await tf.setBackend(name);
  const worst = Math.max(...candidate.map((v, i) => Math.abs(v - reference[i])));
  if (!(worst <= 1e-4)) throw new Error(`its conv-net gradients differ from the cpu backend's by ${worst}`);
}

/** Selects the backend (AE_BACKEND or the argument overrides `auto`), prints the choice and why, and returns it. */
export async function selectBackend(preference: BackendChoice = backendFromEnvironment()): Promise<BackendSelection> {
  // A misspelt setting is the learner's to fix, not a backend failure to fall back from (onto the slowest one).
  wasmThreadsFromEnvironment();
  if (current && current.preference === preference && tf.getBackend() === current.selection.name) {
    console.log(`Still using the "${current.selection.name}" backend chosen earlier in this session.`);
    return current.selection;
  }
  tf.enableProdMode(); // silences the cpu backend's banner; the course checks for NaN losses itself
  registerCpuFixes(); // cpu is both the fallback and the reference the health check compares against
  const candidates = preference === "auto" ? SEARCH_ORDER : [preference];
  const skipped: BackendSelection["skipped"] = [];
  for (const name of candidates) {
    try {
      await load(name);
      await checkTrainsLikeCpu(name);
      const passedOver = skipped.map((s) => `${s.name}: ${s.why}`).join("; ");
      const reason =
        preference === "auto"
          ? `Using the "${name}" backend: ${WHY[name]}.` + (passedOver ? ` Passed over ${passedOver}.` : "")
          : `Using the "${name}" backend because AE_BACKEND (or the notebook) asked for it: ${WHY[name]}.`;
      const threads = name === "wasm" ? ` It uses ${wasmThreadsCount()} thread(s) (AE_WASM_THREADS).` : "";
      const selection: BackendSelection = { name, reason: reason + threads, skipped };
      current = { preference, selection };
      recordFigures({ backend: name });
      console.log(selection.reason);
      return selection;
    } catch (error) {
      skipped.push({ name, why: firstLine(error) });
    }
  }
  const tried = skipped.map((s) => `${s.name}: ${s.why}`).join("; ");
  throw new Error(
    `No usable backend for "${preference}" (${tried}). ` +
      (preference === "auto" ? "Reinstall with `npm ci`." : 'Unset AE_BACKEND or set it to "auto".'),
  );
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0];
}
