import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import type { ProgressReporter } from "../lib/train/progress";
import { runTraining, TrainingDivergedError, type RunSettings, type TrainingHistory } from "../lib/train/run";

interface PartsHistory extends TrainingHistory {
  part_loss: number[];
}

const emptyHistory = (): PartsHistory => ({ loss: [], part_loss: [], val_loss: [], secondsPerEpoch: [], diverged: false, interrupted: false });

describe("runTraining (what every training loop shares)", () => {
  let model: tf.Sequential;
  let lines: string[];
  let resets: number;
  let settings: RunSettings;
  before(async () => {
    await tf.setBackend("cpu");
  });
  beforeEach(() => {
    model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    lines = [];
    resets = 0;
    const progress: ProgressReporter = { update: (line) => lines.push(`live: ${line}`), log: (line) => lines.push(line), done: (line) => lines.push(line) };
    settings = { owner: model, models: [model], resetOptimizer: () => void resets++, epochs: 2, samples: 4, batchSize: 2, progress };
  });
  afterEach(() => model.dispose());

  it("shows running means of every loss live, one line per whole epoch and a summary of the last values", async () => {
    const history = await runTraining(settings, emptyHistory(), async (run) => {
      for (let epoch = 1; epoch <= 2; epoch++) {
        run.beginEpoch(epoch);
        run.endBatch(1, { loss: 4, part_loss: 1 });
        run.endBatch(2, { loss: 2, part_loss: 3 });
        assert.deepEqual(run.epochMeans(), { loss: 3, part_loss: 2 });
        run.endEpoch({ ...run.epochMeans(), val_loss: undefined });
      }
    });
    assert.deepEqual([history.loss, history.part_loss, history.val_loss], [[3, 3], [2, 2], []]);
    assert.match(lines[1], /^live: Epoch 1\/2 \[#+\] batch 2\/2 {2}loss 3\.0000 {2}part_loss 2\.0000 {2}[\d.]+ s$/);
    assert.match(lines[2], /^Epoch 1\/2 {2}loss 3\.0000 {2}part_loss 2\.0000 {2}val_loss – {2}[\d.]+ s/);
    assert.match(lines[lines.length - 1], /^Trained 2 epochs in [\d.]+ s: loss 3\.0000, part_loss 2\.0000, val_loss –\.$/);
  });

  it("ignores the end of an epoch cut short, and names the loss part that became NaN", async () => {
    const weights = model.getWeights().map((w) => w.arraySync());
    await assert.rejects(
      runTraining(settings, emptyHistory(), async (run) => {
        run.beginEpoch(1);
        run.endBatch(1, { loss: 1, part_loss: 1 });
        model.setWeights(model.getWeights().map((w) => tf.onesLike(w)));
        run.endEpoch({ loss: 1, part_loss: 1 }); // only 1 of 2 batches: not an epoch
        run.endBatch(2, { loss: 1, part_loss: Infinity });
        assert.equal(run.stopping, true);
        assert.equal(run.epochFinished, false);
      }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingDivergedError);
        assert.match(error.message, /^The loss part_loss became Infinity at epoch 1, batch 2/);
        assert.deepEqual(error.history.loss, []);
        return true;
      },
    );
    assert.deepEqual(model.getWeights().map((w) => w.arraySync()), weights, "the weights from the start are back");
    assert.equal(resets, 1, "the optimizer was reset once");
    assert.ok(!lines.some((line) => line.startsWith("Epoch 1/2 ")), "no line for the partial epoch");
  });

  it("refuses epochs, batch sizes and training sets no run can use, naming the setting (bug: EPOCHS = 0 trained nothing silently)", async () => {
    const loop = async () => assert.fail("the loop must not start");
    await assert.rejects(runTraining({ ...settings, epochs: 0 }, emptyHistory(), loop), /got 0: set EPOCHS in the settings cell/);
    await assert.rejects(runTraining({ ...settings, epochs: 2.5 }, emptyHistory(), loop), /whole number of epochs, 1 or more, got 2\.5/);
    await assert.rejects(runTraining({ ...settings, batchSize: -1 }, emptyHistory(), loop), /got -1: set BATCH_SIZE/);
    await assert.rejects(runTraining({ ...settings, samples: 0 }, emptyHistory(), loop), /at least one training image/);
  });

  it("warns when the loss ended well above where it started (a learning rate too high), and not when it fell", async () => {
    const train = (first: number, later: number) =>
      runTraining(settings, emptyHistory(), async (run) => {
        for (let epoch = 1; epoch <= 2; epoch++) {
          run.beginEpoch(epoch);
          run.endBatch(1, { loss: epoch === 1 ? first : later, part_loss: 0 });
          run.endBatch(2, { loss: later, part_loss: 0 });
          run.endEpoch(run.epochMeans());
        }
      });
    await train(0.69, 4.1);
    assert.equal(
      lines[lines.length - 1],
      "Warning: the loss rose from 0.6900 (first batch) to 4.1000 (last epoch): the model got worse. The learning rate is " +
        "probably too high: rebuild the model with a smaller one and train again.",
    );
    lines.length = 0;
    await train(0.69, 0.3);
    assert.ok(!lines.some((line) => line.startsWith("Warning")), lines.join("\n"));
  });
});
