import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildDenseVae, Sampling, vaeFromModels, type DenseVae } from "../lib/models/vae";
import { TrainingDivergedError } from "../lib/train/run";
import type { ProgressReporter } from "../lib/train/progress";
import { asEncoderInput, isHistoryOf, trainVae, vaeEvaluate } from "../lib/train/vae-fit";
import { interruptingProgress, quietProgress } from "./helpers/progress";

/** 32 binary 4×4×1 "images" of two kinds (top half or bottom half lit), so a 16-pixel dense VAE can learn them. */
function tinyImages(): tf.Tensor4D {
  const rows = Array.from({ length: 32 }, (_, n) => Array.from({ length: 16 }, (_, p) => (p < 8 === (n % 2 === 0) ? 1 : 0)));
  return tf.tensor2d(rows).reshape([32, 4, 4, 1]) as tf.Tensor4D;
}

const tinyVae = (): DenseVae => buildDenseVae({ inputSize: 16, hiddenSize: 16, seed: 3, learningRate: 0.01 });

describe("trainVae", () => {
  let images: tf.Tensor4D;
  before(async () => {
    await tf.setBackend("cpu");
  });
  beforeEach(() => {
    images = tinyImages();
  });
  afterEach(() => images.dispose());

  it("trains over shuffled batches of images reshaped for the encoder, logs each epoch's parts and records the figures", async () => {
    const figures = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vae-fit-")), "figures.json");
    process.env.AE_FIGURES_FILE = figures;
    const vae = tinyVae();
    const lines: string[] = [];
    try {
      const history = await trainVae(vae, images, { epochs: 4, batchSize: 8, validationImages: images, progress: quietProgress(lines) });
      for (const series of [history.loss, history.reconstruction_loss, history.kl_loss, history.val_loss, history.secondsPerEpoch]) {
        assert.equal(series.length, 4);
        assert.ok(series.every(Number.isFinite));
      }
      history.loss.forEach((loss, i) => assert.ok(Math.abs(loss - history.reconstruction_loss[i] - history.kl_loss[i]) < 1e-3));
      assert.ok(history.loss[3] < history.loss[0], `the loss fell: ${history.loss}`);
      assert.match(lines[0], /^Epoch 1\/4 {2}loss \d+\.\d{4} {2}reconstruction_loss \d+\.\d{4} {2}kl_loss \d+\.\d{4} {2}val_loss \d+\.\d{4} {2}[\d.]+ s/);
      assert.match(lines[4], /^Trained 4 epochs in [\d.]+ s: loss [\d.]+, reconstruction_loss [\d.]+, kl_loss [\d.]+, val_loss [\d.]+\.$/);
      const recorded = JSON.parse(fs.readFileSync(figures, "utf8"));
      assert.equal(recorded.final_kl_loss, history.kl_loss[3]);
      assert.equal(recorded.final_val_loss, history.val_loss[3]);
      assert.equal(recorded.epochs, 4);
    } finally {
      delete process.env.AE_FIGURES_FILE;
      vae.dispose();
    }
  });

  it("continues from what the model learned when run again, and frees everything it made", async () => {
    const vae = tinyVae();
    try {
      const first = await trainVae(vae, images, { epochs: 3, batchSize: 8, progress: quietProgress() });
      const tensors = tf.memory().numTensors;
      const second = await trainVae(vae, images, { epochs: 3, batchSize: 8, progress: quietProgress() });
      assert.equal(tf.memory().numTensors, tensors, "a second run adds no tensors");
      assert.ok(second.loss[0] < first.loss[0], `the second run starts lower: ${first.loss} then ${second.loss}`);
      assert.deepEqual(second.val_loss, [], "no validation images, no val_loss");
    } finally {
      vae.dispose();
    }
  });

  it("stops on a NaN loss, restores the last good weights, replaces the optimizer and says what to try", async () => {
    const vae = tinyVae();
    const poisoned = tf.fill([32, 4, 4, 1], NaN);
    const before = [vae.encoder, vae.decoder].map((model) => model.getWeights().map((w) => w.arraySync()));
    const optimizer = vae.optimizer;
    try {
      await assert.rejects(trainVae(vae, poisoned, { epochs: 2, batchSize: 8, progress: quietProgress() }), (error: unknown) => {
        assert.ok(error instanceof TrainingDivergedError);
        assert.match(error.message, /loss became NaN at epoch 1, batch 1, so training stopped\. The weights are back to where they started/);
        assert.match(error.message, /smaller learning rate/);
        assert.equal(error.history.diverged, true);
        return true;
      });
      assert.deepEqual([vae.encoder, vae.decoder].map((model) => model.getWeights().map((w) => w.arraySync())), before);
      assert.notEqual(vae.optimizer, optimizer, "a fresh optimizer");
      const history = await trainVae(vae, images, { epochs: 1, batchSize: 8, progress: quietProgress() });
      assert.ok(Number.isFinite(history.loss[0]), "training works again afterwards");
    } finally {
      poisoned.dispose();
      vae.dispose();
    }
  });

  it("stops at the end of the batch on SIGINT and keeps only the finished epochs", async () => {
    const vae = tinyVae();
    const standInForTslab = () => undefined;
    process.on("SIGINT", standInForTslab);
    const lines: string[] = [];
    const { progress, batches } = interruptingProgress(lines, 6); // epoch 2, batch 2 of 4
    try {
      const history = await trainVae(vae, images, { epochs: 50, batchSize: 8, validationImages: images, progress });
      assert.equal(batches(), 6, "no batch ran after the one in progress");
      assert.deepEqual([history.interrupted, history.loss.length, history.val_loss.length], [true, 1, 1]);
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(lines[1], /^Training interrupted during epoch 2 \(batch 2\/4\): .*the 1 epoch that finished/);
      assert.equal(process.listenerCount("SIGINT"), 1, "trainVae removed its listener");
    } finally {
      process.off("SIGINT", standInForTslab);
      vae.dispose();
    }
  });

  it("stops an earlier un-awaited run of the same VAE", async () => {
    const vae = tinyVae();
    let reachedSecondEpoch: () => void = () => undefined;
    const secondEpoch = new Promise<void>((resolve) => (reachedSecondEpoch = resolve));
    const earlierProgress: ProgressReporter = {
      ...quietProgress(),
      update: (status) => void (status.startsWith("Epoch 2/") && reachedSecondEpoch()),
    };
    try {
      const earlier = trainVae(vae, images, { epochs: 500, batchSize: 8, progress: earlierProgress });
      await secondEpoch;
      const lines: string[] = [];
      const history = await trainVae(vae, images, { epochs: 1, batchSize: 8, progress: quietProgress(lines) });
      assert.match(lines[0], /^Stopped an earlier training run of this model/);
      assert.equal(history.loss.length, 1);
      const stopped = await earlier;
      assert.ok(stopped.interrupted && stopped.loss.length < 500);
    } finally {
      vae.dispose();
    }
  });

  it("says what is wrong when the images do not fit the encoder", async () => {
    const vae = tinyVae();
    const wrong = tf.zeros([4, 5, 5, 1]);
    try {
      await assert.rejects(trainVae(vae, wrong, { epochs: 1, batchSize: 2, progress: quietProgress() }), /encoder takes images of shape \[16\]/);
      assert.deepEqual(asEncoderInput(vae, images).shape, [32, 16]);
    } finally {
      wrong.dispose();
      vae.dispose();
    }
  });

  it("refuses, before the first batch, an encoder whose codes are feature maps (no flatten), saying to flatten", async () => {
    // Notebook 06's most common slip: dense heads on a 2×2 feature map give z_mean [null, 2, 2, 2], not [null, 2].
    const image = tf.input({ shape: [4, 4, 1] });
    const features = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same" }).apply(image) as tf.SymbolicTensor;
    const zMean = tf.layers.dense({ units: 2 }).apply(features) as tf.SymbolicTensor;
    const zLogVar = tf.layers.dense({ units: 2 }).apply(features) as tf.SymbolicTensor;
    const z = new Sampling().apply([zMean, zLogVar]) as tf.SymbolicTensor;
    const code = tf.input({ shape: [2] });
    const pixels = tf.layers.dense({ units: 16, activation: "sigmoid" }).apply(code) as tf.SymbolicTensor;
    const vae = vaeFromModels(tf.model({ inputs: image, outputs: [zMean, zLogVar, z] }), tf.model({ inputs: code, outputs: pixels }));
    const lines: string[] = [];
    try {
      await assert.rejects(
        trainVae(vae, images, { epochs: 1, batchSize: 8, progress: quietProgress(lines) }),
        /outputs have shapes \[null, 2, 2, 2\], \[null, 2, 2, 2\], \[null, 2, 2, 2\].*flatten the last feature map \(tf\.layers\.flatten\(\)\)/,
      );
      assert.deepEqual(lines, [], "no batch was trained");
    } finally {
      vae.dispose();
    }
  });

  it("marks the history it returns as this VAE's own, so a grader can tell one left over from an earlier model", async () => {
    const [trained, rebuilt] = [tinyVae(), tinyVae()];
    try {
      const history = await trainVae(trained, images, { epochs: 1, batchSize: 8, progress: quietProgress() });
      assert.equal(isHistoryOf(history, trained), true);
      assert.equal(isHistoryOf(history, rebuilt), false);
      assert.equal(isHistoryOf({ ...history }, trained), false, "a history written by hand is nobody's");
    } finally {
      trained.dispose();
      rebuilt.dispose();
    }
  });

  it("evaluates the loss in batches as a mean per image", () => {
    const vae = tinyVae();
    try {
      const loss = vaeEvaluate(vae, images);
      // An untrained decoder outputs about 0.5 everywhere: about ln 2 per pixel.
      assert.ok(Math.abs(loss - 16 * Math.log(2)) < 3, `loss ${loss}`);
    } finally {
      vae.dispose();
    }
  });
});
