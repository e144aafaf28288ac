/** Deterministic test data, so every backend and every run sees identical inputs. */

/** `size` values in [low, high) from a linear congruential generator seeded with `seed`. */
export function pseudoRandom(size: number, seed: number, low = -1, high = 1): Float32Array {
  const values = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = low + ((high - low) * state) / 2 ** 32;
  }
  return values;
}
