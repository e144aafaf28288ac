import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadQuiz } from "../lib/quiz/files";
import type { GradedReport } from "../lib/tasks/report";
import { QUIZZES_DIR, rightAnswer, wrongAnswer } from "./quiz-fixtures";

const ROOT = path.join(__dirname, "..");
const SCRIPT = path.join(ROOT, "scripts", "quiz.ts");

describe("quiz command line", () => {
  let dir: string;
  let progressFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiz-cli-"));
    progressFile = path.join(dir, "progress.json");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs `tsx scripts/quiz.ts …` from another folder (cwd, default the temporary one), so the script must find the
   * project on its own; INIT_CWD is what npm sets to the folder the command was typed in, unset unless given.
   */
  function quizIn(where: { cwd?: string; initCwd?: string }, ...args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, AE_PROGRESS_FILE: progressFile };
    delete env.INIT_CWD;
    if (where.initCwd !== undefined) env.INIT_CWD = where.initCwd;
    const run = spawnSync(process.execPath, ["--require", require.resolve("tsx/cjs"), SCRIPT, ...args], {
      cwd: where.cwd ?? dir,
      env,
      encoding: "utf8",
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  function quiz(...args: string[]) {
    return quizIn({}, ...args);
  }

  function answersFile(name: string, content: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
  }

  const preLesson = loadQuiz("pre-lesson", QUIZZES_DIR);
  const allRight = Object.fromEntries(preLesson.questions.map((question) => [question.id, rightAnswer(question)]));

  it("lists the quizzes and shows one with an answer-file template", () => {
    const list = quiz("list");
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^pre-lesson +Pre-lesson quiz$/m);
    assert.equal(list.stdout.trim().split("\n").length, 7);
    const show = quiz("show", "04-vae");
    assert.equal(show.code, 0);
    assert.match(show.stdout, /^3\. \[v3\] The sampling layer computes/m);
    assert.match(show.stdout, /npm run quiz -- check 04-vae <file>\n\{\n {2}"v1": "",/);
  });

  it("check exits 0 when all answers are right and 1 when some are wrong", () => {
    const right = quiz("check", "pre-lesson", answersFile("right.json", allRight));
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^Pre-lesson quiz: 10 \/ 10 points \(100%\)$/m);
    const oneWrong = { ...allRight, p7: wrongAnswer(preLesson.questions[6]) };
    const wrong = quiz("check", "pre-lesson", answersFile("wrong.json", oneWrong));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^✗ p7 +0\/1 {2}The latent code/m);
    assert.match(wrong.stdout, /Hint: What would stop the network/);
    assert.ok(!wrong.stdout.includes("Answer:"), "no solution unless --reveal");
    assert.match(quiz("check", "pre-lesson", answersFile("w.json", oneWrong), "--reveal").stdout, /Answer: false/);
  });

  it("check --json prints the graded result: score, max and per-question results", () => {
    const run = quiz("check", "pre-lesson", answersFile("a.json", { p1: " A ", p4: ["b", "d"], p5: "nope" }), "--json");
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as GradedReport;
    assert.equal(report.id, "pre-lesson");
    assert.equal(report.score, 2.33);
    assert.equal(report.max, 10);
    assert.equal(report.items.length, 8);
    assert.deepEqual(
      report.items.map((item) => [item.id, item.status, item.points]),
      [["p1", "right", 1], ["p2", "unanswered", 0], ["p3", "unanswered", 0], ["p4", "partial", 1.33], ["p5", "wrong", 0], ["p6", "unanswered", 0], ["p7", "unanswered", 0], ["p8", "unanswered", 0]],
    );
    assert.match(report.items[4].message ?? "", /expected true or false/);
  });

  it("exits 2 with a one-line reason for unusable input", () => {
    const cases: Array<[string[], RegExp]> = [
      [["check", "pre-lesson", path.join(dir, "missing.json")], /answers file .*missing\.json does not exist/],
      [["check", "pre-lesson", answersFile("bad.json", "{ p1: ")], /answers file .*bad\.json is not valid JSON/],
      [["check", "no-such-quiz", answersFile("ok.json", {})], /no quiz "no-such-quiz"; the quizzes are: pre-lesson/],
      [["check", "pre-lesson", answersFile("list.json", ["a", "b"])], /answers must be an object .*got a list/],
      [["check", "pre-lesson"], /check needs a quiz id and an answers file/],
      [["check", "pre-lesson", answersFile("ok2.json", {}), "--xml"], /unknown option --xml/],
      [["check", "04-vae", answersFile("other.json", allRight)], /none of the ids in .*other\.json \(p1, p2, p3, …\) is a question of 04-vae \(v1, v2/],
      [["show", "nope"], /no quiz "nope"/],
      [["grade"], /unknown command "grade"/],
    ];
    for (const [args, reason] of cases) {
      const run = quiz(...args);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, reason);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.equal(run.stdout, "");
    }
    assert.ok(!fs.existsSync(progressFile), "unusable input records no attempt");
  });

  it("with --json, reports unusable input as JSON on stdout too, so a script reading the output still gets JSON", () => {
    const run = quiz("check", "pre-lesson", answersFile("list.json", ["a"]), "--json");
    assert.equal(run.code, 2);
    const printed = JSON.parse(run.stdout) as { error: string; exitCode: number };
    assert.equal(printed.exitCode, 2);
    assert.match(printed.error, /answers must be an object .*got a list/);
  });

  it("reads an answers file that starts with a byte-order mark, as Windows editors save UTF-8 (bug: 'not valid JSON')", () => {
    const run = quiz("check", "pre-lesson", answersFile("bom.json", "\uFEFF" + JSON.stringify(allRight)));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /10 \/ 10 points/);
  });

  it("still shows the grade when the progress file cannot be written, says why, and leaves no temporary file", () => {
    fs.mkdirSync(progressFile); // a folder where the file should be: unreadable and unwritable as a file, even for root
    const run = quiz("check", "pre-lesson", answersFile("all.json", allRight));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /10 \/ 10 points/);
    assert.match(run.stdout, /this attempt is not recorded: the progress file .*progress\.json cannot be used \(EISDIR.*\); set AE_PROGRESS_FILE to a file you can write/);
    assert.deepEqual(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp")), []);
    const report = quiz("report");
    assert.equal(report.code, 0);
    assert.match(report.stderr, /^warning: the progress file .* cannot be used \(EISDIR/);
    assert.match(report.stdout, /^pre-lesson +0 attempts +not tried yet$/m);
  });

  it("reads a relative answers path from the folder the command was typed in (npm's INIT_CWD), else the current one", () => {
    const typedIn = path.join(dir, "my-answers");
    fs.mkdirSync(typedIn);
    fs.writeFileSync(path.join(typedIn, "answers.json"), JSON.stringify(allRight));
    // As npm runs it: in the project root, with INIT_CWD naming the learner's folder.
    const viaNpm = quizIn({ cwd: ROOT, initCwd: typedIn }, "check", "pre-lesson", "answers.json");
    assert.equal(viaNpm.code, 0, viaNpm.stderr);
    const direct = quizIn({ cwd: typedIn }, "check", "pre-lesson", "answers.json");
    assert.equal(direct.code, 0, direct.stderr);
    const missing = quizIn({ cwd: ROOT, initCwd: typedIn }, "check", "pre-lesson", "missing.json");
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `quiz: answers file ${path.join(typedIn, "missing.json")} does not exist\n`);
  });

  it("report prints the best and latest score per quiz and what the latest attempt did not get right", () => {
    quiz("check", "pre-lesson", answersFile("1.json", allRight));
    quiz("check", "pre-lesson", answersFile("2.json", { ...allRight, p2: "a", p6: ["b"] }));
    const run = quiz("report");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^pre-lesson +2 attempts +best 10 \/ 10 \(100%\) in attempt 1 of 2; latest 8 \/ 10 \(80%\)$/m);
    assert.match(run.stdout, /^ +not right yet in the latest attempt:\n +p2 {2}An autoencoder has two halves.*\n +p6 {2}A VAE is trained by minimising/m);
    assert.match(run.stdout, /^post-lesson +0 attempts +not tried yet$/m);
  });

  it("report warns about a corrupt progress file and keeps it as a backup", () => {
    fs.writeFileSync(progressFile, "garbage");
    const run = quiz("report");
    assert.equal(run.code, 0);
    assert.match(run.stderr, /^warning: progress file .* could not be used because it is not valid JSON .* moved to .*progress\.json\.bak/);
    assert.equal(fs.readFileSync(`${progressFile}.bak`, "utf8"), "garbage");
  });
});
