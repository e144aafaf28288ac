/** Runs the same computation on the wasm backend and on the reference cpu backend and compares the results. */
import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from "../../lib/backend/wasm-training";
import { pseudoRandom } from "./pseudo-random";

/** Mocha hooks for a suite that runs on wasm with the course's kernels, and leaves cpu and stock kernels behind. */
export function onWasmWithCourseKernels(): void {
  before(async () => {
    registerWasmTrainingKernels();
    assert.ok(await tf.setBackend("wasm"), "the wasm backend did not start");
  });
  after(async () => {
    unregisterWasmTrainingKernels();
    await tf.setBackend("cpu");
  });
}

/** Runs `compute` on a backend and returns its tensors' values as plain arrays, disposing everything it made. */
async function valuesOn(backend: "wasm" | "cpu", compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => compute().map((t) => t.dataSync() as Float32Array));
}

/** Asserts max |wasm - cpu| <= 1e-4 · max(1, max |cpu|) for each output, computing `reference` (default the same) on cpu. */
export async function assertMatchesCpu(label: string, compute: () => tf.Tensor[], reference$: () => tf.Tensor[] = compute): Promise<void> {
  const ours = await valuesOn("wasm", compute);
  const reference = await valuesOn("cpu", reference$);
  reference.forEach((expected, k) => {
    assert.equal(ours[k].length, expected.length, `${label}: output ${k} has the wrong size`);
    let scale = 1;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(ours[k][i] - expected[i]));
    }
    assert.ok(worst <= 1e-4 * scale, `${label}: output ${k} differs from cpu by ${worst} (scale ${scale})`);
  });
}

/** The gradients of sum(op(inputs) · r) for a fixed random r, through tf.grads (the real gradient path). */
export function gradientsOf(op: (...inputs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number): () => tf.Tensor[] {
  return () => {
    const inputs = shapes.map((shape, k) => tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), seed + k), shape));
    const outShape = op(...inputs).shape;
    const r = tf.tensor(pseudoRandom(tf.util.sizeFromShape(outShape), seed + 99), outShape);
    return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op(...xs), r)))(inputs);
  };
}

/** The outputs of op(inputs) for pseudo-random inputs of the given shapes. */
export function outputsOf(op: (...inputs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number): () => tf.Tensor[] {
  return () => [op(...shapes.map((shape, k) => tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), seed + k), shape)))];
}
