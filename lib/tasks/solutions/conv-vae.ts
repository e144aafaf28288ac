/**
 * A reference solution to notebook 06's task: the dense VAE turned convolutional. Look at it after trying the
 * task yourself; the grader (lib/tasks/conv-vae.ts) passes it.
 */
import * as tf from "@tensorflow/tfjs";
import { IMAGE_SHAPE } from "../../models/conv-autoencoder";
import { Sampling, vaeFromModels, type Vae } from "../../models/vae";

/** Options for the reference conv VAE. */
export interface ConvVaeOptions {
  /** Dimensions of the latent space (default 2, like the dense VAE). */
  latentSize?: number;
  /** Seed for the weight initialisers and the sampling noise. */
  seed?: number;
  /** Adam's learning rate (default 0.001). */
  learningRate?: number;
}

/**
 * Builds a conv VAE: 28×28×1 → conv 16 (stride 2) → 14×14×16 → conv 32 (stride 2) → 7×7×32 → flatten → dense 64 →
 * z_mean, z_log_var (2 each) → z; decoder z → dense 7·7·32 → reshape 7×7×32 → conv-transpose 32 (stride 2) → 14×14×32
 * → conv-transpose 1 (stride 2) with sigmoid → 28×28×1.
 */
export function buildConvVae(options: ConvVaeOptions = {}): Vae {
  const latentSize = options.latentSize ?? 2;
  const seedFor = (i: number) => (options.seed === undefined ? undefined : options.seed + i);
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seedFor(i) });
  const conv = (filters: number, strides: number, i: number) =>
    tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", activation: "relu", kernelInitializer: init(i) });
  const convTranspose = (filters: number, activation: "relu" | "sigmoid", i: number, name?: string) =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides: 2, padding: "same", activation, name, kernelInitializer: init(i) });
  const dense = (units: number, activation: "relu" | "linear", i: number, name?: string) =>
    tf.layers.dense({ units, activation, name, kernelInitializer: init(i) });
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(input) as tf.SymbolicTensor;

  const image = tf.input({ shape: IMAGE_SHAPE, name: "image" });
  let x = apply(conv(16, 2, 1), image); // 14×14×16
  x = apply(conv(32, 2, 2), x); // 7×7×32
  x = apply(tf.layers.flatten(), x);
  x = apply(dense(64, "relu", 3), x);
  const zMean = apply(dense(latentSize, "linear", 4, "z_mean"), x);
  const zLogVar = apply(dense(latentSize, "linear", 5, "z_log_var"), x);
  const z = apply(new Sampling({ seed: seedFor(6), name: "z" }), [zMean, zLogVar]);
  const encoder = tf.model({ inputs: image, outputs: [zMean, zLogVar, z], name: "conv_vae_encoder" });

  const code = tf.input({ shape: [latentSize], name: "latent_code" });
  let y = apply(dense(7 * 7 * 32, "relu", 7), code);
  y = apply(tf.layers.reshape({ targetShape: [7, 7, 32] }), y);
  y = apply(convTranspose(32, "relu", 8), y); // 14×14×32
  const reconstruction = apply(convTranspose(1, "sigmoid", 9, "reconstruction"), y); // 28×28×1
  const decoder = tf.model({ inputs: code, outputs: reconstruction, name: "conv_vae_decoder" });
  return vaeFromModels(encoder, decoder, options.learningRate);
}
