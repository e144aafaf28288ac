/** The VAE's loss and one optimisation step on a batch. */
import * as tf from "@tensorflow/tfjs";
import { klDivergence } from "../metrics";
import type { DenseVae } from "../models/vae";

/** Keeps log() finite for reconstructions that saturate at 0 or 1 (Keras uses the same epsilon). */
const PROBABILITY_EPSILON = 1e-7;

/** The VAE loss and its two parts; each is a mean over the batch. */
export interface VaeLoss<T> {
  /** reconstruction + kl: what the optimiser minimises. */
  total: T;
  /** Binary cross-entropy summed over pixels. */
  reconstruction: T;
  /** KL divergence of N(zMean, exp(zLogVar)) from N(0, 1), summed over latent dimensions. */
  kl: T;
}

function perExampleSum(x: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(x, [x.shape[0], -1]), 1);
}

/** Computes the VAE loss of a batch: images x and reconstructions in [0, 1], latent means and log-variances. */
export function vaeLoss(x: tf.Tensor, reconstruction: tf.Tensor, zMean: tf.Tensor, zLogVar: tf.Tensor): VaeLoss<tf.Scalar> {
  if (x.shape.join() !== reconstruction.shape.join()) {
    throw new Error(`vaeLoss: images ${x.shape} and reconstructions ${reconstruction.shape} must have the same shape.`);
  }
  if (zMean.shape.join() !== zLogVar.shape.join() || zMean.shape[0] !== x.shape[0]) {
    throw new Error(`vaeLoss: zMean ${zMean.shape} and zLogVar ${zLogVar.shape} must match each other and the batch.`);
  }
  return tf.tidy(() => {
    const p = tf.clipByValue(reconstruction, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const crossEntropy = tf.neg(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))));
    const reconstructionLoss = tf.mean(perExampleSum(crossEntropy)) as tf.Scalar;
    const kl = klDivergence(zMean as tf.Tensor2D, zLogVar as tf.Tensor2D);
    return { total: tf.add(reconstructionLoss, kl) as tf.Scalar, reconstruction: reconstructionLoss, kl };
  });
}

/** Trainable variables of both halves of the VAE. */
function trainableVariables(vae: DenseVae): tf.Variable[] {
  return [...vae.encoder.trainableWeights, ...vae.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
}

/** One optimisation step on a batch of flattened images in [0, 1]; returns the batch's losses before the update. */
export function vaeTrainStep(vae: DenseVae, optimizer: tf.Optimizer, batch: tf.Tensor2D): VaeLoss<number> {
  if (batch.rank !== 2 || batch.shape[1] !== vae.inputSize) {
    throw new Error(`vaeTrainStep: batch must be [batchSize, ${vae.inputSize}], got [${batch.shape}]; flatten the images first.`);
  }
  let parts: tf.Scalar[] = [];
  const total = optimizer.minimize(
    () => {
      const [zMean, zLogVar, z] = vae.encoder.apply(batch) as tf.Tensor[];
      const reconstruction = vae.decoder.apply(z) as tf.Tensor;
      const loss = vaeLoss(batch, reconstruction, zMean, zLogVar);
      // minimize() frees everything made in here except its result; keep the parts for reporting.
      parts = [tf.keep(loss.reconstruction), tf.keep(loss.kl)];
      return loss.total;
    },
    true,
    trainableVariables(vae),
  ) as tf.Scalar;
  const stacked = tf.stack([total, ...parts]);
  const values = stacked.dataSync(); // one read-back instead of three
  tf.dispose([stacked, total, ...parts]);
  return { total: values[0], reconstruction: values[1], kl: values[2] };
}
