import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { buildDenseVae } from "../lib/models/vae";
import { decodeImages, encodeMeans, latentGridCodes, reconstructImages } from "../lib/models/vae-latent";

describe("using a VAE's latent space", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("encodes images of any fitting shape to their z_mean, in batches, without noise", () => {
    const vae = buildDenseVae({ hiddenSize: 8, seed: 2 });
    const images = tf.randomUniform([1200, 28, 28, 1], 0, 1, "float32", 3); // more than one batch of 500
    try {
      const means = encodeMeans(vae, images);
      assert.deepEqual(means.shape, [1200, 2]);
      const [expected] = vae.encoder.predict(images.reshape([1200, 784])) as tf.Tensor[];
      assert.ok(tf.max(tf.abs(tf.sub(means, expected))).dataSync()[0] < 1e-5, "the same as the encoder's z_mean");
      assert.deepEqual(encodeMeans(vae, images).arraySync(), means.arraySync(), "no sampling noise");
      const reconstructions = reconstructImages(vae, images.slice(0, 3));
      assert.deepEqual(reconstructions.shape, [3, 28, 28, 1]);
    } finally {
      images.dispose();
      vae.dispose();
    }
  });

  it("decodes codes into 28×28×1 images and rejects codes that are not a batch", () => {
    const vae = buildDenseVae({ hiddenSize: 8, seed: 2 });
    const codes = tf.zeros([4, 2]);
    const flat = tf.zeros([2]);
    try {
      const images = decodeImages(vae, codes);
      assert.deepEqual(images.shape, [4, 28, 28, 1]);
      assert.ok(images.dataSync().every((v) => v > 0 && v < 1));
      assert.throws(() => decodeImages(vae, flat), /codes must be \[N, latentSize\]/);
    } finally {
      tf.dispose([codes, flat]);
      vae.dispose();
    }
  });

  it("lays out a grid of evenly spaced codes row by row from the top, z[0] growing to the right and z[1] upwards", () => {
    const grid = latentGridCodes(3, 2);
    assert.deepEqual(grid.arraySync(), [
      [-2, 2], [0, 2], [2, 2],
      [-2, 0], [0, 0], [2, 0],
      [-2, -2], [0, -2], [2, -2],
    ]);
    grid.dispose();
    assert.throws(() => latentGridCodes(1, 2), /size must be a whole number >= 2/);
  });
});
