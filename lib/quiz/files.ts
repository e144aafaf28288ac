/** Where the course's files are (project root, quizzes/) and loading quiz files from there. */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../project";
import { ID_PATTERN, QuizSchemaError, validateQuiz, type Quiz } from "./schema";

/** Thrown when a quiz id names no quiz file. */
export class QuizNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuizNotFoundError";
  }
}

/** The folder holding the quiz files: <project root>/quizzes. */
export function defaultQuizzesDir(): string {
  return path.join(projectRoot(), "quizzes");
}

/** Course order: "pre-…" quizzes first, "post-…" quizzes last, the rest (01-…, 02-…) in between. */
function courseRank(id: string): number {
  if (id.startsWith("pre-")) return 0;
  if (id.startsWith("post-")) return 2;
  return 1;
}

/** The ids of all quizzes in a folder, in course order: pre-lesson, 01-… to 05-…, post-lesson. */
export function listQuizIds(dir: string = defaultQuizzesDir()): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .sort((a, b) => courseRank(a) - courseRank(b) || a.localeCompare(b));
}

/** Reads and validates one quiz; throws QuizNotFoundError for an unknown id and QuizSchemaError for a broken file. */
export function loadQuiz(id: string, dir: string = defaultQuizzesDir()): Quiz {
  const file = path.join(dir, `${id}.json`);
  if (!ID_PATTERN.test(id) || !fs.existsSync(file)) {
    throw new QuizNotFoundError(`no quiz "${id}"; the quizzes are: ${listQuizIds(dir).join(", ")}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new QuizSchemaError(file, [`not valid JSON (${(error as Error).message})`]);
  }
  return validateQuiz(data, file, id);
}

/** Reads and validates every quiz in a folder, in id order. */
export function loadAllQuizzes(dir: string = defaultQuizzesDir()): Quiz[] {
  return listQuizIds(dir).map((id) => loadQuiz(id, dir));
}
