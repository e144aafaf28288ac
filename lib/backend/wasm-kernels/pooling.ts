/**
 * Gradients of 2-D max and average pooling (NHWC) for the wasm backend: scatter loops over wasm memory (SIMD
 * for max pooling over channels in fours, else Float32Array views), walking channels innermost where possible.
 */
import * as tf from "@tensorflow/tfjs";
import { advance, countdown, I32, op, V128, wasmExports, type WasmFunction } from "./assemble";
import { allocate, asWasmBackend, heapView, WasmKernelArgs } from "./heap";

/** Pooling geometry for an NHWC input, rejecting dilated pooling with a clear message. */
function poolGeometry(kernel: string, inputShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computePool2DInfo(
    inputShape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "same" | "valid" | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) throw new Error(`${kernel} on wasm supports dilation 1 only.`);
  return info;
}

/** What a window visitor receives: its rows and columns clipped to the input, and its output's flat dy offset. */
type WindowVisitor = (n: number, rowFrom: number, rowTo: number, colFrom: number, colTo: number, dyOffset: number) => void;

/**
 * Calls visit(…, count) for runs of windows along each output row: the same as `count` windows, each strideWidth
 * columns and one output pixel further on. Windows clipped at the left or right edge come as runs of one.
 */
function forEachWindowRun(info: tf.backend_util.Conv2DInfo, visit: (...args: [...Parameters<WindowVisitor>, number]) => void): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideWidth } = info;
  const colStart = (j: number) => j * strideWidth - info.padInfo.left;
  // Output columns [inFrom, inTo) have windows wholly inside the input.
  const inFrom = Math.min(outWidth, Math.max(0, Math.ceil(info.padInfo.left / strideWidth)));
  const inTo = Math.max(inFrom, Math.min(outWidth, Math.floor((inWidth - filterWidth + info.padInfo.left) / strideWidth) + 1));
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const rowStart = i * info.strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + filterHeight);
      const dyRow = (n * outHeight + i) * outWidth;
      const single = (j: number) =>
        visit(n, rowFrom, rowTo, Math.max(0, colStart(j)), Math.min(inWidth, colStart(j) + filterWidth), (dyRow + j) * outChannels, 1);
      for (let j = 0; j < inFrom; j++) single(j);
      if (inTo > inFrom) visit(n, rowFrom, rowTo, colStart(inFrom), colStart(inFrom) + filterWidth, (dyRow + inFrom) * outChannels, inTo - inFrom);
      for (let j = inTo; j < outWidth; j++) single(j);
    }
  }
}

/** Calls visit for each output pixel's window. */
function forEachWindow(info: tf.backend_util.Conv2DInfo, visit: WindowVisitor): void {
  const step = info.strideWidth;
  forEachWindowRun(info, (n, rowFrom, rowTo, colFrom, colTo, dyOffset, count) => {
    for (let k = 0; k < count; k++) visit(n, rowFrom, rowTo, colFrom + k * step, colTo + k * step, dyOffset + k * info.outChannels);
  });
}

/**
 * maxWindows(x, dx, y, dy, rows, cols, rowStride, pixelStride, vectors, windows, windowStride): the max-pool
 * gradient of a run of windows, four channels at a time and without branches. Positions are visited in row-major
 * order; a position whose x equals the window's maximum y gets dy in the lanes not yet claimed by an earlier
 * position. x and dx point at the first window's top-left pixel, y and dy at its output; strides are in bytes.
 */
function maxWindowsFunction(): WasmFunction {
  const [X, DX, Y, DY, ROWS, COLS, ROW_STRIDE, PIXEL_STRIDE, VECTORS, WINDOWS, WINDOW_STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [V, R, C, ROW_X, ROW_DX, PX, PDX, CX, CDX] = [11, 12, 13, 14, 15, 16, 17, 18, 19];
  const [YV, DYV, CLAIMED, EQ] = [20, 21, 22, 23];
  const { get, set } = op;
  const position = [
    ...get(PX), ...op.v128Load(), ...get(YV), ...op.f32x4Eq, ...get(CLAIMED), ...op.v128AndNot, ...set(EQ),
    ...get(PDX), ...get(PDX), ...op.v128Load(), ...get(DYV), ...get(EQ), ...op.v128And, ...op.f32x4Add, ...op.v128Store(),
    ...get(CLAIMED), ...get(EQ), ...op.v128Or, ...set(CLAIMED),
    ...advance(PX, PIXEL_STRIDE, true), ...advance(PDX, PIXEL_STRIDE, true),
  ];
  const row = [
    ...get(ROW_X), ...set(PX), ...get(ROW_DX), ...set(PDX), ...get(COLS), ...set(C),
    ...countdown(C, position),
    ...advance(ROW_X, ROW_STRIDE, true), ...advance(ROW_DX, ROW_STRIDE, true),
  ];
  const channelVector = [
    ...get(Y), ...op.v128Load(), ...set(YV), ...get(DY), ...op.v128Load(), ...set(DYV),
    ...op.i32(0), ...op.i32x4Splat, ...set(CLAIMED),
    ...get(CX), ...set(ROW_X), ...get(CDX), ...set(ROW_DX), ...get(ROWS), ...set(R),
    ...countdown(R, row),
    ...[CX, CDX, Y, DY].flatMap((pointer) => advance(pointer, 16)),
  ];
  const window = [
    ...get(X), ...set(CX), ...get(DX), ...set(CDX), ...get(VECTORS), ...set(V),
    ...countdown(V, channelVector),
    ...advance(X, WINDOW_STRIDE, true), ...advance(DX, WINDOW_STRIDE, true),
  ];
  return { name: "maxWindows", params: Array(11).fill(I32), locals: [...Array(9).fill(I32), ...Array(4).fill(V128)], body: countdown(WINDOWS, window) };
}

/**
 * MaxPoolGrad: each dy value goes to the first input of its window (row-major order, as tfjs's cpu backend picks)
 * that equals the forward output, i.e. the window's first maximum. Channels in fours run in the SIMD loop above;
 * other counts search each channel's window in TypeScript, stopping at the first maximum.
 */
function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const info = poolGeometry("MaxPoolGrad", input.shape, attrs ?? {});
  const { inHeight, inWidth, inChannels: channels } = info;
  const dx = allocate(wasm, input.shape, true);
  const dxData = heapView(wasm, dx);
  const xData = heapView(wasm, input);
  const yData = heapView(wasm, output);
  const dyData = heapView(wasm, dy);
  if (channels % 4 === 0) {
    const { maxWindows } = wasmExports(wasm, "max-pool-grad", () => [maxWindowsFunction()]);
    const [xAt, dxAt, yAt, dyAt] = [xData, dxData, yData, dyData].map((view) => view.byteOffset);
    const pixelBytes = channels * 4;
    forEachWindowRun(info, (n, rowFrom, rowTo, colFrom, colTo, dyOffset, count) => {
      const corner = ((n * inHeight + rowFrom) * inWidth + colFrom) * pixelBytes;
      maxWindows(
        xAt + corner, dxAt + corner, yAt + dyOffset * 4, dyAt + dyOffset * 4, rowTo - rowFrom, colTo - colFrom,
        inWidth * pixelBytes, pixelBytes, channels / 4, count, info.strideWidth * pixelBytes,
      );
    });
    return dx;
  }
  forEachWindow(info, (n, rowFrom, rowTo, colFrom, colTo, dyOffset) => {
    for (let ch = 0; ch < channels; ch++) {
      const max = yData[dyOffset + ch];
      search: for (let r = rowFrom; r < rowTo; r++) {
        let at = ((n * inHeight + r) * inWidth + colFrom) * channels + ch;
        for (let c = colFrom; c < colTo; c++, at += channels) {
          if (xData[at] === max) {
            dxData[at] += dyData[dyOffset + ch];
            break search;
          }
        }
      }
    }
  });
  return dx;
}

/**
 * AvgPoolGrad: each dy value is shared over its window's inputs. Like every tfjs backend, the share is
 * 1 / (filter height · width) even where the window overhangs the padding.
 */
function avgPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const info = poolGeometry("AvgPoolGrad", input.shape, attrs ?? {});
  const { inHeight, inWidth, inChannels: channels } = info;
  const share = 1 / (info.filterHeight * info.filterWidth);
  const dx = allocate(wasm, input.shape, true);
  const dxData = heapView(wasm, dx);
  const dyData = heapView(wasm, dy);
  forEachWindow(info, (n, rowFrom, rowTo, colFrom, colTo, dyOffset) => {
    for (let r = rowFrom; r < rowTo; r++) {
      for (let c = colFrom; c < colTo; c++) {
        const base = ((n * inHeight + r) * inWidth + c) * channels;
        for (let ch = 0; ch < channels; ch++) dxData[base + ch] += dyData[dyOffset + ch] * share;
      }
    }
  });
  return dx;
}

/** Pooling gradient kernels for the wasm backend. */
export const poolingKernels: tf.KernelConfig[] = [
  { kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: "AvgPoolGrad", backendName: "wasm", kernelFunc: avgPoolGrad as tf.KernelFunc },
];
