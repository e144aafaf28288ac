import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { NotebookJson } from "../scripts/course";
import { PROJECT_ROOT } from "../scripts/jupyter";
import { makeScratchDir, readNotebook, readSummary, runCourseCli, writeNotebook } from "./helpers/course-fixture";

const NOTEBOOK = "01-autoencoder.ipynb";
const SOURCE = path.join(PROJECT_ROOT, "notebooks", NOTEBOOK);
// Fashion-MNIST from Debian's package (or AE_DATA_DIR): the tests never download.
const SMOKE = ["--profile", "smoke", "--dataset", "fashion-mnist"];

/** Every output of an executed notebook, with the index of its cell. */
function outputsOf(notebook: NotebookJson) {
  return notebook.cells.flatMap((cell, index) => (cell.outputs ?? []).map((output) => ({ index, output })));
}

const sourceText = (source: string | string[]) => [source].flat().join("");

describe(`notebook ${NOTEBOOK} (smoke profile, headless)`, function () {
  this.timeout(600_000);
  let out: string;

  before(() => {
    assert.ok(existsSync(SOURCE), `notebooks/${NOTEBOOK} is missing`);
    out = makeScratchDir("notebook-01");
  });
  after(() => out && rmSync(out, { recursive: true, force: true }));

  it("runs without errors, shows images and reports a finite validation loss", async () => {
    const run = await runCourseCli([...SMOKE, "--only", "01", "--out", out]);
    assert.ok(existsSync(path.join(out, "summary.json")), `no summary.json; the run printed:\n${run.stdout}${run.stderr}`);
    const [entry] = readSummary(out).notebooks;
    assert.equal(entry.name, NOTEBOOK);
    assert.equal(entry.status, "ok", entry.error ?? run.stderr);
    assert.equal(run.code, 0, run.stderr);

    const outputs = outputsOf(readNotebook(path.join(out, NOTEBOOK)));
    const errors = outputs.filter(({ output }) => output.output_type === "error");
    assert.deepEqual(errors, [], "no error outputs");
    const stderrErrors = outputs.filter(({ output }) =>
      output.output_type === "stream" && output.name === "stderr" && sourceText(output.text ?? "").includes("Error"));
    assert.deepEqual(stderrErrors, [], "no stderr stream mentions an Error");
    assert.ok(outputs.filter(({ output }) => output.data?.["image/png"] !== undefined).length >= 4, "samples, reconstructions, codes, decoded codes");
    assert.ok(outputs.some(({ output }) => output.data?.["image/svg+xml"] !== undefined), "the loss chart");

    const finalValLoss = entry.figures.final_val_loss;
    assert.ok(typeof finalValLoss === "number" && Number.isFinite(finalValLoss), `final_val_loss is ${finalValLoss}`);
    assert.equal(entry.figures.dataset, "fashion-mnist");
    assert.ok(["tensorflow", "wasm", "cpu"].includes(String(entry.figures.backend)));
  });

  it("can run all its cells a second time in the same kernel without growing tf.memory().numTensors", async () => {
    const code = readNotebook(SOURCE)
      .cells.filter((cell) => cell.cell_type === "code")
      .map((cell) => sourceText(cell.source));
    const count = 'console.log("numTensors=" + tf.memory().numTensors);';
    const dir = path.join(out, "rerun");
    mkdirSync(dir);
    writeNotebook(dir, "01-rerun.ipynb", [...code, count, ...code, count]);
    const run = await runCourseCli([...SMOKE, "--notebooks", dir, "--out", path.join(dir, "executed")]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const counts = [...run.stdout.matchAll(/numTensors=(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(counts.length, 2, run.stdout);
    assert.equal(counts[1], counts[0], "the second pass freed what the first pass made");
  });
});
