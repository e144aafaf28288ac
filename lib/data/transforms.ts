/** Pure tensor helpers for the notebooks: noisy and low-resolution inputs, upscaled baselines, subsets, shuffles. */
import * as tf from "@tensorflow/tfjs";

/** A seeded PRNG (mulberry32): returns a function giving numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 (Fisher–Yates driven by mulberry32): the same n and seed always give the same order. */
export function seededShuffleIndices(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`seededShuffleIndices: n must be a whole number >= 0, got ${n}`);
  const random = seededRandom(seed);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = indices[i];
    indices[i] = indices[j];
    indices[j] = swap;
  }
  return indices;
}

/** Images plus Gaussian noise (mean 0, standard deviation `noiseFactor`), clipped back to [0, 1]; seeded. */
export function addGaussianNoise<T extends tf.Tensor>(images: T, noiseFactor: number, seed: number): T {
  if (!(noiseFactor >= 0)) throw new Error(`addGaussianNoise: noiseFactor must be >= 0, got ${noiseFactor}`);
  return tf.tidy(() => {
    const noise = tf.randomNormal(images.shape, 0, 1, "float32", seed);
    return tf.clipByValue(tf.add(images, tf.mul(noise, noiseFactor)), 0, 1) as T;
  });
}

/**
 * Shrinks [N, H, W, C] images by an integer factor (28×28 → 14×14 for factor 2) with average pooling.
 * Average pooling is the exact box filter for a whole-number factor: every output pixel is the mean of its
 * factor×factor block, so no input pixel is skipped (bilinear resizing samples only some pixels at factors above 2,
 * which aliases thin strokes) and the result stays in [0, 1].
 */
export function downscale(images: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`downscale: factor must be a whole number >= 1, got ${factor}`);
  if (height % factor !== 0 || width % factor !== 0) {
    throw new Error(`downscale: ${height}×${width} images cannot be shrunk by ${factor}; pick a factor that divides both`);
  }
  return tf.tidy(() => tf.avgPool(images, factor, factor, "valid"));
}

/** How `upscale` fills in the new pixels. */
export type UpscaleMethod = "nearest" | "bilinear";

/**
 * Enlarges [N, H, W, C] images by an integer factor without learning anything: `nearest` repeats every pixel as a
 * factor×factor block; `bilinear` blends the four nearest pixel centres (half-pixel centres, which undo
 * `downscale`'s block averaging as well as a straight blend can).
 */
export function upscale(images: tf.Tensor4D, factor: number, method: UpscaleMethod): tf.Tensor4D {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscale: factor must be a whole number >= 1, got ${factor}`);
  const [, height, width] = images.shape;
  const size: [number, number] = [height * factor, width * factor];
  return tf.tidy(() =>
    method === "nearest" ? tf.image.resizeNearestNeighbor(images, size) : tf.image.resizeBilinear(images, size, false, true),
  );
}

/**
 * The first `count` items along axis 0, or, with a seed, `count` items picked by seededShuffleIndices.
 * The same seed picks the same rows from tensors with the same length, so images and their labels stay paired.
 */
export function takeSubset<T extends tf.Tensor>(tensor: T, count: number, seed?: number): T {
  const available = tensor.shape[0] ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > available) {
    throw new Error(`takeSubset: count must be a whole number from 0 to ${available} (the tensor's length), got ${count}`);
  }
  return tf.tidy(() => {
    if (seed === undefined) return tf.slice(tensor, 0, count) as T;
    const picked = seededShuffleIndices(available, seed).subarray(0, count);
    return tf.gather(tensor, tf.tensor1d(picked, "int32")) as T;
  });
}
