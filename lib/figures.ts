/** Key figures of a notebook run (backend, dataset, final losses…), collected for the course runner's summary. */
import * as fs from "node:fs";

/** One figure's value. */
export type Figure = number | string | boolean;

/**
 * Merges figures into the JSON file named by AE_FIGURES_FILE (set by `npm run course`); does nothing when unset.
 * The file is rewritten through a temporary file, so a crash never leaves half a summary.
 */
export function recordFigures(figures: Record<string, Figure>): void {
  const file = process.env.AE_FIGURES_FILE;
  if (!file) return;
  let known: Record<string, Figure> = {};
  try {
    known = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    // First figure of this run, or an unreadable file that the runner will replace.
  }
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify({ ...known, ...figures }, null, 2));
  fs.renameSync(temporary, file);
}
