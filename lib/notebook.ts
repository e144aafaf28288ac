/** The bridge to the tslab kernel: rich output inside a notebook, plain console output elsewhere. */
import type * as Tslab from "tslab";

/** tslab's display functions when this process is a tslab kernel, otherwise undefined (tests, scripts). */
export function notebookDisplay(): typeof Tslab | undefined {
  try {
    // tslab's display throws "Not ready" until the kernel has connected it to Jupyter.
    const kernel = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
    return kernel.lastWriteDisplayData == null ? undefined : (require("tslab") as typeof Tslab);
  } catch {
    return undefined;
  }
}
