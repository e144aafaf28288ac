/** Quality tables for notebooks: PSNR and SSIM of image batches against their originals, shown and reported. */
import type * as tf from "@tensorflow/tfjs";
import { recordFigures, type Figure } from "../figures";
import { measureQuality, type QualityScore } from "../metrics";
import { displayBundle, notebookDisplay } from "./display";

/** Options for `showQuality`. */
export interface ShowQualityOptions {
  /** Shown in bold above the table. */
  title?: string;
}

/** The column headings; the last names the row every PSNR is compared with, so no one reads it against the row above. */
const headings = (first: QualityScore) => ["images", "PSNR (dB)", "SSIM", `PSNR vs ${first.name}`];

/** A figure name made from a score's name: lower case, runs of other characters as one underscore. */
function figureKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/** The table's rows as text cells; the last column compares each PSNR with the first row's. */
function tableRows(scores: readonly QualityScore[]): string[][] {
  const first = scores[0];
  return scores.map((score, i) => {
    const change = score.psnr - first.psnr;
    const sign = change >= 0 ? "+" : "−";
    return [score.name, score.psnr.toFixed(2), score.ssim.toFixed(3), i === 0 ? "" : `${sign}${Math.abs(change).toFixed(2)} dB`];
  });
}

/** Scores as a Markdown table and as aligned plain text (PSNR and SSIM, and each PSNR's change from the first row). */
export function qualityTable(scores: readonly QualityScore[], title?: string): { markdown: string; text: string } {
  if (scores.length === 0) throw new Error("qualityTable: there are no scores to show.");
  const rows = tableRows(scores);
  const header = headings(scores[0]);
  const markdown = [
    ...(title ? [`**${title}**`, ""] : []),
    `| ${header.join(" | ")} |`,
    "|:--|--:|--:|--:|",
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");
  const widths = header.map((heading, column) => Math.max(heading.length, ...rows.map((cells) => cells[column].length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column]))).join("  ").trimEnd();
  const text = [...(title ? [title] : []), line(header), ...rows.map(line)].join("\n");
  return { markdown: markdown + "\n", text: text + "\n" };
}

/**
 * Measures each named batch against `reference` with PSNR and SSIM, shows the table (plain text outside a
 * notebook) and records them for `npm run course` as `psnr_<name>` and `ssim_<name>`.
 */
export function showQuality(
  reference: tf.Tensor4D,
  candidates: Record<string, tf.Tensor4D>,
  options: ShowQualityOptions = {},
): void {
  const scores = measureQuality(reference, candidates);
  const { markdown, text } = qualityTable(scores, options.title);
  if (notebookDisplay()) displayBundle({ "text/markdown": markdown, "text/plain": text });
  else process.stdout.write(text);
  const figures: Record<string, Figure> = {};
  for (const score of scores) {
    figures[`psnr_${figureKey(score.name)}`] = score.psnr;
    figures[`ssim_${figureKey(score.name)}`] = score.ssim;
  }
  recordFigures(figures);
}
