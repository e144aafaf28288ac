/** Shared by `npm start` and `npm run course`: find a Python that has Jupyter and register the tslab kernel. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** The project's root folder (this file lives in scripts/). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Where the tslab kernel spec is registered, so no global or per-user install is touched. */
export const KERNEL_PREFIX = path.join(PROJECT_ROOT, "build", "jupyter");
/** The project's own tslab binary, which the registered kernel starts. */
export const TSLAB_BINARY = path.join(PROJECT_ROOT, "node_modules", ".bin", "tslab");

/** What a command needs from Python: `client` to execute notebooks headless, `server` to open the Jupyter UI. */
export type JupyterNeed = "client" | "server";

const IMPORT_CHECKS: Record<JupyterNeed, string> = {
  client: "import jupyter_client, nbclient, nbformat",
  server: "import importlib.util as u, sys; sys.exit(0 if u.find_spec('jupyterlab') or u.find_spec('notebook') else 1)",
};

/** Interpreters to try, in order: AE_PYTHON, Debian's /usr/bin/python3, then `python3` and `python` on PATH. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [env.AE_PYTHON?.trim(), "/usr/bin/python3", "python3", "python"];
  return [...new Set(candidates.filter((c): c is string => Boolean(c)))];
}

/** The first candidate Python that can import what `need` requires, or undefined if none can. */
export function findJupyterPython(need: JupyterNeed, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return pythonCandidates(env).find((python) => {
    const check = spawnSync(python, ["-c", IMPORT_CHECKS[need]], { stdio: "ignore", env, timeout: 30_000 });
    return check.status === 0;
  });
}

/** A message that says what is missing and how to install it. */
export function jupyterMissingMessage(need: JupyterNeed, env: NodeJS.ProcessEnv = process.env): string {
  const what = need === "client" ? "Jupyter's notebook client (nbclient)" : "JupyterLab or Jupyter Notebook";
  return [
    `Could not find a Python with ${what}; tried: ${pythonCandidates(env).join(", ")}.`,
    "Install Jupyter in one of these ways, then run the command again:",
    "  pip install jupyterlab            (JupyterLab; includes nbclient)",
    "  sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-nbformat   (Debian/Ubuntu)",
    "If Jupyter lives in another interpreter, point at it: AE_PYTHON=/path/to/python npm ...",
  ].join("\n");
}

/**
 * Registers the project's tslab kernel (and tslab's jslab) under KERNEL_PREFIX with `python`, unless a spec starting
 * this project's tslab is already there; returns the folder to put on JUPYTER_PATH.
 */
export function registerKernel(python: string): string {
  if (!existsSync(TSLAB_BINARY)) {
    throw new Error(`tslab is not installed at ${TSLAB_BINARY}. Run \`npm install\` in ${PROJECT_ROOT} first.`);
  }
  const kernelPath = path.join(KERNEL_PREFIX, "share", "jupyter");
  if (registeredBinary(kernelPath) === TSLAB_BINARY) return kernelPath;
  mkdirSync(KERNEL_PREFIX, { recursive: true });
  const install = spawnSync(
    TSLAB_BINARY,
    ["install", `--python=${python}`, `--prefix=${KERNEL_PREFIX}`, `--binary=${TSLAB_BINARY}`],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (install.status !== 0) {
    const output = `${install.stdout ?? ""}${install.stderr ?? ""}${install.error?.message ?? ""}`.trim();
    throw new Error(`Registering the tslab kernel with ${python} failed:\n${output}`);
  }
  return kernelPath;
}

/** The binary the tslab kernel spec under `kernelPath` starts, if one is registered there. */
function registeredBinary(kernelPath: string): string | undefined {
  try {
    const spec = JSON.parse(readFileSync(path.join(kernelPath, "kernels", "tslab", "kernel.json"), "utf8"));
    return Array.isArray(spec.argv) ? spec.argv[0] : undefined;
  } catch {
    return undefined; // not registered yet
  }
}

/** The environment for a Jupyter child process: the kernel folder first on JUPYTER_PATH, debugger warning off. */
export function jupyterEnv(kernelPath: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const jupyterPath = [kernelPath, base.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  return { ...base, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: "1" };
}

/** Finds Python for `need`, registers the kernel and returns both; prints how to install Jupyter and exits 1 if absent. */
export function prepareJupyter(need: JupyterNeed): { python: string; env: NodeJS.ProcessEnv } {
  const python = findJupyterPython(need);
  if (!python) {
    console.error(jupyterMissingMessage(need));
    process.exit(1);
  }
  return { python, env: jupyterEnv(registerKernel(python)) };
}
