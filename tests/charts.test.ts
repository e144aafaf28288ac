import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { TrainingHistory } from "../lib/train/fit";
import ts from "typescript";
import { lineChart, lossChart, scatterChart, showChart, vegaLiteToSvg } from "../lib/show/charts";

const ROOT = path.resolve(__dirname, "..");

/** Number of times `needle` occurs in `text`. */
function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const LINE_MARK = 'aria-roledescription="line mark"';
const POINT_MARK = 'aria-roledescription="point"';

/** The text of every bold (title) label in an SVG rendered by vega. */
function titles(svg: string): string[] {
  return [...svg.matchAll(/font-weight="bold"[^>]*>([^<]*)</g)].map((m) => m[1]);
}

describe("charts", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  it("draws a loss chart with one line and one point per epoch for each series", async () => {
    const svg = await vegaLiteToSvg(lossChart({ loss: [0.4, 0.3, 0.25, 0.2], val_loss: [0.45, 0.35, 0.3, 0.28] }));
    assert.match(svg, /^<svg/);
    assert.equal(occurrences(svg, LINE_MARK), 2);
    assert.equal(occurrences(svg, POINT_MARK), 8);
    assert.deepEqual(titles(svg).sort(), ["Loss per epoch", "epoch", "loss", "series"].sort());
    assert.match(svg, />val_loss</, "legend entry");
  });

  it("takes the History that model.fit returns", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const [xs, ys] = [tf.randomUniform([20, 2]), tf.randomUniform([20, 1])];
    const history = await model.fit(xs, ys, { epochs: 3, validationSplit: 0.25, verbose: 0 });
    tf.dispose([xs, ys]);
    model.dispose();
    const svg = await vegaLiteToSvg(lossChart(history, { title: "Training", yTitle: "MSE" }));
    assert.equal(occurrences(svg, LINE_MARK), 2, "loss and val_loss");
    assert.equal(occurrences(svg, POINT_MARK), 6);
    assert.ok(titles(svg).includes("MSE") && titles(svg).includes("Training"));
  });

  it("plots only the loss series of a trainModel history, not its timings (bug: seconds were drawn as a loss)", async () => {
    const history: TrainingHistory = { loss: [0.3, 0.2], val_loss: [0.31, 0.25], secondsPerEpoch: [12, 11], diverged: false, interrupted: false };
    const svg = await vegaLiteToSvg(lossChart(history));
    assert.equal(occurrences(svg, LINE_MARK), 2, "loss and val_loss only");
    assert.doesNotMatch(svg, /secondsPerEpoch/);
  });

  it("draws one line for a history with loss only, and refuses an empty history", async () => {
    const svg = await vegaLiteToSvg(lossChart({ loss: [1, 0.5] }));
    assert.equal(occurrences(svg, LINE_MARK), 1);
    // One epoch: the only x tick reads "1", not "1.000000" (a learner saw that in the smoke profile).
    const single = await vegaLiteToSvg(lossChart({ loss: [0.5] }));
    assert.doesNotMatch(single, />1\.0+</);
    assert.match(single, />1</);
    assert.throws(() => lossChart({ loss: [] }), /history has no values/);
  });

  it("draws groups of series in panels with their own y scales, so a small series shows its shape beside a large one", async () => {
    const history = { loss: [340, 288, 283], val_loss: [296, 286, 283], reconstruction_loss: [329, 281, 276], kl_loss: [10.6, 7.1, 6.6] };
    const spec = lossChart(history, { title: "VAE", panels: [["loss", "val_loss"], ["reconstruction_loss"], ["kl_loss"]] });
    const svg = await vegaLiteToSvg(spec);
    assert.equal(occurrences(svg, LINE_MARK), 4);
    assert.equal(occurrences(svg, POINT_MARK), 12);
    for (const header of ["loss, val_loss", "reconstruction_loss", "kl_loss"]) assert.match(svg, new RegExp(`>${header}<`), header);
    // The KL panel's own axis reaches down to its values: a shared axis would start near 280.
    assert.match(svg, />7</, "a tick label on the KL scale");
    assert.throws(() => lossChart(history, { panels: [["loss"], ["elbo"]] }), /the history has no series elbo; it has loss, val_loss/);
  });

  it("draws a scatter chart with one mark per point, axis titles and a legend per label", async () => {
    const points = [
      { x: 0.1, y: 2, label: "Trouser" },
      { x: 1.5, y: -1, label: "Sneaker" },
      { x: -0.3, y: 0.4, label: "Trouser" },
      { x: 2.2, y: 1.1, label: "Bag" },
      { x: 0.9, y: 0.9, label: "Sneaker" },
    ];
    const svg = await vegaLiteToSvg(scatterChart(points, { xTitle: "latent 1", yTitle: "latent 2", labelTitle: "item" }));
    assert.equal(occurrences(svg, POINT_MARK), points.length);
    assert.deepEqual(titles(svg).sort(), ["Latent space", "item", "latent 1", "latent 2"].sort());
    for (const label of ["Trouser", "Sneaker", "Bag"]) assert.equal(occurrences(svg, `>${label}<`), 1, label);
    assert.throws(() => scatterChart([]), /no points/);
  });

  it("draws a line chart with one line per label, a point per value, axis titles and a legend", async () => {
    const points = [0.1, 0.3, 0.5].flatMap((x) => [
      { x, y: 20 - 20 * x, label: "noisy" },
      { x, y: 18 - 4 * x, label: "denoised" },
    ]);
    const spec = lineChart(points, { title: "PSNR", xTitle: "noise factor", yTitle: "PSNR (dB)", labelTitle: "images" });
    assert.equal(spec.height, 250);
    const svg = await vegaLiteToSvg(spec);
    assert.equal(occurrences(svg, LINE_MARK), 2);
    assert.equal(occurrences(svg, POINT_MARK), 6);
    assert.deepEqual(titles(svg).sort(), ["PSNR", "PSNR (dB)", "images", "noise factor"].sort());
    for (const label of ["noisy", "denoised"]) assert.equal(occurrences(svg, `>${label}<`), 1, label);
    assert.throws(() => lineChart([]), /no points/);
  });

  it("renders any vega-lite spec passed through", async () => {
    const svg = await vegaLiteToSvg({
      data: { values: [{ digit: "0", count: 3 }, { digit: "1", count: 5 }] },
      mark: "bar",
      encoding: { x: { field: "digit", type: "nominal" }, y: { field: "count", type: "quantitative" } },
    });
    assert.equal(occurrences(svg, 'aria-roledescription="bar"'), 2);
  });

  it("outside a tslab kernel says so instead of failing obscurely", async () => {
    await assert.rejects(showChart(lossChart({ loss: [1] })), /no tslab kernel is running/);
  });

  it("compiled by tsc with the lib's settings, loads vega under plain Node; lib/show's .d.ts parse in TS 5.0", () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "lib", "tsconfig.json"), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    });
    assert.ok(parsed);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-cjs-"));
    try {
      const roots = ["charts.ts", "images.ts"].map((f) => path.join(ROOT, "lib", "show", f));
      const program = ts.createProgram(roots, {
        ...parsed.options,
        outDir,
        sourceMap: false,
      });
      const emitted = program.emit();
      assert.deepEqual(emitted.diagnostics.map((d) => d.messageText), []);
      const chartsJs = path.join(outDir, "show", "charts.js");
      const js = fs.readFileSync(chartsJs, "utf8");
      assert.match(js, /import\("vega"\)/, "dynamic import kept, not turned into require");
      assert.doesNotMatch(js, /require\("vega(-lite)?"\)/);

      // Bare imports from a file outside the project resolve through a node_modules next to it.
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(outDir, "node_modules"), "dir");
      const script = `require(${JSON.stringify(chartsJs)}).vegaLiteToSvg(
        require(${JSON.stringify(chartsJs)}).lossChart({ loss: [1, 0.5] })).then((svg) => process.stdout.write(svg.slice(0, 4)));`;
      const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
      assert.equal(run.stdout, "<svg", run.stderr);

      // tslab type-checks notebooks with its own TypeScript 5.0, which must parse our declarations.
      const ts50 = require("@tslab/typescript-for-tslab") as typeof ts;
      assert.match(ts50.version, /^5\.0\./);
      const showDir = path.join(outDir, "show");
      const declarations = fs.readdirSync(showDir).filter((f) => f.endsWith(".d.ts")).map((f) => path.join(showDir, f));
      assert.deepEqual(
        declarations.map((f) => path.basename(f, ".d.ts")).sort(),
        ["charts", "display", "font", "images", "kernel-messages", "png"],
      );
      const check = ts50.createProgram(declarations, { noResolve: true, noLib: true });
      assert.deepEqual(check.getSyntacticDiagnostics().map((d) => d.messageText), []);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
