/** Image-quality and loss measures used by the lessons. Each returns a plain number and frees its tensors. */
import * as tf from "@tensorflow/tfjs";

const EPSILON = 1e-7;

/** Mean squared error between two image batches of the same shape. */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.losses.meanSquaredError(a, b).dataSync()[0]);
}

/** Mean binary cross-entropy of predictions in (0,1) against targets in [0,1] (Keras' definition, clipped). */
export function binaryCrossEntropy(targets: tf.Tensor, predictions: tf.Tensor): number {
  return tf.tidy(() => {
    const p = tf.clipByValue(predictions, EPSILON, 1 - EPSILON);
    const perPixel = tf.add(tf.mul(targets, tf.log(p)), tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, p))));
    return -tf.mean(perPixel).dataSync()[0];
  });
}

/** Peak signal-to-noise ratio in dB for images in [0,1], averaged over the batch (Infinity for identical images). */
export function psnr(reference: tf.Tensor4D, test: tf.Tensor4D): number {
  return tf.tidy(() => {
    const perImage = tf.mean(tf.squaredDifference(reference, test), [1, 2, 3]).dataSync();
    const values = Array.from(perImage, (mse) => (mse === 0 ? Infinity : 10 * Math.log10(1 / mse)));
    return values.reduce((a, b) => a + b, 0) / values.length;
  });
}

/**
 * Structural similarity (SSIM) for single-channel images in [0,1], averaged over the batch: the standard
 * formula over 7×7 uniform windows (valid positions only), with C1 = 0.01², C2 = 0.03².
 */
export function ssim(reference: tf.Tensor4D, test: tf.Tensor4D, windowSize = 7): number {
  if (reference.shape[3] !== 1 || test.shape[3] !== 1) throw new Error("ssim expects single-channel images [N,H,W,1].");
  return tf.tidy(() => {
    const window = (t: tf.Tensor4D) => tf.avgPool(t, windowSize, 1, "valid");
    const muX = window(reference);
    const muY = window(test);
    const varX = tf.sub(window(tf.square(reference)), tf.square(muX));
    const varY = tf.sub(window(tf.square(test)), tf.square(muY));
    const cov = tf.sub(window(tf.mul(reference, test)), tf.mul(muX, muY));
    const c1 = 0.01 ** 2;
    const c2 = 0.03 ** 2;
    const numerator = tf.mul(tf.add(tf.mul(2, tf.mul(muX, muY)), c1), tf.add(tf.mul(2, cov), c2));
    const denominator = tf.mul(tf.add(tf.add(tf.square(muX), tf.square(muY)), c1), tf.add(tf.add(varX, varY), c2));
    return tf.mean(tf.div(numerator, denominator)).dataSync()[0];
  });
}

/**
 * KL divergence of N(mean, exp(logVar)) from N(0, 1), summed over latent dimensions and averaged over the batch:
 * −½·Σ(1 + logVar − mean² − exp(logVar)). Returns a scalar tensor so it can be part of a loss.
 */
export function klDivergence(mean: tf.Tensor2D, logVar: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const perDimension = tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar));
    return tf.mean(tf.mul(-0.5, tf.sum(perDimension, 1)));
  });
}

/** How close one batch of images is to the reference images: PSNR in dB and SSIM, each averaged over the batch. */
export interface QualityScore {
  /** What the images are, e.g. "noisy" or "denoised". */
  name: string;
  psnr: number;
  ssim: number;
}

/** PSNR and SSIM of each named batch against `reference` (same shape), in the order given. */
export function measureQuality(reference: tf.Tensor4D, candidates: Record<string, tf.Tensor4D>): QualityScore[] {
  return Object.entries(candidates).map(([name, images]) => {
    if (images.shape.join() !== reference.shape.join()) {
      throw new Error(`measureQuality: "${name}" has shape [${images.shape}], the reference [${reference.shape}]; they must match.`);
    }
    return { name, psnr: psnr(reference, images), ssim: ssim(reference, images) };
  });
}
