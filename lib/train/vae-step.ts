/** The VAE's loss and one optimisation step on a batch. */
import * as tf from "@tensorflow/tfjs";
import { klDivergence } from "../metrics";
import { formatShape, sameShape, type Shape } from "../shapes";
import type { Vae } from "../models/vae";

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

/**
 * Computes the VAE loss of a batch: images x and reconstructions in [0, 1] (any shapes with the same number of
 * pixels per image, e.g. [batch, 784] and [batch, 28, 28, 1]), latent means and log-variances.
 */
export function vaeLoss(x: tf.Tensor, reconstruction: tf.Tensor, zMean: tf.Tensor, zLogVar: tf.Tensor): VaeLoss<tf.Scalar> {
  if (x.shape[0] !== reconstruction.shape[0] || x.size !== reconstruction.size) {
    throw new Error(
      `vaeLoss: images [${x.shape}] and reconstructions [${reconstruction.shape}] must have the same number of images ` +
        `and of pixels per image; check the decoder's output shape.`,
    );
  }
  if (zMean.shape.join() !== zLogVar.shape.join() || zMean.shape[0] !== x.shape[0]) {
    throw new Error(`vaeLoss: zMean ${zMean.shape} and zLogVar ${zLogVar.shape} must match each other and the batch.`);
  }
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.reshape(reconstruction, x.shape), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const crossEntropy = tf.neg(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))));
    const reconstructionLoss = tf.mean(perExampleSum(crossEntropy)) as tf.Scalar;
    const kl = klDivergence(zMean as tf.Tensor2D, zLogVar as tf.Tensor2D);
    return { total: tf.add(reconstructionLoss, kl) as tf.Scalar, reconstruction: reconstructionLoss, kl };
  });
}

/** The two models of a VAE: an encoder giving [zMean, zLogVar, z] and a decoder mapping z back to an image. */
export type VaeModels = Pick<Vae, "encoder" | "decoder">;

/** Trainable variables of both halves of the VAE. */
function trainableVariables(vae: VaeModels): tf.Variable[] {
  return [...vae.encoder.trainableWeights, ...vae.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
}

/** The shape of one example the encoder takes, e.g. [784] for the dense VAE or [28, 28, 1] for a conv one. */
export function encoderInputShape(vae: VaeModels): number[] {
  return (vae.encoder.inputs[0].shape as number[]).slice(1);
}

/** What is wrong with an encoder that does not give the VAE's three codes. */
const notThreeOutputs = (count: number) => `the encoder must output three tensors [zMean, zLogVar, z], but it outputs ${count}`;
const capitalised = (text: string) => text[0].toUpperCase() + text.slice(1);

/** The encoder's outputs checked to be [zMean, zLogVar, z], with a message that says what is wrong otherwise. */
export function latentOutputs(outputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!Array.isArray(outputs) || outputs.length !== 3) throw new Error(notThreeOutputs(Array.isArray(outputs) ? outputs.length : 1));
  return outputs as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * Checks, before any training, that the two models fit together as a VAE: the encoder outputs three codes
 * [null, k], the decoder takes [null, k] and outputs as many pixels per image as the encoder takes. Throws a
 * message that names the fix otherwise (a mismatch would surface mid-training as an obscure reshape error).
 */
export function checkVaeShapes(vae: VaeModels): void {
  const { encoder, decoder } = vae;
  const codes = encoder.outputs.map((output) => output.shape);
  if (codes.length !== 3) throw new Error(`${capitalised(notThreeOutputs(codes.length))}.`);
  const latent = codes[0];
  if (codes.some((shape) => shape.length !== 2 || !sameShape(shape, latent))) {
    throw new Error(
      `The encoder's outputs have shapes ${codes.map(formatShape).join(", ")}, but z_mean, z_log_var and z must each be ` +
        "[null, latent size], one code per image: flatten the last feature map (tf.layers.flatten()) before the dense " +
        "z_mean and z_log_var layers, and give both the same number of units.",
    );
  }
  const decoderInput = decoder.inputs.map((input) => input.shape);
  if (decoderInput.length !== 1 || !sameShape(decoderInput[0], latent)) {
    throw new Error(
      `The decoder takes ${decoderInput.map(formatShape).join(", ")}, but the encoder's codes are ${formatShape(latent)}: ` +
        `start the decoder with tf.input({ shape: [${latent[1]}] }).`,
    );
  }
  const pixels = (shape: Shape) => shape.slice(1).reduce<number>((product, dim) => product * (dim ?? NaN), 1);
  const [imageShape, outputShape] = [encoder.inputs[0].shape, decoder.outputs[0].shape];
  if (decoder.outputs.length !== 1 || pixels(outputShape) !== pixels(imageShape)) {
    throw new Error(
      `The decoder outputs ${decoder.outputs.map((output) => formatShape(output.shape)).join(", ")}, but the encoder ` +
        `takes images ${formatShape(imageShape)}: the decoder must give back one image of the same size (check its last layers).`,
    );
  }
}

/** One optimisation step on a batch of images in [0, 1], shaped as the encoder takes them; returns the losses before the update. */
export function vaeTrainStep(vae: VaeModels, optimizer: tf.Optimizer, batch: tf.Tensor): VaeLoss<number> {
  const expected = encoderInputShape(vae);
  if (batch.shape.slice(1).join() !== expected.join()) {
    const fix = expected.length === 1 ? "flatten the images first" : "reshape the images to that shape";
    throw new Error(`vaeTrainStep: batch must be [batchSize, ${expected}], got [${batch.shape}]; ${fix}.`);
  }
  let parts: tf.Scalar[] = [];
  const total = optimizer.minimize(
    () => {
      const [zMean, zLogVar, z] = latentOutputs(vae.encoder.apply(batch) as tf.Tensor | tf.Tensor[]);
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
