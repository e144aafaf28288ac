import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createQuizApi, type QuizOutput } from "../lib/quiz/index";
import { BLANK_ATTEMPT_NOTE, progressFilePath, readProgress, recordAttempt, REVEALED_ATTEMPT_NOTE, summarizeProgress } from "../lib/quiz/progress";
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
    assert.deepEqual(recordAttempt(blank, file), { notRecorded: BLANK_ATTEMPT_NOTE });
    assert.ok(!fs.existsSync(file));
  });

  it("does not record an attempt whose answers were revealed, so a best score is always earned", () => {
    const revealed = makeReport("quiz", "q", "Q", [{ ...item("a", true), solution: "b" }]);
    assert.deepEqual(recordAttempt(revealed, file), { notRecorded: REVEALED_ATTEMPT_NOTE });
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
    assert.match(text, /^ +not right yet in the latest attempt:\n +b {2}question b$/m);
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

  it("shows a quiz's questions and options as Markdown, with the same questions as plain text", () => {
    api.show("pre-lesson");
    assert.equal(shown.length, 1);
    const { markdown, text } = shown[0];
    assert.match(markdown, /^## Pre-lesson quiz$/m);
    assert.match(markdown, /^\*\*1\. `p1`\*\* · single choice · 1 point {2}$/m);
    assert.match(markdown, /^- `b` — Each image together with a class label$/m);
    assert.ok(!markdown.includes('"answer"'));
    assert.match(text, /^Pre-lesson quiz\n=+$/m);
    assert.match(text, /^1\. \[p1\] /m);
    assert.match(text, /^ +b\) {2}Each image together with a class label$/m);
    assert.ok(!text.includes("npm run quiz"), "the notebook's text has no command-line instructions");
  });

  it("shows an answers cell template with one line per question", () => {
    api.template("pre-lesson", "preLessonAnswers");
    assert.match(shown[0].markdown, /^```ts\nconst preLessonAnswers = \{$/m);
    assert.match(shown[0].markdown, /^ {2}p4: \[\], \/\/ a list of option ids in quotes: every option that applies$/m);
    assert.match(shown[0].text, /^const preLessonAnswers = \{\n/);
    assert.ok(!shown[0].text.includes("```"));
  });

  it("tells how to write a shape the way its question asks: without the batch dimension, or with null for it", () => {
    api.template("01-autoencoder", "notebook01Answers");
    assert.match(shown[0].text, /^ {2}a1: "", \/\/ a shape such as \[2, 3\] or "2x3", without the batch dimension$/m);
    api.template("03-super-resolution");
    assert.match(shown[1].text, /^ {2}s1: "", \/\/ a shape such as \[null, 2, 3\], with null for the batch size left open$/m);
  });

  it("checks answers: shows the graded table and its text, records the attempt, and returns nothing for tslab to print", () => {
    const result: unknown = api.check("pre-lesson", { p1: "a", p3: "Variational Autoencoder" });
    assert.equal(result, undefined);
    assert.deepEqual(readProgress(path.join(dir, "p.json")).data.attempts.map((attempt) => attempt.score), [2]);
    assert.match(shown[0].markdown, /^### Pre-lesson quiz: 2 \/ 10 points \(20%\)$/m);
    assert.match(shown[0].markdown, /^\| –\u00a0no\u00a0answer \| `p2` \|/m);
    assert.match(shown[0].text, /^Pre-lesson quiz: 2 \/ 10 points \(20%\)$/m);
    assert.match(shown[0].text, /^– p2 +0\/1 {2}/m);
    api.check("pre-lesson", { p1: "a" }, { record: false });
    api.check("pre-lesson", {});
    assert.match(shown[2].markdown, /_Note: nothing was answered, so this attempt is not recorded in your progress file_/);
    assert.match(shown[2].text, /^Note: nothing was answered/m);
    api.check("pre-lesson", { p1: "b", p3: "variational autoencoders" });
    api.report();
    const report = shown[4];
    assert.match(report.markdown, /^\| Id \| Quiz or task \| Attempts \| Best score \| Latest score \| Not right yet in the latest attempt \|$/m);
    assert.match(report.markdown, /^\| `pre-lesson` \| Pre-lesson quiz \| 2 \| 2 \/ 10 \(20%\), attempt 1 \| 1 \/ 10 \(10%\) \| p1, p2 \(no answer\), p4 \(no answer\), p5 \(no answer\), p6 \(no answer\), p7 \(no answer\), p8 \(no answer\) \|$/m);
    assert.match(report.markdown, /^\| `post-lesson` \| Post-lesson quiz \| 0 \| not tried yet \| {2}\| {2}\|$/m);
    assert.match(report.text, /^pre-lesson +2 attempts +best 2 \/ 10 \(20%\) in attempt 1 of 2; latest 1 \/ 10 \(10%\)$/m);
    assert.match(report.text, /^ +not right yet in the latest attempt:\n +p1 {2}/m);
  });
});

describe("notebook quiz API, default output", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiz-out-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs fn with process.stdout.write captured; returns what was written. */
  function captureStdout(fn: () => void): string {
    const chunks: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      fn();
    } finally {
      process.stdout.write = write;
    }
    return chunks.join("");
  }

  it("prints the plain text to stdout outside a kernel", () => {
    const api = createQuizApi({ quizzesDir: QUIZZES_DIR, progressFile: path.join(dir, "p.json") });
    const printed = captureStdout(() => api.check("pre-lesson", { p1: "a" }));
    assert.match(printed, /^Pre-lesson quiz: 1 \/ 10 points \(10%\)$/m);
    assert.ok(!printed.includes("|:--"), "no Markdown table in a terminal");
  });

  it("sends Markdown with a text/plain fallback in a kernel, so an untrusted notebook still shows the quiz", () => {
    const kernel = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    const sent: Array<{ data: Record<string, string> }> = [];
    kernel.lastWriteDisplayData = (message: { data: Record<string, string> }) => sent.push(message);
    try {
      const api = createQuizApi({ quizzesDir: QUIZZES_DIR, progressFile: path.join(dir, "p.json") });
      const printed = captureStdout(() => {
        api.show("pre-lesson");
        api.check("pre-lesson", { p1: "a" });
        api.report();
      });
      assert.equal(printed, "");
      assert.deepEqual(sent.map((message) => Object.keys(message.data).sort()), Array(3).fill(["text/markdown", "text/plain"]));
      assert.match(sent[0].data["text/markdown"], /^## Pre-lesson quiz$/m);
      assert.match(sent[0].data["text/plain"], /^1\. \[p1\] /m);
      assert.match(sent[1].data["text/plain"], /^Pre-lesson quiz: 1 \/ 10 points \(10%\)$/m);
      assert.match(sent[2].data["text/plain"], /^Your progress$/m);
    } finally {
      kernel.lastWriteDisplayData = null;
    }
  });
});
