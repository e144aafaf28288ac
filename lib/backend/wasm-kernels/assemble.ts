/**
 * A tiny WebAssembly assembler for the few SIMD loops we write by hand (fused Adam, thin matrix products). Each
 * module imports the wasm backend's own memory, so its functions read and write tensors where they already are.
 */
import { WasmBackend } from "./heap";

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, the encoding of sizes, indices and memory offsets. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}

/** Signed LEB128, the encoding of i32.const. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const low = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (low & 0x40) === 0) || (n === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}

const simd = (opcode: number): number[] => [0xfd, ...leb(opcode)];

/** The instructions the hand-written loops use, as byte sequences. */
export const op = {
  get: (local: number): number[] => [0x20, ...leb(local)],
  set: (local: number): number[] => [0x21, ...leb(local)],
  tee: (local: number): number[] => [0x22, ...leb(local)],
  i32: (value: number): number[] => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Eqz: [0x45],
  /** Starts a block (branch 0 inside jumps past its end) or a loop (branch 0 inside jumps back to its start). */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number): number[] => [0x0d, ...leb(depth)],
  f32Load: (offset = 0): number[] => [0x2a, 0, ...leb(offset)],
  v128Load: (offset = 0): number[] => [...simd(0x00), 0, ...leb(offset)],
  v128Store: (offset = 0): number[] => [...simd(0x0b), 0, ...leb(offset)],
  f32x4Splat: simd(0x13),
  i32x4Splat: simd(0x11),
  f32x4Eq: simd(0x41),
  v128And: simd(0x4e),
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** The two low lanes of an f32x4 widened to an f64x2. */
  f64x2PromoteLowF32x4: simd(0x5f),
  f64x2Add: simd(0xf0),
  /** A vector of 16 bytes picked from two (lanes 0-15 the first, 16-31 the second). */
  i8x16Shuffle: (lanes: readonly number[]): number[] => [...simd(0x0d), ...lanes],
};

/** Runs `body` `counter` times (a local, counted down to 0; nothing happens when it starts at 0). */
export function countdown(counter: number, body: number[]): number[] {
  return [
    ...op.block, ...op.get(counter), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop, ...body, ...op.get(counter), ...op.i32(1), ...op.i32Sub, ...op.tee(counter), ...op.brIf(0), ...op.end,
    ...op.end,
  ];
}

/** local += step (both i32; step a constant or, with `stepLocal`, another local). */
export function advance(local: number, step: number, stepLocal = false): number[] {
  return [...op.get(local), ...(stepLocal ? op.get(step) : op.i32(step)), ...op.i32Add, ...op.set(local)];
}

/** One exported function: its parameter types, extra locals (numbered after the parameters) and code. */
export interface WasmFunction {
  name: string;
  params: number[];
  locals: number[];
  body: number[];
}

function encodeName(text: string): number[] {
  return [text.length, ...Array.from(text, (ch) => ch.charCodeAt(0))];
}

function section(id: number, items: number[][]): number[] {
  const body = [...leb(items.length), ...items.flat()];
  return [id, ...leb(body.length), ...body];
}

/** Encodes a module that imports `env.memory` (shared for the threaded build) and exports the functions. */
function moduleBytes(functions: WasmFunction[], sharedMemory: boolean): Uint8Array {
  const limits = sharedMemory ? [0x03, 0, ...leb(65536)] : [0x00, 0];
  const code = functions.map((f) => {
    const locals = f.locals.map((type) => [1, type]);
    const body = [...leb(locals.length), ...locals.flat(), ...f.body, ...op.end];
    return [...leb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, functions.map((f) => [0x60, ...leb(f.params.length), ...f.params, 0])),
    ...section(2, [[...encodeName("env"), ...encodeName("memory"), 0x02, ...limits]]),
    ...section(3, functions.map((_, i) => leb(i))),
    ...section(7, functions.map((f, i) => [...encodeName(f.name), 0x00, ...leb(i)])),
    ...section(10, code),
  ]);
}

/** The parts of WebAssembly used here (lib/ compiles without the DOM typings that declare it). */
interface WasmMemory {
  buffer: ArrayBufferLike;
}
type Exports = Record<string, (...args: number[]) => void>;
const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: Exports };
  };
}).WebAssembly;

/** Compiled modules per wasm memory (a new backend instance has a new memory), then per module name. */
const instances = new WeakMap<WasmMemory, Map<string, Exports>>();

/**
 * The exports of module `name` (built once by `build`) instantiated on the backend's memory. Its functions are
 * called with byte offsets into that memory, e.g. `heapView(backend, t).byteOffset`.
 */
export function wasmExports(backend: WasmBackend, name: string, build: () => WasmFunction[]): Exports {
  // The threaded build imports its memory (Module.wasmMemory); the single-threaded one exports it (asm.memory).
  const module = backend.wasm as unknown as { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (memory === undefined) throw new Error(`Cannot find the wasm backend's memory for the ${name} kernel.`);
  let byName = instances.get(memory);
  if (byName === undefined) {
    byName = new Map();
    instances.set(memory, byName);
  }
  let exports = byName.get(name);
  if (exports === undefined) {
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    exports = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(moduleBytes(build(), shared)), { env: { memory } }).exports;
    byName.set(name, exports);
  }
  return exports;
}
