import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../lib/backend/select";

describe("selectBackend", () => {
  const saved = process.env.AE_BACKEND;
  const lines: string[] = [];
  const log = console.log;

  beforeEach(() => {
    lines.length = 0;
    console.log = (line: unknown) => lines.push(String(line));
  });
  afterEach(() => {
    console.log = log;
    if (saved === undefined) delete process.env.AE_BACKEND;
    else process.env.AE_BACKEND = saved;
  });
  after(async () => {
    await tf.setBackend("cpu");
  });

  it("on auto passes over native TensorFlow when it is not installed, picks wasm and says why", async function () {
    let nativeInstalled = true;
    try {
      require.resolve("@tensorflow/tfjs-node");
    } catch {
      nativeInstalled = false;
    }
    if (nativeInstalled) this.skip(); // this machine has the native backend, which auto rightly prefers
    const selection = await selectBackend("auto");
    assert.equal(selection.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.deepEqual(selection.skipped.map((s) => s.name), ["tensorflow"]);
    assert.match(selection.skipped[0].why, /tfjs-node is not installed/);
    assert.match(lines.join("\n"), /Using the "wasm" backend: WebAssembly with the course's training kernels\. Passed over tensorflow/);
    lines.length = 0;
    assert.equal(await selectBackend("auto"), selection, "a re-run cell keeps the backend it chose");
    assert.deepEqual(lines, ['Still using the "wasm" backend chosen earlier in this session.'], "and says so");
  });

  it("follows AE_BACKEND, and the wasm it picks trains a conv net like cpu", async () => {
    process.env.AE_BACKEND = "cpu";
    assert.equal((await selectBackend()).name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    process.env.AE_BACKEND = "wasm";
    const selection = await selectBackend();
    assert.equal(selection.name, "wasm");
    assert.match(selection.reason, /because AE_BACKEND/);
  });

  it("explains a forced backend that cannot load instead of silently using another", async function () {
    try {
      require.resolve("@tensorflow/tfjs-node");
      this.skip();
    } catch {
      // not installed: the case under test
    }
    process.env.AE_BACKEND = "tensorflow";
    await assert.rejects(selectBackend(), /No usable backend for "tensorflow".*npm install @tensorflow\/tfjs-node.*Unset AE_BACKEND/);
  });

  it("importing the library leaves tfjs usable on cpu until a backend is selected (bug: wasm was left uninitialised)", () => {
    const script =
      'const tf = require("@tensorflow/tfjs"); require("./lib/index.ts"); ' +
      "const sum = tf.tensor([1, 2]).sum().dataSync()[0]; console.log(tf.getBackend(), sum);";
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: `${__dirname}/..`, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^cpu 3$/m);
  });

  it("rejects an unknown AE_BACKEND with the allowed values", async () => {
    process.env.AE_BACKEND = "gpu";
    await assert.rejects(selectBackend(), /AE_BACKEND=gpu is not one of auto, tensorflow, wasm, cpu/);
  });

  it("stops on a misspelt AE_WASM_THREADS instead of passing over wasm to the slowest backend (bug: it fell back to cpu)", async () => {
    const saved = process.env.AE_WASM_THREADS;
    process.env.AE_WASM_THREADS = "two";
    try {
      await assert.rejects(selectBackend("auto"), { message: "AE_WASM_THREADS=two is not a whole number from 1 to 64. Unset it or pick one, e.g. 2." });
    } finally {
      if (saved === undefined) delete process.env.AE_WASM_THREADS;
      else process.env.AE_WASM_THREADS = saved;
    }
  });
});
