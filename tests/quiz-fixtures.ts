/** Shared helpers for the quiz tests: right and wrong answers derived from the quiz files themselves. */
import * as path from "node:path";
import type { Question } from "../lib/quiz/schema";

export const QUIZZES_DIR = path.join(__dirname, "..", "quizzes");

/** The stored right answer as a notebook would write it. */
export function rightAnswer(question: Question): unknown {
  return question.type === "text" ? question.accepted[0] : question.answer;
}

/** The stored right answer written the way a learner might type it in a text field or an answer file. */
export function rightAnswerAsText(question: Question): string {
  switch (question.type) {
    case "single":
      return ` ${question.answer.toUpperCase()} `;
    case "multiple":
      return question.answer.join(", ");
    case "truefalse":
      return question.answer ? "yes" : "no";
    case "numeric":
      return ` ${question.answer.toExponential()} `;
    case "text":
      return `  ${question.accepted[0].toUpperCase().replace(/ /g, "   ")} `;
    case "shape":
      return question.answer.map((dim) => (dim === null ? "None" : String(dim))).join("x");
  }
}

/** An answer of the right kind that is wrong. */
export function wrongAnswer(question: Question): unknown {
  switch (question.type) {
    case "single":
      return question.options.find((option) => option.id !== question.answer)!.id;
    case "multiple":
      // Every option the answer leaves out: no right pick, so no credit.
      return question.options.filter((option) => !question.answer.includes(option.id)).map((option) => option.id);
    case "truefalse":
      return !question.answer;
    case "numeric":
      return question.answer + 1000;
    case "text":
      return "something else entirely";
    case "shape":
      return [...question.answer, 1];
  }
}
