/** Training for the course's Keras-style models: tfjs's fit with the shared live progress, NaN guard and stops. */
import * as tf from "@tensorflow/tfjs";
import { trainingProgress, type ProgressReporter } from "./progress";
import { freshOptimizer, runTraining, type TrainingHistory } from "./run";

export { TrainingDivergedError, type TrainingHistory } from "./run";

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
  const settings = {
    owner: model,
    models: [model],
    resetOptimizer: () => void (model.optimizer = freshOptimizer(model.optimizer)),
    epochs: options.epochs,
    samples: inputs.shape[0],
    batchSize: options.batchSize,
    progress: options.progress ?? trainingProgress(),
    onStop: () => void (model.stopTraining = true), // tfjs stops after the batch it is on
  };
  const history: TrainingHistory = { loss: [], val_loss: [], secondsPerEpoch: [], diverged: false, interrupted: false };
  return runTraining(settings, history, async (run) => {
    await model.fit(inputs, targets, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      validationData: options.validationData,
      verbose: 0,
      callbacks: {
        onEpochBegin: async (epoch) => run.beginEpoch(epoch + 1),
        onBatchEnd: async (batch, logs) => {
          run.endBatch(batch + 1, { loss: logs?.loss ?? NaN });
          if (run.stopping) model.stopTraining = true; // also a stop that came before fit reset the flag
        },
        onEpochEnd: async (_epoch, logs) => {
          run.endEpoch({ loss: logs?.loss ?? NaN, val_loss: logs?.val_loss });
          if (run.stopping) model.stopTraining = true;
        },
      },
    });
  });
}
