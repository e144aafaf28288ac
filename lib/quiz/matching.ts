/**
 * Answer matching: tolerant about how an answer is written, strict about what it says. Answers come as JS values
 * from notebooks or as parsed JSON from answer files; anything of the wrong kind is graded wrong with a message,
 * never thrown.
 */
import { plural } from "../plural";
import { formatShape, sameShape } from "../shapes";
import type { ItemStatus } from "../tasks/report";
import type {
  MultipleChoiceQuestion,
  NumericQuestion,
  Question,
  QuizOption,
  ShapeQuestion,
  SingleChoiceQuestion,
  TextQuestion,
  TrueFalseQuestion,
} from "./schema";

/** How one answer matched: the share of the points earned (0–1) and, when useful, why. */
export interface MatchOutcome {
  status: ItemStatus;
  credit: number;
  message?: string;
}

const RIGHT: MatchOutcome = { status: "right", credit: 1 };
const WRONG: MatchOutcome = { status: "wrong", credit: 0 };
const UNANSWERED: MatchOutcome = { status: "unanswered", credit: 0 };

function wrongKind(message: string): MatchOutcome {
  return { status: "wrong", credit: 0, message };
}

/** Describes a value for a message, e.g. `the text "abc"`, `the number 3`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `${value}`;
  if (Array.isArray(value)) return `the list ${truncate(safeJson(value), 40)}`;
  if (value === null || value === undefined) return "nothing";
  return `a value of type ${typeof value}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** True for the values that mean "not answered yet": undefined, null, blank text and the empty list. */
export function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === "string" && value.trim() === "") ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** Lower-cases and collapses whitespace so "  Latent   Space " equals "latent space". */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

/** A decimal number in plain or scientific notation: `0.5`, `.5`, `-5e-1`, `+2`. No hex, no NaN, no Infinity. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reads a number from a number or a text such as " .5 ", "5e-1" or "−0.5" (Unicode minus); undefined if it is none. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/^\u2212/, "-");
  return DECIMAL.test(text) ? Number(text) : undefined;
}

const TRUE_WORDS = ["true", "yes"];
const FALSE_WORDS = ["false", "no"];

/** Reads true/false from a boolean or the words true/false/yes/no in any case; undefined otherwise. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  const word = normalizeText(value);
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return undefined;
}

/** One shape dimension: a whole number ≥ 0, or null/None/? for a dimension left open (the batch size). */
function parseDimension(value: unknown): number | null | undefined {
  if (value === null) return null;
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (/^(null|none|\?)$/i.test(text)) return null;
  return undefined;
}

/**
 * Reads a tensor shape from a list such as [4, 4, 8] or [null, 28, 28, 1], or from a text such as "[4,4,8]",
 * "4x4x8", "4×4×8", "(4, 4, 8)", "(None, 28, 28, 1)" or "(784,)"; undefined if it is none.
 */
export function parseShape(value: unknown): Array<number | null> | undefined {
  let parts: unknown[];
  if (Array.isArray(value)) {
    parts = value;
  } else if (typeof value === "string") {
    let inner = value.trim();
    const bracketed = /^\[(.*)\]$/s.exec(inner) ?? /^\((.*)\)$/s.exec(inner);
    if (bracketed) inner = bracketed[1].trim();
    if (inner === "") return undefined;
    if (inner.includes(",")) parts = inner.split(",");
    else if (/[x×*]/i.test(inner)) parts = inner.split(/[x×*]/i);
    else parts = inner.split(/\s+/);
    // A one-dimensional Python tuple is written "(784,)".
    if (parts.length > 1 && String(parts[parts.length - 1]).trim() === "") parts = parts.slice(0, -1);
  } else {
    return undefined;
  }
  if (parts.length === 0) return undefined;
  const shape = parts.map(parseDimension);
  return shape.every((dim) => dim !== undefined) ? (shape as Array<number | null>) : undefined;
}

/** Finds the option a value picks: by id (case-insensitive) or by the option's full text. */
function resolveOption(options: QuizOption[], value: unknown): QuizOption | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const wanted = normalizeText(String(value));
  return (
    options.find((option) => normalizeText(option.id) === wanted) ??
    options.find((option) => normalizeText(option.text) === wanted)
  );
}

function optionList(options: QuizOption[]): string {
  return options.map((option) => option.id).join(", ");
}

function matchSingle(question: SingleChoiceQuestion, value: unknown): MatchOutcome {
  if (Array.isArray(value)) return wrongKind("pick one option id, not a list");
  const picked = resolveOption(question.options, value);
  if (!picked) return wrongKind(`${describeValue(value)} is not one of the options (${optionList(question.options)})`);
  return picked.id === question.answer ? RIGHT : WRONG;
}

/** Splits "a, c" or "a c" into option ids, unless the whole text names a single option. */
function pickedValues(question: MultipleChoiceQuestion, value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== "string") return undefined;
  if (resolveOption(question.options, value)) return [value];
  return value.split(/[\s,;]+/).filter((part) => part !== "");
}

/**
 * Multiple choice with partial credit: right picks / right options − wrong picks / wrong options, at least 0.
 * Picking every option (or none) therefore earns nothing, and each wrong pick costs as much as the wrong options
 * are few.
 */
function matchMultiple(question: MultipleChoiceQuestion, value: unknown): MatchOutcome {
  const values = pickedValues(question, value);
  if (!values) return wrongKind(`expected a list of option ids such as ["a", "c"], got ${describeValue(value)}`);
  const picked = new Set<string>();
  for (const item of values) {
    const option = resolveOption(question.options, item);
    if (!option) return wrongKind(`${describeValue(item)} is not one of the options (${optionList(question.options)})`);
    picked.add(option.id);
  }
  const rightPicks = [...picked].filter((id) => question.answer.includes(id)).length;
  const wrongPicks = picked.size - rightPicks;
  const wrongOptions = question.options.length - question.answer.length;
  const credit = Math.max(0, rightPicks / question.answer.length - (wrongOptions === 0 ? 0 : wrongPicks / wrongOptions));
  if (credit === 1) return RIGHT;
  const missing = rightPicks < question.answer.length ? "; at least one right option is not picked" : "";
  const message = `${rightPicks} of your picks ${rightPicks === 1 ? "is" : "are"} right and ${wrongPicks} ${wrongPicks === 1 ? "is" : "are"} wrong${missing}`;
  return { status: credit > 0 ? "partial" : "wrong", credit, message };
}

function matchTrueFalse(question: TrueFalseQuestion, value: unknown): MatchOutcome {
  const given = parseBoolean(value);
  if (given === undefined) return wrongKind(`expected true or false (or "yes"/"no"), got ${describeValue(value)}`);
  return given === question.answer ? RIGHT : WRONG;
}

/** The largest distance from the answer that still counts as right; a hair above zero absorbs float rounding. */
function allowedError(question: NumericQuestion): number {
  const { abs = 0, rel = 0 } = question.tolerance ?? {};
  return Math.max(abs, rel * Math.abs(question.answer), 1e-9 * Math.max(1, Math.abs(question.answer)));
}

/** Ways to write a number, shown when an answer is not one; each pair is one value written twice. */
const NUMBER_EXAMPLES: ReadonlyArray<readonly [number, string]> = [[0.5, "0.5 or 5e-1"], [2.5, "2.5 or 25e-1"]];

/** Ways to write a shape, shown when an answer is not one. */
const SHAPE_EXAMPLES: ReadonlyArray<readonly [readonly number[], string]> = [
  [[4, 4, 8], '[4, 4, 8], "4x4x8" or "(4, 4, 8)"'],
  [[2, 3, 5], '[2, 3, 5], "2x3x5" or "(2, 3, 5)"'],
];

/** The first example that is not a right answer: a message about the answer's format must not give the answer away. */
function exampleUnlike<T>(examples: ReadonlyArray<readonly [T, string]>, isRight: (value: T) => boolean): string {
  return (examples.find(([value]) => !isRight(value)) ?? examples[examples.length - 1])[1];
}

function numericOutcome(question: NumericQuestion, given: number): MatchOutcome {
  // A flipped sign is a different answer, however wide the tolerance.
  if (question.answer !== 0 && given !== 0 && Math.sign(given) !== Math.sign(question.answer)) return WRONG;
  return Math.abs(given - question.answer) <= allowedError(question) ? RIGHT : WRONG;
}

function matchNumeric(question: NumericQuestion, value: unknown): MatchOutcome {
  const given = parseNumber(value);
  if (given === undefined) {
    const examples = exampleUnlike(NUMBER_EXAMPLES, (example) => numericOutcome(question, example).status === "right");
    return wrongKind(`expected a number such as ${examples}, got ${describeValue(value)}`);
  }
  return numericOutcome(question, given);
}

/** Text reduced to what matters for a short answer: no case, spaces, hyphens or underscores ("Auto-Encoder" → "autoencoder"). */
function textKey(text: string): string {
  return normalizeText(text).replace(/[\s_\-\u2010-\u2015]+/g, "");
}

/**
 * True when a text answer says the same as an accepted one, written differently: case, spacing, hyphens and a
 * plural "s" are ignored, so "Variational Auto-Encoders" matches "variational autoencoder".
 */
export function textMatches(given: string, accepted: string): boolean {
  const givenKey = textKey(given);
  const acceptedKey = textKey(accepted);
  return givenKey === acceptedKey || givenKey === `${acceptedKey}s`;
}

function matchText(question: TextQuestion, value: unknown): MatchOutcome {
  if (typeof value !== "string") return wrongKind(`expected a text in quotes, got ${describeValue(value)}`);
  return question.accepted.some((accepted) => textMatches(value, accepted)) ? RIGHT : WRONG;
}

/**
 * What to say about a shape that is wrong only in its batch dimension (the first entry): written when the
 * question leaves it out, missing when the question asks for it, or a number where tfjs reports null.
 */
function batchDimensionMessage(answer: ReadonlyArray<number | null>, given: ReadonlyArray<number | null>): string | undefined {
  if (sameShape(given.slice(1), answer)) return "leave out the batch dimension (the first entry): the question asks for the shape of one example";
  const wantsOpenBatch = answer[0] === null;
  if (wantsOpenBatch && sameShape(given, answer.slice(1))) return "add the batch dimension in front: the question asks for the shape TensorFlow.js reports, such as [null, …]";
  if (wantsOpenBatch && given.length === answer.length && given[0] !== null && sameShape(given.slice(1), answer.slice(1))) {
    return "the batch dimension is left open in a model's shape: write null (or None) for it";
  }
  return undefined;
}

function matchShape(question: ShapeQuestion, value: unknown): MatchOutcome {
  const given = parseShape(value);
  if (!given) {
    // An example equal to the answer without its batch dimension would give it away too.
    const isRight = (example: readonly number[]) => sameShape(example, question.answer) || sameShape(example, question.answer.slice(1));
    return wrongKind(`expected a shape such as ${exampleUnlike(SHAPE_EXAMPLES, isRight)}, got ${describeValue(value)}`);
  }
  if (sameShape(given, question.answer)) return RIGHT;
  const batchMessage = batchDimensionMessage(question.answer, given);
  if (batchMessage !== undefined) return { ...WRONG, message: batchMessage };
  if (given.length !== question.answer.length) {
    return { ...WRONG, message: `your shape has ${plural(given.length, "dimension")}; the question asks for a different number` };
  }
  return WRONG;
}

/** Grades one answer to one question. Never throws, whatever the value. */
export function matchAnswer(question: Question, value: unknown): MatchOutcome {
  if (isBlank(value)) return UNANSWERED;
  switch (question.type) {
    case "single":
      return matchSingle(question, value);
    case "multiple":
      return matchMultiple(question, value);
    case "truefalse":
      return matchTrueFalse(question, value);
    case "numeric":
      return matchNumeric(question, value);
    case "text":
      return matchText(question, value);
    case "shape":
      return matchShape(question, value);
  }
}

/** The right answer written out, for when a learner asks to see it. */
export function formatSolution(question: Question): string {
  switch (question.type) {
    case "single": {
      const option = question.options.find((candidate) => candidate.id === question.answer);
      return `${question.answer} (${option?.text ?? ""})`;
    }
    case "multiple":
      return question.answer.join(", ");
    case "truefalse":
      return String(question.answer);
    case "numeric": {
      const { abs = 0, rel = 0 } = question.tolerance ?? {};
      const margin = Math.max(abs, rel * Math.abs(question.answer));
      return margin > 0 ? `${question.answer} (± ${Number(margin.toPrecision(3))})` : String(question.answer);
    }
    case "text":
      return question.accepted[0];
    case "shape":
      return formatShape(question.answer);
  }
}
