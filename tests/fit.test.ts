import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildConvAutoencoder } from "../lib/models/conv-autoencoder";
import { trainModel, TrainingDivergedError } from "../lib/train/fit";
import type { ProgressReporter } from "../lib/train/progress";
import { progressBar } from "../lib/train/progress";
import { interruptingProgress, quietProgress } from "./helpers/progress";

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

  describe("stopping early", () => {
    /** A tiny dense autoencoder: each epoch of 16 rows in batches of 4 takes a few milliseconds. */
    function tinyModel(): tf.Sequential {
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [8], units: 3, activation: "relu" }), tf.layers.dense({ units: 8 })],
      });
      model.compile({ optimizer: "adam", loss: "meanSquaredError" });
      return model;
    }
    const epochLines = (lines: string[]) => lines.filter((line) => line.startsWith("Epoch "));
    let x: tf.Tensor;
    beforeEach(() => {
      x = tf.randomUniform([16, 8], 0, 1, "float32", 5);
    });
    afterEach(() => x.dispose());

    it("stops after the current batch on SIGINT, reports where and keeps only finished epochs", async () => {
      const figures = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fit-")), "figures.json");
      process.env.AE_FIGURES_FILE = figures;
      let tslabSawSignal = 0;
      const standInForTslab = () => void tslabSawSignal++;
      process.on("SIGINT", standInForTslab);
      const model = tinyModel();
      const lines: string[] = [];
      const { progress, batches } = interruptingProgress(lines, 6); // epoch 2, batch 2 of 4
      try {
        const history = await trainModel(model, x, x, { epochs: 50, batchSize: 4, progress });
        assert.equal(tslabSawSignal, 1, "the kernel's own SIGINT handler still runs");
        assert.equal(process.listenerCount("SIGINT"), 1, "trainModel removed its listener");
        assert.equal(batches(), 6, "no batch ran after the one in progress");
        assert.equal(history.interrupted, true);
        assert.equal(history.loss.length, 1);
        assert.equal(history.secondsPerEpoch.length, 1);
        assert.equal(epochLines(lines).length, 1, `no line for the partial epoch:\n${lines.join("\n")}`);
        assert.equal(lines.length, 2, lines.join("\n"));
        assert.match(lines[1], /^Training interrupted during epoch 2 \(batch 2\/4\): .*history lists the 1 epoch that finished\. Re-run the cell/);
        assert.equal(fs.existsSync(figures), false, "no figures for an interrupted run");
        // The model is still usable: the next run trains normally.
        const next = await trainModel(model, x, x, { epochs: 1, batchSize: 4, progress: quietProgress() });
        assert.deepEqual([next.loss.length, next.interrupted], [1, false]);
      } finally {
        process.off("SIGINT", standInForTslab);
        delete process.env.AE_FIGURES_FILE;
        model.dispose();
      }
    });

    it("leaves Node's default Ctrl+C (end the script) alone when nothing else listens for SIGINT", async () => {
      const model = tinyModel();
      const listenersWhileTraining: number[] = [];
      const progress: ProgressReporter = {
        ...quietProgress(),
        update: () => void listenersWhileTraining.push(process.listenerCount("SIGINT")),
      };
      try {
        await trainModel(model, x, x, { epochs: 1, batchSize: 4, progress });
        assert.deepEqual(listenersWhileTraining, [0, 0, 0, 0]);
      } finally {
        model.dispose();
      }
    });

    it("stops an earlier un-awaited run of the same model, says so, and drops its partial epoch", async () => {
      const model = tinyModel();
      const earlierLines: string[] = [];
      let inSecondEpoch: () => void = () => undefined;
      const reachedSecondEpoch = new Promise<void>((resolve) => (inSecondEpoch = resolve));
      const earlierProgress: ProgressReporter = {
        ...quietProgress(earlierLines),
        update: (status) => {
          if (status.startsWith("Epoch 2/")) inSecondEpoch();
        },
      };
      try {
        const earlier = trainModel(model, x, x, { epochs: 500, batchSize: 4, progress: earlierProgress });
        await reachedSecondEpoch;
        const lines: string[] = [];
        const history = await trainModel(model, x, x, { epochs: 1, batchSize: 4, progress: quietProgress(lines) });
        assert.match(lines[0], /^Stopped an earlier training run of this model that was still going (during|at the end of) epoch \d+/);
        assert.equal(history.loss.length, 1);
        const earlierHistory = await earlier;
        assert.equal(earlierHistory.interrupted, true);
        assert.ok(earlierHistory.loss.length >= 1 && earlierHistory.loss.length < 500);
        assert.deepEqual(earlierLines, epochLines(earlierLines), "the stopped run printed no summary");
        assert.equal(earlierLines.length, earlierHistory.loss.length, "and no line for a partial epoch");
      } finally {
        model.dispose();
      }
    });
  });

  it("draws a progress bar", () => {
    assert.equal(progressBar(5, 10, 10), "[#####-----]");
    assert.equal(progressBar(0, 0, 4), "[----]");
  });
});
