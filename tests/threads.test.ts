import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../scripts/jupyter";

interface ThreadedRun {
  threads: number;
  shared: boolean;
  cpu: { conv: number[]; vae: number[] };
  wasm: { conv: number[]; vae: number[] };
}

describe("the threaded wasm build (AE_WASM_THREADS=2)", function () {
  this.timeout(180_000);
  let run: ThreadedRun;

  before(async () => {
    // Its own process: the thread count is fixed when the wasm backend starts, and this one runs single-threaded.
    const tsx = path.join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, path.join(__dirname, "helpers", "threaded-training.ts")], {
      cwd: PROJECT_ROOT,
      maxBuffer: 1 << 20,
    });
    run = JSON.parse(stdout.split("\n").find((line) => line.startsWith("{"))!) as ThreadedRun;
  });

  it("starts with two threads on shared memory", () => {
    assert.equal(run.threads, 2);
    assert.equal(run.shared, true);
  });

  it("trains the conv autoencoder with the same losses as cpu (within 1e-3)", () => {
    run.cpu.conv.forEach((loss, step) => assert.ok(Math.abs(run.wasm.conv[step] - loss) <= 1e-3, `step ${step}: ${run.wasm.conv[step]} vs ${loss}`));
  });

  it("trains the dense VAE with the fused Adam update like cpu's Adam (within 1e-5 relative)", () => {
    run.cpu.vae.forEach((loss, step) => assert.ok(Math.abs(run.wasm.vae[step] - loss) <= 1e-5 * loss, `step ${step}: ${run.wasm.vae[step]} vs ${loss}`));
  });
});
