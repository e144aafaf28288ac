/**
 * Fast transposed matrix products for the WebAssembly backend.
 *
 * Stock wasm sends every product with a transposed operand (and every batched product) to a naive triple loop;
 * only the plain 2-D case `a · b` reaches XNNPACK's packed kernel, which is 10–20× faster. Backpropagation through
 * a dense layer asks for `dy · wᵀ` and `xᵀ · dy`, so these kernels materialise the transposes with wasm's own
 * Transpose kernel and hand the plain product to the stock kernel, choosing the cheaper of two equivalent forms:
 *   operands:  op(a) · op(b)                    (transpose whichever operand is flagged)
 *   swapped:   (op(b)ᵀ · op(a)ᵀ)ᵀ               (transpose the unflagged operands and the result)
 * Cost is the number of elements moved; the swapped form only applies without a fused bias or activation, which
 * act along the output's last axis. Batched products stay on the stock kernel: its XNNPACK path is 2-D only, so
 * transposing first measured no faster there.
 */
import * as tf from "@tensorflow/tfjs";
import { stockWasmKernel } from "./heap";

/** The part of the wasm backend these kernels use: freeing intermediate buffers. */
interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

// Captured when this module loads, before any replacement is registered under the same names.
const stockBatchMatMul = stockWasmKernel(tf.BatchMatMul);
const stockFusedMatMul = stockWasmKernel(tf._FusedMatMul);
const stockTranspose = stockWasmKernel(tf.Transpose);

type KernelArgs = Parameters<tf.KernelFunc>[0];

function runKernel(config: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  return config.kernelFunc(args) as tf.TensorInfo;
}

/** Transposes the last two axes with wasm's Transpose kernel; the caller frees the result. */
function transposeLastTwo(x: tf.TensorInfo, backend: KernelArgs["backend"]): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  return runKernel(stockTranspose, { inputs: { x }, backend, attrs: { perm } });
}

function size(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}

/** How a product with transposed operands is computed from plain products. */
export type MatMulPlan = "stock" | "operands" | "swapped";

/** Picks the cheapest plan (fewest elements transposed) for op(a) · op(b); `swapped` only if allowed. */
export function chooseMatMulPlan(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
  allowSwapped: boolean,
): MatMulPlan {
  const batched = size(aShape.slice(0, -2)) > 1 || size(bShape.slice(0, -2)) > 1;
  if (batched || (!transposeA && !transposeB)) return "stock";
  const aSize = size(aShape);
  const bSize = size(bShape);
  const rows = aShape[aShape.length - (transposeA ? 1 : 2)];
  const cols = bShape[bShape.length - (transposeB ? 2 : 1)];
  const operandsCost = (transposeA ? aSize : 0) + (transposeB ? bSize : 0);
  const swappedCost = (transposeA ? 0 : aSize) + (transposeB ? 0 : bSize) + rows * cols;
  return allowSwapped && swappedCost < operandsCost ? "swapped" : "operands";
}

/** Runs `config` on plain operands after applying `plan`; frees every intermediate buffer. */
function productByPlan(
  plan: Exclude<MatMulPlan, "stock">,
  config: tf.KernelConfig,
  args: KernelArgs,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  const { inputs, backend } = args;
  const wasm = backend as WasmBackendLike;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const temporaries: tf.TensorInfo[] = [];
  const transposed = (x: tf.TensorInfo) => {
    const t = transposeLastTwo(x, backend);
    temporaries.push(t);
    return t;
  };
  const plainAttrs = { ...args.attrs, transposeA: false, transposeB: false };
  try {
    if (plan === "operands") {
      const left = transposeA ? transposed(a) : a;
      const right = transposeB ? transposed(b) : b;
      return runKernel(config, { inputs: { ...inputs, a: left, b: right }, backend, attrs: plainAttrs });
    }
    // (op(b)ᵀ · op(a)ᵀ)ᵀ: a flagged operand already is op(x)ᵀ in memory.
    const left = transposeB ? b : transposed(b);
    const right = transposeA ? a : transposed(a);
    const productT = runKernel(config, { inputs: { a: left, b: right }, backend, attrs: plainAttrs });
    temporaries.push(productT);
    return transposeLastTwo(productT, backend);
  } finally {
    for (const t of temporaries) wasm.disposeData(t.dataId);
  }
}

function transposingKernel(stock: tf.KernelConfig, allowSwapped: boolean): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = Boolean(args.attrs?.transposeA);
    const transposeB = Boolean(args.attrs?.transposeB);
    const plan = chooseMatMulPlan(a.shape, b.shape, transposeA, transposeB, allowSwapped);
    if (plan === "stock") return stock.kernelFunc(args);
    return productByPlan(plan, stock, args, transposeA, transposeB);
  };
}

/** BatchMatMul for wasm: transposed cases run as plain XNNPACK products; plain ones go to the stock kernel. */
export const batchMatMulKernel: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: "wasm",
  setupFunc: stockBatchMatMul.setupFunc,
  kernelFunc: transposingKernel(stockBatchMatMul, true),
};

/** _FusedMatMul for wasm: as BatchMatMul, keeping bias, activation and PReLU weights on the stock kernel. */
export const fusedMatMulKernel: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: "wasm",
  setupFunc: stockFusedMatMul.setupFunc,
  kernelFunc: transposingKernel(stockFusedMatMul, false),
};

/** The matrix-multiply kernels to register for "wasm". */
export const matMulKernels: tf.KernelConfig[] = [batchMatMulKernel, fusedMatMulKernel];
