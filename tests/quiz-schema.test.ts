import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listQuizIds, loadAllQuizzes, loadQuiz, QuizNotFoundError } from "../lib/quiz/files";
import { QuizSchemaError, validateQuiz } from "../lib/quiz/schema";
import { QUIZZES_DIR } from "./quiz-fixtures";

/** A small valid quiz to break in the tests below. */
function sampleQuiz(): Record<string, unknown> {
  return {
    id: "sample",
    title: "Sample",
    questions: [
      { id: "q1", type: "single", prompt: "Pick", options: [{ id: "a", text: "A" }, { id: "b", text: "B" }], answer: "a" },
      { id: "q2", type: "numeric", prompt: "How many?", answer: 3, tolerance: { abs: 0.1 } },
    ],
  };
}

function problemsOf(data: unknown, expectedId?: string): string[] {
  try {
    validateQuiz(data, "sample.json", expectedId);
  } catch (error) {
    assert.ok(error instanceof QuizSchemaError, String(error));
    return error.problems;
  }
  return [];
}

describe("quiz files", () => {
  const quizzes = loadAllQuizzes(QUIZZES_DIR);

  it("all validate against the schema, with ids equal to their file names", () => {
    for (const file of fs.readdirSync(QUIZZES_DIR).filter((name) => name.endsWith(".json"))) {
      const data: unknown = JSON.parse(fs.readFileSync(path.join(QUIZZES_DIR, file), "utf8"));
      assert.deepEqual(problemsOf(data, file.replace(/\.json$/, "")), [], file);
    }
  });

  it("include pre-lesson, post-lesson and one quiz per notebook 01–05, in course order", () => {
    assert.deepEqual(listQuizIds(QUIZZES_DIR), [
      "pre-lesson",
      "01-autoencoder",
      "02-denoising",
      "03-super-resolution",
      "04-vae",
      "05-latent-space",
      "post-lesson",
    ]);
  });

  it("hold at least 25 questions and use every question type", () => {
    const questions = quizzes.flatMap((quiz) => quiz.questions);
    assert.ok(questions.length >= 25, `only ${questions.length} questions`);
    const types = new Set(questions.map((question) => question.type));
    assert.deepEqual([...types].sort(), ["multiple", "numeric", "shape", "single", "text", "truefalse"]);
  });

  it("give every question a hint and an explanation", () => {
    for (const quiz of quizzes) {
      for (const question of quiz.questions) {
        assert.ok(question.hint && question.explanation, `${quiz.id}/${question.id}`);
      }
    }
  });
});

describe("quiz schema validator", () => {
  it("accepts a minimal valid quiz", () => {
    assert.deepEqual(problemsOf(sampleQuiz(), "sample"), []);
  });

  it("lists every problem with its place in the file", () => {
    const quiz = sampleQuiz();
    const questions = quiz.questions as Array<Record<string, unknown>>;
    questions[0].answer = "z";
    questions[0].explaination = "typo";
    questions[1].tolerance = { abs: -1 };
    questions.push({ id: "q1", type: "essay", prompt: "Write" });
    const problems = problemsOf(quiz, "sample");
    const expected = [
      /^questions\[0\]: unknown key "explaination"/,
      /^questions\[0\]\.answer: must be one of the option ids \(a, b\)/,
      /^questions\[1\]\.tolerance\.abs: must be a number ≥ 0/,
      /^questions\[2\]\.type: must be one of single, multiple, truefalse, numeric, text, shape/,
      /^questions\[2\]\.id: duplicate question id "q1"/,
    ];
    assert.equal(problems.length, expected.length, problems.join("\n"));
    expected.forEach((pattern, index) => assert.match(problems[index], pattern));
  });

  it("checks each type's answer field", () => {
    const bad = [
      { type: "multiple", options: [{ id: "a", text: "A" }, { id: "b", text: "B" }], answer: ["a", "a"] },
      { type: "truefalse", answer: "yes" },
      { type: "numeric", answer: "1" },
      { type: "text", accepted: [] },
      { type: "shape", answer: [4, -1] },
      { type: "single", options: [{ id: "a", text: "A" }], answer: "a" },
    ];
    for (const fields of bad) {
      const quiz = { id: "sample", title: "Sample", questions: [{ id: "q1", prompt: "?", ...fields }] };
      assert.equal(problemsOf(quiz).length, 1, JSON.stringify(fields));
    }
  });

  it("rejects an id that differs from the file name, and a file that is not an object", () => {
    assert.match(problemsOf(sampleQuiz(), "other").join(), /id: must equal the file name "other"/);
    assert.match(problemsOf([sampleQuiz()]).join(), /must hold one JSON object/);
  });
});

describe("quiz loading", () => {
  it("names the available quizzes when the id is unknown, and rejects path tricks", () => {
    assert.throws(() => loadQuiz("no-such-quiz", QUIZZES_DIR), (error: Error) => {
      assert.ok(error instanceof QuizNotFoundError);
      assert.match(error.message, /no quiz "no-such-quiz"; the quizzes are: pre-lesson, 01-autoencoder/);
      return true;
    });
    assert.throws(() => loadQuiz("../package", QUIZZES_DIR), QuizNotFoundError);
  });

  it("reports a quiz file that is not JSON as a schema error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiz-schema-"));
    fs.writeFileSync(path.join(dir, "broken.json"), "{ not json");
    assert.throws(() => loadQuiz("broken", dir), /broken\.json is not a valid quiz: not valid JSON/);
    fs.rmSync(dir, { recursive: true });
  });
});
