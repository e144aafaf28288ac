/**
 * Nearest-neighbour resizing (UpSampling2D) for the wasm backend. Whole-number upsampling of channels in fours,
 * the layer's case, copies each pixel as SIMD vectors and then whole rows; stock wasm computes a source for every
 * output value. The gradient follows tfjs's forward source-pixel rule exactly, so it is that pass's transpose.
 */
import * as tf from "@tensorflow/tfjs";
import { accumulateNearestNeighborGrad, nearestSources } from "../nearest-neighbor-gradient";
import { advance, countdown, I32, op, wasmExports, type WasmFunction } from "./assemble";
import { allocate, asWasmBackend, heapView, runWasmKernel, stockWasmKernel, type WasmKernelArgs } from "./heap";

// Captured when this module loads, before the course's kernel replaces it.
const stockResize = stockWasmKernel("ResizeNearestNeighbor");

/** The whole-number factor by which `sources` repeats each input index in order (0, 0, 1, 1, …), or 0 if it does not. */
function blockFactor(sources: Int32Array, inSize: number): number {
  const factor = sources.length / inSize;
  if (!Number.isInteger(factor)) return 0;
  return sources.every((source, o) => source === Math.floor(o / factor)) ? factor : 0;
}

/** ResizeNearestNeighborGrad: each input pixel receives the sum of dy over the output pixels that copied it. */
function resizeNearestNeighborGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const [batch, inHeight, inWidth, channels] = images.shape;
  const [, outHeight, outWidth] = dy.shape;
  const alignCorners = Boolean(attrs?.alignCorners);
  const halfPixelCenters = Boolean(attrs?.halfPixelCenters);
  const rows = nearestSources(inHeight, outHeight, alignCorners, halfPixelCenters);
  const cols = nearestSources(inWidth, outWidth, alignCorners, halfPixelCenters);
  const factorY = blockFactor(rows, inHeight);
  const factorX = blockFactor(cols, inWidth);
  if (factorY > 0 && factorX > 0) {
    // Whole-number upsampling (UpSampling2D): the gradient is a block sum, i.e. XNNPACK's average pool × block size.
    const factors = [factorY, factorX];
    const mean = runWasmKernel("AvgPool", wasm, { x: dy }, { filterSize: factors, strides: factors, pad: "valid" });
    const data = heapView(wasm, mean);
    const blockSize = factorY * factorX;
    for (let i = 0; i < data.length; i++) data[i] *= blockSize;
    return mean;
  }
  const dx = allocate(wasm, images.shape, true);
  const shape = { batch, inHeight, inWidth, channels, rows, cols };
  accumulateNearestNeighborGrad(heapView(wasm, dy), heapView(wasm, dx), shape);
  return dx;
}

/**
 * upsample(x, out, rows, width, vectors, fx, fy): each of `rows` input rows of `width` pixels (`vectors` four-float
 * vectors each) becomes fy output rows in which every pixel stands fx times.
 */
function upsampleFunction(): WasmFunction {
  const { get, set } = op;
  const [X, OUT, ROWS, WIDTH, VECTORS, FX, FY] = [0, 1, 2, 3, 4, 5, 6];
  const [P, K, V, XP, ROW_START, ROW_VECTORS] = [7, 8, 9, 10, 11, 12];
  const copyVector = (to: number, from: number) => [
    ...get(to), ...get(from), ...op.v128Load(), ...op.v128Store(), ...advance(to, 16), ...advance(from, 16),
  ];
  const row = [
    ...get(OUT), ...set(ROW_START),
    ...get(WIDTH), ...set(P),
    ...countdown(P, [
      ...get(FX), ...set(K),
      ...countdown(K, [...get(X), ...set(XP), ...get(VECTORS), ...set(V), ...countdown(V, copyVector(OUT, XP))]),
      ...get(XP), ...set(X),
    ]),
    // The row just written, again fy - 1 times.
    ...get(FY), ...op.i32(1), ...op.i32Sub, ...set(K),
    ...countdown(K, [...get(ROW_START), ...set(XP), ...get(ROW_VECTORS), ...set(V), ...countdown(V, copyVector(OUT, XP))]),
  ];
  return {
    name: "upsample",
    params: Array(7).fill(I32),
    locals: Array(6).fill(I32),
    body: [...get(WIDTH), ...get(FX), ...op.i32Mul, ...get(VECTORS), ...op.i32Mul, ...set(ROW_VECTORS), ...countdown(ROWS, row)],
  };
}

/** ResizeNearestNeighbor: whole-number upsampling of channels in fours as vector copies; anything else, stock. */
function resizeNearestNeighbor(args: WasmKernelArgs): tf.TensorInfo {
  const { images } = args.inputs as { images: tf.TensorInfo };
  const [outHeight, outWidth] = (args.attrs?.size ?? []) as [number, number];
  const [batch, inHeight, inWidth, channels] = images.shape;
  const alignCorners = Boolean(args.attrs?.alignCorners);
  const halfPixelCenters = Boolean(args.attrs?.halfPixelCenters);
  const factorY = blockFactor(nearestSources(inHeight, outHeight, alignCorners, halfPixelCenters), inHeight);
  const factorX = blockFactor(nearestSources(inWidth, outWidth, alignCorners, halfPixelCenters), inWidth);
  if (images.dtype !== "float32" || channels % 4 !== 0 || factorY === 0 || factorX === 0) {
    return stockResize.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const wasm = asWasmBackend(args.backend);
  const out = allocate(wasm, [batch, outHeight, outWidth, channels]);
  const [xAt, outAt] = [images, out].map((t) => heapView(wasm, t).byteOffset);
  wasmExports(wasm, "upsample", () => [upsampleFunction()]).upsample(xAt, outAt, batch * inHeight, inWidth, channels / 4, factorX, factorY);
  return out;
}

/** Nearest-neighbour resize and its gradient for the wasm backend. */
export const resizeKernels: tf.KernelConfig[] = [
  {
    kernelName: "ResizeNearestNeighbor",
    backendName: "wasm",
    setupFunc: stockResize.setupFunc,
    kernelFunc: resizeNearestNeighbor as tf.KernelFunc,
  },
  { kernelName: "ResizeNearestNeighborGrad", backendName: "wasm", kernelFunc: resizeNearestNeighborGrad as tf.KernelFunc },
];
