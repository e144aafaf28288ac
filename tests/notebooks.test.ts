import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { NotebookJson } from "../scripts/course";
import { PROJECT_ROOT } from "../scripts/jupyter";
import { makeScratchDir, readNotebook, readSummary, runCourseCli, writeNotebook } from "./helpers/course-fixture";

const NOTEBOOKS_DIR = path.join(PROJECT_ROOT, "notebooks");
// Fashion-MNIST from Debian's package (or AE_DATA_DIR): the tests never download.
const SMOKE = ["--profile", "smoke", "--dataset", "fashion-mnist"];

/** What a notebook must show when it runs headless in the smoke profile. */
interface Expectations {
  /** At least this many PNG pictures. */
  pictures: number;
  /** At least this many SVG charts. */
  charts: number;
  /** Figures summary.json must report as finite numbers. */
  numericFigures: string[];
}

/** One entry per notebook: a notebook without an entry fails the test that every notebook has one. */
const EXPECTED: Record<string, Expectations> = {
  "01-autoencoder.ipynb": { pictures: 4, charts: 1, numericFigures: ["final_loss", "final_val_loss", "seconds_per_epoch"] },
  "02-denoising.ipynb": {
    pictures: 2,
    charts: 2,
    numericFigures: ["final_loss", "final_val_loss", "seconds_per_epoch", "psnr_noisy", "psnr_denoised", "ssim_noisy", "ssim_denoised"],
  },
  "03-super-resolution.ipynb": {
    pictures: 2,
    charts: 1,
    numericFigures: ["final_loss", "final_val_loss", "seconds_per_epoch", "psnr_nearest", "psnr_bilinear", "psnr_model", "ssim_model"],
  },
  "04-vae.ipynb": {
    pictures: 3,
    charts: 1,
    numericFigures: ["final_loss", "final_reconstruction_loss", "final_kl_loss", "final_val_loss", "seconds_per_epoch"],
  },
  "05-latent-space.ipynb": { pictures: 1, charts: 1, numericFigures: ["final_loss", "final_val_loss", "seconds_per_epoch"] },
  "06-task-conv-vae.ipynb": { pictures: 1, charts: 1, numericFigures: ["final_loss", "final_val_loss", "task_score", "task_max"] },
};

/** Every output of an executed notebook, with the index of its cell. */
function outputsOf(notebook: NotebookJson) {
  return notebook.cells.flatMap((cell, index) => (cell.outputs ?? []).map((output) => ({ index, output })));
}

const sourceText = (source: string | string[]) => [source].flat().join("");
const notebookFiles = readdirSync(NOTEBOOKS_DIR).filter((name) => /^\d\d-.*\.ipynb$/.test(name)).sort();

it("every notebook in notebooks/ has expectations in tests/notebooks.test.ts", () => {
  assert.deepEqual(notebookFiles, Object.keys(EXPECTED).sort());
});

for (const name of notebookFiles) {
  const expected = EXPECTED[name];
  const prefix = name.slice(0, 2);

  describe(`notebook ${name} (smoke profile, headless)`, function () {
    this.timeout(600_000);
    let out: string;

    before(function () {
      if (expected === undefined) this.skip();
      out = makeScratchDir(`notebook-${prefix}`);
    });
    after(() => out && rmSync(out, { recursive: true, force: true }));

    it("runs without errors, shows its pictures and charts and reports finite figures", async () => {
      const run = await runCourseCli([...SMOKE, "--only", prefix, "--out", out]);
      assert.ok(existsSync(path.join(out, "summary.json")), `no summary.json; the run printed:\n${run.stdout}${run.stderr}`);
      const [entry] = readSummary(out).notebooks;
      assert.equal(entry.name, name);
      assert.equal(entry.status, "ok", entry.error ?? run.stderr);
      assert.equal(run.code, 0, run.stderr);

      const outputs = outputsOf(readNotebook(path.join(out, name)));
      const errors = outputs.filter(({ output }) => output.output_type === "error");
      assert.deepEqual(errors, [], "no error outputs");
      const stderrErrors = outputs.filter(({ output }) =>
        output.output_type === "stream" && output.name === "stderr" && sourceText(output.text ?? "").includes("Error"));
      assert.deepEqual(stderrErrors, [], "no stderr stream mentions an Error");
      const pictures = outputs.filter(({ output }) => output.data?.["image/png"] !== undefined).length;
      assert.ok(pictures >= expected.pictures, `${pictures} pictures, expected at least ${expected.pictures}`);
      const charts = outputs.filter(({ output }) => output.data?.["image/svg+xml"] !== undefined).length;
      assert.ok(charts >= expected.charts, `${charts} charts, expected at least ${expected.charts}`);

      for (const figure of expected.numericFigures) {
        const value = entry.figures[figure];
        assert.ok(typeof value === "number" && Number.isFinite(value), `${figure} is ${value}`);
      }
      assert.equal(entry.figures.dataset, "fashion-mnist");
      assert.ok(["tensorflow", "wasm", "cpu"].includes(String(entry.figures.backend)));
    });

    it("can run all its cells a second time in the same kernel without growing tf.memory().numTensors", async () => {
      const code = readNotebook(path.join(NOTEBOOKS_DIR, name))
        .cells.filter((cell) => cell.cell_type === "code")
        .map((cell) => sourceText(cell.source));
      const count = 'console.log("numTensors=" + tf.memory().numTensors);';
      const dir = path.join(out, "rerun");
      mkdirSync(dir);
      writeNotebook(dir, `${prefix}-rerun.ipynb`, [...code, count, ...code, count]);
      const run = await runCourseCli([...SMOKE, "--notebooks", dir, "--out", path.join(dir, "executed")]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const counts = [...run.stdout.matchAll(/numTensors=(\d+)/g)].map((m) => Number(m[1]));
      assert.equal(counts.length, 2, run.stdout);
      assert.equal(counts[1], counts[0], "the second pass freed what the first pass made");
    });
  });
}
