import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { registerCpuFixes } from "../lib/backend/cpu-fixes";

/** d/dx of sum(resizeNearestNeighbor(x, size) · dy) on the active backend. */
function resizeGradient(x: tf.Tensor4D, dy: tf.Tensor4D): number[] {
  const size: [number, number] = [dy.shape[1], dy.shape[2]];
  return Array.from(tf.grad((a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size).mul(dy).sum())(x).dataSync());
}

describe("cpu backend fixes", () => {
  before(async () => {
    await tf.setBackend("cpu");
    registerCpuFixes();
  });

  it("UpSampling2D's gradient sums each 2×2 block of dy for every image of a batch (stock cpu gave [10, 19])", () => {
    const x = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
    const dy = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1]);
    assert.deepEqual(resizeGradient(x, dy), [10, 100]);
  });

  it("handles several blocks and channels per image (stock cpu gave 30, 38, 62, 70 for the second image)", () => {
    const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const dy = tf.range(1, 33).reshape([2, 4, 4, 1]) as tf.Tensor4D;
    assert.deepEqual(resizeGradient(x, dy), [14, 22, 46, 54, 78, 86, 110, 118]);
    const twoChannels = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
    const dy2 = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    assert.deepEqual(resizeGradient(twoChannels, dy2), [10, 100]);
  });

  it("registering twice is harmless", () => {
    registerCpuFixes();
    assert.deepEqual(resizeGradient(tf.zeros([1, 1, 1, 1]) as tf.Tensor4D, tf.ones([1, 3, 3, 1]) as tf.Tensor4D), [9]);
  });
});
