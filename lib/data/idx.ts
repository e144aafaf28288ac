/** Reader for IDX files (the MNIST format): gzip or raw, big-endian header, unsigned-byte images and labels. */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** IDX magic number of an unsigned-byte file with 3 dimensions (images: count × rows × columns). */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic number of an unsigned-byte file with 1 dimension (labels: count). */
export const IDX_LABELS_MAGIC = 2049;

/** Images from an IDX file: `count` images of `rows × cols` bytes, row-major, one after another. */
export interface IdxImages {
  kind: "images";
  /** [count, rows, cols], as the header says. */
  dims: [number, number, number];
  count: number;
  rows: number;
  cols: number;
  /** The pixel bytes (0..255), exactly count × rows × cols of them. */
  data: Uint8Array;
  /** Where the bytes came from (a path or URL), for messages. */
  source: string;
}

/** Labels from an IDX file: one byte per item. */
export interface IdxLabels {
  kind: "labels";
  /** [count], as the header says. */
  dims: [number];
  count: number;
  /** The label bytes, exactly `count` of them. */
  data: Uint8Array;
  source: string;
}

/** A parsed IDX file: images or labels. */
export type IdxArray = IdxImages | IdxLabels;

const GZIP_MAGIC = [0x1f, 0x8b];
const FIX = "delete or replace it and run again (a fresh copy is downloaded when no copy is found)";

/** Thrown for a file that is not a valid IDX file; the message names the file, the fault and the fix. */
export class IdxFormatError extends Error {
  constructor(
    readonly source: string,
    /** What is wrong, without the file name or the fix. */
    readonly problem: string,
  ) {
    super(`${source} ${problem} — ${FIX}.`);
    this.name = "IdxFormatError";
  }
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** A guess at what a non-IDX file really is, to make the error message useful. */
function describeForeignContent(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 512)).trimStart().toLowerCase();
  // A real IDX file starts with two zero bytes, so markup or JSON text means a server sent a page instead.
  if (head.startsWith("<")) return "looks like an HTML page: a failed download?";
  if (head.startsWith("{")) return "looks like JSON text: an error response from a server?";
  return undefined;
}

function decompressIfGzip(bytes: Uint8Array, source: string): Uint8Array {
  if (!startsWith(bytes, GZIP_MAGIC)) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdxFormatError(source, `is a truncated or corrupt gzip file (${reason}): an interrupted download?`);
  }
}

/** Parses the bytes of an IDX file (gzip-compressed or raw, detected by content); `source` names it in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length === 0) throw new IdxFormatError(source, "is empty");
  const raw = decompressIfGzip(bytes, source);
  const foreign = describeForeignContent(raw);
  if (foreign) throw new IdxFormatError(source, `is not an IDX file (${foreign})`);
  if (raw.length < 8) {
    throw new IdxFormatError(source, `is only ${raw.length} bytes long, too short for an IDX header: truncated?`);
  }

  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) {
    throw new IdxFormatError(
      source,
      `is not an MNIST-style IDX file: its magic number is ${magic} (0x${magic.toString(16).padStart(8, "0")}), ` +
        `expected ${IDX_IMAGES_MAGIC} for images or ${IDX_LABELS_MAGIC} for labels`,
    );
  }

  const rank = magic === IDX_IMAGES_MAGIC ? 3 : 1;
  const headerLength = 4 + 4 * rank;
  if (raw.length < headerLength) {
    throw new IdxFormatError(source, `ends inside its ${headerLength}-byte header (${raw.length} bytes): truncated?`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expectedPayload = dims.reduce((a, b) => a * b, 1);
  const payload = raw.length - headerLength;
  if (payload !== expectedPayload) {
    const fault =
      payload < expectedPayload
        ? `is truncated: its header promises ${dims.join("×")} = ${expectedPayload} bytes of data but it holds ${payload}`
        : `has ${payload - expectedPayload} bytes more than its header's ${dims.join("×")} = ${expectedPayload}`;
    throw new IdxFormatError(source, fault);
  }

  const data = raw.subarray(headerLength);
  if (rank === 3) {
    const [count, rows, cols] = dims;
    return { kind: "images", dims: [count, rows, cols], count, rows, cols, data, source };
  }
  return { kind: "labels", dims: [dims[0]], count: dims[0], data, source };
}

/** Reads and parses an IDX file (`.gz` or raw, detected by content). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(new Uint8Array(await readFile(path)), path);
}

/** Encodes images or labels as raw (uncompressed) IDX bytes; the inverse of parseIdx, used to make test fixtures. */
export function encodeIdx(kind: "images" | "labels", dims: number[], data: Uint8Array): Uint8Array {
  const rank = kind === "images" ? 3 : 1;
  if (dims.length !== rank) throw new Error(`IDX ${kind} need ${rank} dimension(s), got [${dims.join(", ")}]`);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`IDX data has ${data.length} bytes, dims ${dims.join("×")} need ${expected}`);
  const out = new Uint8Array(4 + 4 * rank + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, kind === "images" ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * rank);
  return out;
}
