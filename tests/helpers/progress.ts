/** Progress reporters for training tests: they keep the lines a run prints and show no live line. */
import type { ProgressReporter } from "../../lib/train/progress";

/** A reporter that appends every permanent line (epoch lines, summary, messages) to `lines`. */
export function quietProgress(lines: string[] = []): ProgressReporter {
  return { update: () => undefined, log: (line) => lines.push(line), done: (line) => lines.push(line) };
}

/**
 * A reporter that sends SIGINT, as Jupyter's Kernel → Interrupt does, from the live line of batch number `atBatch`
 * (counted over the whole run), and counts the batches that reported.
 */
export function interruptingProgress(lines: string[], atBatch: number): { progress: ProgressReporter; batches: () => number } {
  let batches = 0;
  const progress: ProgressReporter = {
    ...quietProgress(lines),
    update: () => {
      if (++batches === atBatch) process.emit("SIGINT");
    },
  };
  return { progress, batches: () => batches };
}
