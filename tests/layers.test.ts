import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import { conv3x3, disposeSharedModels, layerSeed } from "../lib/models/layers";

describe("model building blocks", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("layerSeed offsets a model's seed per layer and stays unseeded without one", () => {
    assert.equal(layerSeed(42, 3), 45);
    assert.equal(layerSeed(undefined, 3), undefined);
  });

  it("conv3x3 is a seeded 3×3 convolution with the given filters, activation and padding", () => {
    const a = conv3x3(4, "relu", "valid", "a", 7);
    const b = conv3x3(4, "relu", "valid", "b", 7);
    const input = tf.input({ shape: [6, 6, 2] });
    assert.deepEqual((a.apply(input) as tf.SymbolicTensor).shape, [null, 4, 4, 4], "valid padding shrinks 6 → 4");
    b.apply(input);
    assert.deepEqual(a.getWeights()[0].shape, [3, 3, 2, 4]);
    assert.deepEqual(a.getWeights()[0].arraySync(), b.getWeights()[0].arraySync(), "same seed, same weights");
    const config = a.getConfig();
    assert.equal(config.activation, "relu");
    assert.deepEqual(config.strides, [1, 1]);
    const same = conv3x3(1, "sigmoid", "same", "c");
    assert.deepEqual((same.apply(input) as tf.SymbolicTensor).shape, [null, 6, 6, 1]);
    tf.dispose([...a.getWeights(), ...b.getWeights(), ...same.getWeights()]);
  });

  it("disposeSharedModels frees the weights of models sharing layers and the optimizer's state", async () => {
    const before = tf.memory().numTensors;
    const input = tf.input({ shape: [4] });
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
    const outer = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(inner.apply(input)) as tf.SymbolicTensor });
    outer.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
    const [x, y] = [tf.ones([2, 4]), tf.ones([2, 1])];
    await outer.fit(x, y, { epochs: 1, verbose: 0 });
    tf.dispose([x, y]);
    assert.ok(tf.memory().numTensors > before);
    disposeSharedModels(outer, [outer, inner]);
    assert.equal(tf.memory().numTensors, before, "weights and Adam's moments are gone");
  });
});
