/** `npm run course`: execute the course notebooks headless through nbclient and the tslab kernel, then summarise. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DatasetChoice } from "../lib/data/datasets";
import { DATASET_CHOICES, PROFILE_NAMES, type ProfileName } from "../lib/settings";
import { PROJECT_ROOT, prepareJupyter } from "./jupyter";

const RUNNER = path.join(PROJECT_ROOT, "scripts", "run_notebooks.py");
/** Seconds one cell may run: a `full` profile training cell on a 2-core CPU takes long. */
const CELL_TIMEOUT_SECONDS = 1800;

const USAGE = `Usage: npm run course -- [--profile smoke|quick|full] [--dataset auto|mnist|fashion-mnist]
                         [--only 01,02] [--out DIR] [--notebooks DIR]
  --profile    how much to train (default: AE_PROFILE or quick)
  --dataset    which images to use (default: AE_DATASET or auto)
  --only       run only notebooks whose names start with one of these comma-separated prefixes
  --out        where executed notebooks and summary.json go (default: build/executed)
  --notebooks  the folder holding NN-*.ipynb (default: notebooks)`;

/** A command-line mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** What one `npm run course` invocation runs, and where it writes. */
export interface CourseOptions {
  profile: ProfileName;
  dataset: DatasetChoice;
  /** Notebook name prefixes to run; empty runs all. */
  only: string[];
  /** Absolute folder for executed notebooks and summary.json. */
  out: string;
  /** Absolute folder holding the NN-*.ipynb notebooks. */
  notebooksDir: string;
}

/** One notebook's entry in summary.json. */
export interface NotebookSummary {
  name: string;
  status: "ok" | "error";
  seconds: number;
  /** Key figures the notebook reported through lib/figures.ts into the AE_FIGURES_FILE this runner set. */
  figures: Record<string, unknown>;
  /** Where and why it failed: cell index, first source line, error text. */
  error?: string;
}

/** The summary.json written next to the executed notebooks. */
export interface CourseSummary {
  profile: ProfileName;
  dataset: DatasetChoice;
  notebooks: NotebookSummary[];
}

/** The flag's value, else the environment variable's (blank counts as unset), else the default; checked. */
function choice<T extends string>(flag: string, variable: string, given: string | undefined, env: NodeJS.ProcessEnv, allowed: readonly T[], fallback: T): T {
  const fromEnv = env[variable]?.trim() || undefined;
  const value = given ?? fromEnv ?? fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const source = given !== undefined ? flag : variable;
  throw new UsageError(`${source} must be one of ${allowed.join(", ")}; got "${value}".`);
}

/** A path the user typed, resolved from the folder they typed it in (npm runs scripts in the project root). */
function fromUser(value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return value === undefined ? undefined : path.resolve(env.INIT_CWD ?? process.cwd(), value);
}

/** The notebook folder, which must be inside the course so that its notebooks find the course's packages. */
function insideProject(dir: string): string {
  const relative = path.relative(PROJECT_ROOT, dir);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new UsageError(
      `--notebooks ${dir} is outside the course folder ${PROJECT_ROOT}; notebooks there cannot import the course's ` +
        "packages (autoencoder-course, @tensorflow/tfjs). Copy them into a folder inside the course.",
    );
  }
  return dir;
}

/** Parses the course flags; defaults come from AE_PROFILE / AE_DATASET, then quick / auto. */
export function parseCourseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CourseOptions {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (!["--profile", "--dataset", "--only", "--out", "--notebooks"].includes(flag)) {
      throw new UsageError(`Unknown option "${argv[i]}".`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value.`);
    values.set(flag, value);
  }
  const only = (values.get("--only") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  return {
    profile: choice("--profile", "AE_PROFILE", values.get("--profile"), env, PROFILE_NAMES, "quick"),
    dataset: choice("--dataset", "AE_DATASET", values.get("--dataset"), env, DATASET_CHOICES, "auto"),
    only,
    out: fromUser(values.get("--out"), env) ?? path.join(PROJECT_ROOT, "build", "executed"),
    notebooksDir: insideProject(fromUser(values.get("--notebooks"), env) ?? path.join(PROJECT_ROOT, "notebooks")),
  };
}

/** The course notebooks (NN-name.ipynb) in `dir`, in order, keeping those matching an `only` prefix. */
export function selectNotebooks(dir: string, only: readonly string[]): string[] {
  if (!existsSync(dir)) throw new UsageError(`Notebook folder ${dir} does not exist.`);
  const all = readdirSync(dir).filter((name) => /^\d{2}-.*\.ipynb$/.test(name)).sort();
  if (all.length === 0) throw new UsageError(`No notebooks named NN-*.ipynb in ${dir}.`);
  const unmatched = only.filter((prefix) => !all.some((name) => name.startsWith(prefix)));
  if (unmatched.length > 0) {
    throw new UsageError(`--only ${unmatched.join(",")} matches no notebook; there are: ${all.join(", ")}.`);
  }
  return only.length === 0 ? all : all.filter((name) => only.some((prefix) => name.startsWith(prefix)));
}

/** The parts of the nbformat v4 JSON this runner reads. */
export interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; outputs?: NotebookOutput[] }[];
}
/** One cell output as nbformat stores it. */
export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join("") : text ?? "");
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
/** Stack frames of Node's vm and tslab itself: the same in every error, so they only hide the useful lines. */
const KERNEL_FRAME = /^\s+at .*(node:vm|[\\/]node_modules[\\/]tslab[\\/]|sigintHandlersWrap)/;

/** Figures the library wrote to the AE_FIGURES_FILE this runner gave the kernel ({} when it wrote none). */
export function readFiguresFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${file} should hold a JSON object of figures, not ${JSON.stringify(parsed)}.`);
  }
  return parsed as Record<string, unknown>;
}

/** The error text of one cell: its error outputs and stderr streams (where tslab writes the real message). */
export function cellErrorText(outputs: readonly NotebookOutput[]): string {
  const parts = outputs.flatMap((output): string[] => {
    if (output.output_type === "error") {
      const traceback = (output.traceback ?? []).join("\n");
      return [traceback || `${output.ename ?? "Error"}: ${output.evalue ?? ""}`];
    }
    if (output.output_type === "stream" && output.name === "stderr") return [joined(output.text)];
    return [];
  });
  // Stream chunks continue each other; only separate those that do not end a line.
  const text = parts.map((part) => (part.endsWith("\n") ? part : `${part}\n`)).join("");
  const lines = stripAnsi(text).split("\n");
  return lines.filter((line) => !KERNEL_FRAME.test(line)).join("\n").trim();
}

/** Describes a failed cell as "cell N: <first line>" followed by its error text. */
export function describeFailure(notebook: NotebookJson, cellIndex: number): string {
  const cell = notebook.cells[cellIndex];
  const firstLine = joined(cell?.source).split("\n").find((line) => line.trim()) ?? "";
  const text = cell ? cellErrorText(cell.outputs ?? []) : "";
  return `cell ${cellIndex}: ${firstLine.trim()}\n${text || "(the cell wrote no error text)"}`;
}

function formatFigure(value: unknown): string {
  if (typeof value === "number" && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Widest summary line: the key figures wrap onto continuation lines so the table reads in an 100-column terminal. */
const SUMMARY_WIDTH = 100;

/** Words joined by spaces into lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.length > 0 ? lines : [""];
}

/** A plain-text table of the run: notebook, status, seconds, key figures (wrapped under their column). */
export function formatSummaryTable(rows: readonly NotebookSummary[]): string {
  const header = ["notebook", "status", "seconds", "key figures"];
  const cells = rows.map((row) => [row.name, row.status, row.seconds.toFixed(1)]);
  const widths = header.slice(0, 3).map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const figuresColumn = widths.reduce((sum, width) => sum + width + 2, 0);
  const figuresWidth = Math.max(30, SUMMARY_WIDTH - figuresColumn);
  const format = (line: string[]) => line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  const body = rows.flatMap((row, index) => {
    const figures = Object.entries(row.figures).map(([key, value]) => `${key}=${formatFigure(value)}`);
    const [first, ...rest] = wrapWords(figures, figuresWidth);
    return [format([...cells[index], first]), ...rest.map((line) => " ".repeat(figuresColumn) + line)];
  });
  return [format(header), format([...widths, header[3].length].map((width) => "-".repeat(width))), ...body].join("\n");
}

interface RunnerResult {
  status: "ok" | "error";
  failed_cell: number | null;
  message: string;
}

interface ProcessEnd {
  code: number | null;
  /** True if Ctrl-C or TERM arrived while it ran: the course stops after this notebook. */
  interrupted: boolean;
}

function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { env, stdio: ["ignore", "inherit", "inherit"] });
    let interrupted = false;
    // Ctrl-C reaches the runner through the terminal's process group: wait for it to save the notebook and stop
    // its kernel. A TERM sent to us alone is passed on.
    const onInt = () => (interrupted = true);
    const onTerm = () => {
      interrupted = true;
      child.kill("SIGTERM");
    };
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    child.on("error", reject);
    child.on("exit", (code) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve({ code, interrupted });
    });
  });
}

/** Executes one notebook into `options.out`; returns its summary entry and whether the user interrupted it. */
export async function runNotebook(
  name: string,
  options: CourseOptions,
  python: string,
  env: NodeJS.ProcessEnv,
): Promise<{ summary: NotebookSummary; interrupted: boolean }> {
  const output = path.join(options.out, name);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "course-"));
  const resultFile = path.join(scratch, "result.json");
  const figuresFile = path.join(scratch, "figures.json");
  const started = performance.now();
  try {
    const source = path.join(options.notebooksDir, name);
    const args = [RUNNER, source, output, resultFile, "--kernel", "tslab", "--timeout", String(CELL_TIMEOUT_SECONDS)];
    // A headless run grades the shipped cells (the task's starter code): it must not add attempts to the learner's progress.
    const progressFile = path.join(scratch, "progress.json");
    const end = await runPython(python, args, { ...env, AE_FIGURES_FILE: figuresFile, AE_PROGRESS_FILE: progressFile });
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const result: RunnerResult = existsSync(resultFile)
      ? JSON.parse(readFileSync(resultFile, "utf8"))
      : { status: "error", failed_cell: null, message: `the notebook runner stopped (exit code ${end.code})` };
    const notebook: NotebookJson | undefined = existsSync(output) ? JSON.parse(readFileSync(output, "utf8")) : undefined;
    const summary: NotebookSummary = {
      name,
      status: result.status,
      seconds,
      figures: readFiguresFile(figuresFile),
    };
    if (result.status === "error") {
      summary.error = notebook && result.failed_cell !== null ? describeFailure(notebook, result.failed_cell) : result.message;
    }
    return { summary, interrupted: end.interrupted };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs the selected notebooks in order, writes summary.json, prints the table; returns the exit code. */
export async function runCourse(options: CourseOptions): Promise<number> {
  const names = selectNotebooks(options.notebooksDir, options.only);
  const { python, env } = prepareJupyter("client");
  const kernelEnv = { ...env, AE_PROFILE: options.profile, AE_DATASET: options.dataset };
  try {
    mkdirSync(options.out, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out ${options.out}: cannot create that folder (${(error as Error).message}); pick a folder you can write.`);
  }
  console.log(`Course run: profile ${options.profile}, dataset ${options.dataset}, ${names.length} notebook(s), python ${python}`);
  const rows: NotebookSummary[] = [];
  let interrupted = false;
  for (const name of names) {
    console.log(`\n▶ ${name}`);
    const run = await runNotebook(name, options, python, kernelEnv);
    const row = run.summary;
    rows.push(row);
    if (row.error) console.error(`\n✗ ${name}: ${row.error}\n`);
    console.log(`${row.status === "ok" ? "✓" : "✗"} ${name} ${row.status} in ${row.seconds.toFixed(1)} s → ${path.join(options.out, name)}`);
    interrupted = run.interrupted;
    if (interrupted) break;
  }
  const summary: CourseSummary = { profile: options.profile, dataset: options.dataset, notebooks: rows };
  const summaryFile = path.join(options.out, "summary.json");
  writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\n${formatSummaryTable(rows)}\n\nSummary: ${summaryFile}`);
  if (interrupted) return 130;
  return rows.every((row) => row.status === "ok") ? 0 : 1;
}

async function main(): Promise<void> {
  try {
    process.exitCode = await runCourse(parseCourseArgs(process.argv.slice(2)));
  } catch (error) {
    const usage = error instanceof UsageError;
    console.error(usage ? `${error.message}\n\n${USAGE}` : (error as Error).message);
    process.exitCode = usage ? 2 : 1;
  }
}

if (require.main === module) void main();
