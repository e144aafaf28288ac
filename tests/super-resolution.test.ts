import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { downscale } from "../lib/data/transforms";
import { buildSuperResolution, FEATURE_SHAPE, LOW_RES_SHAPE } from "../lib/models/super-resolution";
import { compareHalves } from "./helpers/models";

describe("super-resolution model", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("maps [null,14,14,1] images to [null,14,14,16] features and those to [null,28,28,1] images", () => {
    const sr = buildSuperResolution({ seed: 1 });
    try {
      assert.deepEqual(LOW_RES_SHAPE, [14, 14, 1]);
      assert.deepEqual(sr.model.inputs[0].shape, [null, 14, 14, 1]);
      assert.deepEqual(sr.model.outputs[0].shape, [null, 28, 28, 1]);
      assert.deepEqual(sr.encoder.inputs[0].shape, [null, 14, 14, 1]);
      assert.deepEqual(sr.encoder.outputs[0].shape, [null, ...FEATURE_SHAPE]);
      assert.deepEqual(sr.decoder.inputs[0].shape, [null, 14, 14, 16]);
      assert.deepEqual(sr.decoder.outputs[0].shape, [null, 28, 28, 1]);
      assert.deepEqual(sr.decoder.layers.map((l) => l.outputShape), [
        [null, 14, 14, 16], [null, 28, 28, 16], [null, 28, 28, 8], [null, 28, 28, 1],
      ]);
    } finally {
      sr.dispose();
    }
  });

  it("shares weights: the encoder and decoder halves compose to the whole model, with outputs in (0, 1)", () => {
    const sr = buildSuperResolution({ seed: 1 });
    const { mismatch, insideUnitInterval } = compareHalves(sr.model, sr.encoder, sr.decoder, [14, 14, 1]);
    assert.ok(mismatch < 1e-6, `halves differ by ${mismatch}`);
    assert.ok(insideUnitInterval);
    sr.dispose();
  });

  it("builds the same weights from the same seed, other weights from another, and frees every tensor on dispose", () => {
    const before = tf.memory().numTensors;
    const a = buildSuperResolution({ seed: 5 });
    const b = buildSuperResolution({ seed: 5 });
    const c = buildSuperResolution({ seed: 6 });
    assert.deepEqual(a.encoder.getWeights()[0].arraySync(), b.encoder.getWeights()[0].arraySync());
    assert.notDeepEqual(a.encoder.getWeights()[0].arraySync(), c.encoder.getWeights()[0].arraySync());
    for (const sr of [a, b, c]) sr.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("learns to enlarge: a few steps on downscaled images lower the loss, and dispose frees the optimizer too", async () => {
    const before = tf.memory().numTensors;
    const sr = buildSuperResolution({ seed: 2, learningRate: 0.01 });
    // Blurry blobs: smooth images that a 2× enlargement can recover.
    const targets = tf.tidy(() => tf.avgPool(tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 9), 5, 1, "same")) as tf.Tensor4D;
    const inputs = downscale(targets, 2);
    const history = await sr.model.fit(inputs, targets, { epochs: 5, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(losses[losses.length - 1] < losses[0], `loss went from ${losses[0]} to ${losses[losses.length - 1]}`);
    tf.dispose([inputs, targets]);
    sr.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
