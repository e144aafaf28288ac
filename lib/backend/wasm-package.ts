/**
 * Loads @tensorflow/tfjs-backend-wasm for the course. The package registers "wasm" as tfjs's default backend the
 * moment it is imported, although the backend is not started yet, so any tensor made before selectBackend() ran
 * would fail ("backend 'wasm' has not yet been initialized"). The course registers it again below cpu's priority:
 * until selectBackend() picks a backend on purpose, tfjs uses cpu.
 */
import * as tf from "@tensorflow/tfjs";
import * as wasmPackage from "@tensorflow/tfjs-backend-wasm";

/** Priority the course gives "wasm": below cpu's 1, so importing the library never changes the default backend. */
export const WASM_PRIORITY = 0;

const factory = tf.findBackendFactory("wasm");
if (factory !== null && tf.engine().registry["wasm"] === undefined) {
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", factory, WASM_PRIORITY);
}

/** The stock wasm backend's factory, as the package registered it. */
export const stockWasmFactory = factory;
export { wasmPackage };
