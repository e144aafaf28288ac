/** Corrections for stock @tensorflow/tfjs-backend-cpu 4.22.0 kernels that compute wrong results. */
import * as tf from "@tensorflow/tfjs";
import { accumulateNearestNeighborGrad, nearestSources } from "./nearest-neighbor-gradient";

/** The parts of tfjs's cpu backend a kernel needs: tensor values by data id, and making an output. */
interface CpuBackend {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/**
 * ResizeNearestNeighborGrad (UpSampling2D's gradient). Stock cpu reads `dy` at the wrong batch offset whenever the
 * batch holds more than one image, so every conv autoencoder trained on cpu got wrong decoder gradients.
 */
function resizeNearestNeighborGrad({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const cpu = backend as unknown as CpuBackend;
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const [batch, inHeight, inWidth, channels] = images.shape;
  const alignCorners = Boolean(attrs?.alignCorners);
  const halfPixelCenters = Boolean(attrs?.halfPixelCenters);
  const dyValues = cpu.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * inHeight * inWidth * channels);
  accumulateNearestNeighborGrad(dyValues instanceof Float32Array ? dyValues : Float32Array.from(dyValues as ArrayLike<number>), dx, {
    batch,
    inHeight,
    inWidth,
    channels,
    rows: nearestSources(inHeight, dy.shape[1], alignCorners, halfPixelCenters),
    cols: nearestSources(inWidth, dy.shape[2], alignCorners, halfPixelCenters),
  });
  return cpu.makeTensorInfo(images.shape, "float32", dx);
}

let registered = false;

/** Replaces the faulty stock cpu kernels with correct ones (idempotent). */
export function registerCpuFixes(): void {
  if (registered) return;
  if (tf.getKernel("ResizeNearestNeighborGrad", "cpu") !== undefined) tf.unregisterKernel("ResizeNearestNeighborGrad", "cpu");
  tf.registerKernel({ kernelName: "ResizeNearestNeighborGrad", backendName: "cpu", kernelFunc: resizeNearestNeighborGrad as tf.KernelFunc });
  registered = true;
}
