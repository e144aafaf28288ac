import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { buildConvAutoencoder, LATENT_SHAPE, randomCodesLike } from "../lib/models/conv-autoencoder";
import { compareHalves } from "./helpers/models";

describe("conv autoencoder", () => {
  it("maps [null,28,28,1] images to [null,4,4,8] codes (128 numbers) and back", () => {
    const model = buildConvAutoencoder({ seed: 1 });
    try {
      assert.deepEqual(model.autoencoder.inputs[0].shape, [null, 28, 28, 1]);
      assert.deepEqual(model.autoencoder.outputs[0].shape, [null, 28, 28, 1]);
      assert.deepEqual(model.encoder.outputs[0].shape, [null, 4, 4, 8]);
      assert.deepEqual(model.decoder.inputs[0].shape, [null, 4, 4, 8]);
      assert.equal(LATENT_SHAPE.reduce((a, b) => a * b), 128);
      assert.deepEqual(model.decoder.layers.map((l) => l.outputShape), [
        [null, 4, 4, 8], [null, 4, 4, 8], [null, 8, 8, 8], [null, 8, 8, 8], [null, 16, 16, 8], [null, 14, 14, 16],
        [null, 28, 28, 16], [null, 28, 28, 1],
      ]);
    } finally {
      model.dispose();
    }
  });

  it("shares weights: the encoder and decoder halves compose to the autoencoder", () => {
    const model = buildConvAutoencoder({ seed: 1 });
    const { mismatch, insideUnitInterval } = compareHalves(model.autoencoder, model.encoder, model.decoder, [28, 28, 1]);
    assert.ok(mismatch < 1e-6, `halves differ by ${mismatch}`);
    assert.ok(insideUnitInterval, "the sigmoid keeps every pixel inside (0, 1)");
    model.dispose();
  });

  it("builds the same weights from the same seed, and frees every tensor on dispose", () => {
    const before = tf.memory().numTensors;
    const a = buildConvAutoencoder({ seed: 5 });
    const b = buildConvAutoencoder({ seed: 5 });
    assert.deepEqual(a.encoder.getWeights()[0].arraySync(), b.encoder.getWeights()[0].arraySync());
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("draws random codes with the per-number mean and spread of real codes, never negative", () => {
    const codes = tf.tidy(() => tf.relu(tf.randomNormal([400, 4, 4, 8], 1, 0.5, "float32", 2))) as tf.Tensor4D;
    const random = randomCodesLike(codes, 2000, 3);
    assert.deepEqual(random.shape, [2000, 4, 4, 8]);
    assert.ok(random.min().dataSync()[0] >= 0);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mean(random, 0), tf.mean(codes, 0)))).dataSync()[0]);
    assert.ok(gap < 0.15, `per-number means differ by ${gap}`);
    tf.dispose([codes, random]);
  });
});
