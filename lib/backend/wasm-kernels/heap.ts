/**
 * Direct access to the wasm backend's memory for kernels written in TypeScript: Float32Array views of tensors,
 * fresh outputs, and calls to other wasm kernels without the engine (so nothing is recorded or counted).
 */
import * as tf from "@tensorflow/tfjs";
// Registers the stock wasm kernels that stockWasmKernel captures.
import "../wasm-package";

/** The parts of tfjs-backend-wasm's BackendWasm that these kernels use (its own typings pull in emscripten's). */
export interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

/** What tfjs passes to a kernel function (the backend is checked with asWasmBackend). */
export type WasmKernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Casts the backend handed to a kernel function, checking that it is the wasm backend. */
export function asWasmBackend(backend: unknown): WasmBackend {
  const candidate = backend as Partial<WasmBackend>;
  if (candidate.wasm?.HEAPF32 === undefined || candidate.dataIdMap === undefined) {
    throw new Error("This kernel only runs on the wasm backend; call tf.setBackend('wasm') first.");
  }
  return candidate as WasmBackend;
}

/**
 * A Float32Array over a float32 tensor's data in wasm memory. Take it again after allocating anything: growing the
 * wasm memory replaces the buffer and empties old views.
 */
export function heapView(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== "float32") throw new Error(`Expected a float32 tensor, got ${info.dtype}; cast it first.`);
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error("Tensor data is not on the wasm backend (already disposed?).");
  const size = tf.util.sizeFromShape(info.shape);
  return new Float32Array(backend.wasm.HEAPF32.buffer, data.memoryOffset, size);
}

/** Allocates a float32 output in wasm memory; with `zeroed`, filled with zeros (malloc'd memory is not). */
export function allocate(backend: WasmBackend, shape: number[], zeroed = false): tf.TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  if (zeroed) heapView(backend, out).fill(0);
  return out;
}

/** The same data seen with another shape of equal size; owns nothing, so never dispose it. */
export function reshaped(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Runs whichever kernel is registered for `name` on wasm, bypassing the engine; dispose its result with `release`. */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, "wasm");
  if (config === undefined) throw new Error(`The wasm backend has no ${name} kernel.`);
  const result = config.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend });
  if (Array.isArray(result)) throw new Error(`${name} returned several outputs; expected one.`);
  return result;
}

/** Frees intermediate tensors made by `allocate` or `runWasmKernel`. */
export function release(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * The stock wasm kernel registered under `kernelName`. Call it when a module loads, before the course registers its
 * own kernel under the same name, to keep the stock one for the cases the course's kernel leaves to it.
 */
export function stockWasmKernel(kernelName: string): tf.KernelConfig {
  const config = tf.getKernel(kernelName, "wasm");
  if (config === undefined) throw new Error(`The stock wasm kernel ${kernelName} is not registered.`);
  return config;
}
