/** Building blocks the course's conv models share: seeded 3×3 convolutions and freeing models that share layers. */
import * as tf from "@tensorflow/tfjs";

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
