/**
 * Training-speed benchmark: the lesson's conv autoencoder and dense VAE, batch 128, on every available backend.
 *
 *   npm run bench -- [--json] [--steps N] [--rounds R] [--peer] [--threads N[,M…]] [--backends B[,C…]]
 *
 * Each (model, backend, threads) runs in its own child process, so thread counts and peak RSS are isolated.
 * --peer also trains both models in PyTorch (scripts/bench_peer.py, /usr/bin/python3) at the same thread counts,
 * with its OpenMP and BLAS pools held to that count too, and says which BLAS its dense layers ran on.
 * Speeds are measured on random images in [0, 1]: the arithmetic does not depend on the pixels. Each run times R
 * rounds of N steps and reports its fastest round (PyTorch too), which filters out other load on a shared machine.
 */
import * as tf from "@tensorflow/tfjs";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { configureWasmThreads } from "../lib/backend/threads";
import { registerWasmTrainingKernels } from "../lib/backend/wasm-training";
import { fusedAdam } from "../lib/train/fused-adam";
import { buildConvAutoencoder } from "../lib/models/conv-autoencoder";
import { buildDenseVae } from "../lib/models/vae";
import { vaeTrainStep } from "../lib/train/vae-step";

const BATCH = 128;
const MODELS = ["conv-ae", "dense-vae"] as const;
type ModelName = (typeof MODELS)[number];
const BACKENDS = ["tensorflow", "wasm", "wasm-stock", "cpu"] as const;
type BackendName = (typeof BACKENDS)[number];
const PEER_PYTHON = "/usr/bin/python3";
const RESULT_PREFIX = "BENCH_RESULT ";
/** The cpu backend needs ~30 s per conv-AE step here, so it gets one warm-up and this many timed steps. */
const CPU_STEPS = 2;

interface RunSpec {
  model: ModelName;
  backend: BackendName;
  threads: number;
  steps: number;
  rounds: number;
  warmup: number;
}

interface KernelTime {
  name: string;
  ms: number;
}

interface BenchResult {
  model: ModelName;
  backend: BackendName | "pytorch";
  threads: number;
  imagesPerSecond?: number;
  msPerStep?: number;
  steps?: number;
  /** Milliseconds per step in each timed round; msPerStep is the fastest. */
  roundsMsPerStep?: number[];
  batch: number;
  peakRssMB?: number;
  loss?: number;
  /** The five kernels that took longest in one profiled step (wasm only). */
  topKernels?: KernelTime[];
  /** ours / PyTorch images per second at the same thread count, with --peer. */
  ratioToPytorch?: number;
  /** Why this combination produced no figures. */
  error?: string;
  /** PyTorch only: its version and the BLAS its dense layers ran on ("openblas", "reference", …). */
  version?: string;
  blas?: string;
  blasPath?: string;
}

interface Options {
  json: boolean;
  steps: number;
  rounds: number;
  peer: boolean;
  threads: number[];
  backends: BackendName[];
}

/** A bad command line: exits with code 2, as the course's other commands do. */
class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  const options: Options = { json: false, steps: 20, rounds: 3, peer: false, threads: [1, 2], backends: [...BACKENDS] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--json") options.json = true;
    else if (flag === "--peer") options.peer = true;
    else if (flag === "--steps") options.steps = positiveInteger(value(), flag);
    else if (flag === "--rounds") options.rounds = positiveInteger(value(), flag);
    else if (flag === "--threads") options.threads = value().split(",").map((t) => positiveInteger(t, flag));
    else if (flag === "--backends") options.backends = value().split(",").map((b) => backendName(b, flag));
    else throw new UsageError(`unknown option ${flag}; usage: ${USAGE}`);
  }
  return options;
}

const USAGE = `bench [--json] [--steps N] [--rounds R] [--peer] [--threads N[,M]] [--backends ${BACKENDS.join(",")}]`;

function backendName(text: string, flag: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(text)) return text as BackendName;
  throw new UsageError(`${flag} takes backends from ${BACKENDS.join(", ")}; got "${text}"`);
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number >= 1, got "${text}"`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Child process: trains one model on one backend and prints one result line.

/** A model ready to take training steps on the active backend. */
interface Trainer {
  step(): Promise<number>;
  dispose(): void;
}

function buildTrainer(model: ModelName, backend: BackendName): Trainer {
  if (model === "conv-ae") {
    const ae = buildConvAutoencoder({ seed: 1 });
    const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, "float32", 7);
    return {
      step: async () => Number(await ae.autoencoder.trainOnBatch(x, x)),
      dispose: () => {
        x.dispose();
        ae.dispose();
      },
    };
  }
  const vae = buildDenseVae({ seed: 1 });
  // The stock row keeps tfjs's own Adam; ours fuses its update on wasm.
  const optimizer = backend === "wasm-stock" ? tf.train.adam(1e-3) : fusedAdam(1e-3);
  const x = tf.randomUniform([BATCH, 784], 0, 1, "float32", 7) as tf.Tensor2D;
  return {
    step: async () => vaeTrainStep(vae, optimizer, x).total,
    dispose: () => {
      x.dispose();
      optimizer.dispose();
      vae.dispose();
    },
  };
}

async function activateBackend(spec: RunSpec): Promise<void> {
  if (spec.backend === "tensorflow") {
    // tfjs-node sizes its thread pools from these variables when it loads.
    process.env.TF_NUM_INTRAOP_THREADS = String(spec.threads);
    process.env.TF_NUM_INTEROP_THREADS = "1";
    require("@tensorflow/tfjs-node");
  } else if (spec.backend === "wasm" || spec.backend === "wasm-stock") {
    configureWasmThreads(spec.threads);
    if (spec.backend === "wasm") registerWasmTrainingKernels();
  }
  const name = spec.backend === "wasm-stock" ? "wasm" : spec.backend;
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
}

/** Sums kernel times of one profiled step by kernel name, leaving out op-level wrappers. */
async function topKernels(trainer: Trainer, backendName: string): Promise<KernelTime[]> {
  const profile = await tf.profile(async () => {
    await trainer.step();
  });
  const totals = new Map<string, number>();
  for (const kernel of profile.kernels) {
    if (tf.getKernel(kernel.name, backendName) === undefined) continue;
    totals.set(kernel.name, (totals.get(kernel.name) ?? 0) + Number(kernel.kernelTimeMs));
  }
  return [...totals]
    .map(([name, ms]) => ({ name, ms }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missingKernel = /Kernel '(\w+)' not registered/.exec(message);
  if (missingKernel) return `cannot run: no ${missingKernel[1]}`;
  if (/Cannot find module '@tensorflow\/tfjs-node'/.test(message)) return "cannot run: @tensorflow/tfjs-node is not installed";
  return `cannot run: ${message.split("\n")[0]}`;
}

async function runChild(spec: RunSpec): Promise<BenchResult> {
  const result: BenchResult = { model: spec.model, backend: spec.backend, threads: spec.threads, batch: BATCH };
  try {
    await activateBackend(spec);
    const trainer = buildTrainer(spec.model, spec.backend);
    for (let i = 0; i < spec.warmup; i++) await trainer.step();
    let loss = NaN;
    const roundsMsPerStep: number[] = [];
    for (let round = 0; round < spec.rounds; round++) {
      const start = performance.now();
      for (let i = 0; i < spec.steps; i++) loss = await trainer.step();
      roundsMsPerStep.push((performance.now() - start) / spec.steps);
    }
    const ms = Math.min(...roundsMsPerStep);
    Object.assign(result, { msPerStep: ms, imagesPerSecond: (1000 * BATCH) / ms, steps: spec.steps, roundsMsPerStep, loss });
    if (spec.backend.startsWith("wasm")) result.topKernels = await topKernels(trainer, "wasm");
    trainer.dispose();
  } catch (error) {
    result.error = describeFailure(error);
  }
  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Parent process: plans the runs, starts the children and the peer, prints the table.

/** Runs a command and returns its stdout; rejects with its stderr's tail when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`)),
    );
  });
}

async function runInChild(spec: RunSpec): Promise<BenchResult> {
  try {
    // Re-run this script under the same loader (tsx) with one spec.
    const stdout = await run(process.execPath, [...process.execArgv, __filename, "--child", JSON.stringify(spec)]);
    const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
    if (line === undefined) throw new Error("the child printed no result");
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
  } catch (error) {
    return { model: spec.model, backend: spec.backend, threads: spec.threads, batch: BATCH, error: describeFailure(error) };
  }
}

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
}

function plan(options: Options): { specs: RunSpec[]; skipped: BenchResult[] } {
  const specs: RunSpec[] = [];
  const skipped: BenchResult[] = [];
  const wanted = (backend: BackendName) => options.backends.includes(backend);
  const timed = { steps: options.steps, rounds: options.rounds, warmup: 3 };
  for (const model of MODELS) {
    for (const threads of options.threads) {
      if (wanted("tensorflow") && tfjsNodeInstalled()) specs.push({ model, backend: "tensorflow", threads, ...timed });
      if (wanted("wasm")) specs.push({ model, backend: "wasm", threads, ...timed });
    }
    if (wanted("tensorflow") && !tfjsNodeInstalled()) {
      skipped.push({ model, backend: "tensorflow", threads: 0, batch: BATCH, error: "cannot run: @tensorflow/tfjs-node is not installed" });
    }
    // The stock wasm and cpu backends are single-threaded.
    if (wanted("wasm-stock")) specs.push({ model, backend: "wasm-stock", threads: 1, ...timed });
    if (wanted("cpu")) specs.push({ model, backend: "cpu", threads: 1, steps: Math.min(options.steps, CPU_STEPS), rounds: 1, warmup: 1 });
  }
  return { specs, skipped };
}

/** The peer's environment: torch's OpenMP pool and the system BLAS's own pool both held to `threads`. */
function peerEnvironment(threads: number): NodeJS.ProcessEnv {
  const count = String(threads);
  return { ...process.env, OMP_NUM_THREADS: count, OPENBLAS_NUM_THREADS: count, MKL_NUM_THREADS: count };
}

/** One line naming the BLAS PyTorch's dense layers ran on, and a warning when it was the slow reference one. */
function describeBlas(peer: BenchResult[]): string | undefined {
  const first = peer.find((p) => p.blas !== undefined);
  if (first === undefined) return undefined;
  const line = `peer: PyTorch ${first.version ?? ""} on ${first.blas} BLAS${first.blasPath ? ` (${first.blasPath})` : ""}`;
  if (first.blas !== "reference") return line;
  return (
    `${line}. Warning: the reference BLAS makes PyTorch's dense layers about 30× slower than a tuned one, so the ` +
    "dense-vae ratio flatters us; install libopenblas0-pthread (Debian) for a fair peer."
  );
}

async function runPeer(options: Options): Promise<{ results: BenchResult[]; note?: string }> {
  const script = path.join(__dirname, "bench_peer.py");
  if (!fs.existsSync(PEER_PYTHON)) return { results: [], note: `peer: ${PEER_PYTHON} not found, PyTorch figures skipped` };
  const results: BenchResult[] = [];
  for (const threads of options.threads) {
    const args = [script, "--steps", String(options.steps), "--rounds", String(options.rounds), "--warmup", "3", "--threads", String(threads), "--batch", String(BATCH)];
    let stdout: string;
    try {
      stdout = await run(PEER_PYTHON, args, peerEnvironment(threads));
    } catch (error) {
      return { results, note: `peer: ${describeFailure(error)}` };
    }
    for (const line of stdout.split("\n").filter((l) => l.trim().startsWith("{"))) {
      const parsed = JSON.parse(line) as BenchResult;
      if (parsed.error !== undefined) return { results, note: `peer (${PEER_PYTHON}): ${parsed.error}` };
      results.push(parsed);
    }
  }
  return { results, note: describeBlas(results) };
}

function addRatios(ours: BenchResult[], peer: BenchResult[]): void {
  for (const result of ours) {
    const match = peer.find((p) => p.model === result.model && p.threads === result.threads);
    if (match?.imagesPerSecond && result.imagesPerSecond) result.ratioToPytorch = result.imagesPerSecond / match.imagesPerSecond;
  }
}

function formatTable(results: BenchResult[]): string {
  const header = ["model", "backend", "threads", "images/s", "ms/step", "steps", "peak RSS MB", "ours/PyTorch", "top kernels in one step (ms)"];
  const rows = results.map((r) => {
    const figures =
      r.error !== undefined
        ? [r.error, "", "", "", ""]
        : [
            r.imagesPerSecond!.toFixed(0),
            r.msPerStep!.toFixed(1),
            String(r.steps),
            r.peakRssMB?.toFixed(0) ?? "",
            r.ratioToPytorch === undefined ? "" : `${r.ratioToPytorch.toFixed(2)}×`,
          ];
    const kernels = (r.topKernels ?? []).map((k) => `${k.name} ${k.ms.toFixed(1)}`).join(", ");
    return [r.model, r.backend, r.threads === 0 ? "-" : String(r.threads), ...figures, kernels];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((row) => !row[3].startsWith("cannot")).map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells[3].startsWith("cannot")
      ? [...cells.slice(0, 3).map((c, i) => c.padEnd(widths[i])), cells[3]].join("  ")
      : cells.map((c, i) => (i >= 3 && i <= 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf("--child");
  if (childAt >= 0) {
    const result = await runChild(JSON.parse(process.argv[childAt + 1]) as RunSpec);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const { specs, skipped } = plan(options);
  const results: BenchResult[] = [...skipped];
  for (const spec of specs) {
    if (!options.json) process.stderr.write(`running ${spec.model} on ${spec.backend} with ${spec.threads} thread(s)…\n`);
    results.push(await runInChild(spec));
  }
  let note: string | undefined;
  if (options.peer) {
    if (!options.json) process.stderr.write("running the PyTorch peer…\n");
    const peer = await runPeer(options);
    addRatios(results, peer.results);
    results.push(...peer.results);
    note = peer.note;
  }
  if (options.json) {
    for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    if (note !== undefined) process.stderr.write(`${note}\n`);
    return;
  }
  console.log(`batch ${BATCH}, random images in [0, 1], fastest of ${options.rounds} rounds of ${options.steps} steps after 3 warm-up steps (cpu: 1 round of ${CPU_STEPS} after 1)`);
  console.log(formatTable(results));
  if (note !== undefined) console.log(note);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
