import { strict as assert } from "node:assert";
import { loadAllQuizzes, loadQuiz } from "../lib/quiz/files";
import { AnswersFormatError, gradeQuiz } from "../lib/quiz/grading";
import { QUIZZES_DIR, rightAnswer, rightAnswerAsText, wrongAnswer } from "./quiz-fixtures";

describe("grading the course's quizzes", () => {
  const quizzes = loadAllQuizzes(QUIZZES_DIR);

  it("grades each question's stored right answer right, written as a value or as text", () => {
    for (const quiz of quizzes) {
      for (const write of [rightAnswer, rightAnswerAsText]) {
        const answers = Object.fromEntries(quiz.questions.map((question) => [question.id, write(question)]));
        const report = gradeQuiz(quiz, answers);
        const notRight = report.items.filter((item) => item.status !== "right").map((item) => `${item.id}: ${item.message}`);
        assert.deepEqual(notRight, [], `${quiz.id} (${write.name})`);
        assert.equal(report.score, report.max);
        assert.ok(report.allRight);
        for (const item of report.items) assert.equal(item.feedback, quiz.questions.find((q) => q.id === item.id)!.explanation);
      }
    }
  });

  it("never gives a right answer away in the message about an answer of the wrong kind", () => {
    for (const quiz of quizzes) {
      for (const question of quiz.questions) {
        const [item] = gradeQuiz({ ...quiz, questions: [question] }, { [question.id]: "some words" }).items;
        if (question.type !== "numeric" && question.type !== "shape") continue;
        assert.ok(item.message, `${quiz.id}/${question.id} explains the expected format`);
        // Every number or shape the message offers as an example must grade wrong.
        const examples = item.message.match(/\[[\d, ]+\]|-?\d*\.?\d+(e-?\d+)?/g) ?? [];
        for (const example of examples) {
          const [graded] = gradeQuiz({ ...quiz, questions: [question] }, { [question.id]: example }).items;
          assert.notEqual(graded.status, "right", `${quiz.id}/${question.id}: the message "${item.message}" contains the answer ${example}`);
        }
      }
    }
  });

  it("grades a wrong answer to each question wrong, with no points and the hint", () => {
    for (const quiz of quizzes) {
      for (const question of quiz.questions) {
        const [item] = gradeQuiz({ ...quiz, questions: [question] }, { [question.id]: wrongAnswer(question) }).items;
        assert.equal(item.status, "wrong", `${quiz.id}/${question.id}: ${JSON.stringify(wrongAnswer(question))}`);
        assert.equal(item.points, 0);
        assert.equal(item.feedback, question.hint);
      }
    }
  });

  it("accepts the harmless variants new learners wrote for the course's text questions", () => {
    const variants: Array<[string, string, string]> = [
      ["pre-lesson", "p3", "variational autoencoders"],
      ["pre-lesson", "p3", "Variational Auto Encoder"],
      ["pre-lesson", "p3", "variational auto-encoder"],
      ["04-vae", "v7", "Binary Crossentropy"],
      ["04-vae", "v7", "binary cross-entropy loss"],
      ["post-lesson", "q3", "latent spaces"],
      ["02-denoising", "d6", "Gaussian"],
    ];
    for (const [quizId, questionId, answer] of variants) {
      const [item] = gradeQuiz(loadQuiz(quizId, QUIZZES_DIR), { [questionId]: answer }).items.filter((it) => it.id === questionId);
      assert.equal(item.status, "right", `${quizId}/${questionId}: ${answer}`);
    }
  });

  it("tells a learner who includes the batch dimension to leave it out, and grades it wrong", () => {
    const quiz = loadQuiz("01-autoencoder", QUIZZES_DIR);
    for (const answer of ["[null,14,14,16]", "[None, 14, 14, 16]", [1, 14, 14, 16]]) {
      const item = gradeQuiz(quiz, { a5: answer }).items.find((it) => it.id === "a5")!;
      assert.equal(item.status, "wrong");
      assert.equal(item.points, 0);
      assert.match(item.message ?? "", /^leave out the batch dimension/, JSON.stringify(answer));
    }
  });

  it("never reveals the right answer unless asked", () => {
    const quiz = loadQuiz("03-super-resolution", QUIZZES_DIR);
    const hidden = gradeQuiz(quiz, { s1: "[28, 28, 1]" });
    assert.equal(hidden.items[0].solution, undefined);
    assert.ok(!JSON.stringify(hidden).includes("null, 28, 28, 1"));
    const revealed = gradeQuiz(quiz, { s1: "[28, 28, 1]" }, { reveal: true });
    assert.equal(revealed.items[0].solution, "[null, 28, 28, 1]");
  });

  it("adds up points with partial credit, and notes answers to questions that do not exist", () => {
    const quiz = loadQuiz("pre-lesson", QUIZZES_DIR);
    // p4 is worth 2 points with 3 right options (b, d, e): two right picks, no wrong one = 2 × 2/3.
    const report = gradeQuiz(quiz, { p1: "a", p4: ["b", "d"], p5: "maybe", p99: 1 });
    const byId = Object.fromEntries(report.items.map((item) => [item.id, item]));
    assert.equal(byId.p1.status, "right");
    assert.equal(byId.p4.status, "partial");
    assert.equal(byId.p4.points, 1.33);
    assert.equal(byId.p5.status, "wrong");
    assert.match(byId.p5.message ?? "", /expected true or false/);
    assert.equal(byId.p7.status, "unanswered");
    assert.equal(report.score, 2.33);
    assert.equal(report.max, 10);
    assert.equal(report.allRight, false);
    assert.deepEqual(report.notes, ['answers for "p99" were ignored: this quiz has no question with that id']);
  });

  it("suggests the question id a stray answer id probably meant (other case or spaces)", () => {
    const quiz = loadQuiz("pre-lesson", QUIZZES_DIR);
    const report = gradeQuiz(quiz, { P7: false, " p2 ": "b", p99: 1 });
    assert.equal(report.items.find((item) => item.id === "p7")?.status, "unanswered");
    assert.deepEqual(report.notes, [
      'answers for "P7" (did you mean "p7"?), " p2 " (did you mean "p2"?), "p99" were ignored: this quiz has no question with that id',
    ]);
  });

  it("refuses answers that are not an object, saying what to give", () => {
    const quiz = loadQuiz("pre-lesson", QUIZZES_DIR);
    for (const answers of [null, ["a"], "a", 3]) {
      assert.throws(() => gradeQuiz(quiz, answers as never), AnswersFormatError);
    }
    assert.throws(() => gradeQuiz(quiz, [] as never), /answers must be an object mapping question ids to answers, e\.g\. \{ "p1": "b" \}; got a list/);
  });

  it("ignores inherited properties such as constructor", () => {
    const quiz = { id: "x", title: "X", questions: [{ id: "constructor", type: "text" as const, prompt: "?", accepted: ["y"] }] };
    assert.equal(gradeQuiz(quiz, {}).items[0].status, "unanswered");
  });
});
