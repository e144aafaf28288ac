/**
 * A layer's bias on the wasm backend, forward and backward. While training, tfjs-layers adds each conv layer's
 * bias as a separate `Add` of [..., C] and [C], and its gradient is a `Sum` over every axis but the last. Stock
 * wasm broadcasts that add one element at a time and transposes the whole gradient before summing it; here both
 * are SIMD loops over wasm memory (the sum accumulated in float64). Every other Add and Sum goes to the stock kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { advance, countdown, I32, op, V128, wasmExports, type WasmFunction } from "./assemble";
import { allocate, asWasmBackend, heapView, release, stockWasmKernel, type WasmKernelArgs } from "./heap";

// Captured when this module loads, before the course's kernels replace them.
const stockAdd = stockWasmKernel("Add");
const stockSum = stockWasmKernel("Sum");

/**
 * addRowVector(x, b, out, rows, vectors): out[r, :] = x[r, :] + b for `rows` rows of `vectors` four-float vectors.
 * columnSums(x, acc, rows, vectors): acc (float64, 4·vectors) += the sum of x's rows, two lanes at a time.
 */
function biasFunctions(): WasmFunction[] {
  const { get, set } = op;
  const [X, B, OUT, ROWS, VECTORS, V, BP] = [0, 1, 2, 3, 4, 5, 6];
  const addRowVector: WasmFunction = {
    name: "addRowVector",
    params: Array(5).fill(I32),
    locals: [I32, I32],
    body: countdown(ROWS, [
      ...get(B), ...set(BP), ...get(VECTORS), ...set(V),
      ...countdown(V, [
        ...get(OUT), ...get(X), ...op.v128Load(), ...get(BP), ...op.v128Load(), ...op.f32x4Add, ...op.v128Store(),
        ...advance(OUT, 16), ...advance(X, 16), ...advance(BP, 16),
      ]),
    ]),
  };
  const [SX, ACC, SROWS, SVECTORS, SV, AP, XV] = [0, 1, 2, 3, 4, 5, 6];
  const highLanesLow = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const columnSums: WasmFunction = {
    name: "columnSums",
    params: Array(4).fill(I32),
    locals: [I32, I32, V128],
    body: countdown(SROWS, [
      ...get(ACC), ...set(AP), ...get(SVECTORS), ...set(SV),
      ...countdown(SV, [
        ...get(SX), ...op.v128Load(), ...set(XV),
        ...get(AP), ...get(AP), ...op.v128Load(0), ...get(XV), ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...op.v128Store(0),
        ...get(AP), ...get(AP), ...op.v128Load(16), ...get(XV), ...get(XV), ...op.i8x16Shuffle(highLanesLow),
        ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...op.v128Store(16),
        ...advance(AP, 32), ...advance(SX, 16),
      ]),
    ]),
  };
  return [addRowVector, columnSums];
}

/** True when `bias` holds one value per entry of x's last axis, that axis a multiple of 4 (the SIMD loop's unit). */
function isBiasOf(bias: tf.TensorInfo, x: tf.TensorInfo): boolean {
  const channels = x.shape[x.shape.length - 1];
  return (
    x.dtype === "float32" &&
    bias.dtype === "float32" &&
    x.shape.length >= 2 &&
    bias.shape.length <= x.shape.length &&
    channels % 4 === 0 &&
    bias.shape[bias.shape.length - 1] === channels &&
    tf.util.sizeFromShape(bias.shape) === channels
  );
}

/** Add: x + bias along the last axis in one SIMD pass; any other add goes to the stock kernel. */
function add(args: WasmKernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [x, bias] = isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [undefined, undefined];
  if (x === undefined || bias === undefined) return stockAdd.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const wasm = asWasmBackend(args.backend);
  const channels = x.shape[x.shape.length - 1];
  const out = allocate(wasm, x.shape);
  const [xAt, biasAt, outAt] = [x, bias, out].map((t) => heapView(wasm, t).byteOffset);
  wasmExports(wasm, "bias", biasFunctions).addRowVector(xAt, biasAt, outAt, tf.util.sizeFromShape(x.shape) / channels, channels / 4);
  return out;
}

/** Sum: over leading axes of a float32 tensor whose remaining values are a multiple of 4, in one SIMD pass. */
function sum(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const attrs = args.attrs ?? {};
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.every((axis, i) => axis === i);
  const columns = tf.util.sizeFromShape(x.shape.slice(axes.length));
  if (x.dtype !== "float32" || !leading || columns % 4 !== 0) return stockSum.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const wasm = asWasmBackend(args.backend);
  const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const out = allocate(wasm, outShape);
  // float64 accumulators, 8-byte aligned inside a float32 scratch buffer (one spare float for the alignment).
  const scratch = allocate(wasm, [2 * columns + 1], true);
  const scratchAt = heapView(wasm, scratch).byteOffset;
  const accAt = scratchAt + (scratchAt % 8);
  const xAt = heapView(wasm, x).byteOffset;
  wasmExports(wasm, "bias", biasFunctions).columnSums(xAt, accAt, tf.util.sizeFromShape(x.shape) / columns, columns / 4);
  const sums = new Float64Array(heapView(wasm, scratch).buffer, accAt, columns);
  heapView(wasm, out).set(sums);
  release(wasm, scratch);
  return out;
}

/** Bias add and bias gradient kernels for the wasm backend (stock setup kept for the cases they pass on). */
export const biasKernels: tf.KernelConfig[] = [
  { kernelName: "Add", backendName: "wasm", setupFunc: stockAdd.setupFunc, kernelFunc: add as tf.KernelFunc },
  { kernelName: "Sum", backendName: "wasm", setupFunc: stockSum.setupFunc, kernelFunc: sum as tf.KernelFunc },
];
