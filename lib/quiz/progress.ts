/**
 * The learner's record of attempts: a JSON file at the project root (.course-progress.json, ignored by git), or
 * wherever AE_PROGRESS_FILE points. Written atomically; a file that cannot be read is moved aside, never overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { GradedReport, ItemStatus, ReportKind } from "../tasks/report";
import { projectRoot } from "../project";

/** One graded item as kept in the progress file. */
export interface AttemptItem {
  id: string;
  label: string;
  status: ItemStatus;
  points: number;
  maxPoints: number;
}

/** One check of a quiz or task. */
export interface Attempt {
  kind: ReportKind;
  id: string;
  title: string;
  /** ISO time of the check. */
  at: string;
  score: number;
  max: number;
  items: AttemptItem[];
}

/** The whole progress file. */
export interface ProgressData {
  version: 1;
  attempts: Attempt[];
}

/** Progress read from disk, with a warning when a broken file had to be moved aside. */
export interface ProgressRead {
  data: ProgressData;
  warning?: string;
}

/** The progress file: $AE_PROGRESS_FILE if set, else <project root>/.course-progress.json. */
export function progressFilePath(): string {
  const fromEnv = process.env.AE_PROGRESS_FILE;
  return fromEnv && fromEnv.trim() !== "" ? path.resolve(fromEnv) : path.join(projectRoot(), ".course-progress.json");
}

function emptyProgress(): ProgressData {
  return { version: 1, attempts: [] };
}

function isAttempt(value: unknown): value is Attempt {
  if (typeof value !== "object" || value === null) return false;
  const attempt = value as Partial<Attempt>;
  return (
    (attempt.kind === "quiz" || attempt.kind === "task") &&
    typeof attempt.id === "string" &&
    typeof attempt.score === "number" &&
    typeof attempt.max === "number" &&
    Array.isArray(attempt.items)
  );
}

/** Parses the file's text, or says what is wrong with it. */
function parseProgress(text: string): ProgressData | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `it is not valid JSON (${(error as Error).message})`;
  }
  const candidate = data as Partial<ProgressData> | null;
  if (candidate?.version !== 1 || !Array.isArray(candidate.attempts)) return "it is not a version 1 progress file";
  if (!candidate.attempts.every(isAttempt)) return "some attempts in it are malformed";
  return candidate as ProgressData;
}

/** A backup name that does not exist yet: FILE.bak, else FILE.<time>.bak. */
function backupPath(file: string): string {
  const plain = `${file}.bak`;
  return fs.existsSync(plain) ? `${file}.${new Date().toISOString().replace(/[:.]/g, "-")}.bak` : plain;
}

/** Why a progress file cannot be read or written (a folder, no permission…), and what to do about it. */
function unusableFileReason(file: string, error: unknown): string {
  return `the progress file ${file} cannot be used (${(error as Error).message}); set AE_PROGRESS_FILE to a file you can write`;
}

/** Reads the progress file; a missing file is empty progress, a broken one is moved aside with a warning. */
export function readProgress(file: string = progressFilePath()): ProgressRead {
  if (!fs.existsSync(file)) return { data: emptyProgress() };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return { data: emptyProgress(), warning: unusableFileReason(file, error) };
  }
  const parsed = parseProgress(text);
  if (typeof parsed !== "string") return { data: parsed };
  const backup = backupPath(file);
  fs.renameSync(file, backup);
  return {
    data: emptyProgress(),
    warning: `progress file ${file} could not be used because ${parsed}; it was moved to ${backup} and a new one is started`,
  };
}

/** Writes the progress file via a temporary file and a rename, so a crash never leaves half a file. */
export function writeProgress(data: ProgressData, file: string = progressFilePath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, JSON.stringify(data, null, 2) + "\n");
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** What recording an attempt did: the attempt appended (none for a blank one) and any warning from reading the file. */
export interface RecordOutcome {
  attempt?: Attempt;
  /** Why the attempt was not recorded, as a note to show under the report. */
  notRecorded?: string;
  warning?: string;
}

/** Why an attempt is left out of the progress file. */
export const BLANK_ATTEMPT_NOTE = "nothing was answered, so this attempt is not recorded in your progress file";
export const REVEALED_ATTEMPT_NOTE = "the answers were revealed, so this attempt is not recorded in your progress file";

/** Appends a graded attempt to the progress file, unless nothing in it was answered or its answers were revealed. */
export function recordAttempt(report: GradedReport, file: string = progressFilePath(), now: Date = new Date()): RecordOutcome {
  if (report.items.every((item) => item.status === "unanswered")) return { notRecorded: BLANK_ATTEMPT_NOTE };
  if (report.items.some((item) => item.solution !== undefined)) return { notRecorded: REVEALED_ATTEMPT_NOTE };
  const { data, warning } = readProgress(file);
  const attempt: Attempt = {
    kind: report.kind,
    id: report.id,
    title: report.title,
    at: now.toISOString(),
    score: report.score,
    max: report.max,
    items: report.items.map(({ id, label, status, points, maxPoints }) => ({ id, label, status, points, maxPoints })),
  };
  data.attempts.push(attempt);
  try {
    writeProgress(data, file);
  } catch (error) {
    // The grade still reaches the learner; only the record of it is missing.
    return { notRecorded: `this attempt is not recorded: ${unusableFileReason(file, error)}` };
  }
  return warning === undefined ? { attempt } : { attempt, warning };
}

/** The score of one attempt and where it falls in the sequence of attempts (1 = the first). */
export interface AttemptScore {
  score: number;
  max: number;
  at: string;
  /** 1-based number of the attempt among all attempts at this quiz or task. */
  attempt: number;
}

/** Where a learner stands on one quiz or task. */
export interface ProgressEntry {
  kind: ReportKind;
  id: string;
  title: string;
  attempts: number;
  /** The best attempt (the latest of equally good ones); undefined when not tried yet. */
  best?: AttemptScore;
  /** The latest attempt; undefined when not tried yet. */
  latest?: AttemptScore;
  /** Items not fully right in the latest attempt. */
  stillWrong: AttemptItem[];
}

function ratio(score: number, max: number): number {
  return max === 0 ? 0 : score / max;
}

/**
 * Summarises attempts per quiz or task: the best and the latest score, and what the latest attempt still got
 * wrong. Every quiz in `catalogue` gets an entry, tried or not, in catalogue order; anything else tried follows.
 */
export function summarizeProgress(data: ProgressData, catalogue: ReadonlyArray<{ id: string; title: string }> = []): ProgressEntry[] {
  const entries = new Map<string, ProgressEntry>();
  const keyOf = (kind: ReportKind, id: string) => `${kind}:${id}`;
  for (const { id, title } of catalogue) {
    entries.set(keyOf("quiz", id), { kind: "quiz", id, title, attempts: 0, stillWrong: [] });
  }
  // Attempts are appended in time order, so each one seen is the latest so far.
  for (const attempt of data.attempts) {
    const key = keyOf(attempt.kind, attempt.id);
    const entry = entries.get(key) ?? { kind: attempt.kind, id: attempt.id, title: attempt.title, attempts: 0, stillWrong: [] };
    entry.attempts += 1;
    const latest: AttemptScore = { score: attempt.score, max: attempt.max, at: attempt.at, attempt: entry.attempts };
    if (!entry.best || ratio(latest.score, latest.max) >= ratio(entry.best.score, entry.best.max)) entry.best = latest;
    entry.latest = latest;
    entry.stillWrong = attempt.items.filter((item) => item.status !== "right");
    entries.set(key, entry);
  }
  return [...entries.values()];
}
