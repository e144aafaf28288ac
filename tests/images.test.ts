import { strict as assert } from "node:assert";
import * as zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { crc32, encodePng } from "../lib/show/png";
import { GLYPH_ADVANCE, GLYPH_HEIGHT, forEachTextPixel, hasGlyph, measureText } from "../lib/show/font";
import { imageGrid, imageRowsGrid, latentCodesGrid, showImages, type ImageGridOptions, type Picture } from "../lib/show/images";

// Layout constants of lib/show/images.ts, restated so a changed layout shows up here.
const MARGIN = 4;
const GAP = 2;
const BACKGROUND = [160, 160, 160];
const INK = [0, 0, 0];
const MAGENTA = [255, 0, 255];

/** A decoded PNG: checks the signature and every chunk's CRC, and undoes filter type 0 only (all we write). */
function decodePng(png: Uint8Array): { width: number; height: number; colorType: number; pixels: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Array<{ type: string; data: Uint8Array }> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = view.getUint32(offset);
    const type = Buffer.from(png.subarray(offset + 4, offset + 8)).toString("latin1");
    const data = png.subarray(offset + 8, offset + 8 + length);
    assert.equal(view.getUint32(offset + 8 + length), crc32(png.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  assert.deepEqual(chunks.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
  const header = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const [width, height, bitDepth, colorType] = [header.getUint32(0), header.getUint32(4), header.getUint8(8), header.getUint8(9)];
  assert.equal(bitDepth, 8);
  const channels = colorType === 2 ? 3 : 1;
  const raw = zlib.inflateSync(chunks[1].data);
  assert.equal(raw.length, height * (width * channels + 1));
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const rowStart = y * (width * channels + 1);
    assert.equal(raw[rowStart], 0, "filter type of each row");
    pixels.set(raw.subarray(rowStart + 1, rowStart + 1 + width * channels), y * width * channels);
  }
  return { width, height, colorType, pixels };
}

/** Reads RGB pixels out of a picture made by lib/show/images. */
function rgbAt(picture: Picture): (x: number, y: number) => number[] {
  const { width, height, colorType, pixels } = decodePng(picture.png);
  assert.equal(colorType, 2, "pictures are RGB");
  assert.deepEqual([width, height], [picture.width, picture.height], "reported size matches IHDR");
  return (x, y) => [...pixels.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
}

function countColor(picture: Picture, color: number[], x0 = 0, y0 = 0, x1 = picture.width, y1 = picture.height) {
  const at = rgbAt(picture);
  let count = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (at(x, y).join() === color.join()) count++;
  return count;
}

/** Asserts that `run` leaves the number of live tensors unchanged. */
function assertNoLeak<T>(run: () => T): T {
  const before = tf.memory().numTensors;
  const result = run();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  return result;
}

/** imageGrid of a tensor made for the test, checking that imageGrid itself leaks nothing. */
function gridOf(images: tf.Tensor, options?: ImageGridOptions): Picture {
  const picture = assertNoLeak(() => imageGrid(images, options));
  images.dispose();
  return picture;
}

describe("PNG encoder", () => {
  it("computes the standard CRC-32", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * i + 7) % 256);
    if (typeof zlib.crc32 === "function") assert.equal(crc32(bytes), zlib.crc32(bytes)); // Node ≥ 20.15
  });

  it("writes grayscale pixels that decode back to the same bytes", () => {
    const pixels = Uint8Array.from({ length: 7 * 3 }, (_, i) => (i * 37) % 256);
    const decoded = decodePng(encodePng(pixels, 7, 3, 1));
    assert.deepEqual([decoded.width, decoded.height, decoded.colorType], [7, 3, 0]);
    assert.deepEqual(decoded.pixels, pixels);
  });

  it("writes RGB pixels that decode back to the same bytes", () => {
    const pixels = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 91) % 256);
    const decoded = decodePng(encodePng(pixels, 5, 4, 3));
    assert.deepEqual([decoded.width, decoded.height, decoded.colorType], [5, 4, 2]);
    assert.deepEqual(decoded.pixels, pixels);
  });

  it("rejects a pixel buffer of the wrong size and bad dimensions", () => {
    assert.throws(() => encodePng(new Uint8Array(10), 2, 2, 3), /expected 12 bytes for 2×2×3, got 10/);
    assert.throws(() => encodePng(new Uint8Array(0), 0, 2, 1), /positive integers/);
  });
});

describe("bitmap font", () => {
  it("has glyphs for letters, digits and label punctuation", () => {
    const required = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:-=()/%+_#×";
    assert.deepEqual([...required].filter((c) => !hasGlyph(c)), []);
  });

  it("measures text from the glyph advance and scale", () => {
    assert.deepEqual(measureText("abc", 1), { width: 3 * GLYPH_ADVANCE - 1, height: GLYPH_HEIGHT });
    assert.deepEqual(measureText("abc", 3), { width: (3 * GLYPH_ADVANCE - 1) * 3, height: GLYPH_HEIGHT * 3 });
    assert.equal(measureText("", 2).width, 0);
  });

  it("plots every pixel inside the measured box, and scales by whole blocks", () => {
    const plotted = (text: string, scale: number) => {
      const points: string[] = [];
      forEachTextPixel(text, scale, (x, y) => points.push(`${x},${y}`));
      return points;
    };
    const { width, height } = measureText("Wg,", 2);
    for (const point of plotted("Wg,", 2)) {
      const [x, y] = point.split(",").map(Number);
      assert.ok(x >= 0 && y >= 0 && x < width && y < height, `pixel ${point} outside ${width}×${height}`);
    }
    assert.equal(plotted("E", 3).length, plotted("E", 1).length * 9);
    assert.equal(plotted(" ", 1).length, 0);
  });

  it("draws an unknown character as a box, distinct from any real glyph", () => {
    const pixels = (text: string) => {
      const points: string[] = [];
      forEachTextPixel(text, 1, (x, y) => points.push(`${x},${y}`));
      return points.join(" ");
    };
    assert.equal(hasGlyph("€"), false);
    assert.equal(pixels("€"), pixels("☃"));
    assert.notEqual(pixels("€"), pixels("O"));
    assert.ok(pixels("€").length > 0);
  });
});

describe("imageGrid", () => {
  it("shows one [H,W] image at 3× for 28×28 inside the margin", () => {
    const picture = gridOf(tf.ones([28, 28]));
    assert.deepEqual([picture.width, picture.height], [2 * MARGIN + 84, 2 * MARGIN + 84]);
    const at = rgbAt(picture);
    assert.deepEqual(at(0, 0), BACKGROUND);
    assert.deepEqual(at(MARGIN, MARGIN), [255, 255, 255]);
    assert.deepEqual(at(MARGIN + 83, MARGIN + 83), [255, 255, 255]);
    assert.deepEqual(at(MARGIN + 84, MARGIN + 84), BACKGROUND);
  });

  it("reads rank 3 as [N,H,W] and wraps after `columns` with a background gap between tiles", () => {
    const picture = gridOf(tf.zeros([5, 10, 10]), { columns: 2, scale: 2 });
    assert.deepEqual([picture.width, picture.height], [2 * MARGIN + 2 * 20 + GAP, 2 * MARGIN + 3 * 20 + 2 * GAP]);
    const at = rgbAt(picture);
    assert.deepEqual(at(MARGIN + 19, MARGIN), INK, "black tile");
    assert.deepEqual(at(MARGIN + 20, MARGIN), BACKGROUND, "gap between two black tiles");
    assert.deepEqual(at(MARGIN + 22, MARGIN + 2 * 22), BACKGROUND, "5th image leaves the last cell empty");
  });

  it("reads rank 3 with 1 or 3 last channels as one [H,W,C] image", () => {
    const rgb = tf.stack([tf.ones([4, 6]), tf.zeros([4, 6]), tf.zeros([4, 6])], 2); // pure red
    const picture = assertNoLeak(() => imageGrid(rgb, { scale: 1 }));
    assert.deepEqual([picture.width, picture.height], [2 * MARGIN + 6, 2 * MARGIN + 4]);
    assert.deepEqual(rgbAt(picture)(MARGIN, MARGIN), [255, 0, 0]);
    const gray = gridOf(tf.zeros([4, 6, 1]), { scale: 1 });
    assert.deepEqual([gray.width, gray.height], [2 * MARGIN + 6, 2 * MARGIN + 4]);
    rgb.dispose();
  });

  it("takes rank 4 [N,H,W,C] with C = 1 or 3, defaulting to at most 10 columns", () => {
    const picture = gridOf(tf.zeros([12, 28, 28, 1]));
    assert.deepEqual([picture.width, picture.height], [2 * MARGIN + 10 * 84 + 9 * GAP, 2 * MARGIN + 2 * 84 + GAP]);
    const colour = gridOf(tf.zeros([2, 7, 7, 3]), { scale: 1 });
    assert.deepEqual([colour.width, colour.height], [2 * MARGIN + 14 + GAP, 2 * MARGIN + 7]);
  });

  it("takes nested number arrays", () => {
    const picture = assertNoLeak(() => imageGrid([[0, 1], [1, 0]], { scale: 1 }));
    const at = rgbAt(picture);
    assert.deepEqual([at(MARGIN, MARGIN), at(MARGIN + 1, MARGIN)], [INK, [255, 255, 255]]);
  });

  it("clips values to [0,1] and marks NaN in magenta", () => {
    const picture = assertNoLeak(() => imageGrid([[-3, 0.5, 7, NaN]], { scale: 1 }));
    const at = rgbAt(picture);
    assert.deepEqual([0, 1, 2, 3].map((x) => at(MARGIN + x, MARGIN)), [INK, [128, 128, 128], [255, 255, 255], MAGENTA]);
  });

  it("draws captions under the tiles and a title above them", () => {
    const images = tf.ones([3, 28, 28, 1]);
    const plain = imageGrid(images);
    const captioned = imageGrid(images, { labels: ["one", "two", "three"] });
    const titled = imageGrid(images, { title: "Samples" });
    images.dispose();
    assert.equal(captioned.height, plain.height + GAP + GLYPH_HEIGHT);
    assert.equal(countColor(plain, INK), 0, "white tiles on grey: no ink without text");
    const captionInk = countColor(captioned, INK, 0, MARGIN + 84, captioned.width, captioned.height);
    assert.ok(captionInk > 3 * 10, `caption ink pixels: ${captionInk}`);
    assert.equal(titled.height, plain.height + 2 * GLYPH_HEIGHT + 2 * GAP);
    assert.ok(countColor(titled, INK, 0, 0, titled.width, MARGIN + 2 * GLYPH_HEIGHT) > 0, "title ink");
  });

  it("widens columns to fit captions longer than a tile", () => {
    const long = "a caption longer than the tile";
    const picture = gridOf(tf.zeros([2, 8, 8]), { scale: 1, labels: [long, "b"] });
    assert.equal(picture.width, 2 * MARGIN + 2 * measureText(long).width + GAP);
  });

  it("explains bad shapes and options", () => {
    assert.throws(() => imageGrid(tf.zeros([784])), /rank 2 \[H,W\].*got shape \[784\]/);
    assert.throws(() => imageGrid(tf.zeros([2, 28, 28, 2])), /C = 1 or 3.*got 2 channels/);
    assert.throws(() => imageGrid(tf.zeros([0, 28, 28])), /no pixels/);
    assert.throws(() => imageGrid(tf.zeros([2, 4, 4]), { labels: ["x"] }), /got 1 captions for 2 images/);
    assert.throws(() => imageGrid(tf.zeros([4, 4]), { scale: 1.5 }), /scale must be a positive integer/);
    assert.throws(() => imageGrid(tf.zeros([4, 4]), { columns: 0 }), /columns must be a positive integer/);
    assertNoLeak(() => assert.throws(() => imageGrid([[[[0, 0]]]]), /got 2 channels/));
  });
});

describe("imageRowsGrid", () => {
  it("starts each row with its label and aligns the rows' tiles in columns", () => {
    const originals = tf.ones([4, 28, 28, 1]);
    const reconstructions = tf.ones([4, 28, 28]);
    const picture = assertNoLeak(() =>
      imageRowsGrid([
        { label: "original", images: originals },
        { label: "reconstruction", images: reconstructions },
      ]),
    );
    tf.dispose([originals, reconstructions]);
    const labelColumn = measureText("reconstruction").width + 2 * GAP;
    assert.deepEqual(
      [picture.width, picture.height],
      [2 * MARGIN + labelColumn + 4 * 84 + 3 * GAP, 2 * MARGIN + 2 * 84 + GAP],
    );
    const at = rgbAt(picture);
    const firstTileX = MARGIN + labelColumn;
    for (const rowTop of [MARGIN, MARGIN + 84 + GAP]) {
      assert.deepEqual(at(firstTileX - 1, rowTop), BACKGROUND);
      assert.deepEqual(at(firstTileX, rowTop), [255, 255, 255], "tiles of both rows start at the same x");
      assert.ok(countColor(picture, INK, 0, rowTop, firstTileX, rowTop + 84) > 10, "row label drawn");
    }
  });

  it("zooms smaller images so every row is about as tall as the tallest", () => {
    const [low, high] = [tf.ones([2, 14, 14]), tf.ones([2, 28, 28])];
    const picture = assertNoLeak(() =>
      imageRowsGrid([
        { label: "low-res", images: low },
        { label: "high-res", images: high },
      ]),
    );
    tf.dispose([low, high]);
    assert.equal(picture.height, 2 * MARGIN + 84 + GAP + 84, "14×14 drawn at 6×, 28×28 at 3×");
  });

  it("draws per-image captions of a row and checks their count", () => {
    const images = tf.zeros([2, 10, 10]);
    const picture = imageRowsGrid([{ label: "x", images, captions: ["cat", "dog"] }], { scale: 2 });
    assert.equal(picture.height, 2 * MARGIN + 20 + GAP + GLYPH_HEIGHT);
    assert.throws(() => imageRowsGrid([{ label: "x", images, captions: ["cat"] }]), /row "x": got 1 captions/);
    assert.throws(() => imageRowsGrid([]), /at least one row/);
    images.dispose();
  });
});

describe("latentCodesGrid", () => {
  it("draws one row per code with one tile per channel, on a shared scale from 0 to the global max", () => {
    // Code 0 has value 1 everywhere in channel 2; code 1 has value 4 in channel 7 (the global max).
    const values = new Float32Array(2 * 4 * 4 * 8);
    for (let p = 0; p < 16; p++) {
      values[p * 8 + 2] = 1;
      values[128 + p * 8 + 7] = 4;
    }
    const codes = tf.tensor4d(values, [2, 4, 4, 8]);
    const picture = assertNoLeak(() => latentCodesGrid(codes, { title: "" }));
    codes.dispose();
    const tile = 16; // 4×4 at the default scale 4
    assert.deepEqual([picture.width, picture.height], [2 * MARGIN + 8 * tile + 7 * GAP, 2 * MARGIN + 2 * tile + GAP]);
    const at = rgbAt(picture);
    const tileAt = (code: number, channel: number) => at(MARGIN + channel * (tile + GAP), MARGIN + code * (tile + GAP));
    assert.deepEqual(tileAt(0, 2), [64, 64, 64], "1 of max 4 → a quarter of white");
    assert.deepEqual(tileAt(1, 7), [255, 255, 255]);
    assert.deepEqual(tileAt(0, 7), INK);
    assert.deepEqual(tileAt(1, 2), INK);
  });

  it("states the value drawn white in its default title and rejects codes that are not rank 4", () => {
    const codes = tf.fill([1, 4, 4, 8], 2.5);
    const titled = latentCodesGrid(codes);
    const untitled = latentCodesGrid(codes, { title: "" });
    assert.ok(titled.height > untitled.height);
    assert.throws(() => latentCodesGrid(tf.zeros([4, 4, 8])), /shape \[N, h, w, c\]/);
    codes.dispose();
  });
});

describe("showImages", () => {
  it("outside a tslab kernel says so instead of failing obscurely", () => {
    const images = tf.zeros([2, 28, 28]);
    assert.throws(() => showImages(images), /no tslab kernel is running/);
    images.dispose();
  });
});
