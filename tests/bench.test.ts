import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const SCRIPT = path.join(__dirname, "..", "scripts", "bench.ts");

/** Runs `tsx scripts/bench.ts …`; only bad command lines are tried here (the benchmark itself is run by hand). */
function bench(...args: string[]) {
  const run = spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), SCRIPT, ...args], { encoding: "utf8" });
  return { code: run.status, stderr: run.stderr };
}

describe("benchmark command line", () => {
  it("exits 2 with the reason on a bad command line, like the course's other commands (bug: it exited 1)", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--steps", "0"], /--steps needs a whole number >= 1, got "0"/],
      [["--backends", "gpu"], /--backends takes backends from tensorflow, wasm, wasm-stock, cpu; got "gpu"/],
      [["--rounds"], /--rounds needs a value/],
      [["--fast"], /unknown option --fast; usage: bench \[--json\]/],
    ];
    for (const [args, reason] of cases) {
      const run = bench(...args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, reason);
    }
  });
});
