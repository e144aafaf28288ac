/**
 * Gradients of 2-D max and average pooling (NHWC) for the wasm backend: scatter loops over Float32Array views of
 * wasm memory, walking channels innermost so every read and write is contiguous.
 */
import * as tf from "@tensorflow/tfjs";
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

/** Calls visit(window start row/col clipped to the input, window end row/col, flat dy offset) for each output pixel. */
function forEachWindow(
  info: tf.backend_util.Conv2DInfo,
  visit: (n: number, rowFrom: number, rowTo: number, colFrom: number, colTo: number, dyOffset: number) => void,
): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const rowStart = i * info.strideHeight - info.padInfo.top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + filterHeight);
      for (let j = 0; j < outWidth; j++) {
        const colStart = j * info.strideWidth - info.padInfo.left;
        visit(n, rowFrom, rowTo, Math.max(0, colStart), Math.min(inWidth, colStart + filterWidth), ((n * outHeight + i) * outWidth + j) * outChannels);
      }
    }
  }
}

/**
 * MaxPoolGrad: each dy value goes to the first input of its window (row-major order, as tfjs's cpu backend picks)
 * that equals the forward output, i.e. the window's first maximum; searching for a known value exits early.
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
