import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildConvAutoencoder } from "../lib/models/conv-autoencoder";
import { trainModel, TrainingDivergedError } from "../lib/train/fit";
import type { ProgressReporter } from "../lib/train/progress";
import { progressBar } from "../lib/train/progress";

function quietProgress(lines: string[] = []): ProgressReporter {
  return { update: () => undefined, log: (line) => lines.push(line), done: (line) => lines.push(line) };
}

describe("trainModel", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("trains the conv autoencoder, logs one line per epoch and records the figures", async () => {
    const figures = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fit-")), "figures.json");
    process.env.AE_FIGURES_FILE = figures;
    const model = buildConvAutoencoder({ seed: 3 });
    const x = tf.randomUniform([16, 28, 28, 1], 0, 1, "float32", 7);
    const lines: string[] = [];
    try {
      const history = await trainModel(model.autoencoder, x, x, {
        epochs: 2,
        batchSize: 8,
        validationData: [x, x],
        progress: quietProgress(lines),
      });
      assert.equal(history.loss.length, 2);
      assert.equal(history.val_loss.length, 2);
      assert.ok(history.loss.every(Number.isFinite));
      assert.match(lines[0], /^Epoch 1\/2 {2}loss 0\.\d{4} {2}val_loss 0\.\d{4}/);
      assert.match(lines[2], /^Trained 2 epochs in/);
      const recorded = JSON.parse(fs.readFileSync(figures, "utf8"));
      assert.equal(recorded.final_val_loss, history.val_loss[1]);
      assert.equal(recorded.epochs, 2);
    } finally {
      delete process.env.AE_FIGURES_FILE;
      model.dispose();
      x.dispose();
    }
  });

  it("stops on a NaN loss, restores the last good weights and says what to try", async () => {
    const model = buildConvAutoencoder({ seed: 3 });
    const x = tf.randomUniform([16, 28, 28, 1], 0, 1, "float32", 7);
    const poisoned = tf.fill([16, 28, 28, 1], NaN);
    const before = model.autoencoder.getWeights().map((w) => w.arraySync());
    const tensorsBefore = tf.memory().numTensors;
    try {
      await assert.rejects(
        trainModel(model.autoencoder, poisoned, x, { epochs: 2, batchSize: 8, progress: quietProgress() }),
        (error: unknown) => {
          assert.ok(error instanceof TrainingDivergedError);
          assert.match(error.message, /loss became NaN at epoch 1, batch 1/);
          assert.match(error.message, /smaller learning rate/);
          assert.equal(error.history.diverged, true);
          return true;
        },
      );
      assert.deepEqual(model.autoencoder.getWeights().map((w) => w.arraySync()), before);
      // Training still works afterwards: the optimizer was reset, not left full of NaNs.
      const history = await trainModel(model.autoencoder, x, x, { epochs: 1, batchSize: 8, progress: quietProgress() });
      assert.ok(Number.isFinite(history.loss[0]));
      // Only Adam's two moment tensors per weight are new: the guard's weight snapshots are all freed.
      assert.equal(tf.memory().numTensors, tensorsBefore + 2 * model.autoencoder.getWeights().length);
    } finally {
      model.dispose();
      x.dispose();
      poisoned.dispose();
    }
  });

  it("draws a progress bar", () => {
    assert.equal(progressBar(5, 10, 10), "[#####-----]");
    assert.equal(progressBar(0, 0, 4), "[----]");
  });
});
