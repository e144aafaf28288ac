/** `npm start`: register the tslab kernel and open JupyterLab (or Jupyter Notebook) on notebooks/, on localhost. */
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT, prepareJupyter } from "./jupyter";

/** Options `npm start -- ...` passes on to Jupyter. */
export interface StartOptions {
  openBrowser: boolean;
  port?: number;
}

const USAGE = "Usage: npm start -- [--no-browser] [--port N]";
/** Signals closer together than this count as one. */
const REPEAT_WINDOW_MS = 2000;

/** Parses `npm start` flags; throws with the usage line on anything else. */
export function parseStartArgs(argv: readonly string[]): StartOptions {
  const options: StartOptions = { openBrowser: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === "--no-browser") {
      options.openBrowser = false;
    } else if (flag === "--port") {
      const value = inline ?? argv[++i];
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port needs a number 1-65535, got "${value}".\n${USAGE}`);
      options.port = port;
    } else {
      throw new Error(`Unknown option "${argv[i]}".\n${USAGE}`);
    }
  }
  return options;
}

/** The Python arguments that open JupyterLab if `python` has it, else the classic Notebook. */
export function jupyterCommand(python: string, options: StartOptions): string[] {
  const hasLab = spawnSync(python, ["-c", "import jupyterlab"], { stdio: "ignore" }).status === 0;
  const args = [hasLab ? "jupyterlab" : "notebook", "--ip=127.0.0.1"];
  if (!options.openBrowser) args.push("--no-browser");
  if (options.port !== undefined) args.push(`--port=${options.port}`);
  // Jupyter refuses to run as root (as in containers) unless told to.
  if (process.getuid?.() === 0) args.push("--allow-root");
  return ["-m", ...args];
}

function main(): void {
  let options: StartOptions;
  try {
    options = parseStartArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const { python, env } = prepareJupyter("server");
  const args = jupyterCommand(python, options);
  const notebooks = path.join(PROJECT_ROOT, "notebooks");
  console.log(`Starting: ${python} ${args.join(" ")}  (in ${notebooks}; Ctrl-C stops it)`);
  // Jupyter keeps its token on by default: the URL it prints includes it. It runs in its own process group, so a
  // Ctrl-C (or a signal to this command's group) reaches it once, through us: a second signal would cut its
  // shutdown short and can leave kernels running. Without a terminal on stdin it stops at once, without asking.
  const child = spawn(python, args, { cwd: notebooks, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  // One Ctrl-C can arrive here twice (the terminal signals the whole group, and tsx relays it to this process
  // too), so repeats within a moment are dropped; a deliberate second Ctrl-C later still goes through.
  let lastForwarded = -Infinity;
  const forward = (signal: NodeJS.Signals) => () => {
    if (Date.now() - lastForwarded < REPEAT_WINDOW_MS) return;
    lastForwarded = Date.now();
    console.log(`Stopping Jupyter (${signal}); it shuts its kernels down first…`);
    child.kill(signal);
  };
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGHUP", forward("SIGTERM"));
  child.on("error", (error) => {
    console.error(`Could not start Jupyter: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) main();
