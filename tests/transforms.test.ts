import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { addGaussianNoise, downscale, seededRandom, seededShuffleIndices, takeSubset, upscale } from "../lib/data/transforms";

/** Runs `action` and checks that it leaves exactly `kept` new tensors alive (its results), then frees them. */
function assertKeeps(kept: number, action: () => tf.Tensor | tf.Tensor[]): void {
  const before = tf.memory().numTensors;
  const result = action();
  assert.equal(tf.memory().numTensors - before, kept, "intermediate tensors must be disposed");
  tf.dispose(result);
}

describe("seeded shuffles", () => {
  it("seededRandom repeats its sequence for a seed and stays in [0, 1)", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(Array.from({ length: 1000 }, () => b()), values);
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.ok(new Set(values).size > 990, "values should not repeat much");
  });

  it("seededShuffleIndices is a deterministic permutation", () => {
    const order = seededShuffleIndices(1000, 3);
    assert.ok(order instanceof Int32Array);
    assert.deepEqual(seededShuffleIndices(1000, 3), order);
    assert.deepEqual([...order].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.notDeepEqual(seededShuffleIndices(1000, 4), order, "another seed gives another order");
    const unmoved = order.filter((value, i) => value === i).length;
    assert.ok(unmoved < 20, `a shuffle leaves few items in place, got ${unmoved}`);
  });

  it("handles the edge sizes and rejects bad ones", () => {
    assert.deepEqual([...seededShuffleIndices(0, 1)], []);
    assert.deepEqual([...seededShuffleIndices(1, 1)], [0]);
    assert.throws(() => seededShuffleIndices(-1, 1), /whole number >= 0/);
    assert.throws(() => seededShuffleIndices(2.5, 1), /whole number >= 0/);
  });
});

describe("image transforms", () => {
  it("addGaussianNoise adds seeded noise of the given size, clipped to [0, 1]", () => {
    const gray = tf.fill([10, 28, 28, 1], 0.5) as tf.Tensor4D;
    const noisy = addGaussianNoise(gray, 0.1, 5);
    assert.deepEqual(noisy.shape, [10, 28, 28, 1]);
    assert.deepEqual(addGaussianNoise(gray, 0.1, 5).dataSync(), noisy.dataSync(), "same seed, same noise");
    assert.notDeepEqual(addGaussianNoise(gray, 0.1, 6).dataSync(), noisy.dataSync(), "another seed, other noise");
    const { mean, variance } = tf.moments(tf.sub(noisy, gray));
    assert.ok(Math.abs(mean.dataSync()[0]) < 0.01, `noise mean ${mean.dataSync()[0]}`);
    assert.ok(Math.abs(Math.sqrt(variance.dataSync()[0]) - 0.1) < 0.01, `noise sd ${Math.sqrt(variance.dataSync()[0])}`);

    const strong = addGaussianNoise(gray, 2, 1).dataSync();
    assert.ok(strong.every((v) => v >= 0 && v <= 1), "values are clipped");
    assert.ok(strong.some((v) => v === 0) && strong.some((v) => v === 1), "strong noise reaches both clip limits");
    assert.throws(() => addGaussianNoise(gray, -1, 1), /noiseFactor must be >= 0/);
    assertKeeps(1, () => addGaussianNoise(gray, 0.3, 2));
  });

  it("downscale averages each factor×factor block", () => {
    const image = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    const small = downscale(image, 2);
    assert.deepEqual(small.shape, [1, 2, 2, 1]);
    assert.deepEqual([...small.dataSync()], [3.5, 5.5, 11.5, 13.5]);
    assert.deepEqual(downscale(tf.zeros([3, 28, 28, 1]) as tf.Tensor4D, 2).shape, [3, 14, 14, 1]);
    assert.deepEqual(downscale(tf.zeros([3, 28, 28, 1]) as tf.Tensor4D, 4).shape, [3, 7, 7, 1]);
    assert.throws(() => downscale(image, 3), /4×4 images cannot be shrunk by 3/);
    assert.throws(() => downscale(image, 0), /factor must be a whole number >= 1/);
    assertKeeps(1, () => downscale(image, 2));
  });

  it("upscale repeats pixels (nearest) or blends neighbouring pixel centres (bilinear)", () => {
    const image = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1]);
    const nearest = upscale(image, 2, "nearest");
    assert.deepEqual(nearest.shape, [1, 4, 4, 1]);
    assert.deepEqual([...nearest.dataSync()], [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
    const bilinear = upscale(image, 2, "bilinear");
    // Half-pixel centres: an output pixel at 1/4 of the way to the next input pixel gets weights 3/4 and 1/4.
    assert.deepEqual([...bilinear.dataSync()], [0, 0.25, 0.75, 1, 0.25, 0.375, 0.625, 0.75, 0.75, 0.625, 0.375, 0.25, 1, 0.75, 0.25, 0]);
    const flat = tf.fill([2, 28, 28, 1], 0.3) as tf.Tensor4D;
    const up = upscale(downscale(flat, 2), 2, "bilinear");
    assert.deepEqual(up.shape, [2, 28, 28, 1], "downscale then upscale gives the original shape");
    assert.ok(up.dataSync().every((v) => Math.abs(v - 0.3) < 1e-6), "a flat image survives the round trip");
    assert.throws(() => upscale(image, 1.5, "nearest"), /factor must be a whole number >= 1/);
    assertKeeps(1, () => upscale(image, 3, "bilinear"));
    tf.dispose([image, nearest, bilinear, flat, up]);
  });

  it("takeSubset takes the first rows, or seeded rows that keep images and labels paired", () => {
    const n = 50;
    const images = tf.tidy(() => tf.range(0, n).reshape([n, 1, 1, 1]).tile([1, 2, 2, 1])) as tf.Tensor4D;
    const labels = tf.range(0, n, 1, "int32") as tf.Tensor1D;

    assert.deepEqual([...takeSubset(labels, 3).dataSync()], [0, 1, 2]);
    const pickedLabels = takeSubset(labels, 10, 9);
    const pickedImages = takeSubset(images, 10, 9);
    assert.deepEqual(pickedImages.shape, [10, 2, 2, 1]);
    const imageIds = [...tf.slice(pickedImages, [0, 0, 0, 0], [10, 1, 1, 1]).dataSync()];
    assert.deepEqual(imageIds, [...pickedLabels.dataSync()], "row i of the images belongs to label i");
    assert.deepEqual([...pickedLabels.dataSync()], [...seededShuffleIndices(n, 9).subarray(0, 10)]);
    assert.deepEqual(takeSubset(labels, 0).shape, [0]);
    assert.throws(() => takeSubset(labels, 51), /count must be a whole number from 0 to 50/);
    assertKeeps(1, () => takeSubset(images, 5, 1));
  });
});
