/**
 * Gradients of a 2-D convolution (NHWC) for the wasm backend, rewritten so the heavy arithmetic runs in wasm's
 * XNNPACK convolution and matrix-multiply kernels; only cheap data rearrangement happens in TypeScript.
 */
import * as tf from "@tensorflow/tfjs";
import { allocate, asWasmBackend, heapView, release, reshaped, runWasmKernel, WasmBackend, WasmKernelArgs } from "./heap";
import { longProduct, productOfRows } from "./thin-product";

type ConvInfo = tf.backend_util.Conv2DInfo;

/** Computes the convolution geometry, rejecting what these kernels do not support with a message saying why. */
function convGeometry(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): ConvInfo {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? "NHWC";
  if (dataFormat !== "NHWC") {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' (channels last) only, got '${dataFormat}'.`);
  }
  const dilations = (attrs.dilations as number | number[] | undefined) ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) {
    throw new Error(`${kernel} on wasm supports dilation 1 only, got ${JSON.stringify(dilations)}.`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as "same" | "valid" | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
}

/** The range [from, to) of output indices i whose input index i·stride + tap - pad lies in [0, inSize). */
function validOutputRange(tap: number, stride: number, pad: number, inSize: number, outSize: number): [number, number] {
  return [Math.max(0, Math.ceil((pad - tap) / stride)), Math.min(outSize, Math.floor((inSize - 1 + pad - tap) / stride) + 1)];
}

/** A copy of an NHWC tensor's data as channel-major planes [c][n, h, w], so patch rows read it contiguously. */
function channelPlanes(backend: WasmBackend, t: tf.TensorInfo): tf.TensorInfo {
  const channels = t.shape[3];
  const planeSize = tf.util.sizeFromShape(t.shape) / channels;
  const out = allocate(backend, [channels, planeSize]);
  const src = heapView(backend, t);
  const dst = heapView(backend, out);
  for (let p = 0, s = 0; p < planeSize; p++) {
    for (let c = 0, d = p; c < channels; c++, s++, d += planeSize) dst[d] = src[s];
  }
  return out;
}

/**
 * Filter gradient from patches of x: cols[(a, b, ci), (n, i, j)] = x[n, i·s + a - padTop, j·s + b - padLeft, ci],
 * so dW = cols · dy with dy read as a (pixels × outChannels) matrix, already in dW's [kh, kw, ci, co] order.
 */
function filterGradFromInputPatches(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const pixels = batchSize * outHeight * outWidth;
  const rows = filterHeight * filterWidth * inChannels;
  const cols = allocate(backend, [1, rows, pixels], true);
  const planes = channelPlanes(backend, x);
  const dst = heapView(backend, cols);
  const src = heapView(backend, planes);
  const planeSize = batchSize * inHeight * inWidth;
  for (let a = 0; a < filterHeight; a++) {
    const [iFrom, iTo] = validOutputRange(a, sh, top, inHeight, outHeight);
    for (let b = 0; b < filterWidth; b++) {
      const [jFrom, jTo] = validOutputRange(b, sw, left, inWidth, outWidth);
      for (let ci = 0; ci < inChannels; ci++) {
        const rowStart = ((a * filterWidth + b) * inChannels + ci) * pixels;
        for (let n = 0; n < batchSize; n++) {
          for (let i = iFrom; i < iTo; i++) {
            let d = rowStart + (n * outHeight + i) * outWidth + jFrom;
            let s = ci * planeSize + (n * inHeight + i * sh + a - top) * inWidth + jFrom * sw + b - left;
            for (let j = jFrom; j < jTo; j++, d++, s += sw) dst[d] = src[s];
          }
        }
      }
    }
  }
  release(backend, planes);
  const dw = longProduct(backend, cols, reshaped(dy, [1, pixels, outChannels]));
  release(backend, cols);
  return reshaped(dw, [filterHeight, filterWidth, inChannels, outChannels]);
}

/**
 * Filter gradient from patches of dy laid over x's pixels: d[(a, b, co), (n, i·s + a - padTop, j·s + b - padLeft)]
 * = dy[n, i, j, co], so dW^T = d · x with x read as a (pixels × inChannels) matrix; cheaper when outChannels is small.
 */
function filterGradFromOutputPatches(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const pixels = batchSize * inHeight * inWidth;
  const rows = filterHeight * filterWidth * outChannels;
  const patches = allocate(backend, [1, rows, pixels], true);
  const planes = channelPlanes(backend, dy);
  const dst = heapView(backend, patches);
  const src = heapView(backend, planes);
  const planeSize = batchSize * outHeight * outWidth;
  for (let a = 0; a < filterHeight; a++) {
    const [iFrom, iTo] = validOutputRange(a, sh, top, inHeight, outHeight);
    for (let b = 0; b < filterWidth; b++) {
      const [jFrom, jTo] = validOutputRange(b, sw, left, inWidth, outWidth);
      for (let co = 0; co < outChannels; co++) {
        const rowStart = ((a * filterWidth + b) * outChannels + co) * pixels;
        for (let n = 0; n < batchSize; n++) {
          for (let i = iFrom; i < iTo; i++) {
            let d = rowStart + (n * inHeight + i * sh + a - top) * inWidth + jFrom * sw + b - left;
            let s = co * planeSize + (n * outHeight + i) * outWidth + jFrom;
            for (let j = jFrom; j < jTo; j++, d += sw, s++) dst[d] = src[s];
          }
        }
      }
    }
  }
  release(backend, planes);
  const transposedGrad = longProduct(backend, patches, reshaped(x, [1, pixels, inChannels]));
  release(backend, patches);
  return filterFromTransposed(backend, transposedGrad, info);
}

/** dW in [kh, kw, ci, co] order from its [kh, kw, co, ci] transpose, which is released. */
function filterFromTransposed(backend: WasmBackend, transposed: tf.TensorInfo, info: ConvInfo): tf.TensorInfo {
  const { inChannels, outChannels, filterHeight, filterWidth } = info;
  const out = allocate(backend, [filterHeight, filterWidth, inChannels, outChannels]);
  const from = heapView(backend, transposed);
  const to = heapView(backend, out);
  for (let k = 0; k < filterHeight * filterWidth; k++) {
    for (let co = 0; co < outChannels; co++) {
      for (let ci = 0; ci < inChannels; ci++) to[(k * inChannels + ci) * outChannels + co] = from[(k * outChannels + co) * inChannels + ci];
    }
  }
  release(backend, transposed);
  return out;
}

/**
 * The padded grid of a stride-1 convolution: per image outHeight + kh - 1 rows of outWidth + kw - 1 cells, with x
 * placed at (padTop, padLeft) and dy at (0, 0). Tap (a, b) then pairs dy's cell q with x's cell q + a·width + b.
 */
interface Grid {
  height: number;
  width: number;
  /** Cells in the whole batch. */
  cells: number;
  /** The largest tap shift, (kh - 1)·width + kw - 1. */
  reach: number;
}

function gridOf(info: ConvInfo): Grid {
  const height = info.outHeight + info.filterHeight - 1;
  const width = info.outWidth + info.filterWidth - 1;
  return { height, width, cells: info.batchSize * height * width, reach: (info.filterHeight - 1) * width + info.filterWidth - 1 };
}

/** Where an NHWC tensor goes on the grid: its top-left cell, and zero cells kept before and after (planes only). */
interface Placement {
  top: number;
  left: number;
  lead: number;
  tail: number;
}

/** Calls copy(source offset, grid cell, pixels) for each image row of t that lands on the grid, clipped to it. */
function forEachGridRow(t: tf.TensorInfo, grid: Grid, at: Placement, copy: (from: number, cell: number, pixels: number) => void): void {
  const [batch, height, width, channels] = t.shape;
  const pixels = Math.min(width, grid.width - at.left);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < Math.min(height, grid.height - at.top); h++) {
      copy(((n * height + h) * width) * channels, (n * grid.height + h + at.top) * grid.width + at.left, pixels);
    }
  }
}

/** t laid out on the grid as a [1, cells, channels] matrix, zeros elsewhere. */
function onGrid(backend: WasmBackend, t: tf.TensorInfo, grid: Grid, at: Placement): tf.TensorInfo {
  const channels = t.shape[3];
  const out = allocate(backend, [1, grid.cells, channels], true);
  const src = heapView(backend, t);
  const dst = heapView(backend, out);
  forEachGridRow(t, grid, at, (from, cell, pixels) => dst.set(src.subarray(from, from + pixels * channels), cell * channels));
  return out;
}

/** t's channels as planes on the grid, each `lead + cells + tail` long; returns the planes and that length. */
function planesOnGrid(backend: WasmBackend, t: tf.TensorInfo, grid: Grid, at: Placement): [tf.TensorInfo, number] {
  const channels = t.shape[3];
  const planeLength = at.lead + grid.cells + at.tail;
  const out = allocate(backend, [channels, planeLength], true);
  const src = heapView(backend, t);
  const dst = heapView(backend, out);
  forEachGridRow(t, grid, at, (from, cell, pixels) => {
    for (let p = 0, s = from, d = at.lead + cell; p < pixels; p++, d++) {
      for (let c = 0, dc = d; c < channels; c++, s++, dc += planeLength) dst[dc] = src[s];
    }
  });
  return [out, planeLength];
}

/**
 * Stride-1 filter gradient without patch matrices: on the grid, every row of the product is a shifted view of one
 * channel plane, so x and dy are each copied once instead of kh·kw times.
 *   planes of x:  dW[(a, b, ci), co]  = Σ_q xPlane_ci[q + a·width + b] · dyGrid[q, co]   (co a multiple of 4)
 *   planes of dy: dWᵀ[(a, b, co), ci] = Σ_q dyPlane_co[q - a·width - b] · xGrid[q, ci]   (ci a multiple of 4)
 */
function filterGradOnGrid(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo, planesOf: "x" | "dy"): tf.TensorInfo {
  const grid = gridOf(info);
  const xAt = { top: info.padInfo.top, left: info.padInfo.left, lead: 0, tail: 0 };
  const dyAt = { top: 0, left: 0, lead: 0, tail: 0 };
  const [planes, planeLength] =
    planesOf === "x" ? planesOnGrid(backend, x, grid, { ...xAt, tail: grid.reach }) : planesOnGrid(backend, dy, grid, { ...dyAt, lead: grid.reach });
  const matrix = planesOf === "x" ? onGrid(backend, dy, grid, dyAt) : onGrid(backend, x, grid, xAt);
  const planesAt = heapView(backend, planes).byteOffset;
  const rows: number[] = [];
  for (let a = 0; a < info.filterHeight; a++) {
    for (let b = 0; b < info.filterWidth; b++) {
      const shift = planesOf === "x" ? a * grid.width + b : grid.reach - (a * grid.width + b);
      for (let c = 0; c < planes.shape[0]; c++) rows.push(planesAt + (c * planeLength + shift) * 4);
    }
  }
  const product = productOfRows(backend, rows, grid.cells, matrix);
  release(backend, planes, matrix);
  if (planesOf === "dy") return filterFromTransposed(backend, product, info);
  return reshaped(product, [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
}

/** Conv2DBackpropFilter: dW[a, b, ci, co] = Σ over n, i, j of x[n, i·s + a - pad, j·s + b - pad, ci] · dy[n, i, j, co]. */
function conv2DBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const info = convGeometry("Conv2DBackpropFilter", x.shape, (attrs ?? {}).filterShape as number[], attrs ?? {});
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    // Copy the smaller tensor into planes; the other operand's channels must be a multiple of 4.
    const xIsSmaller = tf.util.sizeFromShape(x.shape) <= tf.util.sizeFromShape(dy.shape);
    if (info.outChannels % 4 === 0 && (xIsSmaller || info.inChannels % 4 !== 0)) return filterGradOnGrid(wasm, x, dy, info, "x");
    if (info.inChannels % 4 === 0) return filterGradOnGrid(wasm, x, dy, info, "dy");
  }
  // Build whichever patch matrix is smaller.
  const inputPatches = info.inChannels * info.outHeight * info.outWidth;
  const outputPatches = info.outChannels * info.inHeight * info.inWidth;
  return inputPatches <= outputPatches
    ? filterGradFromInputPatches(wasm, x, dy, info)
    : filterGradFromOutputPatches(wasm, x, dy, info);
}

/** The filter turned half a turn and with its channel axes swapped: r[a, b, co, ci] = W[kh-1-a, kw-1-b, ci, co]. */
function rotatedFilter(backend: WasmBackend, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, inChannels, outChannels] = filter.shape;
  const out = allocate(backend, [kh, kw, outChannels, inChannels]);
  const src = heapView(backend, filter);
  const dst = heapView(backend, out);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * inChannels * outChannels;
      const to = (a * kw + b) * outChannels * inChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) dst[to + co * inChannels + ci] = src[from + ci * outChannels + co];
      }
    }
  }
  return out;
}

/**
 * dy spread out by the stride and framed so that a 'valid' convolution with the rotated filter yields dx:
 * result[n, i·s + kh-1-padTop, j·s + kw-1-padLeft, c] = dy[n, i, j, c], zeros elsewhere.
 */
function spreadOutputGradient(backend: WasmBackend, dy: tf.TensorInfo, info: ConvInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const height = inHeight + filterHeight - 1;
  const width = inWidth + filterWidth - 1;
  const offsetY = filterHeight - 1 - info.padInfo.top;
  const offsetX = filterWidth - 1 - info.padInfo.left;
  const out = allocate(backend, [batchSize, height, width, outChannels], true);
  const dst = heapView(backend, out);
  const src = heapView(backend, dy);
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < outHeight; i++) {
      const y = i * info.strideHeight + offsetY;
      if (y < 0 || y >= height) continue; // only ever reaches input rows outside x
      for (let j = 0; j < outWidth; j++) {
        const x = j * info.strideWidth + offsetX;
        if (x < 0 || x >= width) continue;
        const s = ((n * outHeight + i) * outWidth + j) * outChannels;
        dst.set(src.subarray(s, s + outChannels), ((n * height + y) * width + x) * outChannels);
      }
    }
  }
  return out;
}

/** Conv2DBackpropInput: dx is the convolution of (stride-spread, padded) dy with the rotated filter. */
function conv2DBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const info = convGeometry("Conv2DBackpropInput", (attrs ?? {}).inputShape as number[], filter.shape, attrs ?? {});
  const rotated = rotatedFilter(wasm, filter);
  const padTop = info.filterHeight - 1 - info.padInfo.top;
  const padLeft = info.filterWidth - 1 - info.padInfo.left;
  const padBottom = info.inHeight - info.outHeight + info.padInfo.top;
  const padRight = info.inWidth - info.outWidth + info.padInfo.left;
  const stridesOne = info.strideHeight === 1 && info.strideWidth === 1;
  let dx: tf.TensorInfo;
  if (stridesOne && Math.min(padTop, padLeft, padBottom, padRight) >= 0) {
    // XNNPACK pads by itself; no copy of dy needed.
    const pad = [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]];
    dx = runWasmKernel("Conv2D", wasm, { x: dy, filter: rotated }, { strides: 1, pad, dataFormat: "NHWC", dilations: 1 });
  } else {
    const spread = spreadOutputGradient(wasm, dy, info);
    dx = runWasmKernel("Conv2D", wasm, { x: spread, filter: rotated }, { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 });
    release(wasm, spread);
  }
  release(wasm, rotated);
  return dx;
}

/** Convolution gradient kernels for the wasm backend. */
export const convolutionKernels: tf.KernelConfig[] = [
  { kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilter as tf.KernelFunc },
  { kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: conv2DBackpropInput as tf.KernelFunc },
];
