/**
 * Run as its own process by tests/threads.test.ts (the thread count is fixed before the wasm backend starts):
 * trains the conv autoencoder and the dense VAE from the same weights on the threaded wasm build with the
 * course's kernels and on the cpu backend, and prints one JSON line with the losses and the thread count.
 */
import * as tf from "@tensorflow/tfjs";
import { registerCpuFixes } from "../../lib/backend/cpu-fixes";
import { configureWasmThreads, wasmThreadsCount } from "../../lib/backend/threads";
import { registerWasmTrainingKernels } from "../../lib/backend/wasm-training";
import { buildConvAutoencoder } from "../../lib/models/conv-autoencoder";
import { buildDenseVae } from "../../lib/models/vae";
import { fusedAdam } from "../../lib/train/fused-adam";
import { vaeTrainStep } from "../../lib/train/vae-step";
import { pseudoRandom } from "./pseudo-random";

const STEPS = 5;
const BATCH = 8;

/** The losses of STEPS training steps from fixed starting weights and data, on the active backend. */
async function convLosses(weights: Float32Array[]): Promise<number[]> {
  const model = buildConvAutoencoder({ seed: 7 });
  model.autoencoder.setWeights(weights.map((w, k) => tf.tensor(w, model.autoencoder.getWeights()[k].shape)));
  const x = tf.tensor4d(pseudoRandom(BATCH * 28 * 28, 3, 0, 1), [BATCH, 28, 28, 1]);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push((await model.autoencoder.trainOnBatch(x, x)) as number);
  tf.dispose(x);
  model.dispose();
  return losses;
}

/** The VAE's losses over STEPS steps from fixed weights, with the fused Adam update (the sampling noise is seeded). */
function vaeLosses(weights: Float32Array[]): number[] {
  const vae = buildDenseVae({ seed: 5 });
  const models = [vae.encoder, vae.decoder];
  let k = 0;
  for (const model of models) model.setWeights(model.getWeights().map((w) => tf.tensor(weights[k++], w.shape)));
  const optimizer = fusedAdam(1e-3);
  const x = tf.tensor2d(pseudoRandom(BATCH * 784, 4, 0, 1), [BATCH, 784]);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push(vaeTrainStep(vae, optimizer, x).total);
  tf.dispose(x);
  optimizer.dispose();
  vae.dispose();
  return losses;
}

async function main(): Promise<void> {
  registerCpuFixes();
  await tf.setBackend("cpu");
  const convStart = buildConvAutoencoder({ seed: 7 });
  const convWeights = convStart.autoencoder.getWeights().map((w) => w.dataSync() as Float32Array);
  convStart.dispose();
  const vaeStart = buildDenseVae({ seed: 5 });
  const vaeWeights = [vaeStart.encoder, vaeStart.decoder].flatMap((model) => model.getWeights().map((w) => w.dataSync() as Float32Array));
  vaeStart.dispose();
  const cpu = { conv: await convLosses(convWeights), vae: vaeLosses(vaeWeights) };

  configureWasmThreads(2);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend("wasm"))) throw new Error("the threaded wasm backend did not start");
  const wasm = { conv: await convLosses(convWeights), vae: vaeLosses(vaeWeights) };
  console.log(JSON.stringify({ threads: wasmThreadsCount(), shared: isShared(), cpu, wasm }));
}

/** Whether the running wasm backend's memory is shared, i.e. the threaded build is the one running. */
function isShared(): boolean {
  const module = (tf.backend() as unknown as { wasm: { HEAPF32: Float32Array } }).wasm;
  return module.HEAPF32.buffer instanceof SharedArrayBuffer;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
