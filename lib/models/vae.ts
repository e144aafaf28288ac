/** The lesson's dense variational autoencoder: 784 → 512 → (z_mean, z_log_var) → z → 512 → 784. */
import * as tf from "@tensorflow/tfjs";
import { fusedAdam } from "../train/fused-adam";

/** Options for building the dense VAE; every size can be changed by a learner. */
export interface DenseVaeOptions {
  /** Pixels per flattened image (default 784 = 28×28). */
  inputSize?: number;
  /** Units of the hidden layer in the encoder and in the decoder (default 512). */
  hiddenSize?: number;
  /** Dimensions of the latent space (default 2, so codes can be plotted). */
  latentSize?: number;
  /** Seed for the weight initialisers and the sampling noise, so two builds behave identically. */
  seed?: number;
  /** Adam's learning rate (default 0.001). */
  learningRate?: number;
}

/** Any VAE the course trains (dense or convolutional): an encoder, a decoder and the optimizer that updates both. */
export interface Vae {
  /** image → [zMean, zLogVar, z], each [batch, latentSize]; z is a fresh sample on every call. */
  encoder: tf.LayersModel;
  /** latent code [batch, latentSize] → reconstruction of the image, in (0, 1). */
  decoder: tf.LayersModel;
  /** Adam for both halves; training replaces it by a fresh one after a NaN loss. */
  optimizer: tf.Optimizer;
  /** Frees the weights of both models and the optimizer's state. */
  dispose(): void;
}

/** The dense VAE: two separate models sharing nothing, working on flattened images. */
export interface DenseVae extends Vae {
  inputSize: number;
  latentSize: number;
}

/** Makes a Vae of an encoder and a decoder, with its own Adam optimizer (fusedAdam: fast on wasm). */
export function vaeFromModels(encoder: tf.LayersModel, decoder: tf.LayersModel, learningRate = 0.001): Vae {
  return {
    encoder,
    decoder,
    optimizer: fusedAdam(learningRate),
    dispose() {
      encoder.dispose();
      decoder.dispose();
      this.optimizer.dispose();
    },
  };
}

interface SamplingConfig {
  /** null when read back from a saved model that had no seed. */
  seed?: number | null;
  name?: string;
}

/**
 * The reparameterisation trick: z = mean + exp(0.5·logVar)·ε with ε ~ N(0, 1), so gradients flow into mean and
 * logVar. With a seed, the n-th call draws its ε from seed + n: repeatable, yet different on every step.
 */
export class Sampling extends tf.layers.Layer {
  static className = "Sampling";
  private readonly seed?: number;
  private draws = 0;

  constructor(config: SamplingConfig = {}) {
    super(config);
    this.seed = config.seed ?? undefined;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [mean, logVar] = inputs as tf.Tensor[];
      const seed = this.seed === undefined ? undefined : this.seed + this.draws;
      this.draws += 1;
      const epsilon = tf.randomNormal(mean.shape, 0, 1, "float32", seed);
      return tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), epsilon));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed ?? null };
  }
}
tf.serialization.registerClass(Sampling);

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`buildDenseVae: ${name} must be a whole number >= 1, got ${value}.`);
  }
  return value;
}

/** Builds the dense VAE's encoder and decoder with their optimizer (train it with trainVae). */
export function buildDenseVae(options: DenseVaeOptions = {}): DenseVae {
  const inputSize = positiveInteger(options.inputSize ?? 784, "inputSize");
  const hiddenSize = positiveInteger(options.hiddenSize ?? 512, "hiddenSize");
  const latentSize = positiveInteger(options.latentSize ?? 2, "latentSize");
  const seedFor = (i: number) => (options.seed === undefined ? undefined : options.seed + i);
  const dense = (units: number, activation: "relu" | "sigmoid" | "linear", name: string, i: number) =>
    tf.layers.dense({ units, activation, name, kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(i) }) });

  const image = tf.input({ shape: [inputSize], name: "image" });
  const hidden = dense(hiddenSize, "relu", "enc_hidden", 1).apply(image) as tf.SymbolicTensor;
  const zMean = dense(latentSize, "linear", "z_mean", 2).apply(hidden) as tf.SymbolicTensor;
  const zLogVar = dense(latentSize, "linear", "z_log_var", 3).apply(hidden) as tf.SymbolicTensor;
  const z = new Sampling({ seed: seedFor(4), name: "z" }).apply([zMean, zLogVar]) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: image, outputs: [zMean, zLogVar, z], name: "vae_encoder" });

  const code = tf.input({ shape: [latentSize], name: "latent_code" });
  const decoderHidden = dense(hiddenSize, "relu", "dec_hidden", 5).apply(code) as tf.SymbolicTensor;
  const reconstruction = dense(inputSize, "sigmoid", "reconstruction", 6).apply(decoderHidden) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: code, outputs: reconstruction, name: "vae_decoder" });

  return { ...vaeFromModels(encoder, decoder, options.learningRate), inputSize, latentSize };
}
