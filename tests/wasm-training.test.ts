import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { registerCpuFixes } from "../lib/backend/cpu-fixes";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, wasmTrainingKernels } from "../lib/backend/wasm-training";
import { buildConvAutoencoder } from "../lib/models/conv-autoencoder";
import { assertMatchesCpu, gradientsOf, onWasmWithCourseKernels, outputsOf } from "./helpers/compare-backends";
import { pseudoRandom } from "./helpers/pseudo-random";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

describe("wasm training kernels", function () {
  onWasmWithCourseKernels();

  it("registers every kernel for wasm, idempotently, and unregister restores working stock kernels", async () => {
    await tf.setBackend("wasm");
    const names = wasmTrainingKernels.map((k) => k.kernelName);
    assert.deepEqual(registerWasmTrainingKernels(), names);
    for (const config of wasmTrainingKernels) assert.equal(tf.getKernel(config.kernelName, "wasm"), config);
    unregisterWasmTrainingKernels();
    unregisterWasmTrainingKernels();
    assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm"), undefined, "stock wasm has no filter gradient");
    assert.ok(!wasmTrainingKernels.some((k) => tf.getKernel(k.kernelName, "wasm") === k));
    // Ours were registered when the backend started, so the stock kernels' setup must have been redone.
    tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
      const w = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
      const pooled = (t: tf.Tensor) => tf.image.resizeNearestNeighbor(tf.avgPool(tf.maxPool(t as tf.Tensor4D, 2, 2, "same"), 1, 1, "same"), [4, 4]);
      assert.equal(tf.grad((t) => tf.sum(pooled(t)))(x).shape.length, 4);
      assert.equal(tf.grad((t) => tf.sum(tf.conv2d(t as tf.Tensor4D, w, 1, "same")))(x).shape.length, 4);
    });
    assert.deepEqual(registerWasmTrainingKernels(), names);
  });

  const convCases: { n: number; h: number; w: number; ci: number; co: number; k: number; s: number; pad: Pad }[] = [
    { n: 1, h: 7, w: 7, ci: 1, co: 1, k: 1, s: 1, pad: "same" },
    { n: 2, h: 13, w: 13, ci: 3, co: 5, k: 3, s: 1, pad: "same" },
    { n: 2, h: 13, w: 11, ci: 4, co: 8, k: 3, s: 2, pad: "same" },
    { n: 3, h: 13, w: 13, ci: 8, co: 4, k: 5, s: 1, pad: "valid" },
    { n: 2, h: 7, w: 7, ci: 32, co: 16, k: 5, s: 2, pad: "valid" },
    { n: 2, h: 12, w: 12, ci: 6, co: 2, k: 3, s: 2, pad: "valid" },
    { n: 4, h: 28, w: 28, ci: 1, co: 16, k: 3, s: 1, pad: "same" },
    { n: 4, h: 28, w: 28, ci: 16, co: 1, k: 3, s: 1, pad: "same" },
    { n: 3, h: 14, w: 14, ci: 16, co: 32, k: 3, s: 2, pad: "same" },
    { n: 2, h: 16, w: 16, ci: 8, co: 16, k: 3, s: 1, pad: "valid" },
    { n: 5, h: 8, w: 8, ci: 2, co: 3, k: 3, s: 1, pad: 1 },
    { n: 2, h: 9, w: 10, ci: 2, co: 3, k: 5, s: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { n: 128, h: 28, w: 28, ci: 1, co: 8, k: 3, s: 1, pad: "same" },
    // Stride 1 with channels in fours takes the padded-grid filter gradient, from planes of x or of dy.
    { n: 2, h: 9, w: 10, ci: 4, co: 8, k: 3, s: 1, pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
    { n: 3, h: 11, w: 9, ci: 8, co: 3, k: 5, s: 1, pad: "same" },
    { n: 2, h: 6, w: 6, ci: 12, co: 4, k: 1, s: 1, pad: "valid" },
  ];
  for (const c of convCases) {
    it(`conv2d gradients (x, filter) match cpu: ${c.n}×${c.h}×${c.w}×${c.ci} → ${c.co}, ${c.k}×${c.k}, stride ${c.s}, pad ${JSON.stringify(c.pad)}`, async () => {
      const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad);
      await assertMatchesCpu("conv2d", gradientsOf(conv, [[c.n, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co]], c.n * 7 + c.ci));
    });
  }

  const poolCases: { n: number; h: number; w: number; c: number; size: number | [number, number]; s: number | [number, number]; pad: Pad }[] = [
    { n: 1, h: 7, w: 7, c: 1, size: 2, s: 2, pad: "same" },
    { n: 2, h: 13, w: 13, c: 3, size: 3, s: 2, pad: "valid" },
    { n: 2, h: 13, w: 11, c: 5, size: 3, s: 1, pad: "same" },
    { n: 3, h: 28, w: 28, c: 16, size: 2, s: 2, pad: "same" },
    { n: 2, h: 9, w: 9, c: 4, size: [3, 2], s: [2, 1], pad: "valid" },
    { n: 2, h: 10, w: 10, c: 32, size: 5, s: 2, pad: 1 },
    { n: 128, h: 14, w: 14, c: 8, size: 2, s: 2, pad: "same" },
    // Channels in fours take the SIMD loop: windows clipped at both edges, and overlapping windows with ties.
    { n: 2, h: 7, w: 9, c: 8, size: 3, s: 2, pad: "same" },
    { n: 2, h: 6, w: 7, c: 4, size: 3, s: 1, pad: "same" },
  ];
  for (const p of poolCases) {
    const label = `${p.n}×${p.h}×${p.w}×${p.c}, window ${JSON.stringify(p.size)}, stride ${JSON.stringify(p.s)}, pad ${JSON.stringify(p.pad)}`;
    const shape = [[p.n, p.h, p.w, p.c]];
    it(`maxPool gradient matches cpu, including ties after relu: ${label}`, async () => {
      const pad = p.pad as "same" | "valid" | number;
      await assertMatchesCpu("maxPool", gradientsOf((x) => tf.maxPool(x as tf.Tensor4D, p.size, p.s, pad), shape, p.h));
      await assertMatchesCpu("maxPool of relu", gradientsOf((x) => tf.maxPool(tf.relu(x) as tf.Tensor4D, p.size, p.s, pad), shape, p.h + 1));
    });
    it(`avgPool gradient matches cpu: ${label}`, async () => {
      await assertMatchesCpu("avgPool", gradientsOf((x) => tf.avgPool(x as tf.Tensor4D, p.size, p.s, p.pad as "same" | "valid" | number), shape, p.w));
    });
  }

  const resizeCases: { shape: number[]; size: [number, number]; alignCorners?: boolean; halfPixelCenters?: boolean }[] = [
    { shape: [1, 4, 4, 1], size: [8, 8] },
    { shape: [2, 7, 7, 3], size: [14, 14] },
    { shape: [3, 14, 14, 16], size: [28, 28] },
    { shape: [2, 5, 7, 2], size: [15, 21] },
    { shape: [2, 5, 5, 2], size: [13, 11] },
    { shape: [2, 6, 5, 3], size: [4, 3] },
    { shape: [2, 4, 4, 3], size: [8, 8], alignCorners: true },
    { shape: [2, 5, 6, 3], size: [13, 7], alignCorners: true },
    { shape: [2, 4, 4, 3], size: [12, 8], halfPixelCenters: true },
    { shape: [128, 7, 7, 8], size: [14, 14] },
    // Channels in fours with whole-number factors take the SIMD forward pass too.
    { shape: [2, 5, 7, 4], size: [15, 14] },
    { shape: [2, 4, 4, 4], size: [8, 8], alignCorners: true },
    { shape: [2, 4, 4, 8], size: [12, 8], halfPixelCenters: true },
  ];
  for (const r of resizeCases) {
    it(`resizeNearestNeighbor and its gradient match cpu: ${r.shape.join("×")} → ${r.size.join("×")}${r.alignCorners ? ", alignCorners" : ""}${r.halfPixelCenters ? ", halfPixelCenters" : ""}`, async () => {
      const resize = (x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, r.size, r.alignCorners, r.halfPixelCenters);
      // cpu's own ResizeNearestNeighborGrad reads dy at the wrong batch offset when batch > 1 (tfjs 4.22), so the
      // reference gradient goes through gathers of the rows and columns that cpu's forward pass copies.
      const sourceIndices = (axis: 1 | 2) => {
        const inSize = r.shape[axis];
        const ramp = tf.range(0, inSize).reshape(axis === 1 ? [1, inSize, 1, 1] : [1, 1, inSize, 1]);
        const picked = tf.image.resizeNearestNeighbor(ramp as tf.Tensor4D, axis === 1 ? [r.size[0], 1] : [1, r.size[1]], r.alignCorners, r.halfPixelCenters);
        return tf.cast(picked.reshape([-1]), "int32");
      };
      const gathered = (x: tf.Tensor) => tf.gather(tf.gather(x, sourceIndices(1), 1), sourceIndices(2), 2);
      const seed = r.size[0] * 31 + r.shape[3];
      await assertMatchesCpu("resize", outputsOf(resize, [r.shape], seed));
      await assertMatchesCpu("resize gradient", gradientsOf(resize, [r.shape], seed), gradientsOf(gathered, [r.shape], seed));
    });
  }

  it("rejects dilated convolution gradients with a clear message", async () => {
    await tf.setBackend("wasm");
    const convInput = tf.getKernel("Conv2DBackpropInput", "wasm")!;
    tf.tidy(() => {
      const dy = tf.ones([1, 4, 4, 1]);
      const filter = tf.ones([3, 3, 1, 1]);
      const backend = tf.backend();
      assert.throws(
        () => convInput.kernelFunc({ inputs: { dy, filter }, backend, attrs: { strides: 1, pad: "same", dilations: 2, inputShape: [1, 4, 4, 1] } }),
        /dilation 1 only/,
      );
    });
  });

  /** Trains the conv autoencoder for `steps` steps on fixed data from the given weights; returns the losses. */
  async function trainLosses(backend: "wasm" | "cpu", weights: Float32Array[], images: Float32Array, batch: number, steps: number): Promise<number[]> {
    await tf.setBackend(backend);
    const model = buildConvAutoencoder({ seed: 7 });
    model.autoencoder.setWeights(weights.map((w, k) => tf.tensor(w, model.autoencoder.getWeights()[k].shape)));
    const x = tf.tensor4d(images, [batch, 28, 28, 1]);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) losses.push((await model.autoencoder.trainOnBatch(x, x)) as number);
    x.dispose();
    model.dispose();
    return losses;
  }

  it("trains the conv autoencoder for 20 steps with the same losses as cpu (within 1e-3)", async () => {
    registerCpuFixes(); // stock cpu's UpSampling2D gradient is wrong for batches above 1 (see the resize test above)
    await tf.setBackend("cpu");
    const start = buildConvAutoencoder({ seed: 7 });
    const weights = start.autoencoder.getWeights().map((w) => w.dataSync() as Float32Array);
    start.dispose();
    const batch = 4;
    const images = pseudoRandom(batch * 28 * 28, 3).map((v) => (v + 1) / 2);
    const cpuLosses = await trainLosses("cpu", weights, images, batch, 20);
    const wasmLosses = await trainLosses("wasm", weights, images, batch, 20);
    cpuLosses.forEach((loss, step) => assert.ok(Math.abs(wasmLosses[step] - loss) <= 1e-3, `step ${step}: wasm ${wasmLosses[step]} vs cpu ${loss}`));
    assert.ok(cpuLosses[19] < cpuLosses[0], "the loss should fall over 20 steps");
  });

  it("leaks no tensors while training on wasm (same count after step 10 and step 100)", async () => {
    await tf.setBackend("wasm");
    const model = buildConvAutoencoder({ seed: 3 });
    const x = tf.tensor4d(pseudoRandom(16 * 28 * 28, 5).map((v) => (v + 1) / 2), [16, 28, 28, 1]);
    let afterTen = -1;
    for (let step = 1; step <= 100; step++) {
      await model.autoencoder.trainOnBatch(x, x);
      if (step === 10) afterTen = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, afterTen);
    x.dispose();
    model.dispose();
  });
});
