/** Counted words for messages: "1 epoch", "8 epochs". */

/** `count` and `word`, with an "s" unless the count is exactly 1 (the course's words all take a plain "s"). */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
