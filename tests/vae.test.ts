import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import { buildDenseVae, Sampling } from "../lib/models/vae";
import { checkVaeShapes, vaeLoss, vaeTrainStep } from "../lib/train/vae-step";

function assertClose(actual: number, expected: number, tolerance = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

/** Eight fixed binary 16-pixel patterns (binary, so a perfect reconstruction has zero cross-entropy). */
function tinyDataset(): tf.Tensor2D {
  const rows = Array.from({ length: 8 }, (_, r) => Array.from({ length: 16 }, (_, c) => ((r * 7 + c * 3) % 5 < 2 ? 1 : 0)));
  return tf.tensor2d(rows);
}

describe("dense VAE", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("encodes to [zMean, zLogVar, z] and decodes back to the input size", () => {
    for (const latentSize of [2, 5]) {
      const vae = buildDenseVae({ latentSize, hiddenSize: 32, seed: 3 });
      const x = tf.randomUniform([3, 784]);
      const codes = vae.encoder.predict(x) as tf.Tensor[];
      assert.deepEqual(codes.map((c) => c.shape), [[3, latentSize], [3, latentSize], [3, latentSize]]);
      const reconstruction = vae.decoder.predict(codes[2]) as tf.Tensor;
      assert.deepEqual(reconstruction.shape, [3, 784]);
      const values = reconstruction.dataSync();
      assert.ok(values.every((v) => v > 0 && v < 1), "sigmoid outputs lie in (0, 1)");
      tf.dispose([x, ...codes, reconstruction]);
      vae.dispose();
    }
  });

  it("draws repeatable noise from its seed, fresh on every call", () => {
    const draw = () => {
      const vae = buildDenseVae({ inputSize: 16, hiddenSize: 8, seed: 11 });
      const x = tinyDataset();
      const z = [0, 1].map(() => (vae.encoder.predict(x) as tf.Tensor[])[2].arraySync() as number[][]);
      x.dispose();
      vae.dispose();
      return z;
    };
    const [first, second] = draw();
    assert.deepEqual(draw(), [first, second]);
    assert.notDeepEqual(first, second);
  });

  it("rejects bad sizes and batches with a message that says what to do", () => {
    assert.throws(() => buildDenseVae({ latentSize: 0 }), /latentSize must be a whole number >= 1/);
    const vae = buildDenseVae({ inputSize: 16, hiddenSize: 8 });
    const images = tf.zeros([2, 4, 4]) as unknown as tf.Tensor2D;
    assert.throws(() => vaeTrainStep(vae, tf.train.adam(), images), /flatten the images first/);
    images.dispose();
    vae.dispose();
  });
});

describe("vaeLoss", () => {
  it("gives the closed-form KL divergence, averaged over the batch", () => {
    const x = tf.tensor2d([[1, 0], [1, 0]]);
    const reconstruction = tf.tensor2d([[0.8, 0.4], [0.8, 0.4]]);
    const single = vaeLoss(x.slice(0, 1), reconstruction.slice(0, 1), tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]]));
    assertClose(single.kl.dataSync()[0], 0.5);
    // Row 2: mean 0, log-variance ln 2 → -0.5·(1 + ln 2 − 2) per dimension.
    const logTwo = Math.log(2);
    const batch = vaeLoss(x, reconstruction, tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, 0], [logTwo, 0]]));
    assertClose(batch.kl.dataSync()[0], (0.5 + -0.5 * (1 + logTwo - 2)) / 2);
  });

  it("sums binary cross-entropy over pixels and adds the KL term", () => {
    const x = tf.tensor2d([[1, 0]]);
    const loss = vaeLoss(x, tf.tensor2d([[0.8, 0.4]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]]));
    const bce = -(Math.log(0.8) + Math.log(0.6));
    assertClose(loss.reconstruction.dataSync()[0], bce);
    assertClose(loss.total.dataSync()[0], bce + 0.5);
  });

  it("stays finite when reconstructions saturate at 0 or 1", () => {
    const loss = vaeLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]), tf.zeros([1, 2]), tf.zeros([1, 2]));
    assert.ok(Number.isFinite(loss.total.dataSync()[0]));
  });
});

describe("vaeTrainStep", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("lowers the loss on a tiny dataset and leaks no tensors", () => {
    const vae = buildDenseVae({ inputSize: 16, hiddenSize: 32, seed: 5 });
    const optimizer = tf.train.adam(0.01);
    const x = tinyDataset();
    const losses: number[] = [];
    let tensorsAfterStep3 = 0;
    for (let step = 1; step <= 60; step++) {
      const loss = vaeTrainStep(vae, optimizer, x);
      assert.ok([loss.total, loss.reconstruction, loss.kl].every(Number.isFinite), `step ${step}: ${JSON.stringify(loss)}`);
      assertClose(loss.total, loss.reconstruction + loss.kl, 1e-3);
      losses.push(loss.total);
      if (step === 3) tensorsAfterStep3 = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, tensorsAfterStep3, "tensors leaked between steps 3 and 60");
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-5)) < 0.9 * mean(losses.slice(0, 5)), `losses did not fall: ${losses.map((l) => l.toFixed(2))}`);
    optimizer.dispose();
    x.dispose();
    vae.dispose();
  });
});

/** An encoder [inputShape] → codes of `latent` numbers, and a decoder [decoderLatent] → an output of `outputShape`. */
function vaeModels(options: { inputShape: number[]; latent: number; decoderLatent: number; outputShape: number[] }) {
  const image = tf.input({ shape: options.inputShape });
  const flat = options.inputShape.length === 1 ? image : (tf.layers.flatten().apply(image) as tf.SymbolicTensor);
  const zMean = tf.layers.dense({ units: options.latent }).apply(flat) as tf.SymbolicTensor;
  const zLogVar = tf.layers.dense({ units: options.latent }).apply(flat) as tf.SymbolicTensor;
  const z = new Sampling().apply([zMean, zLogVar]) as tf.SymbolicTensor;
  const code = tf.input({ shape: [options.decoderLatent] });
  const units = options.outputShape.reduce((a, b) => a * b, 1);
  const dense = tf.layers.dense({ units, activation: "sigmoid" }).apply(code) as tf.SymbolicTensor;
  const pixels = tf.layers.reshape({ targetShape: options.outputShape }).apply(dense) as tf.SymbolicTensor;
  return { encoder: tf.model({ inputs: image, outputs: [zMean, zLogVar, z] }), decoder: tf.model({ inputs: code, outputs: pixels }) };
}

describe("checkVaeShapes", () => {
  const disposeBoth = (models: { encoder: tf.LayersModel; decoder: tf.LayersModel }) => {
    models.encoder.dispose();
    models.decoder.dispose();
  };

  it("accepts halves that fit together, dense or shaped like images", () => {
    for (const models of [
      vaeModels({ inputShape: [784], latent: 2, decoderLatent: 2, outputShape: [784] }),
      vaeModels({ inputShape: [28, 28, 1], latent: 3, decoderLatent: 3, outputShape: [28, 28, 1] }),
    ]) {
      assert.doesNotThrow(() => checkVaeShapes(models));
      disposeBoth(models);
    }
  });

  it("names the mismatch and its fix: decoder input against the codes, decoder output against the images", () => {
    const latentMismatch = vaeModels({ inputShape: [28, 28, 1], latent: 2, decoderLatent: 3, outputShape: [28, 28, 1] });
    assert.throws(() => checkVaeShapes(latentMismatch), {
      message: "The decoder takes [null, 3], but the encoder's codes are [null, 2]: start the decoder with tf.input({ shape: [2] }).",
    });
    const smallOutput = vaeModels({ inputShape: [28, 28, 1], latent: 2, decoderLatent: 2, outputShape: [14, 14, 1] });
    assert.throws(() => checkVaeShapes(smallOutput), /decoder outputs \[null, 14, 14, 1\], but the encoder takes images \[null, 28, 28, 1\]/);
    const oneOutput = { encoder: tf.model({ inputs: smallOutput.encoder.inputs, outputs: smallOutput.encoder.outputs[0] }), decoder: smallOutput.decoder };
    assert.throws(() => checkVaeShapes(oneOutput), /must output three tensors \[zMean, zLogVar, z\], but it outputs 1/);
    disposeBoth(latentMismatch);
    disposeBoth(smallOutput);
  });
});
