/**
 * What every training loop of the course shares: one run per model at a time, stop at the end of a batch on a
 * kernel interrupt, a guard against NaN losses that restores the last good weights, a live progress line, one
 * line per finished epoch with its timing, and the figures `npm run course` reports.
 */
import * as tf from "@tensorflow/tfjs";
import { recordFigures } from "../figures";
import { plural } from "../plural";
import { progressBar, type ProgressReporter } from "./progress";

/** Per-epoch losses of a finished (or stopped) training run; only epochs that ran to the end are listed. */
export interface TrainingHistory {
  loss: number[];
  val_loss: number[];
  secondsPerEpoch: number[];
  /** True when the run ended early because the loss stopped being a finite number. */
  diverged: boolean;
  /** True when a kernel interrupt (or a newer run on the same model) stopped the run before its last epoch. */
  interrupted: boolean;
}

/** The names of a history's loss series (every per-epoch list but the timings). */
export type SeriesName<H extends TrainingHistory> = Exclude<
  { [K in keyof H]-?: H[K] extends number[] ? K : never }[keyof H],
  "secondsPerEpoch"
> &
  string;

/** Thrown when the loss becomes NaN or infinite; the weights are already restored to the last good epoch. */
export class TrainingDivergedError extends Error {
  constructor(message: string, readonly history: TrainingHistory) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** What a training loop tells runTraining about itself. */
export interface RunSettings {
  /** What the run trains: a newer run on the same object stops this one first. */
  owner: object;
  /** The models whose weights are saved after each good epoch and restored after a NaN loss. */
  models: tf.LayersModel[];
  /** Replaces the optimizer by a fresh one, dropping state poisoned by NaNs. */
  resetOptimizer(): void;
  epochs: number;
  /** Training examples per epoch. */
  samples: number;
  batchSize: number;
  progress: ProgressReporter;
  /** Called once when a stop is asked for (kernel interrupt or a newer run), e.g. to set a model's stopTraining. */
  onStop?(): void;
}

/** The handle a training loop reports through, batch by batch and epoch by epoch. */
export interface RunControl<H extends TrainingHistory> {
  /** True once the loop should stop after the batch it is on: interrupted, replaced by a newer run, or a bad loss. */
  readonly stopping: boolean;
  /** True when every batch of the current epoch has trained with finite losses. */
  readonly epochFinished: boolean;
  /** Starts an epoch (counted from 1). */
  beginEpoch(epoch: number): void;
  /** Reports a trained batch (counted from 1) and its losses; updates the live line, stops on a non-finite loss. */
  endBatch(batch: number, losses: Partial<Record<SeriesName<H>, number>>): void;
  /** The mean of each loss over the batches of the current epoch so far. */
  epochMeans(): Partial<Record<SeriesName<H>, number>>;
  /**
   * Reports a finished epoch's losses (undefined: not measured, printed "–"); ignored for an epoch cut short.
   * Logs the epoch's line and saves the weights as the last good ones; a non-finite loss stops the run.
   */
  endEpoch(losses: Partial<Record<SeriesName<H>, number | undefined>>): void;
}

/** Where a run is, and who stopped it early (if anyone). */
interface RunState {
  /** The epoch being trained, counted from 1. */
  epoch: number;
  /** Batches of that epoch already trained. */
  batchesDone: number;
  batchesPerEpoch: number;
  stoppedBy?: "interrupt" | "newer run";
  /** Asks the run to stop after its current batch. */
  stop(by: "interrupt" | "newer run"): void;
}

/** Runs that have not finished yet, by what they train: a new run on the same owner stops the old one first. */
const runningRuns = new Map<object, { finished: Promise<unknown>; state: RunState }>();

const format = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(4));

const describePosition = (state: RunState) =>
  state.batchesDone === state.batchesPerEpoch
    ? `at the end of epoch ${state.epoch}`
    : `during epoch ${state.epoch} (batch ${state.batchesDone}/${state.batchesPerEpoch})`;

/**
 * Runs a training loop with the course's shared behaviour (see the module comment): stops an earlier run on the
 * same owner, calls `loop` with the control it reports through, then restores the weights and throws a
 * TrainingDivergedError after a NaN loss, or prints the summary and records the figures of a complete run.
 * `history` is the empty history the loop fills; it is returned with `interrupted` set if the run was stopped.
 */
export async function runTraining<H extends TrainingHistory>(
  settings: RunSettings,
  history: H,
  loop: (control: RunControl<H>) => Promise<void>,
): Promise<H> {
  checkRunSettings(settings);
  const { owner, progress } = settings;
  const earlier = runningRuns.get(owner);
  if (earlier && !earlier.state.stoppedBy) {
    // An earlier, un-awaited run of this model (e.g. from a cell run twice): end it before starting again.
    earlier.state.stop("newer run");
    progress.log(
      `Stopped an earlier training run of this model that was still going ${describePosition(earlier.state)}; ` +
        `this run continues from what it learned.`,
    );
  }
  await earlier?.finished.catch(() => undefined);
  const state: RunState = {
    epoch: 1,
    batchesDone: 0,
    batchesPerEpoch: Math.ceil(settings.samples / settings.batchSize),
    stop(by) {
      if (state.stoppedBy) return;
      state.stoppedBy = by;
      settings.onStop?.();
    },
  };
  const run = guardedRun(settings, history, state, loop);
  runningRuns.set(owner, { finished: run, state });
  try {
    return await run;
  } finally {
    if (runningRuns.get(owner)?.finished === run) runningRuns.delete(owner);
  }
}

/** Refuses settings no training can run with, naming the setting to change (an EPOCHS of 0 used to train silently nothing). */
function checkRunSettings(settings: RunSettings): void {
  const wholeAtLeastOne = (value: number) => Number.isInteger(value) && value >= 1;
  if (!wholeAtLeastOne(settings.epochs)) {
    throw new Error(`Training needs a whole number of epochs, 1 or more, got ${settings.epochs}: set EPOCHS in the settings cell (e.g. const EPOCHS = 8;) and re-run from there.`);
  }
  if (!wholeAtLeastOne(settings.batchSize)) {
    throw new Error(`Training needs a whole batch size, 1 or more, got ${settings.batchSize}: set BATCH_SIZE in the settings cell (e.g. const BATCH_SIZE = 32;).`);
  }
  if (settings.samples === 0) throw new Error("Training needs at least one training image, got none: check TRAIN_SIZE in the settings cell.");
}

/** A run whose last epoch's loss ends this many times above its first batch's loss got worse, not better. */
const ROSE_FACTOR = 1.5;

async function guardedRun<H extends TrainingHistory>(
  settings: RunSettings,
  history: H,
  state: RunState,
  loop: (control: RunControl<H>) => Promise<void>,
): Promise<H> {
  const { progress, epochs } = settings;
  const { batchesPerEpoch } = state;
  const series = seriesNames(history);
  let lastGood = snapshotWeights(settings.models);
  let badLoss: { epoch: number; batch: number; name: string; value: number } | undefined;
  let epochStart = 0;
  let sums: Record<string, number> = {};
  let firstBatchLoss: number | undefined;

  const onInterrupt = () => {
    if (state.stoppedBy) return;
    state.stop("interrupt"); // the loop stops after the batch it is on
    const finished = history.loss.length + (state.batchesDone === batchesPerEpoch ? 1 : 0);
    // Printed now, not when the loop returns: tslab ends the cell as soon as the signal arrives.
    progress.log(
      `Training interrupted ${describePosition(state)}: the model keeps what it has learned so far, and the ` +
        `history lists the ${plural(finished, "epoch")} that finished. Re-run the cell to continue training.`,
    );
  };
  const firstBad = (losses: Record<string, number | undefined>) =>
    Object.entries(losses).find((entry): entry is [string, number] => entry[1] !== undefined && !Number.isFinite(entry[1]));
  const means = () => Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / Math.max(1, state.batchesDone)]));

  const control: RunControl<H> = {
    get stopping() {
      return state.stoppedBy !== undefined || badLoss !== undefined;
    },
    get epochFinished() {
      return badLoss === undefined && state.batchesDone === batchesPerEpoch;
    },
    beginEpoch(epoch) {
      state.epoch = epoch;
      state.batchesDone = 0;
      epochStart = performance.now();
      sums = {};
    },
    endBatch(batch, losses) {
      state.batchesDone = batch;
      const bad = firstBad(losses);
      if (bad) {
        badLoss = { epoch: state.epoch, batch, name: bad[0], value: bad[1] };
        return;
      }
      firstBatchLoss ??= (losses as Record<string, number | undefined>).loss;
      for (const [name, value] of Object.entries(losses) as Array<[string, number]>) sums[name] = (sums[name] ?? 0) + value;
      const seconds = (performance.now() - epochStart) / 1000;
      progress.update(
        `Epoch ${state.epoch}/${epochs} ${progressBar(batch, batchesPerEpoch)} batch ${batch}/${batchesPerEpoch}  ` +
          `${describeLosses(means())}  ${seconds.toFixed(1)} s`,
      );
    },
    epochMeans: () => means() as Partial<Record<SeriesName<H>, number>>,
    endEpoch(losses) {
      // An epoch cut short by a stop has a wrong loss and speed: only whole epochs count.
      if (!control.epochFinished) return;
      const bad = firstBad(losses);
      if (bad) {
        badLoss = { epoch: state.epoch, batch: batchesPerEpoch, name: bad[0], value: bad[1] };
        return;
      }
      const seconds = (performance.now() - epochStart) / 1000;
      const record = history as unknown as Record<string, number[]>;
      for (const [name, value] of Object.entries(losses) as Array<[string, number | undefined]>) {
        if (value !== undefined) record[name].push(value);
      }
      history.secondsPerEpoch.push(seconds);
      disposeAll(lastGood);
      lastGood = snapshotWeights(settings.models);
      progress.log(
        `Epoch ${state.epoch}/${epochs}  ${describeLosses(losses)}  ${seconds.toFixed(1)} s  ` +
          `(${Math.round(settings.samples / seconds)} images/s)`,
      );
    },
  };

  try {
    // After a macrotask, so tslab's SIGINT listener is back (tslab detaches listeners while a cell's synchronous
    // part runs). Join in only when something already handles SIGINT (tslab does): with no listener, Node's
    // default (Ctrl+C ends a script) must stay.
    await tf.nextFrame();
    if (process.listenerCount("SIGINT") > 0) process.on("SIGINT", onInterrupt);
    await loop(control);

    if (badLoss) {
      history.diverged = true;
      restoreWeights(settings.models, lastGood);
      settings.resetOptimizer();
      const kept = history.loss.length;
      const what = badLoss.name === "loss" ? "The loss" : `The loss ${badLoss.name}`;
      throw new TrainingDivergedError(
        `${what} became ${badLoss.value} at epoch ${badLoss.epoch}, batch ${badLoss.batch}, so training stopped. ` +
          (kept > 0 ? `The weights are back to where they were after epoch ${kept}` : "The weights are back to where they started") +
          ` and the optimizer was reset. Try a smaller learning rate, and check that the inputs are finite and scaled to [0, 1].`,
        history,
      );
    }
    history.interrupted = state.stoppedBy !== undefined && history.loss.length < epochs;
    // A stopped run was already explained in one line; the figures describe complete runs only.
    if (!history.interrupted) summarise(history, series, settings.samples, progress);
    const lastLoss = history.loss[history.loss.length - 1];
    if (firstBatchLoss !== undefined && lastLoss > ROSE_FACTOR * firstBatchLoss) {
      progress.log(
        `Warning: the loss rose from ${format(firstBatchLoss)} (first batch) to ${format(lastLoss)} (last epoch): the ` +
          "model got worse. The learning rate is probably too high: rebuild the model with a smaller one and train again.",
      );
    }
    return history;
  } finally {
    process.off("SIGINT", onInterrupt);
    disposeAll(lastGood);
  }
}

/** "loss 0.1234  val_loss –": each loss by name, in the order given. */
function describeLosses(losses: Record<string, number | undefined>, separator = "  "): string {
  return Object.entries(losses)
    .map(([name, value]) => `${name} ${format(value)}`)
    .join(separator);
}

/** The loss series of a history, in the order its fields were made. */
function seriesNames(history: TrainingHistory): string[] {
  return Object.entries(history)
    .filter(([name, values]) => name !== "secondsPerEpoch" && Array.isArray(values))
    .map(([name]) => name);
}

function summarise(history: TrainingHistory, series: string[], samples: number, progress: ProgressReporter): void {
  const epochs = history.loss.length;
  if (epochs === 0) return;
  const totalSeconds = history.secondsPerEpoch.reduce((a, b) => a + b, 0);
  const record = history as unknown as Record<string, number[]>;
  const finals = Object.fromEntries(series.map((name) => [name, record[name][record[name].length - 1]]));
  progress.done(`Trained ${plural(epochs, "epoch")} in ${totalSeconds.toFixed(1)} s: ${describeLosses(finals, ", ")}.`);
  const measured = Object.entries(finals).filter((entry): entry is [string, number] => entry[1] !== undefined);
  recordFigures({
    epochs,
    ...Object.fromEntries(measured.map(([name, value]) => [`final_${name}`, value])),
    seconds_per_epoch: totalSeconds / epochs,
    images_per_second: (samples * epochs) / totalSeconds,
  });
}

function snapshotWeights(models: tf.LayersModel[]): tf.Tensor[] {
  return models.flatMap((model) => model.getWeights().map((w) => w.clone()));
}

function restoreWeights(models: tf.LayersModel[], weights: tf.Tensor[]): void {
  let start = 0;
  for (const model of models) {
    const count = model.getWeights().length;
    model.setWeights(weights.slice(start, start + count));
    start += count;
  }
}

function disposeAll(tensors: tf.Tensor[]): void {
  for (const t of tensors) t.dispose();
}

/** A fresh optimizer of the same kind and settings as `old` (which is disposed): drops state poisoned by NaNs. */
export function freshOptimizer<T extends tf.Optimizer>(old: T): T {
  const kind = old.constructor as unknown as {
    fromConfig(kind: unknown, config: tf.serialization.ConfigDict): T;
  };
  const fresh = kind.fromConfig(kind, old.getConfig());
  old.dispose();
  return fresh;
}
