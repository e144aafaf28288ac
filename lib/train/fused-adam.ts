/**
 * Adam with a fused update on the wasm backend: each variable and its two moment buffers are updated in one loop
 * over wasm memory instead of about ten element-wise kernels (each allocating a full-size result). Other backends
 * run tfjs's own AdamOptimizer code.
 */
import * as tf from "@tensorflow/tfjs";
import { advance, countdown, F32, I32, op, V128, wasmExports, type WasmFunction } from "../backend/wasm-kernels/assemble";
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
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new Error(`learningRate must be a positive number such as 0.001, got ${learningRate}.`);
  }
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

/** A SIMD loop: adam(g, x, m, v, xOut, mOut, vOut, vectors, beta1, beta2, 1-beta1, 1-beta2, step, scale, eps). */
function adamFunctions(): WasmFunction[] {
  // Parameters 0-6 are byte offsets, 7 the number of 4-float vectors, 8-14 the constants; then local i (15)
  // and v128 locals: the seven constants splatted (16-22), g (23), new m (24), new v (25).
  const [G, X, M, V, XO, MO, VO, COUNT, I] = [0, 1, 2, 3, 4, 5, 6, 7, 15];
  const [B1, B2, O1, O2, STEP, SCALE, EPS, GV, MK, VK] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const { get, set } = op;
  const at = (base: number) => [...get(base), ...get(I), ...op.i32Add]; // base + i
  const body = [
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((k) => [...get(8 + k), ...op.f32x4Splat, ...set(B1 + k)]),
    ...countdown(COUNT, [
      ...at(G), ...op.v128Load(), ...set(GV),
      ...get(B1), ...at(M), ...op.v128Load(), ...op.f32x4Mul, ...get(O1), ...get(GV), ...op.f32x4Mul, ...op.f32x4Add, ...set(MK),
      ...get(B2), ...at(V), ...op.v128Load(), ...op.f32x4Mul,
      ...get(O2), ...get(GV), ...get(GV), ...op.f32x4Mul, ...op.f32x4Mul, ...op.f32x4Add, ...set(VK),
      ...at(MO), ...get(MK), ...op.v128Store(),
      ...at(VO), ...get(VK), ...op.v128Store(),
      ...at(XO), ...at(X), ...op.v128Load(), ...get(STEP), ...get(MK), ...op.f32x4Mul,
      ...get(VK), ...op.f32x4Sqrt, ...get(SCALE), ...op.f32x4Mul, ...get(EPS), ...op.f32x4Add, ...op.f32x4Div, ...op.f32x4Sub,
      ...op.v128Store(),
      ...advance(I, 16), // i += 16 bytes
    ]),
  ];
  return [{ name: "adam", params: [...Array(8).fill(I32), ...Array(7).fill(F32)], locals: [I32, ...Array(10).fill(V128)], body }];
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
  wasmExports(backend, "adam", adamFunctions).adam(
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
