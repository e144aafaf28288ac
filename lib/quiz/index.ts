/**
 * The quiz as a notebook uses it: `quiz.show(id)`, `quiz.check(id, answers)`, `quiz.report()`.
 * Grading and rendering live in their own modules; this is the thin layer that loads files, records attempts
 * and shows each output as Markdown with a plain-text fallback (through the kernel only when one is running).
 */
import { recordFigures } from "../figures";
import { displayBundle, notebookDisplay } from "../show/display";
import { renderReportMarkdown, renderReportText, type GradedReport } from "../tasks/report";
import { defaultQuizzesDir, listQuizIds, loadQuiz } from "./files";
import { gradeQuiz, type Answers, type GradeOptions } from "./grading";
import { progressFilePath, readProgress, recordAttempt, summarizeProgress } from "./progress";
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
  /** Grades answers, shows the graded table and score, and records the attempt (gradeQuiz grades without showing). */
  check(id: string, answers: Answers, options?: CheckOptions): void;
  /** Shows any graded report (a task grader's, say) the way check does, and records it unless told not to. */
  present(report: GradedReport, options?: { record?: boolean }): void;
  /** Shows the best and latest score per quiz and what the latest attempt got wrong (summarizeProgress has the data). */
  report(): void;
}

/** Shows an output in a notebook as Markdown plus text/plain (kept even when Markdown is not rendered), or prints the text outside a kernel. */
function displayOutput({ markdown, text }: QuizOutput): void {
  if (notebookDisplay()) displayBundle({ "text/markdown": markdown, "text/plain": text });
  else process.stdout.write(text);
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
    if (recorded?.notRecorded) report.notes.push(recorded.notRecorded);
    output({ markdown: renderReportMarkdown(report), text: renderReportText(report) });
    warn(recorded?.warning);
    // A task's grade is one of the key figures `npm run course` reports.
    if (report.kind === "task") recordFigures({ task_score: report.score, task_max: report.max });
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
      present(gradeQuiz(loadQuiz(id, quizzesDir()), answers, checkOptions), checkOptions);
    },
    present,
    report() {
      const quizzes = listQuizIds(quizzesDir()).map((id) => loadQuiz(id, quizzesDir()));
      const { data, warning } = readProgress(progressFile());
      warn(warning);
      const entries = summarizeProgress(data, quizzes);
      output({ markdown: renderProgressMarkdown(entries), text: renderProgressText(entries) });
    },
  };
}

/** The quiz API for notebooks: `quiz.show("pre-lesson")`, `quiz.check("pre-lesson", answers)`, `quiz.report()`. */
export const quiz: QuizApi = createQuizApi();
