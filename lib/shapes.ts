/** Tensor shapes as learners read them: printed the way tfjs prints them, compared entry by entry. */

/** A shape whose entries may be null, the open batch dimension of a model's input or output. */
export type Shape = ReadonlyArray<number | null>;

/** Formats a shape the way tfjs prints one: [null, 28, 28, 1]. */
export function formatShape(shape: Shape): string {
  return `[${shape.map((dim) => (dim === null ? "null" : String(dim))).join(", ")}]`;
}

/** True when two shapes have the same entries (null matches only null). */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((dim, index) => dim === b[index]);
}
