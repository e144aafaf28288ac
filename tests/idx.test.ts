import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { encodeIdx, parseIdx, readIdxFile, IdxFormatError, IdxImages } from "../lib/data/idx";

/** Three 28×28 images whose pixels are distinct-ish bytes, as raw IDX. */
function sampleImages(): Uint8Array {
  const data = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
  return encodeIdx("images", [3, 28, 28], data);
}

function assertIdxError(action: () => unknown, source: string, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof IdxFormatError, `expected IdxFormatError, got ${error}`);
    assert.ok(error.message.includes(source), `message should name the file: ${error.message}`);
    assert.match(error.message, pattern);
    assert.match(error.message, /delete or replace it and run again/);
    return true;
  });
}

describe("IDX reader", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ae-idx-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads images and labels with their header dims", () => {
    const images = parseIdx(sampleImages(), "images.idx");
    assert.equal(images.kind, "images");
    assert.deepEqual(images.dims, [3, 28, 28]);
    assert.equal(images.data.length, 3 * 784);
    assert.equal(images.data[784 + 1], ((784 + 1) * 7) % 256);

    const labels = parseIdx(encodeIdx("labels", [4], Uint8Array.from([3, 1, 4, 1])), "labels.idx");
    assert.equal(labels.kind, "labels");
    assert.deepEqual(labels.dims, [4]);
    assert.deepEqual([...labels.data], [3, 1, 4, 1]);
  });

  it("gives identical data and tensors for a gzip and a raw copy of the same file", async () => {
    const raw = sampleImages();
    writeFileSync(path.join(dir, "images-idx3-ubyte"), raw);
    writeFileSync(path.join(dir, "images-idx3-ubyte.gz"), gzipSync(raw));
    const fromRaw = (await readIdxFile(path.join(dir, "images-idx3-ubyte"))) as IdxImages;
    const fromGz = (await readIdxFile(path.join(dir, "images-idx3-ubyte.gz"))) as IdxImages;
    assert.deepEqual(fromGz.dims, fromRaw.dims);
    assert.deepEqual(fromGz.data, fromRaw.data);
    const asTensor = (a: IdxImages) => tf.tensor3d(a.data, [a.count, a.rows, a.cols], "int32");
    const [t1, t2] = [asTensor(fromRaw), asTensor(fromGz)];
    assert.deepEqual(t1.arraySync(), t2.arraySync());
    tf.dispose([t1, t2]);
  });

  it("reads a real Debian Fashion-MNIST label file the same gzipped and decompressed", async function () {
    const file = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    if (!existsSync(file)) this.skip(); // needs Debian's dataset-fashion-mnist (installed by .ci/run)
    const fromGz = await readIdxFile(file);
    const fromRaw = parseIdx(new Uint8Array(gunzipSync(readFileSync(file))), "decompressed");
    assert.deepEqual(fromGz.dims, [10000]);
    assert.deepEqual(fromGz.data, fromRaw.data);
  });

  it("rejects a wrong magic number, naming both valid ones", () => {
    const bytes = sampleImages();
    new DataView(bytes.buffer).setUint32(0, 2052, false);
    assertIdxError(() => parseIdx(bytes, "odd.idx"), "odd.idx", /magic number is 2052 .*expected 2051 for images or 2049 for labels/);
  });

  it("rejects a truncated payload and a payload with extra bytes", () => {
    const bytes = sampleImages();
    assertIdxError(() => parseIdx(bytes.subarray(0, bytes.length - 10), "short.idx"), "short.idx", /is truncated: .*3×28×28 = 2352 bytes .* holds 2342/);
    const longer = new Uint8Array(bytes.length + 5);
    longer.set(bytes);
    assertIdxError(() => parseIdx(longer, "long.idx"), "long.idx", /has 5 bytes more than its header's 3×28×28/);
  });

  it("rejects a file cut inside its header, and an empty file", () => {
    assertIdxError(() => parseIdx(sampleImages().subarray(0, 10), "cut.idx"), "cut.idx", /ends inside its 16-byte header/);
    assertIdxError(() => parseIdx(new Uint8Array(0), "empty.idx"), "empty.idx", /is empty/);
  });

  it("rejects a truncated gzip file", async () => {
    const gz = gzipSync(sampleImages());
    const file = path.join(dir, "cut.gz");
    writeFileSync(file, gz.subarray(0, gz.length - 20));
    await assert.rejects(readIdxFile(file), (error: Error) => {
      assert.ok(error.message.startsWith(file));
      assert.match(error.message, /truncated or corrupt gzip file .*unexpected end of file/);
      return true;
    });
  });

  it("rejects an HTML page saved as .gz, saying it looks like a failed download", async () => {
    const file = path.join(dir, "page.gz");
    writeFileSync(file, "\n<!DOCTYPE html><html><body>Access denied</body></html>");
    await assert.rejects(readIdxFile(file), (error: Error) => {
      assert.equal(error.message, `${file} is not an IDX file (looks like an HTML page: a failed download?) — delete or replace it and run again (a fresh copy is downloaded when no copy is found).`);
      return true;
    });
    // A gzip-compressed HTML page is caught the same way after decompression.
    assertIdxError(() => parseIdx(gzipSync("<html>404</html>"), "zipped-page.gz"), "zipped-page.gz", /looks like an HTML page/);
  });

  it("encodeIdx refuses data that does not match its dims", () => {
    assert.throws(() => encodeIdx("images", [2, 28, 28], new Uint8Array(10)), /10 bytes, dims 2×28×28 need 1568/);
    assert.throws(() => encodeIdx("labels", [2, 3], new Uint8Array(6)), /need 1 dimension/);
  });
});
