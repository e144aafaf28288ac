import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createQuizApi } from "../lib/quiz/index";
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
    assert.match(markdown, /^\| ❌ wrong \| `encoder-shape` \| .* \| 0 \/ 1 \| got \[null, 4, 4, 8\] Hint: Flatten/m);
    assert.match(markdown, /^\| ✅ right \| `loss-fell` \| The loss fell during training \| 2 \/ 2 \| {2}\|$/m);
    assert.match(markdown, /\*\*1 check to revisit/);
  });

  it("keeps table rows intact when feedback holds pipes or line breaks", () => {
    const report = makeReport("quiz", "x", "X", [
      { id: "q1", label: "a | b", status: "partial", points: 0.5, maxPoints: 1, message: "line one\nline two" },
    ]);
    const row = renderReportMarkdown(report).split("\n").find((line) => line.includes("`q1`"))!;
    assert.equal(row, "| 🟡 partly right | `q1` | a \\| b | 0.5 / 1 | line one<br>line two. |");
  });

  it("renders plain text for the terminal", () => {
    const text = renderReportText(gradeConvVaeTask([null, 2], true));
    assert.match(text, /^Task: a convolutional VAE: 3 \/ 3 points \(100%\)$/m);
    assert.match(text, /✅ encoder-shape +1\/1 {2}The encoder ends/);
    assert.match(text, /All checks pass, well done!/);
  });

  it("are shown and recorded for a task through the same notebook API as quizzes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "task-report-"));
    const shown: string[] = [];
    const progressFile = path.join(dir, "progress.json");
    const api = createQuizApi({ progressFile, output: (markdown) => shown.push(markdown) });
    const report = api.present(gradeConvVaeTask([null, 2], true));
    assert.ok(report.allRight);
    assert.match(shown[0], /^### Task: a convolutional VAE: 3 \/ 3 points \(100%\)$/m);
    assert.deepEqual(readProgress(progressFile).data.attempts.map((attempt) => [attempt.kind, attempt.id, attempt.score]), [["task", "06-task-conv-vae", 3]]);
    fs.rmSync(dir, { recursive: true });
  });
});
