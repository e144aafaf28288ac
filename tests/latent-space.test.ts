import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { latentGridMosaic, latentScatterChart } from "../lib/show/latent-space";

/** A "decoder" whose 28×28 image is filled with z[0] in its top half and z[1] in its bottom half. */
function revealingDecoder(): tf.LayersModel {
  const code = tf.input({ shape: [2] });
  const layer = tf.layers.dense({ units: 784, useBias: false });
  const decoder = tf.model({ inputs: code, outputs: layer.apply(code) as tf.SymbolicTensor });
  const kernel = Array.from({ length: 2 }, (_, row) => Array.from({ length: 784 }, (_, pixel) => ((pixel < 392) === (row === 0) ? 1 : 0)));
  layer.setWeights([tf.tensor2d(kernel)]);
  return decoder;
}

describe("latent-space pictures", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("makes a scatter chart with one point per code, coloured by its label", () => {
    const codes = tf.tensor2d([[0.5, -1], [2, 3]]);
    const spec = latentScatterChart(codes, ["Shirt", "Bag"], { title: "codes" });
    assert.deepEqual(spec.data?.values, [{ x: 0.5, y: -1, label: "Shirt" }, { x: 2, y: 3, label: "Bag" }]);
    assert.equal(spec.title, "codes");
    assert.throws(() => latentScatterChart(codes, ["Shirt"]), /2 codes but 1 labels/);
    const wide = tf.zeros([2, 3]) as tf.Tensor2D;
    assert.throws(() => latentScatterChart(wide, ["a", "b"]), /codes must be \[N, 2\]/);
    tf.dispose([codes, wide]);
  });

  it("places the decoded grid points as on the chart: z[0] grows to the right, z[1] upwards", () => {
    const decoder = revealingDecoder();
    const mosaic = latentGridMosaic({ encoder: decoder, decoder }, { size: 3, extent: 2 });
    assert.deepEqual(mosaic.shape, [84, 84]);
    const pixels = mosaic.arraySync();
    // Tile (row r, column c) starts at (28r, 28c); its top half holds z[0], its bottom half z[1].
    const tile = (r: number, c: number) => [pixels[28 * r + 5][28 * c + 5], pixels[28 * r + 20][28 * c + 5]];
    assert.deepEqual(tile(0, 0), [-2, 2]);
    assert.deepEqual(tile(0, 2), [2, 2]);
    assert.deepEqual(tile(2, 0), [-2, -2]);
    assert.deepEqual(tile(1, 1), [0, 0]);
    mosaic.dispose();
    decoder.dispose();
  });
});
