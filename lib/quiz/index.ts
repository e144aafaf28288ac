/**
 * The quiz as a notebook uses it: `quiz.show(id)`, `quiz.check(id, answers)`, `quiz.report()`.
 * Grading and rendering live in their own modules; this is the thin layer that loads files, records attempts
 * and hands Markdown to tslab's display (required lazily, so the CLI and tests need no kernel).
 */
import { inspect } from "node:util";
import type * as Tslab from "tslab";
import { renderReportMarkdown, type GradedReport } from "../tasks/report";
import { defaultQuizzesDir, listQuizIds, loadQuiz } from "./files";
import { gradeQuiz, type Answers, type GradeOptions } from "./grading";
import { BLANK_ATTEMPT_NOTE, progressFilePath, readProgress, recordAttempt, summarizeProgress, type ProgressEntry } from "./progress";
import { answersTemplate, renderProgressMarkdown, renderQuizMarkdown } from "./render";

export * from "./schema";
export * from "./matching";
export * from "./grading";
export * from "./files";
export * from "./progress";
export * from "./render";

/** Where the quiz API reads and writes, and how it shows Markdown; all optional. */
export interface QuizApiOptions {
  /** Folder of quiz files; default <project root>/quizzes. */
  quizzesDir?: string;
  /** Progress file; default $AE_PROGRESS_FILE or <project root>/.course-progress.json. */
  progressFile?: string;
  /** Shows Markdown; default tslab's display, or stdout outside a kernel. */
  output?: (markdown: string) => void;
}

/** Options of `quiz.check`. */
export interface CheckOptions extends GradeOptions {
  /** Append the attempt to the progress file; true by default (an attempt with nothing answered is never recorded). */
  record?: boolean;
}

/** The notebook-facing quiz functions. */
export interface QuizApi {
  /** The ids of all quizzes, in course order. */
  list(): string[];
  /** Shows a quiz's questions. */
  show(id: string): void;
  /** Shows a fresh answers cell for a quiz, to copy into a code cell. */
  template(id: string, variableName?: string): void;
  /** Grades answers, shows the graded table and score, records the attempt, and returns the result. */
  check(id: string, answers: Answers, options?: CheckOptions): GradedReport;
  /** Shows any graded report (a task grader's, say) the way check does, records it unless told not to, and returns it. */
  present(report: GradedReport, options?: { record?: boolean }): GradedReport;
  /** Shows the best score per quiz and what is still wrong, and returns the same as data. */
  report(): ProgressEntry[];
}

/** Shows Markdown through tslab's display inside a kernel, or prints it outside one (tslab says "Not ready" then). */
function displayMarkdown(markdown: string): void {
  try {
    const tslab = require("tslab") as typeof Tslab;
    tslab.display.markdown(markdown);
  } catch {
    process.stdout.write(markdown);
  }
}

/** Makes tslab (which console.logs a cell's last value) print a one-line summary instead of the whole object. */
function withSummary<T extends object>(value: T, summary: string): T {
  Object.defineProperty(value, inspect.custom, { value: () => summary, enumerable: false });
  return value;
}

/** Builds the quiz API; `quiz` below is the default one notebooks use, tests pass their own folders and output. */
export function createQuizApi(options: QuizApiOptions = {}): QuizApi {
  const output = options.output ?? displayMarkdown;
  const quizzesDir = () => options.quizzesDir ?? defaultQuizzesDir();
  const progressFile = () => options.progressFile ?? progressFilePath();
  const warn = (warning: string | undefined) => {
    if (warning !== undefined) output(`> ⚠️ ${warning}\n`);
  };
  const present: QuizApi["present"] = (report, presentOptions = {}) => {
    const recorded = presentOptions.record ?? true ? recordAttempt(report, progressFile()) : undefined;
    if (recorded && !recorded.attempt) report.notes.push(BLANK_ATTEMPT_NOTE);
    output(renderReportMarkdown(report));
    warn(recorded?.warning);
    const summary = `[${report.kind} ${report.id}: ${report.score} / ${report.max} points${report.allRight ? ", all right" : ""}]`;
    return withSummary(report, summary);
  };
  return {
    list: () => listQuizIds(quizzesDir()),
    show(id) {
      output(renderQuizMarkdown(loadQuiz(id, quizzesDir())));
    },
    template(id, variableName = "answers") {
      output("```ts\n" + answersTemplate(loadQuiz(id, quizzesDir()), "ts", variableName) + "```\n");
    },
    check(id, answers, checkOptions = {}) {
      return present(gradeQuiz(loadQuiz(id, quizzesDir()), answers, checkOptions), checkOptions);
    },
    present,
    report() {
      const quizzes = listQuizIds(quizzesDir()).map((id) => loadQuiz(id, quizzesDir()));
      const { data, warning } = readProgress(progressFile());
      warn(warning);
      const entries = summarizeProgress(data, quizzes);
      output(renderProgressMarkdown(entries));
      return withSummary(entries, `[progress: ${entries.filter((entry) => entry.attempts > 0).length} of ${entries.length} tried]`);
    },
  };
}

/** The quiz API for notebooks: `quiz.show("pre-lesson")`, `quiz.check("pre-lesson", answers)`, `quiz.report()`. */
export const quiz: QuizApi = createQuizApi();
