import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createQuizApi, type QuizOutput } from "../lib/quiz/index";
import { progressFilePath, readProgress, recordAttempt, summarizeProgress } from "../lib/quiz/progress";
import { renderProgressText } from "../lib/quiz/render";
import { makeReport, type ReportItem } from "../lib/tasks/report";
import { QUIZZES_DIR } from "./quiz-fixtures";

function item(id: string, right: boolean): ReportItem {
  return { id, label: `question ${id}`, status: right ? "right" : "wrong", points: right ? 1 : 0, maxPoints: 1 };
}

describe("progress file", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiz-progress-"));
    file = path.join(dir, "progress.json");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is AE_PROGRESS_FILE when set, else .course-progress.json at the project root", () => {
    const saved = process.env.AE_PROGRESS_FILE;
    try {
      process.env.AE_PROGRESS_FILE = file;
      assert.equal(progressFilePath(), file);
      delete process.env.AE_PROGRESS_FILE;
      assert.equal(progressFilePath(), path.join(__dirname, "..", ".course-progress.json"));
    } finally {
      if (saved === undefined) delete process.env.AE_PROGRESS_FILE;
      else process.env.AE_PROGRESS_FILE = saved;
    }
  });

  it("appends attempts and leaves no temporary file behind", () => {
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", false), item("b", true)]), file, new Date("2025-01-01T10:00:00Z"));
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", true), item("b", false)]), file, new Date("2025-01-01T11:00:00Z"));
    const { data, warning } = readProgress(file);
    assert.equal(warning, undefined);
    assert.deepEqual(data.attempts.map((attempt) => [attempt.at, attempt.score]), [["2025-01-01T10:00:00.000Z", 1], ["2025-01-01T11:00:00.000Z", 1]]);
    assert.deepEqual(fs.readdirSync(dir), ["progress.json"]);
  });

  it("does not record an attempt in which nothing was answered", () => {
    const blank = makeReport("quiz", "q", "Q", [{ ...item("a", false), status: "unanswered" }]);
    assert.deepEqual(recordAttempt(blank, file), {});
    assert.ok(!fs.existsSync(file));
  });

  it("summarises the best and the latest score and what the latest attempt still got wrong, listing untried quizzes", () => {
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", false), item("b", false)]), file);
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", true), item("b", true)]), file);
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", true), item("b", false)]), file);
    recordAttempt(makeReport("task", "06-task-conv-vae", "Task", [item("shape", false)]), file);
    const entries = summarizeProgress(readProgress(file).data, [{ id: "first", title: "First" }, { id: "q", title: "Q" }]);
    assert.deepEqual(
      entries.map((entry) => [entry.kind, entry.id, entry.attempts, entry.best?.score, entry.best?.attempt, entry.latest?.score, entry.stillWrong.map((wrong) => wrong.id)]),
      [
        ["quiz", "first", 0, undefined, undefined, undefined, []],
        ["quiz", "q", 3, 2, 2, 1, ["b"]],
        ["task", "06-task-conv-vae", 1, 0, 1, 0, ["shape"]],
      ],
    );
    const text = renderProgressText(entries);
    assert.match(text, /^first +0 attempts +not tried yet$/m);
    assert.match(text, /^q +3 attempts +best 2 \/ 2 \(100%\) in attempt 2 of 3; latest 1 \/ 2 \(50%\)$/m);
    assert.match(text, /^ +still wrong in the latest attempt: b {2}question b$/m);
    assert.match(text, /^06-task-conv-vae +1 attempt +best 0 \/ 1 \(0%\) in attempt 1 of 1 \(the latest\)$/m);
  });

  it("counts the latest of equally good attempts as the best, so the report does not mix attempts needlessly", () => {
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", true), item("b", false)]), file);
    recordAttempt(makeReport("quiz", "q", "Q", [item("a", false), item("b", true)]), file);
    const [entry] = summarizeProgress(readProgress(file).data);
    assert.equal(entry.best?.attempt, 2);
    assert.equal(entry.best, entry.latest);
    assert.deepEqual(entry.stillWrong.map((wrong) => wrong.id), ["a"]);
  });

  it("moves a corrupt file aside with a clear warning instead of overwriting it", () => {
    fs.writeFileSync(file, "{ this is not json");
    const { warning } = recordAttempt(makeReport("quiz", "q", "Q", [item("a", true)]), file);
    assert.match(warning ?? "", /progress file .*progress\.json could not be used because it is not valid JSON .*; it was moved to .*progress\.json\.bak/);
    assert.equal(fs.readFileSync(`${file}.bak`, "utf8"), "{ this is not json");
    assert.equal(readProgress(file).data.attempts.length, 1);
    // A second broken file gets its own backup name rather than replacing the first.
    fs.writeFileSync(file, JSON.stringify({ version: 7 }));
    assert.match(readProgress(file).warning ?? "", /not a version 1 progress file/);
    assert.equal(fs.readdirSync(dir).filter((name) => name.endsWith(".bak")).length, 2);
  });
});

describe("notebook quiz API", () => {
  let dir: string;
  let shown: QuizOutput[];
  let api: ReturnType<typeof createQuizApi>;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiz-api-"));
    shown = [];
    api = createQuizApi({ quizzesDir: QUIZZES_DIR, progressFile: path.join(dir, "p.json"), output: (output) => shown.push(output) });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("shows a quiz's questions and options as Markdown", () => {
    api.show("pre-lesson");
    assert.equal(shown.length, 1);
    assert.match(shown[0], /^## Pre-lesson quiz$/m);
    assert.match(shown[0], /^\*\*1\. `p1`\*\* · single choice · 1 point {2}$/m);
    assert.match(shown[0], /^- `b` — Each image together with a class label$/m);
    assert.ok(!shown[0].includes('"answer"'));
  });

  it("shows an answers cell template with one line per question", () => {
    api.template("pre-lesson", "preLessonAnswers");
    assert.match(shown[0], /^const preLessonAnswers = \{$/m);
    assert.match(shown[0], /^ {2}p4: \[\], \/\/ a list of option ids in quotes: every option that applies$/m);
  });

  it("checks answers: shows the graded table, records the attempt, returns the typed result", () => {
    const result = api.check("pre-lesson", { p1: "a", p3: "Variational Autoencoder" });
    assert.equal(result.score, 2);
    assert.match(shown[0], /^### Pre-lesson quiz: 2 \/ 9 points \(22%\)$/m);
    assert.match(shown[0], /^\| ⬜ no answer \| `p2` \|/m);
    api.check("pre-lesson", { p1: "a" }, { record: false });
    api.check("pre-lesson", {});
    assert.match(shown[2], /_Note: nothing was answered, so this attempt is not recorded in your progress_/);
    api.report();
    assert.match(shown[3], /^\| `pre-lesson` \| Pre-lesson quiz \| 1 \| 2 \/ 9 \(22%\) \| p2, p4, p5, p6, p7 \|$/m);
    assert.match(shown[3], /^\| `post-lesson` \| Post-lesson quiz \| 0 \| not tried yet \| {2}\|$/m);
  });
});
