import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import * as tf from "@tensorflow/tfjs";
import { findProjectRoot } from "../lib/project";
import { encodeIdx } from "../lib/data/idx";
import {
  DATASETS,
  DatasetNotFoundError,
  IDX_FILES,
  IdxFileRole,
  LoadDatasetOptions,
  dataDirsFromEnv,
  fetchWithTimeout,
  loadDataset,
} from "../lib/data/datasets";

type Files = Record<IdxFileRole, Uint8Array>;

/** Raw IDX bytes for a dataset whose image i is filled with the byte (marker + i) % 256 and has label i % 10. */
function makeIdxFiles(trainCount: number, testCount: number, marker = 0): Files {
  const images = (count: number) => {
    const data = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) data.fill((marker + i) % 256, i * 784, (i + 1) * 784);
    return encodeIdx("images", [count, 28, 28], data);
  };
  const labels = (count: number) => encodeIdx("labels", [count], Uint8Array.from({ length: count }, (_, i) => i % 10));
  return { trainImages: images(trainCount), trainLabels: labels(trainCount), testImages: images(testCount), testLabels: labels(testCount) };
}

interface FolderOptions {
  trainCount?: number;
  testCount?: number;
  marker?: number;
  testOnly?: boolean;
  /** Write decompressed files under the names without `.gz`. */
  raw?: boolean;
}

/** Writes a tiny dataset into `<root>/<name>/` and returns that folder. */
function writeDataset(root: string, name: string, options: FolderOptions = {}): string {
  const folder = path.join(root, name);
  mkdirSync(folder, { recursive: true });
  const files = makeIdxFiles(options.trainCount ?? 12, options.testCount ?? 6, options.marker);
  for (const role of Object.keys(IDX_FILES) as IdxFileRole[]) {
    if (options.testOnly && role.startsWith("train")) continue;
    const name = options.raw ? IDX_FILES[role].replace(/\.gz$/, "") : IDX_FILES[role];
    writeFileSync(path.join(folder, name), options.raw ? files[role] : gzipSync(files[role]));
  }
  return folder;
}

/** All files under a folder (none if it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((entry) => statSync(path.join(dir, entry)).isFile());
}

/** A fake mirror serving `files` by file name and recording the URLs asked for. */
function fakeMirror(files: Partial<Record<IdxFileRole, Uint8Array>>) {
  const requested: string[] = [];
  const fetchFile = async (url: string) => {
    requested.push(url);
    const role = (Object.keys(IDX_FILES) as IdxFileRole[]).find((r) => url.endsWith("/" + IDX_FILES[r]));
    const bytes = role && files[role];
    if (!bytes) throw new Error(`fetch failed: no such file ${url}`);
    return bytes;
  };
  return { fetchFile, requested };
}

const offline = async (url: string): Promise<Uint8Array> => {
  throw new Error(`cannot download ${url} (fetch failed: getaddrinfo ENOTFOUND)`);
};

describe("dataset loader", () => {
  let scratch: string;
  let counter = 0;
  /** A fresh empty folder per use, so no test sees another's files. */
  const freshDir = (label: string) => {
    const dir = path.join(scratch, `${label}-${counter++}`);
    mkdirSync(dir);
    return dir;
  };
  const logs: string[] = [];
  /** Options that see only the given folders: no AE_DATA_DIR, an empty cache and an empty system folder. */
  const isolated = (extra: Partial<LoadDatasetOptions>): LoadDatasetOptions => ({
    dataset: "fashion-mnist",
    dataDirs: [],
    cacheDir: freshDir("cache"),
    systemDataDir: freshDir("system"),
    fetchFile: offline,
    log: (line) => logs.push(line),
    ...extra,
  });

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "ae-datasets-"));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  beforeEach(() => {
    logs.length = 0;
  });

  describe("look-up order", () => {
    it("prefers an AE_DATA_DIR folder, then the cache, then the system folder", async () => {
      const [envDir, cacheDir, systemDataDir] = [freshDir("env"), freshDir("cache"), freshDir("system")];
      const folders = [envDir, cacheDir, systemDataDir].map((root, i) => writeDataset(root, "fashion-mnist", { marker: 100 + i }));
      const options = isolated({ dataDirs: [envDir], cacheDir, systemDataDir, trainSize: 1, shuffle: false });
      for (const expected of folders) {
        const data = await loadDataset(options);
        assert.equal(data.source, expected);
        assert.equal(data.testSplitOnly, false);
        const marker = 100 + folders.indexOf(expected);
        assert.equal(Math.round(data.train.images.max().dataSync()[0] * 255), marker, "pixels come from that folder's files");
        data.dispose();
        rmSync(expected, { recursive: true });
      }
    });

    it("searches every AE_DATA_DIR folder in order, and a full copy beats an earlier test-only one", async () => {
      const [first, second, third] = [freshDir("env"), freshDir("env"), freshDir("env")];
      writeDataset(second, "fashion-mnist", { testOnly: true });
      const full = writeDataset(third, "fashion-mnist");
      const data = await loadDataset(isolated({ dataDirs: [first, second, third] }));
      assert.equal(data.source, full);
      assert.equal(data.testSplitOnly, false);
      data.dispose();
    });

    it("takes an AE_DATA_DIR entry named after the dataset as its folder, and says when an entry does not exist", async () => {
      const root = freshDir("env");
      const folder = writeDataset(root, "fashion-mnist");
      const missing = path.join(root, "no-such-folder");
      const data = await loadDataset(isolated({ dataDirs: [missing, folder] }));
      assert.equal(data.source, folder, "AE_DATA_DIR=…/fashion-mnist works like AE_DATA_DIR=…");
      assert.ok(logs.includes(`data folder ${missing} (from AE_DATA_DIR) does not exist; ignoring it`), logs.join("\n"));
      data.dispose();
    });

    it("accepts decompressed files, which load as the same tensors as the gzipped ones", async () => {
      const [gzRoot, rawRoot] = [freshDir("gz"), freshDir("raw")];
      writeDataset(gzRoot, "fashion-mnist", { marker: 7 });
      const rawFolder = writeDataset(rawRoot, "fashion-mnist", { marker: 7, raw: true });
      const fromGz = await loadDataset(isolated({ dataDirs: [gzRoot], seed: 3 }));
      const fromRaw = await loadDataset(isolated({ dataDirs: [rawRoot], seed: 3 }));
      assert.equal(fromRaw.source, rawFolder);
      for (const split of ["train", "validation"] as const) {
        assert.deepEqual(fromRaw[split].images.arraySync(), fromGz[split].images.arraySync());
        assert.deepEqual(fromRaw[split].labels.arraySync(), fromGz[split].labels.arraySync());
      }
      fromGz.dispose();
      fromRaw.dispose();
    });

    it("reads AE_DATA_DIR as a colon-separated list and finds the project root", () => {
      assert.deepEqual(dataDirsFromEnv("/a:/b/c::"), ["/a", "/b/c"]);
      assert.deepEqual(dataDirsFromEnv(" /a : /b "), ["/a", "/b"], "spaces around entries (bug: ' /a' was taken as a relative path)");
      assert.deepEqual(dataDirsFromEnv(undefined), []);
      const root = findProjectRoot();
      assert.ok(root !== undefined);
      assert.equal(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).name, "autoencoder-course-notebooks");
      assert.ok(existsSync(path.join(root, "lib", "data", "datasets.ts")));
      assert.equal(findProjectRoot(path.join(root, "lib", "dist", "data")), root, "found from the compiled library too");
      assert.equal(findProjectRoot(tmpdir()), undefined);
      const elsewhere = freshDir("cwd");
      const cwd = process.cwd();
      process.chdir(elsewhere);
      try {
        assert.deepEqual(dataDirsFromEnv("lib/data:missing"), [path.join(root, "lib", "data"), path.join(root, "missing")]);
      } finally {
        process.chdir(cwd);
      }
    });
  });

  describe("when nothing is found", () => {
    it("offline: one error naming the three fixes, and no file left behind", async () => {
      const options = isolated({});
      await assert.rejects(loadDataset(options), (error: Error) => {
        assert.ok(error instanceof DatasetNotFoundError);
        assert.match(error.message, /^No fashion-mnist data found: the automatic download failed: .*ENOTFOUND/);
        assert.match(error.message, /1\. set AE_DATA_DIR to a folder that holds fashion-mnist\/ with the four files \(train-images-idx3-ubyte\.gz/);
        assert.ok(error.message.includes(`2. put the four files in ${options.cacheDir}/fashion-mnist/`));
        assert.match(error.message, /3\. install Debian's package \(apt-get install dataset-fashion-mnist.*or connect to the internet/);
        return true;
      });
      assert.deepEqual(filesUnder(options.cacheDir as string), []);
    });

    it("with download switched off: the same three fixes, and no request made", async () => {
      const mirror = fakeMirror(makeIdxFiles(60000, 10000));
      await assert.rejects(loadDataset(isolated({ dataset: "mnist", download: false, fetchFile: mirror.fetchFile })), (error: Error) => {
        assert.match(error.message, /^No mnist data found: downloading is switched off/);
        assert.match(error.message, /1\. set AE_DATA_DIR .*\n.*2\. put the four files in .*\n.*3\. connect to the internet .*storage\.googleapis\.com/);
        return true;
      });
      assert.deepEqual(mirror.requested, []);
    });
  });

  describe("the default downloader", () => {
    it("returns the body, and fails clearly on an HTTP error, a stalled server or no server", async () => {
      const server = createServer((request, response) => {
        if (request.url === "/ok") response.end(Buffer.from([1, 2, 3]));
        else if (request.url === "/stall") response.writeHead(200).write("x"); // then sends nothing more
        else response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        assert.deepEqual([...(await fetchWithTimeout(`${base}/ok`))], [1, 2, 3]);
        await assert.rejects(fetchWithTimeout(`${base}/gone`), /cannot download .*\/gone \(HTTP 404 Not Found/);
        await assert.rejects(fetchWithTimeout(`${base}/stall`, 200), /no data from .*\/stall for 0.2 s/);
      } finally {
        server.closeAllConnections();
        server.close();
      }
      await assert.rejects(fetchWithTimeout(`${base}/ok`), /cannot download .*\/ok \(fetch failed: /);
    });
  });

  describe("download into the cache", () => {
    let official: Files;
    let officialGz: Files;
    before(() => {
      official = makeIdxFiles(60000, 10000);
      officialGz = {
        trainImages: gzipSync(official.trainImages, { level: 1 }),
        trainLabels: gzipSync(official.trainLabels),
        testImages: gzipSync(official.testImages, { level: 1 }),
        testLabels: gzipSync(official.testLabels),
      };
    });

    it("saves the four verified files from the dataset's mirror, then reads them without downloading again", async () => {
      const mirror = fakeMirror(officialGz);
      const options = isolated({ fetchFile: mirror.fetchFile, trainSize: 10, validationSize: 10, shuffle: false });
      const data = await loadDataset(options);
      assert.deepEqual(
        mirror.requested,
        Object.values(IDX_FILES).map((file) => DATASETS["fashion-mnist"].mirror + file),
      );
      assert.equal(data.source, path.join(options.cacheDir as string, "fashion-mnist"));
      assert.deepEqual(filesUnder(data.source).sort(), Object.values(IDX_FILES).sort(), "the four files and no temporary ones");
      assert.deepEqual(data.train.images.shape, [10, 28, 28, 1]);
      assert.deepEqual([...data.train.labels.dataSync()], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      data.dispose();

      const again = await loadDataset({ ...options, fetchFile: offline });
      assert.equal(again.source, data.source);
      again.dispose();
    });

    const badDownloads: { what: string; file: IdxFileRole; bytes: () => Uint8Array; problem: RegExp }[] = [
      {
        what: "an HTML page instead of the file",
        file: "trainImages",
        bytes: () => new TextEncoder().encode("<!DOCTYPE html><html><body>Service unavailable</body></html>"),
        problem: /train-images-idx3-ubyte\.gz is not an IDX file \(looks like an HTML page: a failed download\?\)/,
      },
      {
        what: "a truncated gzip file (as the last of the four)",
        file: "testLabels",
        bytes: () => officialGz.testLabels.subarray(0, officialGz.testLabels.length - 10),
        problem: /t10k-labels-idx1-ubyte\.gz is a truncated or corrupt gzip file/,
      },
      {
        what: "a file with the wrong magic number",
        file: "trainLabels",
        bytes: () => gzipSync(encodeIdx("images", [2, 28, 28], new Uint8Array(2 * 784))),
        problem: /train-labels-idx1-ubyte\.gz holds images, but its name says labels/,
      },
      {
        what: "a complete gzip of a truncated IDX file",
        file: "testImages",
        bytes: () => gzipSync(official.testImages.subarray(0, 5000)),
        problem: /t10k-images-idx3-ubyte\.gz is truncated: its header promises 10000×28×28/,
      },
      {
        what: "a well-formed file with the wrong count",
        file: "trainImages",
        bytes: () => gzipSync(makeIdxFiles(12, 6).trainImages),
        problem: /train-images-idx3-ubyte\.gz holds 12 items, but fashion-mnist has 60000/,
      },
    ];
    for (const bad of badDownloads) {
      it(`rejects ${bad.what} and leaves no file in the cache`, async () => {
        const mirror = fakeMirror({ ...officialGz, [bad.file]: bad.bytes() });
        const options = isolated({ fetchFile: mirror.fetchFile });
        await assert.rejects(loadDataset(options), (error: Error) => {
          assert.ok(error instanceof DatasetNotFoundError);
          assert.match(error.message, /the automatic download failed: the download of http:\/\/fashion-mnist\S+/);
          assert.match(error.message, bad.problem);
          assert.match(error.message, /Nothing was saved\.\n.*\nFix it in one of three ways/);
          return true;
        });
        assert.deepEqual(filesUnder(options.cacheDir as string), []);
      });
    }
  });

  describe("choosing and splitting", () => {
    it("auto picks MNIST when its files are on this machine", async () => {
      const root = freshDir("env");
      const folder = writeDataset(root, "mnist", { testOnly: true });
      writeDataset(root, "fashion-mnist");
      const data = await loadDataset(isolated({ dataset: "auto", dataDirs: [root] }));
      assert.equal(data.name, "mnist");
      assert.deepEqual(data.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
      assert.equal(logs[0], `dataset auto → mnist (the MNIST test split is in ${folder})`);
      data.dispose();
    });

    it("auto picks Fashion-MNIST otherwise, without trying to download MNIST", async () => {
      const root = freshDir("env");
      writeDataset(root, "fashion-mnist");
      const mirror = fakeMirror({});
      const data = await loadDataset(isolated({ dataset: "auto", dataDirs: [root], fetchFile: mirror.fetchFile }));
      assert.equal(data.name, "fashion-mnist");
      assert.equal(data.classNames[0], "T-shirt/top");
      assert.equal(data.classNames[9], "Ankle boot");
      assert.equal(logs[0], "dataset auto → fashion-mnist (no MNIST files on this machine)");
      assert.deepEqual(mirror.requested, []);
      data.dispose();
    });

    it("names the missing file of an incomplete MNIST folder, for auto and when MNIST is asked for (bug: 'no MNIST files')", async () => {
      const root = freshDir("env");
      writeDataset(root, "fashion-mnist");
      const folder = writeDataset(root, "mnist");
      rmSync(path.join(folder, IDX_FILES.testLabels));
      const data = await loadDataset(isolated({ dataset: "auto", dataDirs: [root] }));
      assert.equal(data.name, "fashion-mnist");
      assert.equal(
        logs[0],
        `dataset auto → fashion-mnist (the MNIST files are incomplete: ${folder} lacks t10k-labels-idx1-ubyte.gz (the two t10k files alone are enough))`,
      );
      data.dispose();
      await assert.rejects(loadDataset(isolated({ dataset: "mnist", dataDirs: [root] })), (error: Error) => {
        assert.ok(error.message.includes(`\nNearly: ${folder} lacks t10k-labels-idx1-ubyte.gz`), error.message);
        return true;
      });
    });

    it("splits a test-only dataset 80/20 into disjoint train and validation sets, and says so", async () => {
      const root = freshDir("env");
      const folder = writeDataset(root, "mnist", { testOnly: true, testCount: 50 });
      const data = await loadDataset(isolated({ dataset: "mnist", dataDirs: [root], seed: 1 }));
      assert.equal(data.testSplitOnly, true);
      assert.deepEqual(data.train.images.shape, [40, 28, 28, 1]);
      assert.deepEqual(data.validation.images.shape, [10, 28, 28, 1]);
      const ids = (split: "train" | "validation") =>
        [...tf.tidy(() => data[split].images.max([1, 2, 3]).mul(255).round()).dataSync()];
      const all = [...ids("train"), ...ids("validation")].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i), "every image lands in exactly one split");
      assert.ok(logs.includes(`mnist: only the test split (t10k) is in ${folder}; splitting its 50 images into 40 train / 10 validation (seed 1)`));
      assert.match(data.describe(), /^mnist: 40 train \+ 10 validation images .* test split only/);
      data.dispose();
    });

    it("takes seeded subsets: the same seed gives the same images, another seed others, no shuffle keeps file order", async () => {
      const root = freshDir("env");
      writeDataset(root, "fashion-mnist", { trainCount: 40, testCount: 20 });
      const labelsOf = async (extra: Partial<LoadDatasetOptions>) => {
        const data = await loadDataset(isolated({ dataDirs: [root], trainSize: 8, validationSize: 5, ...extra }));
        const pixels = tf.tidy(() => data.train.images.max([1, 2, 3]).mul(255).round());
        const result = { train: [...pixels.dataSync()], validation: data.validation.labels.shape[0] };
        pixels.dispose();
        data.dispose();
        return result;
      };
      const first = await labelsOf({ seed: 11 });
      assert.equal(first.train.length, 8);
      assert.equal(first.validation, 5);
      assert.deepEqual(await labelsOf({ seed: 11 }), first);
      assert.notDeepEqual((await labelsOf({ seed: 12 })).train, first.train);
      assert.deepEqual((await labelsOf({ shuffle: false })).train, [0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it("uses everything when a subset is larger than the data, and says so", async () => {
      const root = freshDir("env");
      writeDataset(root, "fashion-mnist", { trainCount: 12, testCount: 6 });
      const data = await loadDataset(isolated({ dataDirs: [root], trainSize: 1000 }));
      assert.equal(data.train.images.shape[0], 12);
      assert.ok(logs.includes("trainSize: 1000 asked for, only 12 available; using all 12"));
      data.dispose();
    });

    it("creates fresh tensors per call that dispose() frees", async () => {
      const root = freshDir("env");
      writeDataset(root, "fashion-mnist");
      const before = tf.memory().numTensors;
      const data = await loadDataset(isolated({ dataDirs: [root] }));
      assert.equal(tf.memory().numTensors, before + 4);
      assert.equal(data.train.images.dtype, "float32");
      assert.equal(data.train.labels.dtype, "int32");
      data.dispose();
      assert.equal(tf.memory().numTensors, before);
    });

    it("rejects bad options and mixed-up files with clear messages", async () => {
      await assert.rejects(loadDataset(isolated({ trainSize: 0 })), /trainSize must be a whole number >= 1, got 0/);
      await assert.rejects(loadDataset(isolated({ dataset: "cifar" as "mnist" })), /unknown dataset 'cifar'/);
      const root = freshDir("env");
      const folder = writeDataset(root, "fashion-mnist");
      writeFileSync(path.join(folder, IDX_FILES.trainImages), readFileSync(path.join(folder, IDX_FILES.trainLabels)));
      await assert.rejects(
        loadDataset(isolated({ dataDirs: [root] })),
        new RegExp(`${path.join(folder, IDX_FILES.trainImages)} holds labels, but its name says images: the files are mixed up`),
      );
      writeFileSync(path.join(folder, IDX_FILES.trainImages), readFileSync(path.join(folder, IDX_FILES.testImages)));
      await assert.rejects(
        loadDataset(isolated({ dataDirs: [root] })),
        /holds 6 images but .*train-labels-idx1-ubyte\.gz holds 12 labels, so they are not a pair: replace the one that does not belong/,
      );
    });
  });

  describe("real data on this machine", () => {
    it("loads Fashion-MNIST from /usr/share/datasets (Debian's dataset-fashion-mnist)", async function () {
      if (!existsSync("/usr/share/datasets/fashion-mnist")) this.skip(); // .ci/run installs the package
      const data = await loadDataset({ dataset: "fashion-mnist", dataDirs: [], trainSize: 100, validationSize: 50, log: (l) => logs.push(l) });
      assert.equal(data.source, "/usr/share/datasets/fashion-mnist");
      assert.deepEqual(data.train.images.shape, [100, 28, 28, 1]);
      assert.deepEqual(data.validation.images.shape, [50, 28, 28, 1]);
      const [min, max] = [data.train.images.min().dataSync()[0], data.train.images.max().dataSync()[0]];
      assert.ok(min >= 0 && max <= 1 && max > 0.5, `pixel range [${min}, ${max}]`);
      const labels = [...data.train.labels.dataSync()];
      assert.ok(labels.every((l) => l >= 0 && l <= 9) && new Set(labels).size === 10);
      data.dispose();
    });

    it("loads the MNIST test split from the shared data folder as test split only", async function () {
      const root = findProjectRoot() as string;
      const shared = [path.resolve(root, "../shared/data"), "/work/shared/data"].find((dir) => existsSync(path.join(dir, "mnist")));
      if (shared === undefined) this.skip(); // the workplace's shared MNIST test split is not on this machine
      const data = await loadDataset({ dataset: "mnist", dataDirs: [shared as string], validationSize: 100, log: (l) => logs.push(l) });
      assert.equal(data.testSplitOnly, true);
      assert.deepEqual(data.train.images.shape, [8000, 28, 28, 1]);
      assert.deepEqual(data.validation.images.shape, [100, 28, 28, 1]);
      assert.ok(logs.some((line) => line.includes("only the test split (t10k)")));
      data.dispose();
    });
  });
});
