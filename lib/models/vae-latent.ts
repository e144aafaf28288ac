/** Using a trained VAE's latent space: encode images to their means, decode codes to images, lay out a grid of codes. */
import * as tf from "@tensorflow/tfjs";
import { asEncoderInput } from "../train/vae-fit";
import { latentOutputs, type VaeModels } from "../train/vae-step";
import { IMAGE_SHAPE } from "./conv-autoencoder";

/** Images per forward pass, so that thousands of images never go through the model at once. */
const ENCODE_BATCH = 500;

/** The latent means z_mean [N, latentSize] of images [N, 28, 28, 1] (or flattened): where the encoder puts each image. */
export function encodeMeans(vae: VaeModels, images: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const x = asEncoderInput(vae, images);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < x.shape[0]; start += ENCODE_BATCH) {
      const batch = tf.slice(x, start, Math.min(ENCODE_BATCH, x.shape[0] - start));
      parts.push(latentOutputs(vae.encoder.predict(batch))[0]);
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
}

/** Decodes latent codes [N, latentSize] into images [N, 28, 28, 1], whatever shape the decoder outputs them in. */
export function decodeImages(vae: VaeModels, codes: tf.Tensor): tf.Tensor4D {
  if (codes.rank !== 2) throw new Error(`decodeImages: codes must be [N, latentSize], got [${codes.shape}].`);
  return tf.tidy(() => tf.reshape(vae.decoder.predict(codes) as tf.Tensor, [codes.shape[0], ...IMAGE_SHAPE]) as tf.Tensor4D);
}

/** Reconstructs images [N, 28, 28, 1] through the VAE without sampling noise: each image decoded from its z_mean. */
export function reconstructImages(vae: VaeModels, images: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => decodeImages(vae, encodeMeans(vae, images)));
}

/**
 * The codes of a `size`×`size` grid of evenly spaced points from −extent to +extent in a 2-D latent space, row by
 * row from the top: z[0] grows from left to right, z[1] from bottom to top (as on a chart).
 */
export function latentGridCodes(size: number, extent: number): tf.Tensor2D {
  if (!Number.isInteger(size) || size < 2) throw new Error(`latentGridCodes: size must be a whole number >= 2, got ${size}.`);
  const steps = Array.from({ length: size }, (_, i) => -extent + (2 * extent * i) / (size - 1));
  const rows = [...steps].reverse().flatMap((z1) => steps.map((z0) => [z0, z1]));
  return tf.tensor2d(rows);
}
