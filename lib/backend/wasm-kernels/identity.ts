/**
 * Identity for the wasm backend without a copy: the output shares the input's memory and counts one more user, as
 * on the cpu backend. Stock wasm copies the data, and a training step asks for dozens of identities (tfjs clones
 * inputs, gradients and losses). Kernels that write in place (the fused Adam update) check the count first.
 */
import * as tf from "@tensorflow/tfjs";
import { stockWasmKernel, type WasmKernelArgs } from "./heap";

// Captured when this module loads: strings live outside wasm memory and keep the stock path.
const stockIdentity = stockWasmKernel("Identity");

interface CountingBackend {
  incRef(dataId: tf.DataId): void;
}

function identity(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === "string") return stockIdentity.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  (args.backend as CountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The copy-free Identity kernel for the wasm backend. */
export const identityKernels: tf.KernelConfig[] = [{ kernelName: "Identity", backendName: "wasm", kernelFunc: identity as tf.KernelFunc }];
