/**
 * The quiz as a notebook uses it: `quiz.show(id)`, `quiz.check(id, answers)`, `quiz.report()`.
 * Grading and rendering live in their own modules; this is the thin layer that loads files, records attempts
 * and shows each output as Markdown with a plain-text fallback (through the kernel only when one is running).
 */
import { inspect } from "node:util";
import { displayBundle, notebookDisplay } from "../show/display";
import { renderReportMarkdown, renderReportText, type GradedReport } from "../tasks/report";
import { defaultQuizzesDir, listQuizIds, loadQuiz } from "./files";
import { gradeQuiz, type Answers, type GradeOptions } from "./grading";
import { BLANK_ATTEMPT_NOTE, progressFilePath, readProgress, recordAttempt, summarizeProgress, type ProgressEntry } from "./progress";
import { answersTemplate, renderProgressMarkdown, renderProgressText, renderQuizMarkdown, renderQuizText } from "./render";

export * from "./schema";
export * from "./matching";
export * from "./grading";
export * from "./files";
export * from "./progress";
export * from "./render";

/** One output in two forms: Markdown for Jupyter, plain text for terminals and notebooks that drop Markdown (untrusted ones). */
export interface QuizOutput {
  markdown: string;
  text: string;
}

/** Where the quiz API reads and writes, and how it shows outputs; all optional. */
export interface QuizApiOptions {
  /** Folder of quiz files; default <project root>/quizzes. */
  quizzesDir?: string;
  /** Progress file; default $AE_PROGRESS_FILE or <project root>/.course-progress.json. */
  progressFile?: string;
  /** Shows an output; default: Markdown with a text/plain fallback in a tslab kernel, the text on stdout outside one. */
  output?: (shown: QuizOutput) => void;
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
  /** Shows the best and latest score per quiz and what the latest attempt got wrong, and returns the same as data. */
  report(): ProgressEntry[];
}

/** Shows an output in a notebook as Markdown plus text/plain (kept even when Markdown is not rendered), or prints the text outside a kernel. */
function displayOutput({ markdown, text }: QuizOutput): void {
  if (notebookDisplay()) displayBundle({ "text/markdown": markdown, "text/plain": text });
  else process.stdout.write(text);
}

/** Makes tslab (which console.logs a cell's last value) print a one-line summary instead of the whole object. */
function withSummary<T extends object>(value: T, summary: string): T {
  Object.defineProperty(value, inspect.custom, { value: () => summary, enumerable: false });
  return value;
}

/** Builds the quiz API; `quiz` below is the default one notebooks use, tests pass their own folders and output. */
export function createQuizApi(options: QuizApiOptions = {}): QuizApi {
  const output = options.output ?? displayOutput;
  const quizzesDir = () => options.quizzesDir ?? defaultQuizzesDir();
  const progressFile = () => options.progressFile ?? progressFilePath();
  const warn = (warning: string | undefined) => {
    if (warning !== undefined) output({ markdown: `> **Warning:** ${warning}\n`, text: `Warning: ${warning}\n` });
  };
  const present: QuizApi["present"] = (report, presentOptions = {}) => {
    const recorded = presentOptions.record ?? true ? recordAttempt(report, progressFile()) : undefined;
    if (recorded && !recorded.attempt) report.notes.push(BLANK_ATTEMPT_NOTE);
    output({ markdown: renderReportMarkdown(report), text: renderReportText(report) });
    warn(recorded?.warning);
    const summary = `[${report.kind} ${report.id}: ${report.score} / ${report.max} points${report.allRight ? ", all right" : ""}]`;
    return withSummary(report, summary);
  };
  return {
    list: () => listQuizIds(quizzesDir()),
    show(id) {
      const shown = loadQuiz(id, quizzesDir());
      output({ markdown: renderQuizMarkdown(shown), text: renderQuizText(shown) });
    },
    template(id, variableName = "answers") {
      const cell = answersTemplate(loadQuiz(id, quizzesDir()), "ts", variableName);
      output({ markdown: "```ts\n" + cell + "```\n", text: cell });
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
      output({ markdown: renderProgressMarkdown(entries), text: renderProgressText(entries) });
      return withSummary(entries, `[progress: ${entries.filter((entry) => entry.attempts > 0).length} of ${entries.length} tried]`);
    },
  };
}

/** The quiz API for notebooks: `quiz.show("pre-lesson")`, `quiz.check("pre-lesson", answers)`, `quiz.report()`. */
export const quiz: QuizApi = createQuizApi();
