/** Training loops for the course's Keras-style models, with live progress and a guard against NaN losses. */
import * as tf from "@tensorflow/tfjs";
import { recordFigures } from "../figures";
import { progressBar, trainingProgress, type ProgressReporter } from "./progress";

/** Settings of one training run. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Inputs and targets used to compute `val_loss` after each epoch. */
  validationData?: [tf.Tensor, tf.Tensor];
  /** Shuffle the training set every epoch (default true). */
  shuffle?: boolean;
  /** Where progress goes (default: a live line in the notebook plus one line per epoch). */
  progress?: ProgressReporter;
}

/** Per-epoch figures of a finished (or stopped) training run; only epochs that ran to the end are listed. */
export interface TrainingHistory {
  loss: number[];
  val_loss: number[];
  secondsPerEpoch: number[];
  /** True when the run ended early because the loss stopped being a finite number. */
  diverged: boolean;
  /** True when a kernel interrupt (or a newer trainModel call on the same model) stopped the run before its last epoch. */
  interrupted: boolean;
}

/** Thrown when the loss becomes NaN or infinite; the weights are already restored to the last good epoch. */
export class TrainingDivergedError extends Error {
  constructor(message: string, readonly history: TrainingHistory) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** Where a run is, and who stopped it early (if anyone). */
interface RunState {
  /** The epoch being trained, counted from 1. */
  epoch: number;
  /** Batches of that epoch already trained. */
  batchesDone: number;
  batchesPerEpoch: number;
  stoppedBy?: "interrupt" | "newer run";
}

/** Runs that have not finished yet: a new run on the same model stops the old one first. */
const runningFits = new Map<tf.LayersModel, { finished: Promise<unknown>; state: RunState }>();

const format = (value: number | undefined) => (value === undefined ? "–" : value.toFixed(4));

const describePosition = (state: RunState) =>
  state.batchesDone === state.batchesPerEpoch
    ? `at the end of epoch ${state.epoch}`
    : `during epoch ${state.epoch} (batch ${state.batchesDone}/${state.batchesPerEpoch})`;

/**
 * Trains `model` to map `inputs` to `targets` (the same tensor for a plain autoencoder), showing progress,
 * and returns the per-epoch losses. A NaN loss stops training, restores the weights from the last good
 * epoch and throws a TrainingDivergedError that says what to try. A kernel interrupt (Jupyter's Kernel →
 * Interrupt) stops training after the current batch and resolves with the finished epochs, `interrupted` set.
 */
export async function trainModel(
  model: tf.LayersModel,
  inputs: tf.Tensor,
  targets: tf.Tensor,
  options: TrainOptions,
): Promise<TrainingHistory> {
  const progress = options.progress ?? trainingProgress();
  const earlier = runningFits.get(model);
  if (earlier && !earlier.state.stoppedBy) {
    // An earlier, un-awaited run of this model (e.g. from a cell run twice): end it before starting again.
    earlier.state.stoppedBy = "newer run";
    model.stopTraining = true;
    progress.log(
      `Stopped an earlier training run of this model that was still going ${describePosition(earlier.state)}; ` +
        `this run continues from what it learned.`,
    );
  }
  await earlier?.finished.catch(() => undefined);
  const state: RunState = { epoch: 1, batchesDone: 0, batchesPerEpoch: Math.ceil(inputs.shape[0] / options.batchSize) };
  const run = fitWithGuard(model, inputs, targets, options, progress, state);
  runningFits.set(model, { finished: run, state });
  try {
    return await run;
  } finally {
    if (runningFits.get(model)?.finished === run) runningFits.delete(model);
  }
}

async function fitWithGuard(
  model: tf.LayersModel,
  inputs: tf.Tensor,
  targets: tf.Tensor,
  options: TrainOptions,
  progress: ProgressReporter,
  state: RunState,
): Promise<TrainingHistory> {
  const samples = inputs.shape[0];
  const { batchesPerEpoch } = state;
  const history: TrainingHistory = { loss: [], val_loss: [], secondsPerEpoch: [], diverged: false, interrupted: false };
  let lastGood = snapshotWeights(model);
  let badLoss: { epoch: number; batch: number; value: number } | undefined;
  let epochStart = 0;
  let lossSum = 0;

  const onInterrupt = () => {
    if (state.stoppedBy) return;
    state.stoppedBy = "interrupt";
    model.stopTraining = true; // tfjs stops after the batch it is on
    const finished = history.loss.length + (state.batchesDone === batchesPerEpoch ? 1 : 0);
    // Printed now, not when fit returns: tslab ends the cell as soon as the signal arrives.
    progress.log(
      `Training interrupted ${describePosition(state)}: the model keeps what it has learned so far, and the ` +
        `history lists the ${finished} epoch${finished === 1 ? "" : "s"} that finished. Re-run the cell to continue training.`,
    );
  };

  try {
    await model.fit(inputs, targets, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      validationData: options.validationData,
      verbose: 0,
      callbacks: {
        onTrainBegin: async () => {
          // Jupyter interrupts a kernel with SIGINT. Join in only when something already handles SIGINT (tslab does):
          // with no listener, Node's default (Ctrl+C ends a script) must stay. This runs after an await, so tslab's own
          // listener is back: tslab runs a cell's synchronous part with breakOnSigint, which detaches SIGINT listeners.
          if (process.listenerCount("SIGINT") > 0) process.on("SIGINT", onInterrupt);
        },
        onEpochBegin: async (epoch) => {
          state.epoch = epoch + 1;
          state.batchesDone = 0;
          epochStart = performance.now();
          lossSum = 0;
        },
        onBatchEnd: async (batch, logs) => {
          state.batchesDone = batch + 1;
          if (state.stoppedBy) model.stopTraining = true; // a stop that came before fit reset the flag
          const loss = logs?.loss;
          if (loss === undefined || !Number.isFinite(loss)) {
            badLoss = { epoch: state.epoch, batch: batch + 1, value: loss ?? NaN };
            model.stopTraining = true;
            return;
          }
          lossSum += loss;
          const seconds = (performance.now() - epochStart) / 1000;
          progress.update(
            `Epoch ${state.epoch}/${options.epochs} ${progressBar(batch + 1, batchesPerEpoch)} ` +
              `batch ${batch + 1}/${batchesPerEpoch}  loss ${format(lossSum / (batch + 1))}  ${seconds.toFixed(1)} s`,
          );
        },
        onEpochEnd: async (epoch, logs) => {
          // tfjs calls this also for an epoch cut short by stopTraining: its loss and speed would be wrong.
          if (badLoss || state.batchesDone < batchesPerEpoch) return;
          const seconds = (performance.now() - epochStart) / 1000;
          const valLoss = logs?.val_loss;
          if (valLoss !== undefined && !Number.isFinite(valLoss)) {
            badLoss = { epoch: epoch + 1, batch: batchesPerEpoch, value: valLoss };
            model.stopTraining = true;
            return;
          }
          history.loss.push(logs?.loss ?? NaN);
          if (valLoss !== undefined) history.val_loss.push(valLoss);
          history.secondsPerEpoch.push(seconds);
          disposeAll(lastGood);
          lastGood = snapshotWeights(model);
          progress.log(
            `Epoch ${epoch + 1}/${options.epochs}  loss ${format(logs?.loss)}  val_loss ${format(valLoss)}  ` +
              `${seconds.toFixed(1)} s  (${Math.round(samples / seconds)} images/s)`,
          );
        },
      },
    });

    if (badLoss) {
      history.diverged = true;
      model.setWeights(lastGood);
      resetOptimizer(model);
      const kept = history.loss.length;
      throw new TrainingDivergedError(
        `The loss became ${badLoss.value} at epoch ${badLoss.epoch}, batch ${badLoss.batch}, so training stopped. ` +
          (kept > 0 ? `The weights are back to where they were after epoch ${kept}` : "The weights are back to where they started") +
          ` and the optimizer was reset. Try a smaller learning rate, and check that the inputs are finite and scaled to [0, 1].`,
        history,
      );
    }
    history.interrupted = state.stoppedBy !== undefined && history.loss.length < options.epochs;
    // A stopped run was already explained in one line; the figures describe complete runs only.
    if (!history.interrupted) summarise(history, samples, progress);
    return history;
  } finally {
    process.off("SIGINT", onInterrupt);
    disposeAll(lastGood);
  }
}

function summarise(history: TrainingHistory, samples: number, progress: ProgressReporter): void {
  const epochs = history.loss.length;
  if (epochs === 0) return;
  const totalSeconds = history.secondsPerEpoch.reduce((a, b) => a + b, 0);
  const finalValLoss = history.val_loss[history.val_loss.length - 1];
  progress.done(
    `Trained ${epochs} epoch${epochs === 1 ? "" : "s"} in ${totalSeconds.toFixed(1)} s: ` +
      `loss ${format(history.loss[epochs - 1])}, val_loss ${format(finalValLoss)}.`,
  );
  recordFigures({
    epochs,
    final_loss: history.loss[epochs - 1],
    ...(finalValLoss === undefined ? {} : { final_val_loss: finalValLoss }),
    seconds_per_epoch: totalSeconds / epochs,
    images_per_second: (samples * epochs) / totalSeconds,
  });
}

function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.getWeights().map((w) => w.clone());
}

function disposeAll(tensors: tf.Tensor[]): void {
  for (const t of tensors) t.dispose();
}

/** Replaces the optimizer by a fresh one of the same kind and settings, dropping state poisoned by NaNs. */
function resetOptimizer(model: tf.LayersModel): void {
  const old = model.optimizer;
  const kind = old.constructor as unknown as {
    fromConfig(kind: unknown, config: tf.serialization.ConfigDict): tf.Optimizer;
  };
  model.optimizer = kind.fromConfig(kind, old.getConfig());
  old.dispose();
}
