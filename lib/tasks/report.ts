/**
 * One feedback format for everything a learner gets graded on: quiz answers and notebook tasks.
 * A grader fills a GradedReport; the renderers turn it into a Markdown table (notebooks) or plain text (terminal).
 */
import { plural } from "../plural";

/** How one graded item came out. */
export type ItemStatus = "right" | "partial" | "wrong" | "unanswered";

/** What a learner is graded on: a quiz's questions or a task's checks. */
export type ReportKind = "quiz" | "task";

/** One graded question or check. */
export interface ReportItem {
  /** Stable id (question id or check id), used in answer files and the progress file. */
  id: string;
  /** A short description of the item, shown in tables. */
  label: string;
  status: ItemStatus;
  points: number;
  maxPoints: number;
  /** Why the item was graded so, e.g. "expected a number, got the text "abc"". */
  message?: string;
  /** The hint after a wrong or partial answer, the explanation after a right one. */
  feedback?: string;
  /** The right answer; only filled when the learner asked for it. */
  solution?: string;
}

/** A graded attempt at one quiz or task. */
export interface GradedReport {
  kind: ReportKind;
  id: string;
  title: string;
  score: number;
  max: number;
  allRight: boolean;
  items: ReportItem[];
  /** Remarks about the attempt as a whole, e.g. answers given for questions that do not exist. */
  notes: string[];
}

/** Rounds points to two decimals so partial credit reads cleanly in tables and JSON. */
export function roundPoints(points: number): number {
  return Math.round(points * 100) / 100;
}

/** Builds a report from graded items, adding up the score. */
export function makeReport(kind: ReportKind, id: string, title: string, items: ReportItem[], notes: string[] = []): GradedReport {
  const score = roundPoints(items.reduce((sum, item) => sum + item.points, 0));
  const max = roundPoints(items.reduce((sum, item) => sum + item.maxPoints, 0));
  return { kind, id, title, score, max, allRight: items.every((item) => item.status === "right"), items, notes };
}

/** Builds one item from whether a task check passed (all or nothing); graders wanting partial credit fill a ReportItem directly. */
export function checkItem(
  id: string,
  label: string,
  passed: boolean,
  details: { maxPoints?: number; message?: string; hint?: string; explanation?: string } = {},
): ReportItem {
  const maxPoints = details.maxPoints ?? 1;
  const feedback = passed ? details.explanation : details.hint;
  return {
    id,
    label,
    status: passed ? "right" : "wrong",
    points: passed ? maxPoints : 0,
    maxPoints,
    ...(details.message === undefined ? {} : { message: details.message }),
    ...(feedback === undefined ? {} : { feedback }),
  };
}

// Symbols every common font has (emoji render as empty boxes in browsers without an emoji font).
const STATUS_MARK: Record<ItemStatus, string> = { right: "✓", partial: "◐", wrong: "✗", unanswered: "–" };
/** Joins words with no-break spaces, so a narrow table column does not split "2 / 3" or "no answer". */
const unbroken = (text: string): string => text.replace(/ /g, "\u00a0");
const STATUS_WORD: Record<ItemStatus, string> = { right: "right", partial: "partly right", wrong: "wrong", unanswered: "no answer" };

/** Formats a point count without trailing zeros: 1, 0.67, 2.5. */
export function formatPoints(points: number): string {
  return String(roundPoints(points));
}

function percent(report: GradedReport): string {
  return report.max === 0 ? "0%" : `${Math.round((100 * report.score) / report.max)}%`;
}

/** The one-line verdict under a report. */
function verdict(report: GradedReport): string {
  if (report.allRight) return report.kind === "quiz" ? "All right, well done!" : "All checks pass, well done!";
  const open = report.items.filter((item) => item.status !== "right").length;
  const [what, change] =
    report.kind === "quiz" ? ["question", "change your answers and check again"] : ["check", "change your code and grade again"];
  return `${plural(open, what)} to revisit: read the hints, ${change}.`;
}

/** Ends text with a full stop unless it already ends in . ! ? or … (maybe followed by a closing bracket or quote). */
function withFullStop(text: string): string {
  return /[.!?…]["'”)\]]*$/.test(text) ? text : `${text}.`;
}

/** Makes a message or hint a sentence: capital first letter and final punctuation, so parts joined on one line read well. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return withFullStop(trimmed.charAt(0).toUpperCase() + trimmed.slice(1));
}

/** What to say about an item, one sentence per part: the grader's message, the hint or explanation, the solution if revealed. */
function itemComment(item: ReportItem): string[] {
  const parts: string[] = [];
  if (item.message) parts.push(sentence(item.message));
  if (item.feedback) parts.push(item.status === "right" ? sentence(item.feedback) : `Hint: ${sentence(item.feedback)}`);
  if (item.solution !== undefined) parts.push(`Answer: ${withFullStop(item.solution)}`);
  return parts;
}

/** Escapes text for a Markdown table cell (pipes and line breaks would break the row). */
function tableCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Renders a report as a Markdown table with a score line, for tslab's display. */
export function renderReportMarkdown(report: GradedReport): string {
  const itemHeading = report.kind === "quiz" ? "Question" : "Check";
  const lines = [
    `### ${report.title}: ${formatPoints(report.score)} / ${formatPoints(report.max)} points (${percent(report)})`,
    "",
    `| | Id | ${itemHeading} | Points | Feedback |`,
    "|:--|:--|:--|--:|:--|",
    ...report.items.map((item) => {
      const cells = [
        unbroken(`${STATUS_MARK[item.status]} ${STATUS_WORD[item.status]}`),
        `\`${tableCell(item.id)}\``,
        tableCell(item.label),
        unbroken(`${formatPoints(item.points)} / ${formatPoints(item.maxPoints)}`),
        tableCell(itemComment(item).join(" ")),
      ];
      return `| ${cells.join(" | ")} |`;
    }),
    "",
    `**${verdict(report)}**`,
  ];
  for (const note of report.notes) lines.push("", `_Note: ${note}_`);
  return lines.join("\n") + "\n";
}

/** Renders a report as plain text for a terminal. */
export function renderReportText(report: GradedReport): string {
  const lines = [`${report.title}: ${formatPoints(report.score)} / ${formatPoints(report.max)} points (${percent(report)})`, ""];
  const idWidth = Math.max(4, ...report.items.map((item) => item.id.length));
  for (const item of report.items) {
    const head = `${STATUS_MARK[item.status]} ${item.id.padEnd(idWidth)} ${`${formatPoints(item.points)}/${formatPoints(item.maxPoints)}`.padStart(9)}  ${item.label}`;
    lines.push(head, ...itemComment(item).map((part) => `      ${part}`));
  }
  lines.push("", verdict(report));
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return lines.join("\n") + "\n";
}
