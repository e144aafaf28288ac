import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { PROJECT_ROOT, jupyterEnv, pythonCandidates, registerKernel } from "../scripts/jupyter";
import { TINY_PNG_BASE64, makeScratchDir, runCourseCli, writeNotebook } from "./helpers/course-fixture";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--disable-quic", "--no-first-run",
];
const SCREENSHOTS = path.join(PROJECT_ROOT, "build", "screenshots");
const NOTEBOOK_01 = path.join(PROJECT_ROOT, "notebooks", "01-autoencoder.ipynb");

/** A Python whose Jupyter has the classic Notebook UI (notebook < 7), which this test drives. */
function classicNotebookPython(): string | undefined {
  return pythonCandidates().find((python) =>
    spawnSync(python, ["-c", "import notebook.notebookapp"], { stdio: "ignore" }).status === 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Starts `jupyter notebook` on `dir` without a token; resolves once it answers on /api. */
async function startNotebookServer(python: string, dir: string): Promise<{ server: ChildProcess; url: string }> {
  const port = await freePort();
  const args = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--NotebookApp.token=", "--allow-root"];
  const server = spawn(python, args, { cwd: dir, env: jupyterEnv(registerKernel(python)), stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter notebook exited (${server.exitCode}):\n${log}`);
    const ready = await fetch(`${url}/api`).then((response) => response.ok, () => false);
    if (ready) return { server, url };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  server.kill("SIGKILL");
  throw new Error(`jupyter notebook did not answer on ${url} within 60 s:\n${log}`);
}

/** Stops the server (it shuts its kernels down on TERM); kills it if it lingers. */
async function stopNotebookServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

interface RenderedNotebook {
  trust: string;
  kernelIdle: boolean;
  pngImages: number;
  svgRendered: number;
  svgAsText: number;
}

/** Opens a notebook in the classic UI, waits for it and its kernel, screenshots it and reports what rendered. */
async function openNotebook(context: BrowserContext, url: string, name: string): Promise<RenderedNotebook> {
  const page = await context.newPage();
  try {
    await page.goto(`${url}/notebooks/${name}`);
    await page.waitForSelector("#notebook-container .cell", { timeout: 60_000 });
    // The trust indicator reads "Trusted" or "Not Trusted" once the notebook has loaded its outputs.
    await page.locator("#notification_trusted", { hasText: "Trusted" }).waitFor({ timeout: 60_000 });
    const kernelIdle = await page
      .waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 60_000 })
      .then(() => true, () => false);
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The classic UI scrolls inside #site; let the page grow so a full-page screenshot shows every cell.
    await page.addStyleTag({ content: "#site { height: auto !important; overflow: visible !important; }" });
    await page.screenshot({ path: path.join(SCREENSHOTS, name.replace(/\.ipynb$/, ".png")), fullPage: true });
    return {
      trust: ((await page.locator("#notification_trusted").textContent()) ?? "").trim(),
      kernelIdle,
      pngImages: await page.locator('.output_area img[src^="data:image/png"]').count(),
      svgRendered: await page.locator(".output_svg svg").count(),
      svgAsText: await page.locator(".output_area pre", { hasText: "<svg" }).count(),
    };
  } finally {
    await page.close();
  }
}

describe("executed notebooks in the classic Jupyter UI (headless Chromium)", function () {
  this.timeout(300_000);
  let scratch: string;
  let served: string;
  let server: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let url: string;

  before(async function () {
    const python = classicNotebookPython();
    const reason = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)`
      : !python ? "no Python with the classic Jupyter Notebook (apt-get install jupyter-notebook)" : undefined;
    if (reason || !python) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    scratch = makeScratchDir("browser");
    const source = path.join(scratch, "notebooks");
    served = path.join(scratch, "served");
    mkdirSync(source);
    writeNotebook(source, "01-pictures.ipynb", [
      'import * as tslab from "tslab";',
      `tslab.display.png(Buffer.from("${TINY_PNG_BASE64}", "base64"));`,
      'tslab.display.svg(\'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="teal"/></svg>\');',
    ]);
    copyFileSync(NOTEBOOK_01, path.join(source, "01-autoencoder.ipynb"));
    const run = await runCourseCli(["--profile", "smoke", "--dataset", "fashion-mnist", "--notebooks", source, "--out", served]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // An edited copy no longer matches its signature: the control that shows the trust check can fail.
    const notebook = JSON.parse(readFileSync(path.join(served, "01-pictures.ipynb"), "utf8"));
    notebook.cells.push({ cell_type: "markdown", id: "edited", metadata: {}, source: "edited after signing" });
    writeFileSync(path.join(served, "02-edited.ipynb"), JSON.stringify(notebook));

    ({ server, url } = await startNotebookServer(python, served));
    context = await chromium.launchPersistentContext(path.join(scratch, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
  });

  after(async () => {
    await context?.close();
    if (server) await stopNotebookServer(server);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("shows a notebook executed by the course runner as trusted, with PNG and SVG outputs rendered", async () => {
    const rendered = await openNotebook(context!, url, "01-pictures.ipynb");
    assert.equal(rendered.trust, "Trusted");
    assert.ok(rendered.kernelIdle, "the registered tslab kernel starts and goes idle");
    assert.equal(rendered.pngImages, 1);
    assert.equal(rendered.svgRendered, 1);
    assert.equal(rendered.svgAsText, 0);
  });

  it("shows an edited copy as Not Trusted and withholds its SVG (the check above can fail)", async () => {
    const rendered = await openNotebook(context!, url, "02-edited.ipynb");
    assert.equal(rendered.trust, "Not Trusted");
    assert.equal(rendered.pngImages, 1);
    assert.equal(rendered.svgRendered, 0);
  });

  it("renders the executed notebook 01 trusted, with its pictures and the loss chart", async () => {
    const rendered = await openNotebook(context!, url, "01-autoencoder.ipynb");
    assert.equal(rendered.trust, "Trusted");
    assert.ok(rendered.pngImages >= 4, `samples, reconstructions, codes and decoded codes; saw ${rendered.pngImages}`);
    assert.ok(rendered.svgRendered >= 1, "the loss chart");
    assert.equal(rendered.svgAsText, 0);
  });
});
