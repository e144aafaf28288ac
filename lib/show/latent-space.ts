/** Pictures of a 2-D latent space: encoded images as a coloured scatter chart, decoded grid points as one image. */
import * as tf from "@tensorflow/tfjs";
import { decodeImages, latentGridCodes } from "../models/vae-latent";
import type { VaeModels } from "../train/vae-step";
import { scatterChart, type ScatterChartOptions, type VegaLiteSpec } from "./charts";
import { showImages } from "./images";

/** A scatter chart of 2-D latent codes [N, 2], one dot per image coloured by its label. Pass it to `showChart`. */
export function latentScatterChart(codes: tf.Tensor2D, labels: string[], options: ScatterChartOptions = {}): VegaLiteSpec {
  if (codes.rank !== 2 || codes.shape[1] !== 2) {
    throw new Error(`latentScatterChart: codes must be [N, 2] (a 2-D latent space), got [${codes.shape}].`);
  }
  if (labels.length !== codes.shape[0]) {
    throw new Error(`latentScatterChart: ${codes.shape[0]} codes but ${labels.length} labels; give one label per code.`);
  }
  const values = codes.arraySync();
  return scatterChart(values.map(([x, y], i) => ({ x, y, label: labels[i] })), options);
}

/** Options for `showLatentGrid`. */
export interface LatentGridOptions {
  /** Points per side (default 15). */
  size?: number;
  /** The grid spans −extent … +extent on both axes (default 2). */
  extent?: number;
}

/**
 * The images a VAE's decoder makes at a size×size grid of evenly spaced points of its 2-D latent space, as one
 * grey image [size·28, size·28] without gaps, placed as on the scatter chart (z[0] left → right, z[1] bottom → top).
 */
export function latentGridMosaic(vae: VaeModels, options: LatentGridOptions = {}): tf.Tensor2D {
  const size = options.size ?? 15;
  return tf.tidy(() => {
    const images = decodeImages(vae, latentGridCodes(size, options.extent ?? 2));
    const [, height, width] = images.shape;
    return images.reshape([size, size, height, width]).transpose([0, 2, 1, 3]).reshape([size * height, size * width]) as tf.Tensor2D;
  });
}

/** Shows `latentGridMosaic` in the notebook, titled with the grid's extent. */
export function showLatentGrid(vae: VaeModels, options: LatentGridOptions = {}): void {
  const extent = options.extent ?? 2;
  tf.tidy(() => showImages(latentGridMosaic(vae, options), { scale: 2, title: `decoded grid: z[0] and z[1] from -${extent} to ${extent}` }));
}
