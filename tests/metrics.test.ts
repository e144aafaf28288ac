import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { binaryCrossEntropy, klDivergence, meanSquaredError, measureQuality, psnr, ssim } from "../lib/metrics";

describe("metrics", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("mean squared error and PSNR agree with hand-computed values", () => {
    const a = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const b = tf.fill([1, 2, 2, 1], 0.1) as tf.Tensor4D;
    assert.ok(Math.abs(meanSquaredError(a, b) - 0.01) < 1e-7);
    assert.ok(Math.abs(psnr(a, b) - 20) < 1e-4); // 10·log10(1 / 0.01)
    assert.equal(psnr(a, a), Infinity);
    tf.dispose([a, b]);
  });

  it("binary cross-entropy matches −[t·log p + (1−t)·log(1−p)]", () => {
    const t = tf.tensor1d([1, 0]);
    const p = tf.tensor1d([0.8, 0.3]);
    const expected = -(Math.log(0.8) + Math.log(0.7)) / 2;
    assert.ok(Math.abs(binaryCrossEntropy(t, p) - expected) < 1e-6);
    tf.dispose([t, p]);
  });

  it("SSIM is 1 for identical images and lower for a noisy copy", () => {
    const x = tf.randomUniform([2, 14, 14, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const noisy = tf.clipByValue(tf.add(x, tf.randomNormal([2, 14, 14, 1], 0, 0.3, "float32", 2)), 0, 1) as tf.Tensor4D;
    assert.ok(Math.abs(ssim(x, x) - 1) < 1e-5);
    assert.ok(ssim(x, noisy) < 0.9);
    assert.throws(() => ssim(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, x), /single-channel/);
    tf.dispose([x, noisy]);
  });

  it("KL divergence: mean [1,0] and log-variance [0,0] give 0.5; the prior gives 0", () => {
    const kl = klDivergence(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]]));
    assert.ok(Math.abs(kl.dataSync()[0] - 0.5) < 1e-6);
    const none = klDivergence(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D);
    assert.equal(none.dataSync()[0], 0);
  });

  it("measureQuality scores each named batch with PSNR and SSIM, in order, and refuses other shapes", () => {
    const reference = tf.randomUniform([2, 14, 14, 1], 0, 1, "float32", 4) as tf.Tensor4D;
    const slightly = tf.clipByValue(tf.add(reference, 0.05), 0, 1) as tf.Tensor4D;
    const badly = tf.clipByValue(tf.add(reference, tf.randomNormal([2, 14, 14, 1], 0, 0.4, "float32", 5)), 0, 1) as tf.Tensor4D;
    const scores = measureQuality(reference, { badly, slightly });
    assert.deepEqual(scores.map((score) => score.name), ["badly", "slightly"]);
    assert.equal(scores[1].psnr, psnr(reference, slightly));
    assert.equal(scores[0].ssim, ssim(reference, badly));
    assert.ok(scores[1].psnr > scores[0].psnr && scores[1].ssim > scores[0].ssim);
    const small = tf.zeros([2, 7, 7, 1]) as tf.Tensor4D;
    assert.throws(() => measureQuality(reference, { small }), /"small" has shape \[2,7,7,1\], the reference \[2,14,14,1\]/);
    tf.dispose([reference, slightly, badly, small]);
  });

  it("frees its intermediate tensors", () => {
    const x = tf.randomUniform([1, 8, 8, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    ssim(x, x);
    psnr(x, x);
    meanSquaredError(x, x);
    binaryCrossEntropy(x, x);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});
