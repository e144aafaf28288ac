/** Training progress: one line updated in place in a notebook, plus a permanent line per epoch. */
import { notebookDisplay } from "../show/display";

/** Where a training loop reports to. */
export interface ProgressReporter {
  /** Replaces the live status line (throttled; shown only in a notebook). */
  update(status: string): void;
  /** Prints a line that stays (one per epoch). */
  log(line: string): void;
  /** Shows the final status line. */
  done(status: string): void;
}

/**
 * A reporter for the current environment: a live-updating output in tslab, console lines elsewhere. The live line
 * changes at most once a second: every update is a kernel message, and once a second reads as live while keeping
 * the notebook's message traffic small (see lib/show/kernel-messages.ts for why floods of messages are fragile).
 */
export function trainingProgress(minimumMilliseconds = 1000): ProgressReporter {
  const live = notebookDisplay()?.newDisplay();
  let lastShown = 0;
  return {
    update(status) {
      const now = Date.now();
      if (!live || now - lastShown < minimumMilliseconds) return;
      lastShown = now;
      live.text(status);
    },
    log(line) {
      console.log(line);
    },
    done(status) {
      if (live) live.text(status);
      else console.log(status);
    },
  };
}

/** A text progress bar such as `[######----]`. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}
