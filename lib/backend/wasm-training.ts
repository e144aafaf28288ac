/**
 * Training kernels for the WebAssembly backend: the gradients that stock tfjs-backend-wasm lacks or runs slowly.
 * Each kernel file under wasm-kernels/ exports a list of KernelConfigs for backendName "wasm".
 */
import * as tf from "@tensorflow/tfjs";
import { convolutionKernels } from "./wasm-kernels/convolution";
import { poolingKernels } from "./wasm-kernels/pooling";
import { resizeKernels } from "./wasm-kernels/resize";
import { matMulKernels } from "./wasm-kernels/matmul";
import { biasKernels } from "./wasm-kernels/bias";
import { identityKernels } from "./wasm-kernels/identity";

/** Every kernel this module registers for the wasm backend. */
export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  ...convolutionKernels,
  ...poolingKernels,
  ...resizeKernels,
  ...matMulKernels,
  ...biasKernels,
  ...identityKernels,
];

/** The stock configs our kernels replaced (undefined where stock had none), while ours are registered. */
let replaced: Map<string, tf.KernelConfig | undefined> | undefined;

/** Registers the training kernels for "wasm", replacing stock ones; returns the kernel names registered. */
export function registerWasmTrainingKernels(): string[] {
  if (replaced === undefined) {
    replaced = new Map();
    for (const config of wasmTrainingKernels) {
      const stock = tf.getKernel(config.kernelName, "wasm");
      replaced.set(config.kernelName, stock);
      if (stock !== undefined) tf.unregisterKernel(config.kernelName, "wasm"); // avoids tfjs's "already registered" warning
      tf.registerKernel(config);
    }
  }
  return [...replaced.keys()];
}

/** Puts the stock wasm kernels back (for comparisons such as "wasm stock" in the benchmark); safe to call twice. */
export function unregisterWasmTrainingKernels(): void {
  if (replaced === undefined) return;
  // A stock kernel's one-time setup runs when the backend starts; redo it if ours was registered at that moment.
  const wasmBackend = tf.engine().registry["wasm"];
  for (const [name, stock] of replaced) {
    tf.unregisterKernel(name, "wasm");
    if (stock === undefined) continue;
    tf.registerKernel(stock);
    if (wasmBackend !== undefined) stock.setupFunc?.(wasmBackend);
  }
  replaced = undefined;
}
