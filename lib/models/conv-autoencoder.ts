/** The lesson's convolutional autoencoder: 28×28×1 images → 4×4×8 latent codes → 28×28×1 reconstructions. */
import * as tf from "@tensorflow/tfjs";
import { chainHalves, conv3x3 as conv, disposeSharedModels, layerSeed, type ConvModelOptions } from "./layers";

/** Shape of one input image: height, width, channels. */
export const IMAGE_SHAPE: [number, number, number] = [28, 28, 1];
/** Shape of one latent code: 4×4 positions × 8 channels = 128 numbers. */
export const LATENT_SHAPE: [number, number, number] = [4, 4, 8];

/** An autoencoder with its two halves; the three models share the same layers and weights. */
export interface Autoencoder {
  /** input → reconstruction; the model that is compiled and trained. */
  autoencoder: tf.LayersModel;
  /** input → latent code. */
  encoder: tf.LayersModel;
  /** latent code → reconstruction. */
  decoder: tf.LayersModel;
  /** Frees the weights of all three models and the optimizer's state. */
  dispose(): void;
}

/** Options for building the conv autoencoder: learning rate and seed. */
export type ConvAutoencoderOptions = ConvModelOptions;

/** Builds the lesson's conv autoencoder, compiled with Adam and binary cross-entropy. */
export function buildConvAutoencoder(options: ConvAutoencoderOptions = {}): Autoencoder {
  const seedFor = (i: number) => layerSeed(options.seed, i);

  const image = tf.input({ shape: IMAGE_SHAPE, name: "image" });
  let x = conv(16, "relu", "same", "enc_conv1", seedFor(1)).apply(image) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, padding: "same", name: "enc_pool1" }).apply(x) as tf.SymbolicTensor;
  x = conv(8, "relu", "same", "enc_conv2", seedFor(2)).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, padding: "same", name: "enc_pool2" }).apply(x) as tf.SymbolicTensor;
  x = conv(8, "relu", "same", "enc_conv3", seedFor(3)).apply(x) as tf.SymbolicTensor;
  const code = tf.layers.maxPooling2d({ poolSize: 2, padding: "same", name: "latent" }).apply(x) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: image, outputs: code, name: "encoder" });

  const latent = tf.input({ shape: LATENT_SHAPE, name: "latent_code" });
  let y = conv(8, "relu", "same", "dec_conv1", seedFor(4)).apply(latent) as tf.SymbolicTensor;
  y = tf.layers.upSampling2d({ size: [2, 2], name: "dec_up1" }).apply(y) as tf.SymbolicTensor;
  y = conv(8, "relu", "same", "dec_conv2", seedFor(5)).apply(y) as tf.SymbolicTensor;
  y = tf.layers.upSampling2d({ size: [2, 2], name: "dec_up2" }).apply(y) as tf.SymbolicTensor;
  y = conv(16, "relu", "valid", "dec_conv3", seedFor(6)).apply(y) as tf.SymbolicTensor;
  y = tf.layers.upSampling2d({ size: [2, 2], name: "dec_up3" }).apply(y) as tf.SymbolicTensor;
  const reconstruction = conv(1, "sigmoid", "same", "reconstruction", seedFor(7)).apply(y) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: latent, outputs: reconstruction, name: "decoder" });

  const autoencoder = chainHalves(encoder, decoder, "conv_autoencoder", options);

  return {
    autoencoder,
    encoder,
    decoder,
    dispose: () => disposeSharedModels(autoencoder, [autoencoder, encoder, decoder]),
  };
}

/**
 * Random latent codes that resemble `codes` number by number: each of a code's numbers is drawn from a normal
 * distribution with that number's mean and standard deviation over `codes`, then clipped at 0 (the encoder's
 * ReLU and max-pooling never output negatives).
 */
export function randomCodesLike(codes: tf.Tensor4D, count: number, seed?: number): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(codes, 0);
    const noise = tf.randomNormal([count, ...codes.shape.slice(1)], 0, 1, "float32", seed);
    return tf.relu(tf.add(mean, tf.mul(noise, tf.sqrt(variance)))) as tf.Tensor4D;
  });
}
