/**
 * Adam with a fused update on the wasm backend: each variable and its two moment buffers are updated in one loop
 * over wasm memory instead of about ten element-wise kernels (each allocating a full-size result). Other backends
 * run tfjs's own AdamOptimizer code.
 */
import * as tf from "@tensorflow/tfjs";
import { allocate, asWasmBackend, heapView, type WasmBackend } from "../backend/wasm-kernels/heap";

/** What applyGradients receives: gradients by variable name, as a map or a list. */
type VariableGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

/** A moment buffer as tfjs stores it (its OptimizerVariable type is not exported). */
interface MomentSlot {
  originalName: string;
  variable: tf.Variable;
}

/** The AdamOptimizer fields that tfjs declares private; the fused step keeps them exactly as the stock one does. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: MomentSlot[];
  accumulatedSecondMoment: MomentSlot[];
}

/** The wasm backend's count of tensors sharing one piece of data (not in heap.ts' interface). */
interface CountingWasmBackend extends WasmBackend {
  refCount(dataId: tf.DataId): number;
}

/** Bias-corrected step constants shared by every variable of one update. */
interface StepConstants {
  beta1: number;
  beta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  learningRate: number;
  epsilon: number;
}

/** Adam (same settings, defaults, bias correction, weights and config as tf.train.adam) with a fused wasm update. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    // tfjs types epsilon as number but treats null as "the backend's epsilon".
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (tf.getBackend() !== "wasm") {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const backend = asWasmBackend(tf.backend()) as CountingWasmBackend;
    const constants: StepConstants = {
      beta1: state.beta1,
      beta2: state.beta2,
      // Read in float32 like the stock optimizer, which keeps beta^t in float32 variables.
      oneMinusAccBeta1: 1 - heapView(backend, state.accBeta1)[0],
      oneMinusAccBeta2: 1 - heapView(backend, state.accBeta2)[0],
      learningRate: state.learningRate,
      epsilon: state.epsilon,
    };
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    named.forEach(({ name, tensor: gradient }, i) => {
      const value = tf.engine().registeredVariables[name];
      state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: zeroMoment(value) };
      state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: zeroMoment(value) };
      if (gradient == null) return;
      const m = state.accumulatedFirstMoment[i].variable;
      const v = state.accumulatedSecondMoment[i].variable;
      updateVariable(backend, constants, value, m, v, gradient);
    });
    tf.tidy(() => {
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    this.incrementIterations();
  }
}

/** Makes tf.train.adam's arguments into a FusedAdamOptimizer (a drop-in replacement). */
export function fusedAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

function zeroMoment(value: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.zerosLike(value).variable(false));
}

/**
 * Where a moment buffer's new values go: in place when the variable is the data's only user, else fresh memory.
 * Weights always get fresh memory: wasm's XNNPACK matmul and convolution cache weights packed per tensor id, so
 * an in-place write would leave them computing with the old values.
 */
function writableTarget(backend: CountingWasmBackend, variable: tf.Variable, inPlace: boolean): tf.TensorInfo {
  if (inPlace && backend.refCount(variable.dataId) === 1) return variable;
  return allocate(backend, variable.shape);
}

/** Points the variable at `target` if that is fresh memory; its old data is freed unless another tensor uses it. */
function commit(variable: tf.Variable, target: tf.TensorInfo): void {
  if (target === variable) return;
  const fresh = tf.engine().makeTensorFromTensorInfo(target);
  variable.assign(fresh);
  fresh.dispose();
}

/** Byte-code of a SIMD loop: adam(g, x, m, v, xOut, mOut, vOut, vectors, beta1, beta2, 1-beta1, 1-beta2, step, scale, eps). */
function adamModuleBytes(sharedMemory: boolean): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      const low = n & 0x7f;
      n >>>= 7;
      out.push(n === 0 ? low : low | 0x80);
    } while (n !== 0);
    return out;
  };
  const name = (text: string): number[] => [text.length, ...Array.from(text, (ch) => ch.charCodeAt(0))];
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
  const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
  const simd = (op: number) => [0xfd, ...leb(op)];
  const load = [...simd(0x00), 0, 0], store = [...simd(0x0b), 0, 0];
  const [splat, sqrt, add, sub, mul, div] = [0x13, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7].map(simd);
  // Parameters 0-6 are byte offsets, 7 the number of 4-float vectors, 8-14 the constants; then local i (15)
  // and v128 locals: the seven constants splatted (16-22), g (23), new m (24), new v (25).
  const [G, X, M, V, XO, MO, VO, COUNT, I] = [0, 1, 2, 3, 4, 5, 6, 7, 15];
  const [B1, B2, O1, O2, STEP, SCALE, EPS, GV, MK, VK] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const at = (base: number) => [...get(base), ...get(I), 0x6a]; // base + i
  const body = [
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((k) => [...get(8 + k), ...splat, ...set(B1 + k)]),
    0x02, 0x40, ...get(COUNT), 0x45, 0x0d, 0, // block; exit when there are no vectors
    0x03, 0x40, // loop
    ...at(G), ...load, ...set(GV),
    ...get(B1), ...at(M), ...load, ...mul, ...get(O1), ...get(GV), ...mul, ...add, ...set(MK),
    ...get(B2), ...at(V), ...load, ...mul, ...get(O2), ...get(GV), ...get(GV), ...mul, ...mul, ...add, ...set(VK),
    ...at(MO), ...get(MK), ...store,
    ...at(VO), ...get(VK), ...store,
    ...at(XO), ...at(X), ...load, ...get(STEP), ...get(MK), ...mul,
    ...get(VK), ...sqrt, ...get(SCALE), ...mul, ...get(EPS), ...add, ...div, ...sub, ...store,
    ...get(I), 0x41, 16, 0x6a, ...set(I), // i += 16 bytes
    ...get(COUNT), 0x41, 1, 0x6b, ...tee(COUNT), 0x0d, 0, // loop while --count != 0
    0x0b, 0x0b, 0x0b, // end loop, block, function
  ];
  const code = [2, 1, I32, 10, V128, ...body];
  const limits = sharedMemory ? [0x03, 0, ...leb(65536)] : [0x00, 0];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 15, ...Array(8).fill(I32), ...Array(7).fill(F32), 0]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("adam"), 0x00, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
  ]);
}

type AdamKernel = (
  g: number, x: number, m: number, v: number, xOut: number, mOut: number, vOut: number, vectors: number,
  beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, step: number, scale: number, eps: number,
) => void;

/** The parts of WebAssembly used here (lib/ compiles without the DOM typings that declare it). */
interface WasmMemory {
  buffer: ArrayBufferLike;
}
const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: { adam: AdamKernel } };
  };
}).WebAssembly;

/** One compiled kernel per wasm memory (a new backend instance has a new memory). */
const kernels = new WeakMap<WasmMemory, AdamKernel>();

function adamKernel(backend: WasmBackend): AdamKernel {
  // The threaded build imports its memory (Module.wasmMemory); the single-threaded one exports it (asm.memory).
  const module = backend.wasm as unknown as { wasmMemory?: WasmMemory; asm: { memory?: WasmMemory } };
  const memory = module.wasmMemory ?? module.asm.memory;
  if (memory === undefined) throw new Error("FusedAdamOptimizer cannot find the wasm backend's memory; use tf.train.adam.");
  let kernel = kernels.get(memory);
  if (kernel === undefined) {
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const compiled = new WebAssemblyApi.Module(adamModuleBytes(shared));
    kernel = new WebAssemblyApi.Instance(compiled, { env: { memory } }).exports.adam;
    kernels.set(memory, kernel);
  }
  return kernel;
}

/** One Adam update of a variable and its moments, in one pass over wasm memory. */
function updateVariable(
  backend: CountingWasmBackend,
  c: StepConstants,
  value: tf.Variable,
  firstMoment: tf.Variable,
  secondMoment: tf.Variable,
  gradient: tf.Tensor,
): void {
  if (gradient.dtype !== "float32" || value.dtype !== "float32") {
    throw new Error(`FusedAdamOptimizer handles float32 variables only; ${value.name} is ${value.dtype}.`);
  }
  const valueOut = writableTarget(backend, value, false);
  const mOut = writableTarget(backend, firstMoment, true);
  const vOut = writableTarget(backend, secondMoment, true);
  // Views taken after the allocations above, which may have grown (and replaced) the wasm memory.
  const [g, x, m, v, xNew, mNew, vNew] = [gradient, value, firstMoment, secondMoment, valueOut, mOut, vOut].map((t) =>
    heapView(backend, t),
  );
  const oneMinusBeta1 = 1 - c.beta1;
  const oneMinusBeta2 = 1 - c.beta2;
  // x - lr·(m/c1)/(sqrt(v/c2) + eps) with the bias corrections c1, c2 folded into two constants.
  const step = c.learningRate / c.oneMinusAccBeta1;
  const scale = 1 / Math.sqrt(c.oneMinusAccBeta2);
  const vectors = g.length >>> 2;
  adamKernel(backend)(
    g.byteOffset, x.byteOffset, m.byteOffset, v.byteOffset, xNew.byteOffset, mNew.byteOffset, vNew.byteOffset, vectors,
    c.beta1, c.beta2, oneMinusBeta1, oneMinusBeta2, step, scale, c.epsilon,
  );
  for (let k = vectors * 4; k < g.length; k++) {
    const mk = c.beta1 * m[k] + oneMinusBeta1 * g[k];
    const vk = c.beta2 * v[k] + oneMinusBeta2 * g[k] * g[k];
    mNew[k] = mk;
    vNew[k] = vk;
    xNew[k] = x[k] - (step * mk) / (Math.sqrt(vk) * scale + c.epsilon);
  }
  commit(value, valueOut);
  commit(firstMoment, mOut);
  commit(secondMoment, vOut);
}
