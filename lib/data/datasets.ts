/** The course's datasets (MNIST, Fashion-MNIST): where their files are found, the verified download, and loading. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { IdxArray, IdxFormatError, IdxImages, IdxLabels, readIdxFile, parseIdx } from "./idx";
import { recordFigures } from "../figures";
import { findProjectRoot } from "../project";
import { seededShuffleIndices } from "./transforms";

/** A dataset the course knows. */
export type DatasetName = "mnist" | "fashion-mnist";
/** What a notebook may ask for: a dataset, or `auto` (MNIST when it is on this machine, else Fashion-MNIST). */
export type DatasetChoice = DatasetName | "auto";

/** The standard four IDX file names, the same for both datasets. */
export const IDX_FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;
/** One of the four files. */
export type IdxFileRole = keyof typeof IDX_FILES;
const ROLES = Object.keys(IDX_FILES) as IdxFileRole[];
const TEST_ROLES: IdxFileRole[] = ["testImages", "testLabels"];

/** What the course knows about one dataset. */
export interface DatasetSpec {
  name: DatasetName;
  title: string;
  /** Class names by label (label i is classNames[i]). */
  classNames: string[];
  /** Public mirror the four files are downloaded from (file names are appended). */
  mirror: string;
  /** Images per split in the official files: downloads must match exactly. */
  counts: { train: number; test: number };
  /** Image height and width in pixels. */
  imageSize: number;
}

/** The registry of datasets. */
export const DATASETS: Record<DatasetName, DatasetSpec> = {
  mnist: {
    name: "mnist",
    title: "MNIST handwritten digits",
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    mirror: "https://storage.googleapis.com/cvdf-datasets/mnist/",
    counts: { train: 60000, test: 10000 },
    imageSize: 28,
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST clothing images",
    classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    mirror: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    counts: { train: 60000, test: 10000 },
    imageSize: 28,
  },
};

/** Where Debian's dataset packages (e.g. dataset-fashion-mnist) put their files: `<dir>/<dataset>/`. */
export const SYSTEM_DATA_DIR = "/usr/share/datasets";
/** Share of the test split used for validation when only the test split is available. */
export const TEST_ONLY_VALIDATION_FRACTION = 0.2;
const DEFAULT_SEED = 42;
/** The files of one dataset found in one folder; `testSplitOnly` when the train files are missing. */
export interface FoundDataset {
  name: DatasetName;
  /** The `<dataset>/` folder the files are in. */
  folder: string;
  testSplitOnly: boolean;
  /** Paths of the files present (all four, or only the two test files). */
  files: Partial<Record<IdxFileRole, string>>;
}

/** Downloads one URL's bytes; injectable so tests can simulate the network. */
export type FetchFile = (url: string) => Promise<Uint8Array>;

/** Folders to search: the look-up roots (each holds `<dataset>/`) plus the cache to download into. */
export interface LookupOptions {
  /** Folders holding `<dataset>/`, searched first (default: AE_DATA_DIR split on ':'). */
  dataDirs?: string[];
  /** The download cache, holding `<dataset>/` (default: the project's data/ folder). */
  cacheDir?: string;
  /** Searched last (default /usr/share/datasets, where Debian's dataset packages install). */
  systemDataDir?: string;
}

/** Options for loadDataset. */
export interface LoadDatasetOptions extends LookupOptions {
  dataset: DatasetChoice;
  /** Train images to keep after the shuffle (default: all). */
  trainSize?: number;
  /** Validation images to keep after the shuffle (default: all). */
  validationSize?: number;
  /** Seed of the shuffle and of the train/validation split of a test-only dataset (default 42). */
  seed?: number;
  /** Shuffle before taking subsets (default true); false keeps the files' order. */
  shuffle?: boolean;
  /** Download into the cache when no local copy is found (default true). */
  download?: boolean;
  /** Downloader (default: Node's fetch, giving up after 30 s without data). */
  fetchFile?: FetchFile;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
}

/** Images and their labels. */
export interface Split {
  /** [N, 28, 28, 1] float32 in [0, 1]. */
  images: tf.Tensor4D;
  /** [N] int32 class indices. */
  labels: tf.Tensor1D;
}

/** A loaded dataset; call dispose() to free its tensors. */
export interface Dataset {
  name: DatasetName;
  classNames: string[];
  train: Split;
  /** The t10k split (or its held-out part when only the test split exists). */
  validation: Split;
  /** The folder the files were read from. */
  source: string;
  /** True when only the t10k files were found and were split into train and validation. */
  testSplitOnly: boolean;
  /** One line for a notebook to print. */
  describe(): string;
  dispose(): void;
}

/** Thrown when no copy of a dataset can be found or downloaded; the message names the three fixes. */
export class DatasetNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetNotFoundError";
  }
}

/** The project's download cache (`<root>/data`), found from this file's location, else from the working folder. */
export function defaultCacheDir(): string | undefined {
  const root = findProjectRoot();
  return root === undefined ? undefined : path.join(root, "data");
}

/**
 * Folders named in AE_DATA_DIR (colon-separated). A relative entry is taken from the working folder, or from the
 * project root when it does not exist there (a notebook's kernel runs in notebooks/, commands in the root).
 */
export function dataDirsFromEnv(value: string | undefined = process.env.AE_DATA_DIR): string[] {
  const root = findProjectRoot();
  return (value ?? "")
    .split(path.delimiter)
    .map((entry) => entry.trim()) // " /data" pasted with a space is still /data
    .filter((entry) => entry !== "")
    .map((entry) => {
      const fromCwd = path.resolve(entry);
      if (path.isAbsolute(entry) || existsSync(fromCwd) || root === undefined) return fromCwd;
      return path.resolve(root, entry);
    });
}

/** The look-up roots in order: AE_DATA_DIR folders, the cache, the system folder. */
export function lookupRoots(options: LookupOptions = {}): string[] {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  return [
    ...(options.dataDirs ?? dataDirsFromEnv()),
    ...(cacheDir === undefined ? [] : [cacheDir]),
    options.systemDataDir ?? SYSTEM_DATA_DIR,
  ];
}

/** The path of one file in a folder, accepting the `.gz` name or the same name already decompressed. */
function locateFile(folder: string, role: IdxFileRole): string | undefined {
  const gz = path.join(folder, IDX_FILES[role]);
  return [gz, gz.replace(/\.gz$/, "")].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function filesIn(folder: string, roles: IdxFileRole[]): Partial<Record<IdxFileRole, string>> | undefined {
  const files: Partial<Record<IdxFileRole, string>> = {};
  for (const role of roles) {
    const file = locateFile(folder, role);
    if (file === undefined) return undefined;
    files[role] = file;
  }
  return files;
}

/** The folders that may hold a dataset, in look-up order: `<root>/<name>`, and a root named after the dataset itself. */
function datasetFolders(name: DatasetName, roots: string[]): string[] {
  // AE_DATA_DIR=/data/mnist works like /data.
  return roots.flatMap((root) => (path.basename(root) === name ? [root, path.join(root, name)] : [path.join(root, name)]));
}

/**
 * Finds a dataset's files: the first root (in order) holding all four wins; failing that, the first holding the two
 * test files (reported as test split only). A root that is itself named after the dataset counts as its folder.
 * Nothing is downloaded.
 */
export function findDataset(name: DatasetName, roots: string[]): FoundDataset | undefined {
  const folders = datasetFolders(name, roots);
  for (const folder of folders) {
    const files = filesIn(folder, ROLES);
    if (files) return { name, folder, testSplitOnly: false, files };
  }
  for (const folder of folders) {
    const files = filesIn(folder, TEST_ROLES);
    if (files) return { name, folder, testSplitOnly: true, files };
  }
  return undefined;
}

/** The first folder holding some of a dataset's files but neither a full set nor the test split, with what it lacks. */
export function incompleteDataset(name: DatasetName, roots: string[]): { folder: string; missing: string[] } | undefined {
  for (const folder of datasetFolders(name, roots)) {
    const missing = ROLES.filter((role) => locateFile(folder, role) === undefined);
    if (missing.length > 0 && missing.length < ROLES.length) return { folder, missing: missing.map((role) => IDX_FILES[role]) };
  }
  return undefined;
}

/** "… lacks x, y (the two t10k files alone are enough)": what an incomplete folder needs, for messages. */
function describeIncomplete(incomplete: { folder: string; missing: string[] }): string {
  return `${incomplete.folder} lacks ${incomplete.missing.join(", ")} (the two t10k files alone are enough)`;
}

/** Resolves `auto`: MNIST when its files are on this machine (no download to check), else Fashion-MNIST. */
export function chooseDataset(choice: DatasetChoice, roots: string[]): { name: DatasetName; reason: string } {
  if (choice !== "auto") return { name: choice, reason: "asked for by name" };
  const mnist = findDataset("mnist", roots);
  if (mnist) {
    const part = mnist.testSplitOnly ? "the MNIST test split" : "the MNIST files";
    return { name: "mnist", reason: `${part} ${mnist.testSplitOnly ? "is" : "are"} in ${mnist.folder}` };
  }
  const incomplete = incompleteDataset("mnist", roots);
  if (incomplete) return { name: "fashion-mnist", reason: `the MNIST files are incomplete: ${describeIncomplete(incomplete)}` };
  return { name: "fashion-mnist", reason: "no MNIST files on this machine" };
}

function fixesMessage(name: DatasetName, roots: string[], cacheDir: string | undefined, cause: string): string {
  const spec = DATASETS[name];
  const fileList = ROLES.map((role) => IDX_FILES[role]).join(", ");
  const download = `connect to the internet so they are downloaded from ${spec.mirror} automatically`;
  const third =
    name === "fashion-mnist"
      ? `install Debian's package (apt-get install dataset-fashion-mnist, which fills ${SYSTEM_DATA_DIR}/fashion-mnist), or ${download}`
      : `${download} (or use dataset "fashion-mnist" with Debian's package: apt-get install dataset-fashion-mnist)`;
  const incomplete = incompleteDataset(name, roots);
  return [
    `No ${name} data found: ${cause}`,
    `Looked in: ${roots.map((root) => path.join(root, name)).join(", ")}.`,
    ...(incomplete ? [`Nearly: ${describeIncomplete(incomplete)}.`] : []),
    "Fix it in one of three ways:",
    `  1. set AE_DATA_DIR to a folder that holds ${name}/ with the four files (${fileList});`,
    `  2. put the four files in ${cacheDir === undefined ? "the project's data" : cacheDir}/${name}/;`,
    `  3. ${third}.`,
  ].join("\n");
}

/** Checks one parsed file against its role (and, for downloads, the official counts); returns a problem or undefined. */
function roleProblem(spec: DatasetSpec, role: IdxFileRole, array: IdxArray, exactCount: boolean): string | undefined {
  const wantKind = role.endsWith("Images") ? "images" : "labels";
  if (array.kind !== wantKind) return `holds ${array.kind}, but its name says ${wantKind}: the files are mixed up`;
  if (array.kind === "images" && (array.rows !== spec.imageSize || array.cols !== spec.imageSize)) {
    return `holds ${array.rows}×${array.cols} images, but ${spec.name} images are ${spec.imageSize}×${spec.imageSize}`;
  }
  if (array.kind === "labels" && array.data.some((label) => label >= spec.classNames.length)) {
    return `holds labels outside 0..${spec.classNames.length - 1}`;
  }
  const expected = role.startsWith("train") ? spec.counts.train : spec.counts.test;
  if (exactCount && array.count !== expected) return `holds ${array.count} items, but ${spec.name} has ${expected}`;
  return undefined;
}

// Parsed files by path, so re-running a notebook cell does not read and decompress them again.
const parsedFiles = new Map<string, { version: string; array: IdxArray }>();

async function fileVersion(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.size}:${info.mtimeMs}`;
}

async function readDatasetFile(spec: DatasetSpec, role: IdxFileRole, file: string): Promise<IdxArray> {
  const version = await fileVersion(file);
  const cached = parsedFiles.get(file);
  if (cached && cached.version === version) return cached.array;
  const array = await readIdxFile(file);
  const problem = roleProblem(spec, role, array, false);
  if (problem) throw new IdxFormatError(file, problem);
  parsedFiles.set(file, { version, array });
  return array;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** Node's fetch, failing with a clear message on an HTTP error or after `idleTimeoutMs` without data. */
export async function fetchWithTimeout(url: string, idleTimeoutMs = 30_000): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const stillAlive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText} from ${url}`);
    if (!response.body) throw new Error(`empty response from ${url}`);
    const chunks: Uint8Array[] = [];
    const reader = response.body.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      chunks.push(part.value);
      stillAlive();
    }
    return new Uint8Array(Buffer.concat(chunks));
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`no data from ${url} for ${idleTimeoutMs / 1000} s`);
    throw new Error(`cannot download ${url} (${errorText(error)})`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads the four files of a dataset into `<cacheDir>/<dataset>/`. Each is written to a temporary file and
 * checked (gzip decodes with its CRC, IDX header, 28×28 images, official counts, exact size); only when all four
 * pass are they renamed into place. On any failure every file this call wrote is removed and the error is thrown.
 */
export async function downloadDataset(
  name: DatasetName,
  cacheDir: string,
  fetchFile: FetchFile = fetchWithTimeout,
  log: (line: string) => void = console.log,
): Promise<FoundDataset> {
  const spec = DATASETS[name];
  const folder = path.join(cacheDir, name);
  const written: string[] = [];
  const parsed: { role: IdxFileRole; file: string; array: IdxArray }[] = [];
  try {
    for (const role of ROLES) {
      const url = spec.mirror + IDX_FILES[role];
      log(`${name}: downloading ${url}`);
      const bytes = await fetchFile(url);
      let array: IdxArray;
      try {
        array = parseIdx(bytes, url);
      } catch (error) {
        throw error instanceof IdxFormatError ? new Error(`the download of ${url} ${error.problem}`) : error;
      }
      const problem = roleProblem(spec, role, array, true);
      if (problem) throw new Error(`the download of ${url} ${problem}`);
      const temporary = path.join(folder, `.${IDX_FILES[role]}.${process.pid}.download.tmp`);
      await mkdir(folder, { recursive: true });
      written.push(temporary);
      await writeFile(temporary, bytes);
      parsed.push({ role, file: path.join(folder, IDX_FILES[role]), array });
    }
    for (const [i, { file }] of parsed.entries()) {
      await rename(written[i], file);
      written[i] = file;
    }
  } catch (error) {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    await rmdir(folder).catch(() => undefined); // only succeeds if this call left it empty
    throw error;
  }
  const files: Partial<Record<IdxFileRole, string>> = {};
  for (const { role, file, array } of parsed) {
    files[role] = file;
    parsedFiles.set(file, { version: await fileVersion(file), array: { ...array, source: file } });
  }
  log(`${name}: saved the four verified files in ${folder}`);
  return { name, folder, testSplitOnly: false, files };
}

/** Finds the dataset locally, else downloads it into the cache; throws DatasetNotFoundError naming the fixes. */
async function locateOrDownload(name: DatasetName, options: LoadDatasetOptions, log: (line: string) => void) {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const roots = lookupRoots({ ...options, cacheDir });
  const found = findDataset(name, roots);
  if (found) return found;
  if (options.download === false) {
    throw new DatasetNotFoundError(fixesMessage(name, roots, cacheDir, "downloading is switched off (download: false)."));
  }
  if (cacheDir === undefined) {
    throw new DatasetNotFoundError(
      fixesMessage(name, roots, cacheDir, "the project folder is unknown, so there is no cache to download into (pass cacheDir)."),
    );
  }
  try {
    return await downloadDataset(name, cacheDir, options.fetchFile, log);
  } catch (error) {
    throw new DatasetNotFoundError(fixesMessage(name, roots, cacheDir, `the automatic download failed: ${errorText(error)}. Nothing was saved.`));
  }
}

function checkSize(label: string, size: number | undefined): void {
  if (size !== undefined && (!Number.isInteger(size) || size < 1)) {
    throw new Error(`loadDataset: ${label} must be a whole number >= 1, got ${size}`);
  }
}

/** Reads one split's images and labels, checking that they belong together. */
async function readSplitFiles(spec: DatasetSpec, found: FoundDataset, split: "train" | "test") {
  const read = (role: IdxFileRole) => readDatasetFile(spec, role, found.files[role] as string);
  const images = (await read(`${split}Images`)) as IdxImages;
  const labels = (await read(`${split}Labels`)) as IdxLabels;
  if (images.count !== labels.count) {
    throw new Error(
      `${images.source} holds ${images.count} images but ${labels.source} holds ${labels.count} labels, so they are not ` +
        "a pair: replace the one that does not belong (or both) with a fresh copy and run again.",
    );
  }
  return { images, labels };
}

/** Converts the chosen items (by index) of parsed images and labels into tensors. */
function toSplit({ images, labels }: { images: IdxImages; labels: IdxLabels }, indices: Int32Array): Split {
  const pixels = images.rows * images.cols;
  const x = new Float32Array(indices.length * pixels);
  const y = new Int32Array(indices.length);
  indices.forEach((item, i) => {
    const from = item * pixels;
    for (let p = 0; p < pixels; p++) x[i * pixels + p] = images.data[from + p] / 255;
    y[i] = labels.data[item];
  });
  return {
    images: tf.tensor4d(x, [indices.length, images.rows, images.cols, 1], "float32"),
    labels: tf.tensor1d(y, "int32"),
  };
}

/** Keeps the first `size` of `indices` (all when size is undefined), saying so when fewer are available. */
function firstOf(indices: Int32Array, size: number | undefined, what: string, log: (line: string) => void): Int32Array {
  if (size === undefined) return indices;
  if (size > indices.length) {
    log(`${what}: ${size} asked for, only ${indices.length} available; using all ${indices.length}`);
    return indices;
  }
  return indices.subarray(0, size);
}

/** Loads a dataset as tensors: finds (or downloads) the files, shuffles with a seed, takes subsets. */
export async function loadDataset(options: LoadDatasetOptions): Promise<Dataset> {
  const log = options.log ?? console.log;
  const seed = options.seed ?? DEFAULT_SEED;
  const shuffle = options.shuffle ?? true;
  checkSize("trainSize", options.trainSize);
  checkSize("validationSize", options.validationSize);
  if (!(options.dataset === "auto" || options.dataset in DATASETS)) {
    throw new Error(`loadDataset: unknown dataset '${options.dataset}'; use "auto", "mnist" or "fashion-mnist"`);
  }

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  for (const dir of options.dataDirs ?? dataDirsFromEnv()) {
    if (!existsSync(dir)) log(`data folder ${dir} (from AE_DATA_DIR) does not exist; ignoring it`);
  }
  const { name, reason } = chooseDataset(options.dataset, lookupRoots({ ...options, cacheDir }));
  if (options.dataset === "auto") log(`dataset auto → ${name} (${reason})`);
  const spec = DATASETS[name];
  const found = await locateOrDownload(name, { ...options, cacheDir }, log);
  const order = (n: number) => (shuffle ? seededShuffleIndices(n, seed) : Int32Array.from({ length: n }, (_, i) => i));

  const test = await readSplitFiles(spec, found, "test");
  let trainFiles = test;
  let trainOrder: Int32Array;
  let validationOrder: Int32Array;
  if (found.testSplitOnly) {
    const all = order(test.images.count);
    const validationCount = Math.round(all.length * TEST_ONLY_VALIDATION_FRACTION);
    trainOrder = all.subarray(0, all.length - validationCount);
    validationOrder = all.subarray(all.length - validationCount);
    log(
      `${name}: only the test split (t10k) is in ${found.folder}; splitting its ${all.length} images into ` +
        `${trainOrder.length} train / ${validationOrder.length} validation (${shuffle ? `seed ${seed}` : "file order"})`,
    );
  } else {
    trainFiles = await readSplitFiles(spec, found, "train");
    trainOrder = order(trainFiles.images.count);
    validationOrder = order(test.images.count);
    log(`${name}: reading ${found.folder}`);
  }

  const train = toSplit(trainFiles, firstOf(trainOrder, options.trainSize, "trainSize", log));
  const validation = toSplit(test, firstOf(validationOrder, options.validationSize, "validationSize", log));
  const side = spec.imageSize;
  recordFigures({ dataset: name, train_images: train.images.shape[0], validation_images: validation.images.shape[0] });
  return {
    name,
    classNames: [...spec.classNames],
    train,
    validation,
    source: found.folder,
    testSplitOnly: found.testSplitOnly,
    describe: () =>
      `${name}: ${train.images.shape[0]} train + ${validation.images.shape[0]} validation images ` +
      `(${side}×${side}×1 float32 in [0,1], ${spec.classNames.length} classes) from ${found.folder}` +
      (found.testSplitOnly ? " — test split only, split into train/validation" : ""),
    dispose: () => tf.dispose([train.images, train.labels, validation.images, validation.labels]),
  };
}

/** The class names of a tensor of labels, e.g. for captions under images. */
export function labelNames(dataset: Pick<Dataset, "classNames">, labels: tf.Tensor1D): string[] {
  return Array.from(labels.dataSync(), (label) => dataset.classNames[label] ?? String(label));
}
