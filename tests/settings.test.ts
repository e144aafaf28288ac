import * as os from "node:os";
import { strict as assert } from "node:assert";
import { currentProfile, datasetFromEnvironment, describeSettings, PROFILES, wasmThreadsFromEnvironment } from "../lib/settings";

describe("settings", () => {
  const saved = { profile: process.env.AE_PROFILE, dataset: process.env.AE_DATASET };
  afterEach(() => {
    for (const [name, value] of [["AE_PROFILE", saved.profile], ["AE_DATASET", saved.dataset]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("defaults to the quick profile and the auto dataset", () => {
    delete process.env.AE_PROFILE;
    delete process.env.AE_DATASET;
    assert.equal(currentProfile(), PROFILES.quick);
    assert.equal(datasetFromEnvironment(), "auto");
  });

  it("reads AE_PROFILE and AE_DATASET, ignoring surrounding spaces", () => {
    process.env.AE_PROFILE = " smoke ";
    process.env.AE_DATASET = "fashion-mnist";
    assert.equal(currentProfile().name, "smoke");
    assert.equal(datasetFromEnvironment(), "fashion-mnist");
  });

  it("says which values are allowed when a setting is misspelt", () => {
    process.env.AE_PROFILE = "fast";
    assert.throws(() => currentProfile(), /AE_PROFILE=fast is not one of smoke, quick, full/);
    process.env.AE_DATASET = "cifar";
    assert.throws(() => datasetFromEnvironment(), /AE_DATASET=cifar is not one of auto, mnist, fashion-mnist/);
  });

  it("reads AE_WASM_THREADS as a whole number of threads; unset, 2 where there are 2 cores or more, else 1", () => {
    const saved = process.env.AE_WASM_THREADS;
    try {
      delete process.env.AE_WASM_THREADS;
      assert.equal(wasmThreadsFromEnvironment(), Math.min(2, os.availableParallelism()));
      process.env.AE_WASM_THREADS = "2";
      assert.equal(wasmThreadsFromEnvironment(), 2);
      process.env.AE_WASM_THREADS = "two";
      assert.throws(() => wasmThreadsFromEnvironment(), /AE_WASM_THREADS=two is not a whole number from 1 to 64/);
    } finally {
      if (saved === undefined) delete process.env.AE_WASM_THREADS;
      else process.env.AE_WASM_THREADS = saved;
    }
  });

  it("sums up a settings cell in one line, with a singular for one epoch and the notebook's own settings", () => {
    assert.equal(describeSettings("quick", PROFILES.quick), 'Profile "quick": 8 epochs, 20000 training images, batches of 32.');
    assert.equal(describeSettings("smoke", PROFILES.smoke), 'Profile "smoke": 1 epoch, 512 training images, batches of 64.');
    assert.equal(
      describeSettings("full", { epochs: 25, trainSize: null, batchSize: 128 }, ["noise factor 0.5"]),
      'Profile "full": 25 epochs, all training images, batches of 128, noise factor 0.5.',
    );
  });

  it("full is the lesson's scale: all data, 25 epochs", () => {
    assert.deepEqual(PROFILES.full, { name: "full", epochs: 25, trainSize: null, validationSize: null, batchSize: 128 });
  });
});
