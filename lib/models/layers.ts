/**
 * Building blocks the course's conv models share: their options, seeded 3×3 convolutions, the trained model made of
 * an encoder and a decoder, and freeing models that share layers.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedAdam } from "../train/fused-adam";

/** Options for building one of the course's conv encoder–decoder models. */
export interface ConvModelOptions {
  /** Adam's learning rate (default 0.001, Keras' default). */
  learningRate?: number;
  /** Seed for the weight initialisers, so two builds start from the same weights. */
  seed?: number;
}

/** The seed of layer `index` of a model built from `seed` (undefined, so unseeded, when the model has no seed). */
export function layerSeed(seed: number | undefined, index: number): number | undefined {
  return seed === undefined ? undefined : seed + index;
}

/** A 3×3 convolution with Glorot-uniform weights drawn from `seed` (stride 1). */
export function conv3x3(
  filters: number,
  activation: "relu" | "sigmoid",
  padding: "same" | "valid",
  name: string,
  seed?: number,
): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize: 3,
    activation,
    padding,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
}

/**
 * decoder(encoder(input)) as one model named `name`, compiled with Adam (fused on wasm) and binary cross-entropy:
 * the model that is trained; it shares its layers and weights with the two halves.
 */
export function chainHalves(encoder: tf.LayersModel, decoder: tf.LayersModel, name: string, options: ConvModelOptions): tf.LayersModel {
  const input = tf.input({ shape: encoder.inputs[0].shape.slice(1) as number[], name: "input" });
  const output = decoder.apply(encoder.apply(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name });
  model.compile({ optimizer: fusedAdam(options.learningRate ?? 0.001), loss: "binaryCrossentropy" });
  return model;
}

/** Frees `trained`'s optimizer state and the weights of every model in `models` (which may share layers). */
export function disposeSharedModels(trained: tf.LayersModel, models: tf.LayersModel[]): void {
  trained.optimizer?.dispose();
  for (const model of models) {
    try {
      model.dispose();
    } catch {
      // Already disposed through a model sharing its layers.
    }
  }
}
