/** A hand-drawn 5×7 bitmap font (with 2 descender rows) for labels drawn into PNG images. */

/** Width of one glyph in font pixels. */
export const GLYPH_WIDTH = 5;
/** Height of a glyph cell in font pixels: 7 rows above the baseline and 2 descender rows. */
export const GLYPH_HEIGHT = 9;
/** Horizontal distance from one character to the next in font pixels (glyph + 1 pixel of spacing). */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

// Each glyph is rows of "#" (ink) and "." (paper) separated by spaces: 7 rows down to the baseline, plus up to 2
// descender rows.
const GLYPH_ROWS: Record<string, string> = {
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "####. #...# #...# #...# #...# #...# ####.",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... #.##. ##..# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .##.# #..## #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... ..... .#### #...# #...# #...# .#### ....# .###.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# #...# .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .###. #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  " ": "..... ..... ..... ..... ..... ..... .....",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... .##.. .##.. ..#.. .#...",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  ";": "..... .##.. .##.. ..... .##.. .##.. ..#.. .#...",
  "-": "..... ..... ..... .###. ..... ..... .....",
  "=": "..... ..... ##### ..... ##### ..... .....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "×": "..... #...# .#.#. ..#.. .#.#. #...# .....",
  "*": "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
  "/": "..... ....# ...#. ..#.. .#... #.... .....",
  "%": "##... ##..# ...#. ..#.. .#... #..## ...##",
  "_": "..... ..... ..... ..... ..... ..... #####",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "[": ".###. .#... .#... .#... .#... .#... .###.",
  "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
  "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
  ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "'": "..#.. ..#.. .#... ..... ..... ..... .....",
  '"': ".#.#. .#.#. ..... ..... ..... ..... .....",
  "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  "&": ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",
  "μ": "..... ..... #...# #...# #...# ##..# #.##. #.... #....",
  "σ": "..... ..... .#### #..#. #...# #...# .###.",
};

/** Drawn for characters the font has no glyph for, so a missing glyph is visible rather than silently blank. */
const UNKNOWN_GLYPH = "##### #...# #...# #...# #...# #...# #####";

/** A glyph as GLYPH_HEIGHT rows of GLYPH_WIDTH booleans (true = ink). */
type Glyph = boolean[][];

function parseGlyph(char: string, rows: string): Glyph {
  const lines = rows.split(" ");
  if (lines.length < 7 || lines.length > GLYPH_HEIGHT || lines.some((l) => l.length !== GLYPH_WIDTH)) {
    throw new Error(`font: glyph ${JSON.stringify(char)} must be 7 to ${GLYPH_HEIGHT} rows of ${GLYPH_WIDTH} pixels.`);
  }
  const padded = [...lines, ...Array<string>(GLYPH_HEIGHT - lines.length).fill(".....")];
  return padded.map((line) => [...line].map((pixel) => pixel === "#"));
}

const GLYPHS = new Map<string, Glyph>(Object.entries(GLYPH_ROWS).map(([char, rows]) => [char, parseGlyph(char, rows)]));
const UNKNOWN = parseGlyph("unknown", UNKNOWN_GLYPH);

/** True when the font has a real glyph for `char` (otherwise it is drawn as a box). */
export function hasGlyph(char: string): boolean {
  return GLYPHS.has(char);
}

/** Size in output pixels of `text` drawn on one line at integer `scale`. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const chars = [...text].length;
  return {
    width: chars === 0 ? 0 : (chars * GLYPH_ADVANCE - 1) * scale,
    height: GLYPH_HEIGHT * scale,
  };
}

/**
 * Calls `plot(x, y)` for every inked output pixel of `text` drawn with its top-left corner at (0, 0),
 * each font pixel becoming a `scale`×`scale` block. The caller decides where and in which colour to draw.
 */
export function forEachTextPixel(text: string, scale: number, plot: (x: number, y: number) => void): void {
  if (!Number.isInteger(scale) || scale < 1) {
    throw new Error(`font: scale must be a positive integer, got ${scale}.`);
  }
  [...text].forEach((char, index) => {
    const glyph = GLYPHS.get(char) ?? UNKNOWN;
    const left = index * GLYPH_ADVANCE * scale;
    glyph.forEach((row, gy) =>
      row.forEach((ink, gx) => {
        if (!ink) return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) plot(left + gx * scale + dx, gy * scale + dy);
        }
      }),
    );
  });
}
