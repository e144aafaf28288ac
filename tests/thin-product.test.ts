import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { asWasmBackend, heapView, release } from "../lib/backend/wasm-kernels/heap";
import { longProduct } from "../lib/backend/wasm-kernels/thin-product";
import { pseudoRandom } from "./helpers/pseudo-random";
import { onWasmWithCourseKernels } from "./helpers/compare-backends";

/** a · b in double precision, for a [m × k] and b [k × n] row-major. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
    }
  }
  return c;
}

describe("longProduct (thin matrix products on wasm)", () => {
  onWasmWithCourseKernels();

  // Rows not a multiple of any tile height, columns of 1 to 8 vectors, depths below, at and across the block size.
  const cases: [number, number, number][] = [
    [1, 1, 4], [3, 7, 8], [4, 5, 12], [5, 700, 16], [9, 5000, 16], [7, 1000, 20], [72, 3000, 16], [2, 2049, 32], [6, 300, 6],
  ];
  for (const [m, k, n] of cases) {
    it(`matches a double-precision product: [${m} × ${k}] · [${k} × ${n}]`, () => {
      const backend = asWasmBackend(tf.backend());
      const aValues = pseudoRandom(m * k, m + k);
      const bValues = pseudoRandom(k * n, n + k);
      const a = tf.tensor(aValues, [1, m, k]);
      const b = tf.tensor(bValues, [1, k, n]);
      const product = longProduct(backend, a, b);
      assert.deepEqual(product.shape, [1, m, n]);
      const ours = heapView(backend, product).slice();
      release(backend, product);
      tf.dispose([a, b]);
      const expected = reference(aValues, bValues, m, k, n);
      const tolerance = 1e-5 * Math.sqrt(k);
      expected.forEach((value, i) => assert.ok(Math.abs(ours[i] - value) <= tolerance, `element ${i}: ${ours[i]} vs ${value}`));
    });
  }

  // 16 output channels take the SIMD loops, 3 take XNNPACK's product.
  for (const outChannels of [16, 3]) {
    it(`a conv filter gradient frees its scratch buffers (${outChannels} output channels)`, () => {
      const x = tf.ones([2, 9, 9, 4]) as tf.Tensor4D;
      const dy = tf.ones([2, 9, 9, outChannels]) as tf.Tensor4D;
      const before = tf.backend().numDataIds();
      const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 4, outChannels] }) as tf.Tensor;
      assert.equal(dw.dataSync()[0], 2 * 8 * 8);
      dw.dispose();
      assert.equal(tf.backend().numDataIds(), before);
      tf.dispose([x, dy]);
    });
  }
});
