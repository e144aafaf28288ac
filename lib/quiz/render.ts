/** Pure renderers for quizzes, answer templates and progress: strings only, so they work without a kernel. */
import { plural } from "../plural";
import { formatPoints } from "../tasks/report";
import { questionPoints } from "./grading";
import type { AttemptItem, AttemptScore, ProgressEntry } from "./progress";
import type { Question, Quiz } from "./schema";

const TYPE_NAMES: Record<Question["type"], string> = {
  single: "single choice",
  multiple: "select all that apply",
  truefalse: "true or false",
  numeric: "number",
  text: "short text",
  shape: "shape",
};

/** How to write an answer to a question; deliberately without example values that could hint at the answer. */
export function answerFormat(question: Question): string {
  switch (question.type) {
    case "single":
      return "one option id in quotes (the letter before the option)";
    case "multiple":
      return "a list of option ids in quotes: every option that applies";
    case "truefalse":
      return "true or false";
    case "numeric": {
      const { abs = 0, rel = 0 } = question.tolerance ?? {};
      const margins = [abs > 0 ? `±${abs}` : "", rel > 0 ? `±${rel * 100}%` : ""].filter((margin) => margin !== "");
      return margins.length === 0 ? "a number" : `a number (within ${margins.join(" or ")} counts)`;
    }
    case "text":
      return "a short text in quotes";
    case "shape":
      // The format says whether the batch dimension belongs in the answer, as the question does.
      return question.answer[0] === null
        ? "a shape such as [null, 2, 3], with null for the batch size left open"
        : 'a shape such as [2, 3] or "2x3", without the batch dimension';
  }
}

function pointsText(question: Question): string {
  const points = questionPoints(question);
  return `${formatPoints(points)} point${points === 1 ? "" : "s"}`;
}

/** The placeholder a blank answer starts as: an empty list for multiple choice, an empty text otherwise. */
function blankAnswer(question: Question): string {
  return question.type === "multiple" ? "[]" : '""';
}

/** An answers template: a JSON object for an answer file, or a TypeScript cell with one commented line per question. */
export function answersTemplate(quiz: Quiz, style: "json" | "ts", variableName = "answers"): string {
  if (style === "json") {
    return `{\n${quiz.questions.map((question) => `  ${JSON.stringify(question.id)}: ${blankAnswer(question)}`).join(",\n")}\n}\n`;
  }
  const lines = quiz.questions.map(
    (question) => `  ${question.id}: ${blankAnswer(question)}, // ${answerFormat(question)}`,
  );
  return `const ${variableName} = {\n${lines.join("\n")}\n};\n`;
}

/** A quiz's questions as Markdown, for tslab's display in a notebook. */
export function renderQuizMarkdown(quiz: Quiz): string {
  const parts = [`## ${quiz.title}`];
  if (quiz.description) parts.push(quiz.description);
  quiz.questions.forEach((question, index) => {
    const lines = [`**${index + 1}. \`${question.id}\`** · ${TYPE_NAMES[question.type]} · ${pointsText(question)}  `, question.prompt];
    if (question.type === "single" || question.type === "multiple") {
      lines.push("", ...question.options.map((option) => `- \`${option.id}\` — ${option.text}`));
    }
    lines.push("", `<small>Answer: ${answerFormat(question)}</small>`);
    parts.push(lines.join("\n"));
  });
  return parts.join("\n\n") + "\n";
}

/** A quiz's questions as plain text, for a terminal or a notebook that cannot show Markdown. */
export function renderQuizText(quiz: Quiz): string {
  const lines = [quiz.title, "=".repeat(quiz.title.length)];
  if (quiz.description) lines.push(quiz.description);
  quiz.questions.forEach((question, index) => {
    lines.push("", `${index + 1}. [${question.id}] ${question.prompt}`);
    if (question.type === "single" || question.type === "multiple") {
      lines.push(...question.options.map((option) => `     ${option.id})  ${option.text}`));
    }
    lines.push(`   (${TYPE_NAMES[question.type]}, ${pointsText(question)}; answer: ${answerFormat(question)})`);
  });
  return lines.join("\n") + "\n";
}

function scoreText({ score, max }: AttemptScore): string {
  const percent = max === 0 ? 0 : Math.round((100 * score) / max);
  return `${formatPoints(score)} / ${formatPoints(max)} (${percent}%)`;
}

/** The best and latest score in words, e.g. "best 9 / 9 (100%) in attempt 1 of 3; latest 7 / 9 (78%)". */
function progressScoreText(entry: ProgressEntry): string {
  const { best, latest } = entry;
  if (!best || !latest) return "not tried yet";
  const where = `in attempt ${best.attempt} of ${entry.attempts}`;
  return best === latest ? `best ${scoreText(best)} ${where} (the latest)` : `best ${scoreText(best)} ${where}; latest ${scoreText(latest)}`;
}

/** How a question that is not right yet came out, when it was not simply wrong: skipped, or partly right. */
const notRightNote = (item: AttemptItem): string =>
  item.status === "unanswered" ? " (no answer)" : item.status === "partial" ? " (partly right)" : "";

function stillWrongIds(entry: ProgressEntry): string {
  if (entry.attempts === 0) return "";
  return entry.stillWrong.length === 0 ? "none" : entry.stillWrong.map((item) => `${item.id}${notRightNote(item)}`).join(", ");
}

/** The progress summary as a Markdown table: best score (and which attempt), latest score, what the latest attempt did not get right. */
export function renderProgressMarkdown(entries: ProgressEntry[]): string {
  const rows = entries.map((entry) => {
    const best = entry.best ? `${scoreText(entry.best)}, attempt ${entry.best.attempt}` : "not tried yet";
    const latest = entry.latest ? scoreText(entry.latest) : "";
    return `| \`${entry.id}\` | ${entry.title} | ${entry.attempts} | ${best} | ${latest} | ${stillWrongIds(entry)} |`;
  });
  return [
    "### Your progress",
    "",
    "| Id | Quiz or task | Attempts | Best score | Latest score | Not right yet in the latest attempt |",
    "|:--|:--|--:|:--|:--|:--|",
    ...rows,
    "",
  ].join("\n");
}

/** The progress summary as plain text: one line per quiz or task, then what the latest attempt did not get right. */
export function renderProgressText(entries: ProgressEntry[]): string {
  const idWidth = Math.max(2, ...entries.map((entry) => entry.id.length));
  const indent = " ".repeat(idWidth);
  const lines = ["Your progress", ""];
  for (const entry of entries) {
    const tries = plural(entry.attempts, "attempt");
    lines.push(`${entry.id.padEnd(idWidth)}  ${tries.padEnd(11)}  ${progressScoreText(entry)}`);
    if (entry.attempts === 0) continue;
    if (entry.stillWrong.length === 0) lines.push(`${indent}  all right in the latest attempt`);
    else {
      const items = entry.stillWrong.map((item) => `${indent}    ${item.id}  ${item.label}${notRightNote(item)}`);
      lines.push(`${indent}  not right yet in the latest attempt:`, ...items);
    }
  }
  return lines.join("\n") + "\n";
}
