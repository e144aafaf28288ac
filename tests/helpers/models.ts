/** Checks shared by the tests of models built as an encoder and a decoder that share the whole model's layers. */
import * as tf from "@tensorflow/tfjs";

/**
 * The largest difference between model(x) and decoder(encoder(x)) for a batch of 2 random inputs of `imageShape`
 * (0 when the halves share the model's layers), and whether every output lies strictly inside (0, 1).
 */
export function compareHalves(
  model: tf.LayersModel,
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  imageShape: number[],
): { mismatch: number; insideUnitInterval: boolean } {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, ...imageShape], 0, 1, "float32", 4);
    const whole = model.predict(x) as tf.Tensor;
    const halves = decoder.predict(encoder.predict(x) as tf.Tensor) as tf.Tensor;
    return {
      mismatch: tf.max(tf.abs(tf.sub(whole, halves))).dataSync()[0],
      insideUnitInterval: whole.min().dataSync()[0] > 0 && whole.max().dataSync()[0] < 1,
    };
  });
}
