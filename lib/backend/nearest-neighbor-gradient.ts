/** The gradient of tfjs's nearest-neighbour resize as plain loops, shared by the wasm kernel and the cpu fix. */

/** For each of `outSize` output rows (or columns), the input row it copies, by tfjs's nearest-neighbour rule. */
export function nearestSources(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const corners = alignCorners && outSize > 1;
  const ratio = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize);
  const sources = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const exact = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(exact) : Math.floor(exact));
    sources[o] = Math.max(0, nearest);
  }
  return sources;
}

/** Shapes of a resize gradient: images [batch, inHeight, inWidth, channels] and dy [batch, outHeight, outWidth, channels]. */
export interface ResizeGradientShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  /** Input row copied by each output row (from nearestSources). */
  rows: Int32Array;
  /** Input column copied by each output column (from nearestSources). */
  cols: Int32Array;
}

/** Adds to each input pixel of `dx` (zeroed by the caller) the sum of `dy` over the output pixels that copied it. */
export function accumulateNearestNeighborGrad(dy: Float32Array, dx: Float32Array, shape: ResizeGradientShape): void {
  const { batch, inHeight, inWidth, channels, rows, cols } = shape;
  let from = 0;
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < rows.length; r++) {
      const rowBase = (n * inHeight + rows[r]) * inWidth;
      for (let c = 0; c < cols.length; c++, from += channels) {
        const to = (rowBase + cols[c]) * channels;
        for (let ch = 0; ch < channels; ch++) dx[to + ch] += dy[from + ch];
      }
    }
  }
}
