/** The bridge to the tslab kernel: rich outputs in a notebook, loaded lazily so tests and scripts need no kernel. */
import type * as Tslab from "tslab";
import { queueKernelSends } from "./kernel-messages";

/** tslab's display functions when this process is a tslab kernel, otherwise undefined (tests, scripts). */
export function notebookDisplay(): typeof Tslab | undefined {
  try {
    // Lazy: tslab pulls in its own TypeScript compiler. Its display throws "Not ready" until a kernel connects it.
    const kernel = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    return kernel.lastWriteDisplayData == null ? undefined : (require("tslab") as typeof Tslab);
  } catch {
    return undefined;
  }
}

// Loaded in a kernel (a notebook's Setup cell), protect its messaging before the notebook sends much.
if (notebookDisplay()) queueKernelSends();

function send(what: string, write: (display: Tslab.Display) => void): void {
  const tslab = notebookDisplay();
  if (!tslab) {
    throw new Error(
      `Cannot show ${what}: no tslab kernel is running this code (or it is a different tslab install than the ` +
        `project's). In a script, build the picture with the pure helper (e.g. imageGrid, vegaLiteToSvg) and save it.`,
    );
  }
  write(tslab.display);
}

/**
 * Shows one output with several representations, e.g. Markdown plus plain text. Jupyter renders the richest one
 * it may; a notebook that is not trusted (edited and saved in some classic Notebook setups) still shows the text.
 */
export function displayBundle(representations: { [mimeType: string]: string }): void {
  send("an output", () => {
    const kernel = require("tslab/dist/jupyter") as {
      lastWriteDisplayData(data: { data: object; metadata: object; transient: object }, update: boolean): void;
    };
    kernel.lastWriteDisplayData({ data: representations, metadata: {}, transient: {} }, false);
  });
}

/** Shows PNG bytes as an image output of the current notebook cell. */
export function displayPng(png: Uint8Array): void {
  send("a PNG image", (display) => display.png(png));
}
