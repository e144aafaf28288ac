/**
 * Multithreaded WebAssembly backend for Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build but never uses it in Node, for three reasons found here:
 *   1. the flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs issue #3830);
 *   2. forcing the flag on makes emscripten start its pthread workers from a `blob:` URL, which Node's
 *      worker_threads rejects (ERR_WORKER_PATH), so the backend fails to initialise;
 *   3. even when loaded, the C++ side caps the XNNPACK thread pool at os.cpus().length / 2 (it assumes
 *      hyper-threading), which is one thread on a 2-core machine.
 * This module builds the threaded backend itself: it writes the emscripten worker script to a real file, points
 * the worker at the real module script, and reports 2·n logical cores to the C++ side so the pool gets n threads.
 */
import * as tf from "@tensorflow/tfjs";
import { stockWasmFactory, WASM_PRIORITY, wasmPackage } from "./wasm-package";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const BACKEND_NAME = "wasm";
const { BackendWasm, setThreadsCount, getThreadsCount, version_wasm } = wasmPackage;

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
  PThread: { runningWorkers: { unref(): void }[] };
}

/** Imports of a wasm module, keyed by module name ("env", …). */
type WasmImports = Record<string, Record<string, unknown>>;
interface WasmInstantiation {
  instance: object;
  module: object;
}
// lib/ compiles without the DOM typings that declare WebAssembly; Node provides it at run time.
const webAssembly = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: WasmImports): Promise<WasmInstantiation> };
}).WebAssembly;

interface ModuleOptions {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: WasmImports, receive: (instance: object, module: object) => void): object;
}

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
}

/** Writes emscripten's pthread worker script to a file Node can start, once per package version. */
function workerScriptFile(outDir: string): string {
  const file = path.join(os.tmpdir(), `tfjs-backend-wasm-${version_wasm}-threaded-simd.worker.cjs`);
  const { wasmWorkerContents } = require(path.join(outDir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  // The script is stored in a template literal, so its "\n" escapes arrived as real newlines inside strings.
  const script = wasmWorkerContents.replace(/\n/g, "\\n");
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== script) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, script);
    fs.renameSync(partial, file);
  }
  return file;
}

/** Instantiates the threaded SIMD build with an XNNPACK pool of `threads` threads. */
async function createThreadedBackend(threads: number): Promise<InstanceType<typeof BackendWasm>> {
  const outDir = wasmOutDir();
  const moduleScript = path.join(outDir, "tfjs-backend-wasm-threaded-simd.js");
  const wasmBinary = path.join(outDir, "tfjs-backend-wasm-threaded-simd.wasm");
  const workerScript = workerScriptFile(outDir);
  const factory = require(moduleScript) as (options: ModuleOptions) => Promise<EmscriptenModule>;
  let instantiation: Promise<void> = Promise.resolve();
  const loading = factory({
    locateFile: (file, prefix) => (file.endsWith(".worker.js") ? workerScript : path.join(prefix, file)),
    mainScriptUrlOrBlob: moduleScript,
    instantiateWasm(imports, receive) {
      const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
      instantiation = webAssembly
        .instantiate(fs.readFileSync(wasmBinary), { ...imports, env, wasi_snapshot_preview1: env })
        .then((result) => receive(result.instance, result.module));
      return {};
    },
  });
  // A failed instantiation never settles `loading`, so wait on both and let either failure surface.
  const [module] = await Promise.all([loading, instantiation]);
  // The same bridge functions tfjs-backend-wasm binds after loading its own build.
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  // The pool's threads live as long as the backend; they must not keep Node from exiting.
  for (const worker of module.PThread.runningWorkers) worker.unref();
  return backend;
}

/**
 * Chooses how many threads the wasm backend uses; call before tf.setBackend("wasm").
 * 1 keeps the stock single-threaded SIMD build; n > 1 loads the threaded SIMD build with n XNNPACK threads.
 */
export function configureWasmThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`configureWasmThreads needs a whole number of threads >= 1, got ${threads}.`);
  }
  if (tf.engine().registry[BACKEND_NAME] !== undefined) {
    throw new Error(
      'The wasm backend is already running; call configureWasmThreads before tf.setBackend("wasm") ' +
        "(restart the kernel or process to change the thread count).",
    );
  }
  if (stockWasmFactory === null) {
    throw new Error('The wasm backend is not registered; import "@tensorflow/tfjs-backend-wasm" first.');
  }
  tf.removeBackend(BACKEND_NAME);
  const factory = threads === 1 ? stockWasmFactory : () => createThreadedBackend(threads);
  tf.registerBackend(BACKEND_NAME, factory, WASM_PRIORITY);
}

/** Number of threads the running wasm backend's XNNPACK pool uses. */
export function wasmThreadsCount(): number {
  return getThreadsCount();
}
