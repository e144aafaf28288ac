import { strict as assert } from "node:assert";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from "../lib/backend/wasm-training";
import { buildConvAutoencoder } from "../lib/models/conv-autoencoder";
import { FusedAdamOptimizer, fusedAdam } from "../lib/train/fused-adam";
import { pseudoRandom } from "./helpers/pseudo-random";

/** A small dense model with odd layer sizes (so some variables are not a multiple of four floats). */
function denseModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [13], units: 7, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      tf.layers.dense({ units: 5, activation: "sigmoid", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  model.compile({ optimizer, loss: "binaryCrossentropy" });
  return model;
}

/** The lesson's conv autoencoder, recompiled with the given optimizer. */
function convModel(optimizer: tf.Optimizer): tf.LayersModel {
  const { autoencoder } = buildConvAutoencoder({ seed: 1 });
  autoencoder.optimizer?.dispose();
  autoencoder.compile({ optimizer, loss: "binaryCrossentropy" });
  return autoencoder;
}

/** Trains 20 steps on fixed data and returns the final weights as arrays (the model is disposed). */
async function weightsAfterTraining(build: (o: tf.Optimizer) => tf.LayersModel, optimizer: tf.Optimizer, shape: number[]): Promise<Float32Array[]> {
  const model = build(optimizer);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(pseudoRandom(size, 11, 0, 1), shape);
  const y = shape.length === 2 ? tf.tensor(pseudoRandom(shape[0] * 5, 12, 0, 1), [shape[0], 5]) : x;
  for (let step = 0; step < 20; step++) await model.trainOnBatch(x, y);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return weights;
}

/** Asserts max |ours - stock| <= 1e-5 · max |stock| for each weight tensor. */
function assertClose(ours: Float32Array[], stock: Float32Array[]): void {
  assert.equal(ours.length, stock.length);
  stock.forEach((expected, k) => {
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(ours[k][i] - expected[i]));
    }
    assert.ok(worst <= 1e-5 * scale, `weight ${k}: differs from stock Adam by ${worst} (scale ${scale})`);
  });
}

describe("FusedAdamOptimizer", () => {
  before(() => {
    registerWasmTrainingKernels();
  });
  after(async () => {
    unregisterWasmTrainingKernels();
    await tf.setBackend("cpu");
  });

  it("refuses a learning rate that is not a positive number, before any training (bug: NaN trained on quietly)", () => {
    for (const rate of [NaN, 0, -0.001, Infinity]) {
      assert.throws(() => fusedAdam(rate), /learningRate must be a positive number such as 0\.001, got/, String(rate));
    }
    assert.throws(() => buildConvAutoencoder({ learningRate: NaN }), /got NaN/);
  });

  it("has tf.train.adam's defaults, class name and config", () => {
    const ours = fusedAdam();
    const stock = tf.train.adam();
    assert.equal(FusedAdamOptimizer.className, "Adam");
    assert.deepEqual(ours.getConfig(), stock.getConfig());
    assert.deepEqual(new FusedAdamOptimizer(0.01, 0.8, 0.99, 1e-6).getConfig(), tf.train.adam(0.01, 0.8, 0.99, 1e-6).getConfig());
    ours.dispose();
    stock.dispose();
  });

  for (const backend of ["wasm", "cpu"] as const) {
    it(`trains a small dense model like stock Adam on ${backend}`, async () => {
      await tf.setBackend(backend);
      const stock = await weightsAfterTraining(denseModel, tf.train.adam(0.01), [16, 13]);
      const ours = await weightsAfterTraining(denseModel, fusedAdam(0.01), [16, 13]);
      assertClose(ours, stock);
    });
  }

  it("trains the conv autoencoder like stock Adam on wasm", async () => {
    await tf.setBackend("wasm");
    const stock = await weightsAfterTraining(convModel, tf.train.adam(), [4, 28, 28, 1]);
    const ours = await weightsAfterTraining(convModel, fusedAdam(), [4, 28, 28, 1]);
    assertClose(ours, stock);
  });

  it("leaks no tensors on wasm", async () => {
    await tf.setBackend("wasm");
    const model = denseModel(fusedAdam());
    const x = tf.tensor(pseudoRandom(16 * 13, 11, 0, 1), [16, 13]);
    const y = tf.tensor(pseudoRandom(16 * 5, 12, 0, 1), [16, 5]);
    let afterStep5 = -1;
    for (let step = 1; step <= 50; step++) {
      await model.trainOnBatch(x, y);
      if (step === 5) afterStep5 = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, afterStep5);
    tf.dispose([x, y]);
    model.optimizer.dispose();
    model.dispose();
  });

  it("leaves tensors that share data with a variable or a moment unchanged", async () => {
    await tf.setBackend("wasm");
    const initial = tf.tensor1d([0.5, -1, 2, 3, 4]);
    const weight = tf.variable(initial); // shares initial's data
    const copy = tf.clone(weight); // shares it too
    const loss = (): tf.Scalar => tf.sum(tf.square(weight));
    const first = fusedAdam(0.1);
    for (let step = 0; step < 3; step++) first.minimize(loss, false, [weight]);
    assert.deepEqual(Array.from(initial.dataSync()), [0.5, -1, 2, 3, 4]);
    assert.deepEqual(Array.from(copy.dataSync()), [0.5, -1, 2, 3, 4]);
    assert.ok(weight.dataSync()[4] < 4 - 0.2, "the variable itself should have moved");

    // setWeights makes the second optimizer's moments share data with the first one's.
    const saved = await first.getWeights();
    const before = saved.map((w) => Array.from(w.tensor.dataSync()));
    const second = fusedAdam(0.1);
    await second.setWeights(saved);
    second.minimize(loss, false, [weight]);
    assert.deepEqual(saved.map((w) => Array.from(w.tensor.dataSync())), before);
    const moments = await second.getWeights();
    assert.notDeepEqual(Array.from(moments[1].tensor.dataSync()), before[1], "the second optimizer's moment should have moved");
    first.dispose();
    second.dispose();
    tf.dispose([initial, weight, copy]);
  });
});
