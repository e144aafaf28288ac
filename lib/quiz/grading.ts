/** Grades a whole set of answers against a quiz, producing the shared report format. */
import { makeReport, roundPoints, type GradedReport, type ReportItem } from "../tasks/report";
import { formatSolution, matchAnswer } from "./matching";
import type { Question, Quiz } from "./schema";

/** Answers as a notebook or an answer file gives them: question id → answer. */
export type Answers = Readonly<Record<string, unknown>>;

/** Options for grading. */
export interface GradeOptions {
  /** Put the right answer next to every question; off by default so checking does not give answers away. */
  reveal?: boolean;
}

/** Thrown when the answers are not an object of question id → answer at all. */
export class AnswersFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnswersFormatError";
  }
}

/** Points a fully right answer earns. */
export function questionPoints(question: Question): number {
  return question.points ?? 1;
}

/** A question's prompt shortened to fit a table row. */
export function questionLabel(question: Question, maxLength = 200): string {
  const flat = question.prompt.replace(/\s+/g, " ").trim();
  if (flat.length <= maxLength) return flat;
  const cut = flat.slice(0, maxLength - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), maxLength / 2))}…`;
}

/** Checks that answers are an object mapping question ids to answers, or throws an AnswersFormatError saying how. */
export function assertAnswersObject(value: unknown): asserts value is Answers {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`;
    throw new AnswersFormatError(`answers must be an object mapping question ids to answers, e.g. { "p1": "b" }; got ${got}`);
  }
}

function gradeQuestion(question: Question, value: unknown, options: GradeOptions): ReportItem {
  const outcome = matchAnswer(question, value);
  const maxPoints = questionPoints(question);
  const feedback = outcome.status === "right" ? question.explanation : question.hint;
  return {
    id: question.id,
    label: questionLabel(question),
    status: outcome.status,
    points: roundPoints(outcome.credit * maxPoints),
    maxPoints,
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
    ...(feedback === undefined ? {} : { feedback }),
    ...(options.reveal ? { solution: formatSolution(question) } : {}),
  };
}

/** A stray answer id in quotes, with the question id it probably meant when they differ only in case or spaces. */
function strayWithSuggestion(id: string, known: ReadonlySet<string>): string {
  const normalized = id.trim().toLowerCase();
  const meant = [...known].find((candidate) => candidate.toLowerCase() === normalized);
  return meant === undefined ? `"${id}"` : `"${id}" (did you mean "${meant}"?)`;
}

/** Grades answers (question id → answer) against a quiz; unanswered questions earn nothing. Never throws on odd answers. */
export function gradeQuiz(quiz: Quiz, answers: Answers, options: GradeOptions = {}): GradedReport {
  assertAnswersObject(answers);
  const items = quiz.questions.map((question) => gradeQuestion(question, Object.hasOwn(answers, question.id) ? answers[question.id] : undefined, options));
  const known = new Set(quiz.questions.map((question) => question.id));
  const strays = Object.keys(answers).filter((id) => !known.has(id));
  const notes =
    strays.length === 0
      ? []
      : [`answers for ${strays.map((id) => strayWithSuggestion(id, known)).join(", ")} were ignored: this quiz has no question with that id`];
  return makeReport("quiz", quiz.id, quiz.title, items, notes);
}
