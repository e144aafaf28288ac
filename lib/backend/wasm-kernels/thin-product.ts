/**
 * Matrix products with a long shared axis and a small result, as in a convolution's filter gradient: A is M × K,
 * B is K × N with K = every pixel of the batch, and M, N are a few dozen at most. XNNPACK's product first repacks
 * all of B (its "weights") into fresh memory on every call, which costs more than the arithmetic at these shapes;
 * the SIMD loops here read A and B where they lie, a cache-sized block of K at a time.
 */
import { advance, countdown, I32, op, V128, wasmExports, type WasmFunction } from "./assemble";
import { allocate, heapView, runWasmKernel, type WasmBackend } from "./heap";
import type * as tf from "@tensorflow/tfjs";

/** Largest tile: up to 4 rows of A by up to 4 four-float vectors of B's columns (16 accumulators at most). */
const MAX_ROWS = 4;
const MAX_VECTORS = 4;
/** Rows of B per block: about 32 KiB of B at 16 columns, so a block stays in the core's cache while tiles reuse it. */
const K_BLOCK_FLOATS = 8192;

/**
 * tile(b, bStride, c, cStride, k, a0, a1, …): adds A · B[0:k, 0:4·vectors] to C, where row r of A is the k floats
 * at a_r (byte offsets and strides). Per step of k: splat one value from each row of A, load the vectors of B's
 * row, multiply-add into accumulators; the accumulators are added to C at the end.
 */
function tileFunction(rows: number, vectors: number): WasmFunction {
  const [B, B_STRIDE, C, C_STRIDE, K] = [0, 1, 2, 3, 4];
  const rowPointer = (r: number) => 5 + r;
  const splatted = (r: number) => 5 + rows + r;
  const bVector = 5 + 2 * rows;
  const accumulator = (r: number, v: number) => bVector + 1 + r * vectors + v;
  const { get, set } = op;
  const range = (n: number) => [...Array(n).keys()];
  const body = [
    ...countdown(K, [
      ...range(rows).flatMap((r) => [...get(rowPointer(r)), ...op.f32Load(), ...op.f32x4Splat, ...set(splatted(r))]),
      ...range(vectors).flatMap((v) => [
        ...get(B), ...op.v128Load(16 * v), ...set(bVector),
        ...range(rows).flatMap((r) => [
          ...get(accumulator(r, v)), ...get(splatted(r)), ...get(bVector), ...op.f32x4Mul, ...op.f32x4Add, ...set(accumulator(r, v)),
        ]),
      ]),
      ...range(rows).flatMap((r) => advance(rowPointer(r), 4)),
      ...advance(B, B_STRIDE, true),
    ]),
    // C += accumulators, row r at c + r·cStride
    ...range(rows).flatMap((r) =>
      range(vectors).flatMap((v) => {
        const address = [...get(C), ...get(C_STRIDE), ...op.i32(r), ...op.i32Mul, ...op.i32Add];
        return [...address, ...address, ...op.v128Load(16 * v), ...get(accumulator(r, v)), ...op.f32x4Add, ...op.v128Store(16 * v)];
      }),
    ),
  ];
  return {
    name: `tile${rows}x${vectors}`,
    params: Array(5 + rows).fill(I32),
    locals: Array(rows + 1 + rows * vectors).fill(V128),
    body,
  };
}

function thinProductFunctions(): WasmFunction[] {
  const functions: WasmFunction[] = [];
  for (let rows = 1; rows <= MAX_ROWS; rows++) {
    for (let vectors = 1; vectors <= MAX_VECTORS; vectors++) functions.push(tileFunction(rows, vectors));
  }
  return functions;
}

/** Rows per tile for a column block of `vectors` vectors: at most 8 accumulators, which stay in CPU registers. */
function rowsPerTile(vectors: number): number {
  return Math.min(MAX_ROWS, Math.floor(8 / vectors));
}

/**
 * A · B as a new [1, M, N] tensor, where row r of A is the k floats at byte offset rows[r] of wasm memory and b is
 * [1, k, N] with N a multiple of 4. Rows may overlap, which lets a filter gradient use shifted views of one plane.
 */
export function productOfRows(backend: WasmBackend, rows: readonly number[], k: number, b: tf.TensorInfo): tf.TensorInfo {
  const n = b.shape[2];
  if (n % 4 !== 0 || b.shape[1] !== k) throw new Error(`productOfRows needs B as [1, ${k}, 4·j], got [${b.shape}].`);
  const out = allocate(backend, [1, rows.length, n], true);
  const tiles = wasmExports(backend, "thin-product", thinProductFunctions);
  const bAt = heapView(backend, b).byteOffset;
  const cAt = heapView(backend, out).byteOffset;
  const kBlock = Math.max(64, Math.floor(K_BLOCK_FLOATS / n));
  for (let kFrom = 0; kFrom < k; kFrom += kBlock) {
    const depth = Math.min(kBlock, k - kFrom);
    for (let v0 = 0; v0 < n / 4; v0 += MAX_VECTORS) {
      const vectors = Math.min(MAX_VECTORS, n / 4 - v0);
      const tileRows = rowsPerTile(vectors);
      for (let r0 = 0; r0 < rows.length; r0 += tileRows) {
        const rowStarts = rows.slice(r0, r0 + tileRows).map((at) => at + kFrom * 4);
        tiles[`tile${rowStarts.length}x${vectors}`](
          bAt + (kFrom * n + v0 * 4) * 4, n * 4, cAt + (r0 * n + v0 * 4) * 4, n * 4, depth, ...rowStarts,
        );
      }
    }
  }
  return out;
}

/** a · b for a as [1, M, K] and b as [1, K, N]: the SIMD loops above when N is a multiple of 4, else XNNPACK's. */
export function longProduct(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [, m, k] = a.shape;
  if (b.shape[2] % 4 !== 0) return runWasmKernel("BatchMatMul", backend, { a, b }, { transposeA: false, transposeB: false });
  const aAt = heapView(backend, a).byteOffset;
  return productOfRows(backend, Array.from({ length: m }, (_, r) => aAt + r * k * 4), k, b);
}
