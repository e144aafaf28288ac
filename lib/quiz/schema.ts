/**
 * The quiz file format (quizzes/<id>.json) and its validator. Teachers edit these files by hand, so the validator
 * lists every problem with its place in the file instead of stopping at the first.
 */

/** A choice offered by a single- or multiple-choice question. */
export interface QuizOption {
  /** What the learner types to pick this option, e.g. "a". */
  id: string;
  text: string;
}

/** What every question has. */
interface QuestionBase {
  /** The key of this question in an answers object, e.g. "p1". */
  id: string;
  prompt: string;
  /** Points for a fully right answer; 1 when left out. */
  points?: number;
  /** Shown after a wrong or partly right answer. */
  hint?: string;
  /** Shown after a right answer. */
  explanation?: string;
}

/** Pick exactly one option. */
export interface SingleChoiceQuestion extends QuestionBase {
  type: "single";
  options: QuizOption[];
  answer: string;
}

/** Pick all options that apply; graded with partial credit (see matching.ts). */
export interface MultipleChoiceQuestion extends QuestionBase {
  type: "multiple";
  options: QuizOption[];
  answer: string[];
}

/** True or false. */
export interface TrueFalseQuestion extends QuestionBase {
  type: "truefalse";
  answer: boolean;
}

/** Tolerance of a numeric answer: right when |given − answer| ≤ max(abs, rel·|answer|). */
export interface NumericTolerance {
  abs?: number;
  rel?: number;
}

/** A number, within a tolerance. */
export interface NumericQuestion extends QuestionBase {
  type: "numeric";
  answer: number;
  tolerance?: NumericTolerance;
}

/** A short text; any of the accepted answers is right (case, spacing, hyphens and a plural "s" are ignored; see textMatches). */
export interface TextQuestion extends QuestionBase {
  type: "text";
  accepted: string[];
}

/** A tensor shape; null stands for a dimension left open, such as the batch size tfjs reports as null. */
export interface ShapeQuestion extends QuestionBase {
  type: "shape";
  answer: Array<number | null>;
}

/** Any quiz question. */
export type Question =
  | SingleChoiceQuestion
  | MultipleChoiceQuestion
  | TrueFalseQuestion
  | NumericQuestion
  | TextQuestion
  | ShapeQuestion;

/** The kinds of question a quiz file may use. */
export type QuestionType = Question["type"];

/** A whole quiz file. */
export interface Quiz {
  /** Equals the file name without .json, e.g. "pre-lesson". */
  id: string;
  title: string;
  description?: string;
  questions: Question[];
}

/** The question types with the keys each may have besides the common ones. */
const TYPE_KEYS: Record<QuestionType, readonly string[]> = {
  single: ["options", "answer"],
  multiple: ["options", "answer"],
  truefalse: ["answer"],
  numeric: ["answer", "tolerance"],
  text: ["accepted"],
  shape: ["answer"],
};
const COMMON_KEYS = ["id", "type", "prompt", "points", "hint", "explanation"];
const QUIZ_KEYS = ["id", "title", "description", "questions"];

/** Ids of quizzes, questions and options: letters, digits, '-' and '_' (they become file names and object keys). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Thrown when a quiz file breaks the schema; `problems` lists every problem found. */
export class QuizSchemaError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid quiz: ${problems.join("; ")}`);
    this.name = "QuizSchemaError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** Collects problems as the validator walks the file. */
class ProblemList {
  readonly problems: string[] = [];
  add(path: string, problem: string): void {
    this.problems.push(`${path}: ${problem}`);
  }
  unknownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.add(path, `unknown key "${key}" (allowed: ${allowed.join(", ")})`);
    }
  }
  id(path: string, value: unknown): void {
    if (typeof value !== "string" || !ID_PATTERN.test(value)) {
      this.add(path, `must be a string of letters, digits, '-' or '_', got ${JSON.stringify(value)}`);
    }
  }
  optionalText(path: string, value: unknown): void {
    if (value !== undefined && !isNonEmptyString(value)) this.add(path, "must be a non-empty string when given");
  }
}

/** Checks a choice question's options; returns their ids, or undefined when there is no usable list to check answers against. */
function checkOptions(path: string, options: unknown, problems: ProblemList): string[] | undefined {
  if (!Array.isArray(options) || options.length < 2) {
    problems.add(`${path}.options`, "must be a list of at least two { id, text } options");
    return undefined;
  }
  const ids: string[] = [];
  options.forEach((option, index) => {
    const at = `${path}.options[${index}]`;
    if (!isRecord(option)) return problems.add(at, "must be an object { id, text }");
    problems.unknownKeys(at, option, ["id", "text"]);
    problems.id(`${at}.id`, option.id);
    if (!isNonEmptyString(option.text)) problems.add(`${at}.text`, "must be a non-empty string");
    if (typeof option.id === "string") {
      if (ids.includes(option.id)) problems.add(`${at}.id`, `duplicate option id "${option.id}"`);
      ids.push(option.id);
    }
  });
  return ids;
}

function checkTypeFields(path: string, question: Record<string, unknown>, type: QuestionType, problems: ProblemList): void {
  const { answer } = question;
  switch (type) {
    case "single": {
      const ids = checkOptions(path, question.options, problems);
      if (ids && (typeof answer !== "string" || !ids.includes(answer))) {
        problems.add(`${path}.answer`, `must be one of the option ids (${ids.join(", ")})`);
      }
      return;
    }
    case "multiple": {
      const ids = checkOptions(path, question.options, problems);
      if (!Array.isArray(answer) || answer.length === 0) {
        return problems.add(`${path}.answer`, "must be a non-empty list of option ids");
      }
      if (!ids) return;
      if (answer.some((id) => typeof id !== "string" || !ids.includes(id))) {
        problems.add(`${path}.answer`, `may only hold option ids (${ids.join(", ")})`);
      }
      if (new Set(answer).size !== answer.length) problems.add(`${path}.answer`, "lists an option twice");
      return;
    }
    case "truefalse":
      if (typeof answer !== "boolean") problems.add(`${path}.answer`, "must be true or false");
      return;
    case "numeric": {
      if (typeof answer !== "number" || !Number.isFinite(answer)) problems.add(`${path}.answer`, "must be a finite number");
      const { tolerance } = question;
      if (tolerance === undefined) return;
      if (!isRecord(tolerance)) return problems.add(`${path}.tolerance`, "must be an object { abs?, rel? }");
      problems.unknownKeys(`${path}.tolerance`, tolerance, ["abs", "rel"]);
      for (const key of ["abs", "rel"] as const) {
        const bound = tolerance[key];
        if (bound !== undefined && !(typeof bound === "number" && bound >= 0 && Number.isFinite(bound))) {
          problems.add(`${path}.tolerance.${key}`, "must be a number ≥ 0");
        }
      }
      return;
    }
    case "text": {
      const { accepted } = question;
      if (!Array.isArray(accepted) || accepted.length === 0 || !accepted.every(isNonEmptyString)) {
        problems.add(`${path}.accepted`, "must be a non-empty list of non-empty strings");
      }
      return;
    }
    case "shape":
      if (
        !Array.isArray(answer) ||
        answer.length === 0 ||
        !answer.every((dim) => dim === null || (Number.isInteger(dim) && (dim as number) >= 0))
      ) {
        problems.add(`${path}.answer`, "must be a non-empty list of whole numbers ≥ 0 or null, e.g. [null, 28, 28, 1]");
      }
      return;
  }
}

function checkQuestion(path: string, question: unknown, problems: ProblemList): void {
  if (!isRecord(question)) return problems.add(path, "must be an object");
  problems.id(`${path}.id`, question.id);
  if (!isNonEmptyString(question.prompt)) problems.add(`${path}.prompt`, "must be a non-empty string");
  if (question.points !== undefined && !(typeof question.points === "number" && question.points > 0)) {
    problems.add(`${path}.points`, "must be a number > 0 when given");
  }
  problems.optionalText(`${path}.hint`, question.hint);
  problems.optionalText(`${path}.explanation`, question.explanation);
  const type = question.type;
  if (typeof type !== "string" || !(type in TYPE_KEYS)) {
    return problems.add(`${path}.type`, `must be one of ${Object.keys(TYPE_KEYS).join(", ")}`);
  }
  problems.unknownKeys(path, question, [...COMMON_KEYS, ...TYPE_KEYS[type as QuestionType]]);
  checkTypeFields(path, question, type as QuestionType, problems);
}

/**
 * Checks parsed JSON against the quiz schema and returns it typed, or throws a QuizSchemaError listing every
 * problem. `expectedId` (the file name without .json) must equal the quiz's id when given.
 */
export function validateQuiz(data: unknown, source: string, expectedId?: string): Quiz {
  const problems = new ProblemList();
  if (!isRecord(data)) throw new QuizSchemaError(source, ["the file must hold one JSON object { id, title, questions }"]);
  problems.unknownKeys("quiz", data, QUIZ_KEYS);
  problems.id("id", data.id);
  if (expectedId !== undefined && data.id !== expectedId) {
    problems.add("id", `must equal the file name "${expectedId}", got ${JSON.stringify(data.id)}`);
  }
  if (!isNonEmptyString(data.title)) problems.add("title", "must be a non-empty string");
  problems.optionalText("description", data.description);
  if (!Array.isArray(data.questions) || data.questions.length === 0) {
    problems.add("questions", "must be a non-empty list");
  } else {
    const seen = new Set<unknown>();
    data.questions.forEach((question, index) => {
      const path = `questions[${index}]`;
      checkQuestion(path, question, problems);
      const id = isRecord(question) ? question.id : undefined;
      if (seen.has(id)) problems.add(`${path}.id`, `duplicate question id ${JSON.stringify(id)}`);
      seen.add(id);
    });
  }
  if (problems.problems.length > 0) throw new QuizSchemaError(source, problems.problems);
  return data as unknown as Quiz;
}
