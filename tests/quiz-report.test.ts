import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createQuizApi, type QuizOutput } from "../lib/quiz/index";
import { readProgress } from "../lib/quiz/progress";
import { checkItem, makeReport, renderReportMarkdown, renderReportText, type GradedReport } from "../lib/tasks/report";

/** A tiny task grader in the shape notebook 06's grader takes: run checks, fill the shared report. */
function gradeConvVaeTask(encoderOutputShape: Array<number | null>, lossFell: boolean): GradedReport {
  const items = [
    checkItem("encoder-shape", "The encoder ends in z_mean of shape [null, 2]", encoderOutputShape.join() === ",2", {
      message: `got [${encoderOutputShape.map(String).join(", ")}]`,
      hint: "Flatten the last feature map, then add two Dense(2) heads.",
      explanation: "The conv encoder feeds the same 2-D latent as the dense VAE.",
    }),
    checkItem("loss-fell", "The loss fell during training", lossFell, { maxPoints: 2, hint: "Train for at least one epoch." }),
  ];
  return makeReport("task", "06-task-conv-vae", "Task: a convolutional VAE", items);
}

describe("shared graded report (quizzes and tasks)", () => {
  it("adds up a task grader's checks", () => {
    const report = gradeConvVaeTask([null, 2], false);
    assert.equal(report.score, 1);
    assert.equal(report.max, 3);
    assert.equal(report.allRight, false);
    assert.equal(report.items[0].feedback, "The conv encoder feeds the same 2-D latent as the dense VAE.");
    assert.equal(report.items[1].feedback, "Train for at least one epoch.");
    assert.ok(gradeConvVaeTask([null, 2], true).allRight);
  });

  it("renders a Markdown table with status, points, feedback and score", () => {
    const markdown = renderReportMarkdown(gradeConvVaeTask([null, 4, 4, 8], true));
    assert.match(markdown, /^### Task: a convolutional VAE: 2 \/ 3 points \(67%\)$/m);
    assert.match(markdown, /^\| \| Id \| Check \| Points \| Feedback \|$/m);
    assert.match(markdown, /^\| ✗\u00a0wrong \| `encoder-shape` \| .* \| 0\u00a0\/\u00a01 \| Got \[null, 4, 4, 8\]\. Hint: Flatten the last feature map, then add two Dense\(2\) heads\. \|$/m);
    assert.match(markdown, /^\| ✓\u00a0right \| `loss-fell` \| The loss fell during training \| 2\u00a0\/\u00a02 \| {2}\|$/m);
    assert.match(markdown, /\*\*1 check to revisit/);
  });

  it("keeps table rows intact when feedback holds pipes or line breaks", () => {
    const report = makeReport("quiz", "x", "X", [
      { id: "q1", label: "a | b", status: "partial", points: 0.5, maxPoints: 1, message: "line one\nline two" },
    ]);
    const row = renderReportMarkdown(report).split("\n").find((line) => line.includes("`q1`"))!;
    assert.equal(row, "| ◐\u00a0partly\u00a0right | `q1` | a \\| b | 0.5\u00a0/\u00a01 | Line one<br>line two. |");
  });

  it("ends each part of the feedback as a sentence, whatever the grader's punctuation", () => {
    const report = makeReport("quiz", "x", "X", [
      { id: "q1", label: "Shape", status: "wrong", points: 0, maxPoints: 1, message: "your shape has 4 dimensions", feedback: "leave out the batch dimension", solution: "[4, 4, 8]" },
      { id: "q2", label: "Text", status: "right", points: 1, maxPoints: 1, message: "close (see notebook 01).", feedback: "Right?" },
    ]);
    const markdown = renderReportMarkdown(report);
    assert.match(markdown, /\| Your shape has 4 dimensions\. Hint: Leave out the batch dimension\. Answer: \[4, 4, 8\]\. \|$/m);
    assert.match(markdown, /\| Close \(see notebook 01\)\. Right\? \|$/m);
  });

  it("uses status marks that need no emoji font, in Markdown and plain text, with no-break spaces in table cells", () => {
    const statuses = ["right", "partial", "wrong", "unanswered"] as const;
    const report = makeReport("quiz", "x", "X", statuses.map((status) => ({ id: status, label: status, status, points: 0, maxPoints: 1 })));
    const markdown = renderReportMarkdown(report);
    for (const [status, mark] of [["right", "✓ right"], ["partial", "◐ partly right"], ["wrong", "✗ wrong"], ["unanswered", "– no answer"]]) {
      assert.match(markdown, new RegExp(`^\\| ${mark.replace(/ /g, "\u00a0")} \\| \`${status}\``, "m"));
    }
    // Emoji live above U+1F000 or in the U+2B00/U+2700 pictograph blocks, which fonts without emoji draw as boxes.
    const emoji = /[\u{1F000}-\u{1FFFF}\u2B1C\u2705\u274C\u26A0]/u;
    assert.ok(!emoji.test(markdown + renderReportText(report)));
  });

  it("renders plain text for the terminal", () => {
    const text = renderReportText(gradeConvVaeTask([null, 2], true));
    assert.match(text, /^Task: a convolutional VAE: 3 \/ 3 points \(100%\)$/m);
    assert.match(text, /^✓ encoder-shape +1\/1 {2}The encoder ends/m);
    assert.match(text, /^ {6}Got \[null, 2\]\.$/m);
    assert.match(text, /All checks pass, well done!/);
  });

  it("are shown and recorded for a task through the same notebook API as quizzes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "task-report-"));
    const shown: QuizOutput[] = [];
    const progressFile = path.join(dir, "progress.json");
    const api = createQuizApi({ progressFile, output: (output) => shown.push(output) });
    const report = gradeConvVaeTask([null, 2], true);
    api.present(report);
    assert.match(shown[0].markdown, /^### Task: a convolutional VAE: 3 \/ 3 points \(100%\)$/m);
    assert.equal(shown[0].text, renderReportText(report));
    assert.deepEqual(readProgress(progressFile).data.attempts.map((attempt) => [attempt.kind, attempt.id, attempt.score]), [["task", "06-task-conv-vae", 3]]);
    fs.rmSync(dir, { recursive: true });
  });
});
