/** Image grids for notebooks: tensors → one PNG with tiles, captions, row labels and a title. */
import * as tf from "@tensorflow/tfjs";
import { displayPng } from "./display";
import { forEachTextPixel, measureText } from "./font";
import { encodePng } from "./png";

/**
 * Images as a tensor or nested arrays of numbers in [0, 1] (values outside are clipped; NaN is drawn magenta).
 * Shape rules:
 * - rank 2 `[H, W]`: one grayscale image;
 * - rank 3 `[H, W, C]` when the last dimension C is 1 or 3 (one grayscale or RGB image), otherwise `[N, H, W]`
 *   (N grayscale images) — so reshape a batch of 3-pixel-wide images to rank 4 to avoid ambiguity;
 * - rank 4 `[N, H, W, C]` with C = 1 (grayscale) or 3 (RGB).
 */
export type ImageSource = tf.Tensor | number[][] | number[][][] | number[][][][];

/** An encoded PNG with its size in pixels. */
export interface Picture {
  png: Uint8Array;
  width: number;
  height: number;
}

/** Options shared by every image picture. */
export interface PictureOptions {
  /** Integer pixel zoom; by default images show about 84 px tall (3× for a 28×28 digit). */
  scale?: number;
  /** Title drawn above the picture (at twice the text scale). */
  title?: string;
  /** Integer zoom of the 5×7 font used for captions, labels and the title (default 1). */
  textScale?: number;
}

/** Options for `imageGrid` / `showImages`. */
export interface ImageGridOptions extends PictureOptions {
  /** Images per row before wrapping (default: all images up to 10). */
  columns?: number;
  /** One caption per image, drawn under its tile. */
  labels?: string[];
}

/** One labelled row for `imageRowsGrid` / `showImageRows`, e.g. `{ label: "original", images: batch }`. */
export interface ImageRow {
  /** Drawn at the start of the row. */
  label: string;
  /** The row's images (same shape rules as `ImageSource`). */
  images: ImageSource;
  /** Optional caption under each image of this row. */
  captions?: string[];
}

/** Options for `latentCodesGrid` / `showLatentCodes` (`scale` defaults to 4: a 4×4 channel map shows at 16 px). */
export interface LatentCodesOptions extends PictureOptions {
  /** One label per code, drawn at the start of its row (e.g. the class of the encoded image). */
  labels?: string[];
}

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [160, 160, 160]; // mid-grey, so both black and white tiles stand out
const INK: Rgb = [0, 0, 0];
const NAN_COLOR: Rgb = [255, 0, 255];
const MARGIN = 4;
const GAP = 2;
/** Displayed height the default scale aims for: a 28-pixel image at 3×. */
const TARGET_TILE_PIXELS = 84;

/** Images read out of a tensor as `[count, height, width, channels]` floats. */
interface ImageBatch {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  values: Float32Array;
}

const SHAPE_HELP =
  "expected rank 2 [H,W], rank 3 [N,H,W] or [H,W,C], or rank 4 [N,H,W,C] with C = 1 or 3 " +
  "(e.g. images.reshape([-1, 28, 28, 1]))";

/** Reads images (see `ImageSource` for the shape rules) into a plain batch; disposes only what it creates. */
function readImages(source: ImageSource, what: string): ImageBatch {
  const tensor = Array.isArray(source) ? tf.tensor(source) : source;
  try {
    const shape = tensor.shape;
    let dims: [number, number, number, number];
    if (shape.length === 2) dims = [1, shape[0], shape[1], 1];
    else if (shape.length === 3 && (shape[2] === 1 || shape[2] === 3)) dims = [1, shape[0], shape[1], shape[2]];
    else if (shape.length === 3) dims = [shape[0], shape[1], shape[2], 1];
    else if (shape.length === 4) dims = [shape[0], shape[1], shape[2], shape[3]];
    else throw new Error(`${what}: ${SHAPE_HELP}; got shape [${shape.join(",")}].`);
    const [count, height, width, channels] = dims;
    if (channels !== 1 && channels !== 3) {
      throw new Error(`${what}: ${SHAPE_HELP}; got ${channels} channels in shape [${shape.join(",")}].`);
    }
    if (count === 0 || height === 0 || width === 0) {
      throw new Error(`${what}: there are no pixels to show (shape [${shape.join(",")}]).`);
    }
    return { count, height, width, channels, values: Float32Array.from(tensor.dataSync()) };
  } finally {
    if (tensor !== source) tensor.dispose();
  }
}

function checkPositiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}.`);
  return value;
}

function checkCaptions(captions: string[] | undefined, count: number, what: string): void {
  if (captions !== undefined && captions.length !== count) {
    throw new Error(`${what}: got ${captions.length} captions for ${count} images; give one per image.`);
  }
}

function defaultScale(height: number, width: number): number {
  return Math.max(1, Math.round(TARGET_TILE_PIXELS / Math.max(height, width)));
}

/** An RGB raster filled with the background colour. */
class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < this.pixels.length; i += 3) this.pixels.set(BACKGROUND, i);
  }

  set(x: number, y: number, color: Rgb): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.pixels.set(color, (y * this.width + x) * 3);
  }

  text(text: string, left: number, top: number, scale: number): void {
    forEachTextPixel(text, scale, (x, y) => this.set(left + x, top + y, INK));
  }

  /** Draws image `index` of `batch` with its top-left corner at (left, top), each pixel as a zoom×zoom block. */
  image(batch: ImageBatch, index: number, left: number, top: number, zoom: number): void {
    const { height, width, channels, values } = batch;
    const base = index * height * width * channels;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const color = pixelColor(values, base + (y * width + x) * channels, channels);
        for (let dy = 0; dy < zoom; dy++) {
          for (let dx = 0; dx < zoom; dx++) this.set(left + x * zoom + dx, top + y * zoom + dy, color);
        }
      }
    }
  }

  toPicture(): Picture {
    return { png: encodePng(this.pixels, this.width, this.height, 3), width: this.width, height: this.height };
  }
}

function toByte(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 255);
}

function pixelColor(values: Float32Array, offset: number, channels: 1 | 3): Rgb {
  const first = values[offset];
  if (channels === 1) return Number.isNaN(first) ? NAN_COLOR : [toByte(first), toByte(first), toByte(first)];
  const [r, g, b] = [first, values[offset + 1], values[offset + 2]];
  return Number.isNaN(r) || Number.isNaN(g) || Number.isNaN(b) ? NAN_COLOR : [toByte(r), toByte(g), toByte(b)];
}

/** One row of the layout: a run of images from a batch, an optional label before it and captions under it. */
interface LayoutRow {
  label?: string;
  batch: ImageBatch;
  start: number;
  count: number;
  zoom: number;
  captions?: string[];
}

/** Draws rows of tiles in shared, equally wide columns; the one renderer behind every picture here. */
function renderRows(rows: LayoutRow[], title: string | undefined, textScale: number): Picture {
  const lineHeight = measureText("", textScale).height;
  const labelWidth = Math.max(0, ...rows.map((row) => measureText(row.label ?? "", textScale).width));
  const labelColumn = labelWidth > 0 ? labelWidth + 2 * GAP : 0;
  const captionWidth = (row: LayoutRow) =>
    Math.max(0, ...(row.captions ?? []).map((caption) => measureText(caption, textScale).width));
  const columnWidth = Math.max(...rows.map((row) => Math.max(row.batch.width * row.zoom, captionWidth(row))));
  const columns = Math.max(...rows.map((row) => row.count));
  const captionHeight = (row: LayoutRow) => (row.captions ? GAP + lineHeight : 0);
  const rowHeight = (row: LayoutRow) =>
    Math.max(row.batch.height * row.zoom + captionHeight(row), row.label ? lineHeight : 0);

  const titleSize = title ? measureText(title, 2 * textScale) : { width: 0, height: 0 };
  const titleHeight = title ? titleSize.height + 2 * GAP : 0;
  const gridWidth = labelColumn + columns * columnWidth + (columns - 1) * GAP;
  const width = 2 * MARGIN + Math.max(gridWidth, titleSize.width);
  const height =
    2 * MARGIN + titleHeight + rows.reduce((sum, row) => sum + rowHeight(row), 0) + (rows.length - 1) * GAP;

  const canvas = new Canvas(width, height);
  if (title) canvas.text(title, MARGIN, MARGIN, 2 * textScale);
  let top = MARGIN + titleHeight;
  for (const row of rows) {
    const tileWidth = row.batch.width * row.zoom;
    const tileHeight = row.batch.height * row.zoom;
    if (row.label) canvas.text(row.label, MARGIN, top + Math.floor((tileHeight - lineHeight) / 2), textScale);
    for (let i = 0; i < row.count; i++) {
      const cellLeft = MARGIN + labelColumn + i * (columnWidth + GAP);
      canvas.image(row.batch, row.start + i, cellLeft + Math.floor((columnWidth - tileWidth) / 2), top, row.zoom);
      const caption = row.captions?.[i];
      if (caption) {
        const captionLeft = cellLeft + Math.floor((columnWidth - measureText(caption, textScale).width) / 2);
        canvas.text(caption, captionLeft, top + tileHeight + GAP, textScale);
      }
    }
    top += rowHeight(row) + GAP;
  }
  return canvas.toPicture();
}

/** Draws images (see `ImageSource`) as a grid PNG, wrapping after `columns` tiles, with optional captions. */
export function imageGrid(images: ImageSource, options: ImageGridOptions = {}): Picture {
  const batch = readImages(images, "imageGrid");
  checkCaptions(options.labels, batch.count, "imageGrid labels");
  const zoom = checkPositiveInteger(options.scale ?? defaultScale(batch.height, batch.width), "scale");
  const columns = checkPositiveInteger(options.columns ?? Math.min(batch.count, 10), "columns");
  const rows: LayoutRow[] = [];
  for (let start = 0; start < batch.count; start += columns) {
    const count = Math.min(columns, batch.count - start);
    rows.push({ batch, start, count, zoom, captions: options.labels?.slice(start, start + count) });
  }
  return renderRows(rows, options.title, checkPositiveInteger(options.textScale ?? 1, "textScale"));
}

/**
 * Draws labelled rows of images (e.g. "original" / "noisy" / "reconstruction") as one PNG with tiles in shared
 * columns. Rows of smaller images get a larger integer zoom so every row shows about as tall as the tallest one.
 */
export function imageRowsGrid(rows: ImageRow[], options: PictureOptions = {}): Picture {
  if (rows.length === 0) throw new Error("imageRowsGrid: give at least one row, e.g. [{ label: \"original\", images }].");
  const batches = rows.map((row) => readImages(row.images, `imageRowsGrid row "${row.label}"`));
  rows.forEach((row, i) => checkCaptions(row.captions, batches[i].count, `imageRowsGrid row "${row.label}"`));
  const tallest = batches.reduce((a, b) => (b.height > a.height ? b : a));
  const zoom = checkPositiveInteger(options.scale ?? defaultScale(tallest.height, tallest.width), "scale");
  const displayedHeight = tallest.height * zoom;
  const layout = rows.map((row, i): LayoutRow => {
    const batch = batches[i];
    const rowZoom = Math.max(1, Math.floor(displayedHeight / batch.height));
    return { label: row.label, batch, start: 0, count: batch.count, zoom: rowZoom, captions: row.captions };
  });
  return renderRows(layout, options.title, checkPositiveInteger(options.textScale ?? 1, "textScale"));
}

/**
 * Draws latent codes `[N, h, w, c]` (the lesson's are 4×4×8) as one row per code: the code's c channels side by
 * side as h×w tiles, so channel k of every code sits in column k and codes can be compared down the columns.
 * All codes share one brightness scale, from min(0, global min) as black to the global max over every code as
 * white; the default title states the value drawn white.
 */
export function latentCodesGrid(codes: tf.Tensor, options: LatentCodesOptions = {}): Picture {
  if (codes.rank !== 4) {
    throw new Error(`latentCodesGrid: expected codes of shape [N, h, w, c] (e.g. [N,4,4,8]), got [${codes.shape}].`);
  }
  const [count, h, w, c] = codes.shape as [number, number, number, number];
  checkCaptions(options.labels, count, "latentCodesGrid labels");
  const [low, high] = tf.tidy(() => [Math.min(0, codes.min().dataSync()[0]), codes.max().dataSync()[0]]);
  const channelMaps = tf.tidy(() => {
    const maps = codes.transpose([0, 3, 1, 2]).reshape([count * c, h, w, 1]);
    return high > low ? maps.sub(low).div(high - low) : tf.zerosLike(maps);
  });
  let batch: ImageBatch;
  try {
    batch = readImages(channelMaps, "latentCodesGrid");
  } finally {
    channelMaps.dispose();
  }
  const zoom = checkPositiveInteger(options.scale ?? 4, "scale");
  const rows = Array.from({ length: count }, (_, n): LayoutRow => {
    return { label: options.labels?.[n], batch, start: n * c, count: c, zoom };
  });
  const title = options.title ?? `latent codes, white = ${high.toPrecision(3)}`;
  return renderRows(rows, title, checkPositiveInteger(options.textScale ?? 1, "textScale"));
}

/** Shows images (see `ImageSource`) as a grid in the notebook. */
export function showImages(images: ImageSource, options: ImageGridOptions = {}): void {
  displayPng(imageGrid(images, options).png);
}

/** Shows labelled rows of images in the notebook, e.g. originals above their reconstructions. */
export function showImageRows(rows: ImageRow[], options: PictureOptions = {}): void {
  displayPng(imageRowsGrid(rows, options).png);
}

/** Shows latent codes `[N, h, w, c]` as small images in the notebook (see `latentCodesGrid` for the layout). */
export function showLatentCodes(codes: tf.Tensor, options: LatentCodesOptions = {}): void {
  displayPng(latentCodesGrid(codes, options).png);
}
