import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  UsageError,
  cellErrorText,
  formatSummaryTable,
  parseCourseArgs,
  selectNotebooks,
} from "../scripts/course";
import { PROJECT_ROOT, findJupyterPython, jupyterEnv, pythonCandidates } from "../scripts/jupyter";
import { jupyterCommand, parseStartArgs } from "../scripts/start";
import {
  TINY_PNG_BASE64,
  makeScratchDir,
  readNotebook,
  readSummary,
  runCourseCli,
  writeNotebook,
} from "./helpers/course-fixture";

describe("course runner", () => {
  describe("flags", () => {
    it("defaults to the quick profile, auto dataset, all notebooks, build/executed", () => {
      const options = parseCourseArgs([], {});
      assert.equal(options.profile, "quick");
      assert.equal(options.dataset, "auto");
      assert.deepEqual(options.only, []);
      assert.equal(options.out, path.join(PROJECT_ROOT, "build", "executed"));
      assert.equal(options.notebooksDir, path.join(PROJECT_ROOT, "notebooks"));
    });

    it("reads `--flag value` and `--flag=value`, and splits --only on commas", () => {
      const options = parseCourseArgs(["--profile", "smoke", "--dataset=mnist", "--only", "01, 02", "--out=x"], {});
      assert.equal(options.profile, "smoke");
      assert.equal(options.dataset, "mnist");
      assert.deepEqual(options.only, ["01", "02"]);
      assert.equal(options.out, path.resolve("x"));
    });

    it("treats a blank AE_PROFILE as unset, as the notebooks do", () => {
      assert.equal(parseCourseArgs([], { AE_PROFILE: " " }).profile, "quick");
    });

    it("resolves --out and --notebooks from the folder npm was run in, and keeps notebooks inside the course", () => {
      const notebooks = path.join(PROJECT_ROOT, "build", "my-notebooks");
      const options = parseCourseArgs(["--out", "runs", "--notebooks", "my-notebooks"], { INIT_CWD: path.join(PROJECT_ROOT, "build") });
      assert.equal(options.out, path.join(PROJECT_ROOT, "build", "runs"));
      assert.equal(options.notebooksDir, notebooks);
      assert.throws(() => parseCourseArgs(["--notebooks", os.tmpdir()], {}), /outside the course folder.*Copy them into a folder inside the course/);
    });

    it("falls back to AE_PROFILE and AE_DATASET, and flags win over them", () => {
      const env = { AE_PROFILE: "full", AE_DATASET: "fashion-mnist" };
      assert.equal(parseCourseArgs([], env).profile, "full");
      assert.equal(parseCourseArgs([], env).dataset, "fashion-mnist");
      assert.equal(parseCourseArgs(["--profile", "smoke"], env).profile, "smoke");
    });

    it("rejects unknown profiles, datasets, options and missing values with a usage error", () => {
      assert.throws(() => parseCourseArgs(["--profile", "huge"], {}), (e: Error) =>
        e instanceof UsageError && /--profile must be one of smoke, quick, full; got "huge"/.test(e.message));
      assert.throws(() => parseCourseArgs(["--dataset", "cifar"], {}), /--dataset must be one of auto, mnist, fashion-mnist/);
      assert.throws(() => parseCourseArgs([], { AE_PROFILE: "fast" }), /Error: AE_PROFILE must be one of smoke, quick, full; got "fast"/);
      assert.throws(() => parseCourseArgs(["--fast"], {}), /Unknown option "--fast"/);
      assert.throws(() => parseCourseArgs(["--out"], {}), /--out needs a value/);
      assert.throws(() => parseCourseArgs(["--only", "--profile", "smoke"], {}), /--only needs a value/);
    });
  });

  describe("finding Jupyter and `npm start` flags", () => {
    it("tries AE_PYTHON first, then Debian's python3, then python3 and python on PATH", () => {
      assert.deepEqual(pythonCandidates({ AE_PYTHON: "/opt/py/bin/python" }),
        ["/opt/py/bin/python", "/usr/bin/python3", "python3", "python"]);
      assert.deepEqual(pythonCandidates({}), ["/usr/bin/python3", "python3", "python"]);
    });

    it("puts the project's kernel folder first on JUPYTER_PATH and silences the debugger warning", () => {
      const env = jupyterEnv("/k", { JUPYTER_PATH: "/other", HOME: "/h" });
      assert.equal(env.JUPYTER_PATH, `/k${path.delimiter}/other`);
      assert.equal(env.PYDEVD_DISABLE_FILE_VALIDATION, "1");
      assert.equal(env.HOME, "/h");
      assert.equal(jupyterEnv("/k", {}).JUPYTER_PATH, "/k");
    });

    it("passes --no-browser and --port on to Jupyter, bound to 127.0.0.1", () => {
      assert.deepEqual(parseStartArgs([]), { openBrowser: true });
      const options = parseStartArgs(["--no-browser", "--port=9999"]);
      assert.deepEqual(options, { openBrowser: false, port: 9999 });
      const args = jupyterCommand("/usr/bin/python3", options);
      assert.equal(args[0], "-m");
      assert.ok(["jupyterlab", "notebook"].includes(args[1]));
      assert.ok(args.includes("--ip=127.0.0.1") && args.includes("--no-browser") && args.includes("--port=9999"));
      assert.ok(!args.some((arg) => /token/i.test(arg)), "the token stays on");
      assert.throws(() => parseStartArgs(["--port", "http"]), /--port needs a number/);
      assert.throws(() => parseStartArgs(["--lab"]), /Unknown option "--lab"/);
    });
  });

  describe("notebook selection", () => {
    let dir: string;
    before(() => {
      dir = makeScratchDir("select");
      for (const name of ["02-b.ipynb", "10-c.ipynb", "01-a.ipynb", "scratch.ipynb", "03-notes.md"]) {
        writeFileSync(path.join(dir, name), "{}");
      }
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("lists NN-*.ipynb in order and filters by prefix", () => {
      assert.deepEqual(selectNotebooks(dir, []), ["01-a.ipynb", "02-b.ipynb", "10-c.ipynb"]);
      assert.deepEqual(selectNotebooks(dir, ["10", "01"]), ["01-a.ipynb", "10-c.ipynb"]);
    });

    it("names the notebooks that exist when an --only prefix matches none", () => {
      assert.throws(() => selectNotebooks(dir, ["01", "07"]), (e: Error) =>
        e instanceof UsageError && e.message.includes("--only 07 matches no notebook") && e.message.includes("02-b.ipynb"));
      assert.throws(() => selectNotebooks(path.join(dir, "missing"), []), /does not exist/);
    });
  });

  describe("reading executed notebooks", () => {
    it("takes a cell's error text from stderr streams and error outputs, without colour codes or kernel frames", () => {
      const text = cellErrorText([
        { output_type: "stream", name: "stdout", text: "progress\n" },
        { output_type: "stream", name: "stderr", text: [
          "\u001b[31mError: bad", " shape\u001b[0m\n",
          "    at fit (/work/main/lib/dist/train/fit.js:10:5)\n",
          "    at Script.runInThisContext (node:vm:135:14)\n",
          "    at Object.execute (/work/main/node_modules/tslab/dist/executor.js:160:38)\n",
        ] },
        { output_type: "error", ename: "TypeError", evalue: "x is undefined", traceback: [] },
      ]);
      assert.equal(text, "Error: bad shape\n    at fit (/work/main/lib/dist/train/fit.js:10:5)\nTypeError: x is undefined");
    });

    it("prints a table with one row per notebook", () => {
      const table = formatSummaryTable([
        { name: "01-autoencoder.ipynb", status: "ok", seconds: 12.34, figures: { final_val_loss: 0.123456, backend: "wasm" } },
        { name: "02-denoising.ipynb", status: "error", seconds: 3, figures: {}, error: "cell 2: x" },
      ]).split("\n");
      assert.equal(table.length, 4);
      assert.match(table[0], /^notebook\s+status\s+seconds\s+key figures$/);
      assert.match(table[2], /^01-autoencoder\.ipynb\s+ok\s+12\.3\s+final_val_loss=0\.1235 backend=wasm$/);
      assert.match(table[3], /^02-denoising\.ipynb\s+error\s+3\.0$/);
    });

    it("wraps many key figures onto continuation lines under their column, keeping every figure", () => {
      const figures = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`psnr_denoised_${i}`, 16.1234 + i]));
      const table = formatSummaryTable([{ name: "02-denoising.ipynb", status: "ok", seconds: 132, figures }]).split("\n");
      assert.ok(table.length > 3, "the figures take more than one line");
      assert.ok(table.every((line) => line.length <= 100), table.join("\n"));
      const column = table[0].indexOf("key figures");
      for (const line of table.slice(3)) assert.match(line.slice(0, column + 1), /^ +p$/, "continuation lines start in the figures column");
      const shown = table.slice(2).map((line) => line.slice(column)).join(" ").split(" ");
      assert.deepEqual(shown, Object.entries(figures).map(([key, value]) => `${key}=${Number(value.toPrecision(4))}`));
    });
  });

  describe("command line", () => {
    it("exits 2 with the usage text on a bad flag", async () => {
      const run = await runCourseCli(["--profile", "huge"]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--profile must be one of smoke, quick, full/);
      assert.match(run.stderr, /Usage: npm run course/);
    });

    it("exits 2 when --only matches no notebook", async () => {
      const dir = makeScratchDir("only");
      try {
        writeNotebook(dir, "01-a.ipynb", ["1"]);
        const run = await runCourseCli(["--notebooks", dir, "--only", "09", "--out", path.join(dir, "out")]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /--only 09 matches no notebook; there are: 01-a\.ipynb/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("exits 2 naming --out when the output folder cannot be made (bug: a raw ENOTDIR and exit 1)", async () => {
      const dir = makeScratchDir("out");
      try {
        writeNotebook(dir, "01-a.ipynb", ["1"]);
        writeFileSync(path.join(dir, "a-file"), "");
        const out = path.join(dir, "a-file", "executed");
        const run = await runCourseCli(["--notebooks", dir, "--out", out]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /--out .*a-file\/executed: cannot create that folder \(ENOTDIR.*\); pick a folder you can write/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("kernel start", function () {
    this.timeout(60_000);

    it("retries a kernel that never answers once, then reports it and leaves no kernel process", async () => {
      const dir = makeScratchDir("mute");
      try {
        // A "kernel" that starts but never answers, like one hit by zeromq's EBUSY bind race.
        const marker = `${Date.now() % 100000}.25`;
        mkdirSync(path.join(dir, "kernels", "mute"), { recursive: true });
        writeFileSync(path.join(dir, "kernels", "mute", "kernel.json"),
          JSON.stringify({ argv: ["sleep", marker], display_name: "mute", language: "none" }));
        const source = writeNotebook(dir, "01-a.ipynb", ["1"]);
        const result = path.join(dir, "result.json");
        const python = findJupyterPython("client");
        assert.ok(python, "a Python with nbclient");
        const run = spawnSync(python, [
          path.join(PROJECT_ROOT, "scripts", "run_notebooks.py"), source, path.join(dir, "out.ipynb"), result,
          "--kernel", "mute", "--startup-timeout", "2",
        ], { encoding: "utf8", env: jupyterEnv(dir) });
        assert.equal(run.status, 1);
        assert.equal((run.stdout.match(/kernel did not start .*; retrying/g) ?? []).length, 1);
        assert.deepEqual(JSON.parse(readFileSync(result, "utf8")),
          { status: "error", failed_cell: null, message: "the mute kernel did not start: Kernel didn't respond in 2 seconds" });
        assert.ok(existsSync(path.join(dir, "out.ipynb")), "still writes the notebook");
        const leftovers = spawnSync("pgrep", ["-f", `sleep ${marker}`], { encoding: "utf8" }).stdout.trim();
        assert.equal(leftovers, "", "both mute kernels were stopped");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("end to end through nbclient and tslab", function () {
    this.timeout(180_000);
    let dir: string;
    beforeEach(() => (dir = makeScratchDir("course")));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("executes a notebook, keeps its outputs and reports its figures and the kernel's settings", async () => {
      const notebooks = path.join(dir, "notebooks");
      const out = path.join(dir, "executed");
      mkdirSync(notebooks);
      writeNotebook(notebooks, "01-tiny.ipynb", [
        'import * as tf from "@tensorflow/tfjs";\nimport * as tslab from "tslab";\nconsole.log("sum", tf.add(1, 2).dataSync()[0]);',
        'console.log("training line 1");\nconsole.log("training line 2");',
        `tslab.display.png(Buffer.from("${TINY_PNG_BASE64}", "base64"));`,
        'import { recordFigures } from "autoencoder-course";\nrecordFigures({ profile: process.env.AE_PROFILE!, final_val_loss: 0.5 });',
        "recordFigures({ dataset: process.env.AE_DATASET!, final_val_loss: 0.25 });\nrecordFigures({ seconds_per_epoch: 1.5 });",
      ]);
      const run = await runCourseCli(["--profile", "smoke", "--dataset", "fashion-mnist", "--notebooks", notebooks, "--out", out]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /\[ 1\] console\.log\("training line 1"\);/, "prints each cell's first line");
      assert.match(run.stdout, /\| training line 2/, "streams the kernel's stdout");
      assert.match(run.stdout, /01-tiny\.ipynb\s+ok\s+[\d.]+\s+profile=smoke final_val_loss=0\.25 dataset=fashion-mnist\n +seconds_per_epoch=1\.5$/m);

      const summary = readSummary(out);
      assert.equal(summary.profile, "smoke");
      assert.equal(summary.notebooks.length, 1);
      const [entry] = summary.notebooks;
      assert.equal(entry.name, "01-tiny.ipynb");
      assert.equal(entry.status, "ok");
      assert.ok(entry.seconds > 0);
      assert.equal(entry.error, undefined);
      assert.deepEqual(entry.figures, { profile: "smoke", final_val_loss: 0.25, dataset: "fashion-mnist", seconds_per_epoch: 1.5 });

      const executed = readNotebook(path.join(out, "01-tiny.ipynb"));
      const outputs = executed.cells.flatMap((cell) => cell.outputs ?? []);
      assert.ok(outputs.some((o) => o.data?.["image/png"] === TINY_PNG_BASE64), "keeps the PNG output");
      assert.ok(outputs.some((o) => o.output_type === "stream" && String(o.text).includes("sum 3")));
    });

    it("exits non-zero on a failing cell, reports its error text and keeps the partial notebook", async () => {
      writeNotebook(dir, "01-ok.ipynb", ['console.log("fine");']);
      writeNotebook(dir, "02-fails.ipynb", [
        'console.log("before the failure");',
        'const shape: number[] = [2, 3];\nthrow new Error(`bad shape ${shape.join("x")}`);',
        'console.log("never runs");',
      ]);
      const out = path.join(dir, "executed");
      const run = await runCourseCli(["--profile", "smoke", "--notebooks", dir, "--out", out]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /02-fails\.ipynb: cell 1: const shape: number\[\] = \[2, 3\];\n[^]*bad shape 2x3/);

      const [ok, failed] = readSummary(out).notebooks;
      assert.equal(ok.status, "ok", "a failing notebook does not stop the others");
      assert.equal(failed.status, "error");
      assert.match(failed.error ?? "", /^cell 1: const shape[^]*Error: bad shape 2x3/);

      assert.ok(existsSync(path.join(out, "02-fails.ipynb")));
      const cells = readNotebook(path.join(out, "02-fails.ipynb")).cells;
      assert.match(JSON.stringify(cells[0].outputs), /before the failure/);
      assert.deepEqual(cells[2].outputs, []);
    });
  });
});
