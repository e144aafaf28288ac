/** The super-resolution model of notebook 03: 14×14×1 low-resolution images → 28×28×1 images. */
import * as tf from "@tensorflow/tfjs";
import { IMAGE_SHAPE } from "./conv-autoencoder";
import { chainHalves, conv3x3, disposeSharedModels, layerSeed, type ConvModelOptions } from "./layers";

/** Shape of one low-resolution input image: the 28×28×1 originals shrunk by 2 on each side. */
export const LOW_RES_SHAPE: [number, number, number] = [14, 14, 1];
/** Shape of the encoder's feature maps: 16 channels at the input's 14×14 resolution. */
export const FEATURE_SHAPE: [number, number, number] = [14, 14, 16];

/** The super-resolution model with its two halves; the three models share the same layers and weights. */
export interface SuperResolutionModel {
  /** low-resolution image → high-resolution image; the model that is compiled and trained. */
  model: tf.LayersModel;
  /** low-resolution image → 14×14×16 feature maps. */
  encoder: tf.LayersModel;
  /** feature maps → 28×28×1 image (up-sampling, then convolutions). */
  decoder: tf.LayersModel;
  /** Frees the weights of all three models and the optimizer's state. */
  dispose(): void;
}

/** Options for building the super-resolution model: learning rate and seed. */
export type SuperResolutionOptions = ConvModelOptions;

/** Builds the model (two 3×3 convolutions at 14×14, ×2 up-sampling, two at 28×28), compiled with Adam and BCE. */
export function buildSuperResolution(options: SuperResolutionOptions = {}): SuperResolutionModel {
  const seedFor = (i: number) => layerSeed(options.seed, i);

  const lowRes = tf.input({ shape: LOW_RES_SHAPE, name: "low_res" });
  const hidden = conv3x3(FEATURE_SHAPE[2], "relu", "same", "enc_conv1", seedFor(1)).apply(lowRes) as tf.SymbolicTensor;
  const features = conv3x3(FEATURE_SHAPE[2], "relu", "same", "features", seedFor(2)).apply(hidden) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: lowRes, outputs: features, name: "sr_encoder" });

  const featureInput = tf.input({ shape: FEATURE_SHAPE, name: "feature_maps" });
  let y = tf.layers.upSampling2d({ size: [2, 2], name: "dec_up" }).apply(featureInput) as tf.SymbolicTensor;
  y = conv3x3(8, "relu", "same", "dec_conv1", seedFor(3)).apply(y) as tf.SymbolicTensor;
  const highRes = conv3x3(IMAGE_SHAPE[2], "sigmoid", "same", "high_res", seedFor(4)).apply(y) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: featureInput, outputs: highRes, name: "sr_decoder" });

  const model = chainHalves(encoder, decoder, "super_resolution", options);

  return { model, encoder, decoder, dispose: () => disposeSharedModels(model, [model, encoder, decoder]) };
}
