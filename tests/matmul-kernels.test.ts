import { strict as assert } from "assert";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { chooseMatMulPlan, matMulKernels } from "../lib/backend/wasm-kernels/matmul";
import { pseudoRandom } from "./helpers/pseudo-random";

interface Operand {
  shape: number[];
  data: Float32Array;
}

function operand(shape: number[], seed: number): Operand {
  return { shape, data: pseudoRandom(shape.reduce((p, d) => p * d, 1), seed) };
}

/** Runs `f` on `backend` with fresh tensors built from the operands and returns the flat result. */
async function runOn(backend: string, operands: Operand[], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const xs = operands.map((o) => tf.tensor(o.data, o.shape));
  const y = f(...xs);
  const result = (await y.data()) as Float32Array;
  tf.dispose([...xs, y]);
  return result;
}

async function assertMatchesCpu(operands: Operand[], f: (...xs: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const expected = await runOn("cpu", operands, f);
  const actual = await runOn("wasm", operands, f);
  assert.equal(actual.length, expected.length, "output sizes differ");
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= 1e-4 * scale, `max abs diff ${worst} exceeds ${1e-4 * scale}`);
}

/** Shape of op(x) given the product's rows × inner (for a) or inner × cols (for b). */
function stored(batch: number[], outer: number, inner: number, transposed: boolean): number[] {
  return transposed ? [...batch, inner, outer] : [...batch, outer, inner];
}

const transposeCombos: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

describe("wasm matMul kernels", () => {
  const replaced: tf.KernelConfig[] = [];

  before(async () => {
    await tf.setBackend("wasm");
    for (const kernel of matMulKernels) {
      replaced.push(tf.getKernel(kernel.kernelName, "wasm"));
      tf.unregisterKernel(kernel.kernelName, "wasm");
      tf.registerKernel(kernel);
    }
  });

  after(() => {
    for (const kernel of replaced) {
      tf.unregisterKernel(kernel.kernelName, "wasm");
      tf.registerKernel(kernel);
    }
  });

  describe("chooseMatMulPlan", () => {
    it("leaves plain and batched products to the stock kernel", () => {
      assert.equal(chooseMatMulPlan([128, 784], [784, 512], false, false, true), "stock");
      assert.equal(chooseMatMulPlan([4, 64, 96], [4, 80, 96], false, true, true), "stock");
      assert.equal(chooseMatMulPlan([1, 64, 96], [3, 80, 96], false, true, true), "stock");
    });

    it("transposes the small operands of a dense layer's input gradient, not the weights", () => {
      assert.equal(chooseMatMulPlan([128, 512], [784, 512], false, true, true), "swapped");
      assert.equal(chooseMatMulPlan([128, 512], [784, 512], false, true, false), "operands");
    });

    it("transposes the activations for a dense layer's weight gradient", () => {
      assert.equal(chooseMatMulPlan([128, 784], [128, 512], true, false, true), "operands");
    });
  });

  describe("BatchMatMul matches cpu", () => {
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [5, 7, 3],
      [37, 53, 29],
      [128, 96, 33],
    ];
    for (const [m, k, n] of sizes) {
      for (const [ta, tb] of transposeCombos) {
        it(`${m}×${k}·${k}×${n} transposeA=${ta} transposeB=${tb}`, async () => {
          const a = operand(stored([], m, k, ta), m * 31 + k);
          const b = operand(stored([], n, k, !tb), n * 17 + k);
          await assertMatchesCpu([a, b], (x, y) => tf.matMul(x, y, ta, tb));
        });
      }
    }

    for (const [ta, tb] of transposeCombos) {
      it(`rank 3 with batch 4, transposeA=${ta} transposeB=${tb}`, async () => {
        const a = operand(stored([4], 9, 6, ta), 3);
        const b = operand(stored([4], 5, 6, !tb), 4);
        await assertMatchesCpu([a, b], (x, y) => tf.matMul(x, y, ta, tb));
      });

      it(`rank 3 broadcasting batch 1 against 3, transposeA=${ta} transposeB=${tb}`, async () => {
        const a = operand(stored([1], 8, 11, ta), 5);
        const b = operand(stored([3], 7, 11, !tb), 6);
        await assertMatchesCpu([a, b], (x, y) => tf.matMul(x, y, ta, tb));
      });
    }
  });

  describe("_FusedMatMul matches cpu", () => {
    const activations: tf.fused.Activation[] = ["linear", "relu", "sigmoid"];
    for (const activation of activations) {
      for (const [ta, tb] of transposeCombos) {
        it(`bias + ${activation}, 33×47·47×19, transposeA=${ta} transposeB=${tb}`, async () => {
          const a = operand(stored([], 33, 47, ta), 7);
          const b = operand(stored([], 19, 47, !tb), 8);
          const bias = operand([19], 9);
          await assertMatchesCpu([a, b, bias], (x, y, z) =>
            tf.fused.matMul({ a: x, b: y, bias: z, activation, transposeA: ta, transposeB: tb }),
          );
        });
      }
    }

    for (const [ta, tb] of transposeCombos) {
      it(`prelu weights and leakyrelu alpha survive transposeA=${ta} transposeB=${tb}`, async () => {
        const a = operand(stored([], 12, 10, ta), 10);
        const b = operand(stored([], 6, 10, !tb), 11);
        const alpha = operand([6], 12);
        await assertMatchesCpu([a, b, alpha], (x, y, w) =>
          tf.fused.matMul({ a: x, b: y, activation: "prelu", preluActivationWeights: w, transposeA: ta, transposeB: tb }),
        );
        await assertMatchesCpu([a, b], (x, y) =>
          tf.fused.matMul({ a: x, b: y, activation: "leakyrelu", leakyreluAlpha: 0.3, transposeA: ta, transposeB: tb }),
        );
      });
    }
  });

  it("frees every intermediate buffer", async () => {
    await tf.setBackend("wasm");
    const a = tf.tensor(pseudoRandom(64 * 40, 1), [64, 40]);
    const b = tf.tensor(pseudoRandom(30 * 40, 2), [30, 40]);
    const bias = tf.tensor(pseudoRandom(30, 3), [30]);
    const run = () => {
      tf.matMul(a, b, false, true).dispose();
      tf.matMul(a, a, true, false).dispose();
      tf.matMul(tf.transpose(a), b, true, true).dispose();
      tf.fused.matMul({ a, b, bias, transposeB: true, activation: "relu" }).dispose();
    };
    tf.tidy(run);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 5; i++) tf.tidy(run);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(tf.backend().numDataIds(), buffersBefore);
    tf.dispose([a, b, bias]);
  });
});
