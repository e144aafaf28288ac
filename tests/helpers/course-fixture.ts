/** Small notebooks and a `npm run course` launcher for the runner, notebook and browser tests. */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { CourseSummary, NotebookJson } from "../../scripts/course";
import { PROJECT_ROOT } from "../../scripts/jupyter";

/** An 8×8 grey gradient PNG. */
export const TINY_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAAFElEQVR4nGNgUHBIaFhw4AEDZQwAxnUcAVpktvoAAAAASUVORK5CYII=";

/** A fresh folder under build/ (inside the project, so notebooks there resolve node_modules). */
export function makeScratchDir(label: string): string {
  const parent = path.join(PROJECT_ROOT, "build", "test-scratch");
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(path.join(parent, `${label}-`));
}

/** Writes a tslab notebook whose code cells are `sources` (one cell each) and returns its path. */
export function writeNotebook(dir: string, name: string, sources: readonly string[]): string {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: sources.map((source, index) => ({
      cell_type: "code",
      id: `cell-${index}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
  };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

/** What a finished `npm run course` process left behind. */
export interface CourseRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs scripts/course.ts as `npm run course` does, with `args`, capturing its output. */
export function runCourseCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CourseRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "course.ts"), ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Reads DIR/summary.json written by a course run. */
export function readSummary(outDir: string): CourseSummary {
  return JSON.parse(readFileSync(path.join(outDir, "summary.json"), "utf8"));
}

/** Reads an executed notebook. */
export function readNotebook(file: string): NotebookJson {
  return JSON.parse(readFileSync(file, "utf8"));
}
