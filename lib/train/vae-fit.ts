/** Training a VAE (dense or convolutional) over shuffled batches, with the course's live progress and guards. */
import * as tf from "@tensorflow/tfjs";
import { seededShuffleIndices } from "../data/transforms";
import type { Vae } from "../models/vae";
import { trainingProgress, type ProgressReporter } from "./progress";
import { freshOptimizer, runTraining, type TrainingHistory } from "./run";
import { checkVaeShapes, encoderInputShape, latentOutputs, vaeLoss, vaeTrainStep, type VaeModels } from "./vae-step";

/** Settings of one VAE training run. */
export interface VaeTrainOptions {
  epochs: number;
  batchSize: number;
  /** Images whose VAE loss is measured after each epoch (`val_loss`). */
  validationImages?: tf.Tensor;
  /** Seed of the per-epoch shuffles, so two runs see the same batches (default 0). */
  seed?: number;
  /** Where progress goes (default: a live line in the notebook plus one line per epoch). */
  progress?: ProgressReporter;
}

/** Per-epoch losses of a VAE run: the total (`loss`), its two parts (means over the epoch's batches) and `val_loss`. */
export interface VaeHistory extends TrainingHistory {
  /** Binary cross-entropy summed over the pixels of an image. */
  reconstruction_loss: number[];
  /** KL divergence of the encoded distribution from N(0, I). */
  kl_loss: number[];
}

/** The encoder each history returned by trainVae was trained with, so a grader can tell a stale history. */
const trainedEncoders = new WeakMap<VaeHistory, tf.LayersModel>();

/** True when `history` came from trainVae training this very VAE (not an earlier model of a re-run cell). */
export function isHistoryOf(history: VaeHistory, vae: VaeModels): boolean {
  return trainedEncoders.get(history) === vae.encoder;
}

/** Images per forward pass when measuring a loss without training. */
const EVALUATION_BATCH = 500;

/**
 * `images` ([N, …]) reshaped to what the encoder takes, e.g. [N, 28, 28, 1] → [N, 784] for the dense VAE. The
 * result is a new tensor sharing the data (dispose it); it throws when an image has the wrong number of pixels.
 */
export function asEncoderInput(vae: VaeModels, images: tf.Tensor): tf.Tensor {
  const shape = encoderInputShape(vae);
  if (images.size / images.shape[0] !== tf.util.sizeFromShape(shape)) {
    throw new Error(`The encoder takes images of shape [${shape}], which images of shape [${images.shape.slice(1)}] cannot be reshaped to.`);
  }
  return tf.reshape(images, [images.shape[0], ...shape]);
}

/** The mean VAE loss (reconstruction + KL, with sampled codes as in training) of `images`, in batches. */
export function vaeEvaluate(vae: VaeModels, images: tf.Tensor): number {
  const x = asEncoderInput(vae, images);
  const count = x.shape[0];
  let sum = 0;
  try {
    for (let start = 0; start < count; start += EVALUATION_BATCH) {
      const size = Math.min(EVALUATION_BATCH, count - start);
      sum += size * tf.tidy(() => {
        const batch = tf.slice(x, start, size);
        const [zMean, zLogVar, z] = latentOutputs(vae.encoder.predict(batch));
        return vaeLoss(batch, vae.decoder.predict(z) as tf.Tensor, zMean, zLogVar).total.dataSync()[0];
      });
    }
  } finally {
    x.dispose();
  }
  return sum / count;
}

/**
 * Trains a VAE on `images` (any shape the encoder's input can be reshaped from) for the given epochs over shuffled
 * batches, minimising reconstruction BCE + KL with `vae.optimizer`. Progress, NaN guard, interrupt and re-run
 * behave as in trainModel; re-running continues from what the model has learned.
 */
export async function trainVae(vae: Vae, images: tf.Tensor, options: VaeTrainOptions): Promise<VaeHistory> {
  checkVaeShapes(vae);
  const samples = images.shape[0];
  const settings = {
    owner: vae.encoder,
    models: [vae.encoder, vae.decoder],
    resetOptimizer: () => void (vae.optimizer = freshOptimizer(vae.optimizer)),
    epochs: options.epochs,
    samples,
    batchSize: options.batchSize,
    progress: options.progress ?? trainingProgress(),
  };
  const history: VaeHistory = {
    loss: [], reconstruction_loss: [], kl_loss: [], val_loss: [], secondsPerEpoch: [], diverged: false, interrupted: false,
  };
  trainedEncoders.set(history, vae.encoder);
  const x = asEncoderInput(vae, images);
  try {
    return await runTraining(settings, history, async (run) => {
      for (let epoch = 1; epoch <= options.epochs && !run.stopping; epoch++) {
        run.beginEpoch(epoch);
        const order = seededShuffleIndices(samples, (options.seed ?? 0) + epoch);
        for (let start = 0, batch = 1; start < samples && !run.stopping; start += options.batchSize, batch++) {
          const indices = tf.tensor1d(order.subarray(start, start + options.batchSize), "int32");
          const batchImages = tf.gather(x, indices);
          const losses = vaeTrainStep(vae, vae.optimizer, batchImages);
          tf.dispose([indices, batchImages]);
          run.endBatch(batch, { loss: losses.total, reconstruction_loss: losses.reconstruction, kl_loss: losses.kl });
          await tf.nextFrame(); // lets a kernel interrupt and the live progress line through
        }
        if (run.epochFinished) {
          const validation = options.validationImages;
          run.endEpoch({ ...run.epochMeans(), val_loss: validation && vaeEvaluate(vae, validation) });
        }
      }
    });
  } finally {
    x.dispose();
  }
}
