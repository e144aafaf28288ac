/** A minimal PNG encoder for 8-bit grayscale and RGB pixels, so notebooks can show images without a canvas. */
import { deflateSync } from "node:zlib";

/** Channels per pixel the encoder accepts: 1 = grayscale, 3 = RGB. */
export type PngChannels = 1 | 3;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** PNG colour types: 0 = grayscale, 2 = truecolour (RGB). */
const COLOR_TYPE: Record<PngChannels, number> = { 1: 0, 3: 2 };

/** CRC-32 lookup table (polynomial 0xEDB88320), computed here because zlib.crc32 needs Node 20.15+. */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` as PNG chunks use it (same algorithm as zlib's crc32). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: 4-byte length, 4-byte type, data, CRC over type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes row-major 8-bit pixels (`width*height*channels` bytes, channels interleaved) as a PNG file.
 * Rows use filter type 0 (none); deflate does the compressing, which is plenty for small image grids.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: PngChannels): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}×${height}.`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`encodePng: channels must be 1 (grayscale) or 3 (RGB), got ${channels}.`);
  }
  const rowBytes = width * channels;
  if (pixels.length !== rowBytes * height) {
    throw new Error(
      `encodePng: expected ${rowBytes * height} bytes for ${width}×${height}×${channels}, got ${pixels.length}.`,
    );
  }

  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, width);
  headerView.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPE[channels];
  // bytes 10–12 stay 0: deflate compression, adaptive filtering, no interlace

  const filtered = new Uint8Array((rowBytes + 1) * height); // each row: filter byte 0, then the row
  for (let y = 0; y < height; y++) {
    filtered.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }

  const parts = [SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(filtered)), chunk("IEND", new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}
