/**
 * The gradient of nearest-neighbour resizing (UpSampling2D) for the wasm backend. Stock wasm's forward resize is
 * fast and kept; this gradient follows tfjs's forward source-pixel rule exactly, so it is that pass's transpose.
 */
import * as tf from "@tensorflow/tfjs";
import { accumulateNearestNeighborGrad, nearestSources } from "../nearest-neighbor-gradient";
import { allocate, asWasmBackend, heapView, WasmKernelArgs, runWasmKernel } from "./heap";

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

/** Nearest-neighbour resize gradient kernel for the wasm backend. */
export const resizeKernels: tf.KernelConfig[] = [
  { kernelName: "ResizeNearestNeighborGrad", backendName: "wasm", kernelFunc: resizeNearestNeighborGrad as tf.KernelFunc },
];
