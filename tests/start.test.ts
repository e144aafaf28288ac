import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { PROJECT_ROOT } from "../scripts/jupyter";

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Pids of running processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false; // the process ended while we looked
      }
    })
    .map(Number);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("npm start", function () {
  this.timeout(120_000);
  let start: ChildProcess | undefined;
  let kernelId: string | undefined;
  afterEach(() => {
    // After a failure, leave nothing running: not the server, not an orphaned kernel holding our pipes open.
    if (start?.pid !== undefined && start.exitCode === null) process.kill(-start.pid, "SIGKILL");
    if (kernelId !== undefined) for (const pid of processesMentioning(kernelId)) process.kill(pid, "SIGKILL");
    start?.stdout?.destroy();
    start?.stderr?.destroy();
  });

  // A Ctrl-C reaches the whole process group; Jupyter used to get it twice (from the terminal and forwarded),
  // which cut its shutdown short and could leave the notebook's kernel running.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`stops Jupyter and its kernels cleanly on ${signal} to the command's process group`, async () => {
      const port = await freePort();
      start = spawn(process.execPath, [path.join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/start.ts", "--no-browser", "--port", String(port)], {
        cwd: PROJECT_ROOT,
        detached: true, // its own process group, as a terminal gives a command
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      start.stdout!.on("data", (chunk) => (output += chunk));
      start.stderr!.on("data", (chunk) => (output += chunk));
      const exited = new Promise<void>((resolve) => start!.once("exit", () => resolve()));
      const token = await until("Jupyter's URL", () => /[?&]token=([0-9a-f]+)/.exec(output)?.[1], 60_000);
      const response = await fetch(`http://127.0.0.1:${port}/api/kernels`, {
        method: "POST",
        headers: { Authorization: `token ${token}` },
        body: JSON.stringify({ name: "tslab" }),
      });
      const { id } = (await response.json()) as { id: string };
      kernelId = id;
      await until("the kernel process", () => (processesMentioning(id).length > 0 ? true : undefined), 30_000);

      process.kill(-start.pid!, signal);
      await exited;
      assert.equal(output.match(/Stopping Jupyter/g)?.length, 1, "the signal reached Jupyter once");
      assert.match(output, /Shutting down 1 kernel/);
      assert.doesNotMatch(output, /Traceback/, output);
      await until("the kernel to exit", () => (processesMentioning(id).length === 0 ? true : undefined), 10_000);
    });
  }
});
