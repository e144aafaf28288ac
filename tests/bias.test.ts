import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { assertMatchesCpu, onWasmWithCourseKernels, outputsOf } from "./helpers/compare-backends";

describe("wasm bias kernels (Add of a bias, Sum over leading axes)", () => {
  onWasmWithCourseKernels();

  // The conv layers' bias adds, either operand order, a [1, C] bias, and adds the stock kernel keeps.
  const addCases: [number[], number[]][] = [
    [[128, 28, 28, 16], [16]],
    [[8], [3, 5, 8]],
    [[6, 12], [1, 12]],
    [[4, 4], [4, 4]],
    [[2, 3, 3], [3]],
    [[2, 4, 8], [4, 1]],
    [[5, 4], []],
  ];
  for (const [aShape, bShape] of addCases) {
    it(`add [${aShape}] + [${bShape}] matches cpu`, async () => {
      await assertMatchesCpu("add", outputsOf((a, b) => tf.add(a, b), [aShape, bShape], aShape.length * 10 + bShape.length));
    });
  }

  it("add of int32 tensors still works (stock kernel)", async () => {
    await tf.setBackend("wasm");
    const out = tf.tidy(() => tf.add(tf.tensor2d([[1, 2, 3, 4]], [1, 4], "int32"), tf.tensor1d([10, 20, 30, 40], "int32")).arraySync());
    assert.deepEqual(out, [[11, 22, 33, 44]]);
  });

  // The conv and dense layers' bias gradients, keepDims, a multi-axis tail, and sums the stock kernel keeps.
  const sumCases: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
    { shape: [128, 28, 28, 16], axis: [0, 1, 2] },
    { shape: [128, 512], axis: 0 },
    { shape: [7, 5, 8], axis: [1, 0], keepDims: true },
    { shape: [6, 2, 6], axis: 0 },
    { shape: [6, 3], axis: 0 },
    { shape: [4, 8], axis: 1 },
    { shape: [4, 6, 8], axis: [0, 2] },
    { shape: [3, 4], axis: [0, 1] },
  ];
  for (const c of sumCases) {
    it(`sum of [${c.shape}] over ${JSON.stringify(c.axis)}${c.keepDims ? " keeping dims" : ""} matches cpu`, async () => {
      await tf.setBackend("wasm");
      const shape = tf.tidy(() => tf.sum(tf.ones(c.shape), c.axis, c.keepDims).shape);
      await tf.setBackend("cpu");
      assert.deepEqual(shape, tf.tidy(() => tf.sum(tf.ones(c.shape), c.axis, c.keepDims).shape));
      await assertMatchesCpu("sum", outputsOf((x) => tf.sum(x, c.axis, c.keepDims), [c.shape], c.shape.length));
    });
  }

  it("sums a million values to within float32 rounding of the exact total (float64 accumulators)", async () => {
    await tf.setBackend("wasm");
    // 0.1 is not exact in float32; a float32 running sum of 2^20 of them drifts by about 1e-3 relative.
    const rows = 2 ** 20 / 4;
    const [total] = tf.tidy(() => Array.from(tf.sum(tf.fill([rows, 4], 0.1), 0).dataSync()));
    const exact = rows * Math.fround(0.1);
    assert.ok(Math.abs(total - exact) <= 1e-6 * exact, `${total} vs ${exact}`);
  });

  it("frees its scratch buffer", async () => {
    await tf.setBackend("wasm");
    const x = tf.ones([16, 8]);
    const before = tf.backend().numDataIds();
    const s = tf.sum(x, 0);
    assert.equal(tf.backend().numDataIds(), before + 1);
    tf.dispose([x, s]);
  });
});
