"""Execute one notebook with nbclient, printing progress live; used by scripts/course.ts.

Writes the executed (and signed, so the classic UI trusts its SVG/HTML) notebook to OUTPUT even when a cell
fails, and a JSON result {"status", "failed_cell", "message"} to RESULT. Exit code: 0 ok, 1 a cell raised or the
kernel could not run the notebook.
"""
import argparse
import json
import logging
import os
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat.sign import NotebookNotary

STREAM_PREFIX = "      | "


def first_line(source):
    """The first non-blank line of a cell's source, shortened for a progress line."""
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:100]
    return ""


class ProgressClient(NotebookClient):
    """A NotebookClient that prints each cell's start and time, and the kernel's stream output line by line."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self._partial = {}

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] == "stream":
            self._echo(msg["content"]["name"], msg["content"]["text"])
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            self._flush_partial()
        return super().process_message(msg, cell, cell_index)

    def _echo(self, name, text):
        lines = (self._partial.pop(name, "") + text).split("\n")
        # tfjs progress bars redraw with "\r"; show only the latest state of each line.
        for line in lines[:-1]:
            print(STREAM_PREFIX + line.split("\r")[-1], flush=True)
        if lines[-1]:
            self._partial[name] = lines[-1]

    def _flush_partial(self):
        for rest in self._partial.values():
            print(STREAM_PREFIX + rest.split("\r")[-1], flush=True)
        self._partial.clear()


def start_kernel(client, attempts):
    """Start the kernel and wait until it answers; a rare zeromq EBUSY race leaves a mute kernel, so retry."""
    for attempt in range(1, attempts + 1):
        try:
            client.km = client.create_kernel_manager()
            client.start_new_kernel()
            client.start_new_kernel_client()
            return
        except Exception as error:  # noqa: BLE001 - any start failure gets the same retry
            shutdown_kernel(client)
            if attempt == attempts:
                raise RuntimeError(f"the {client.kernel_name} kernel did not start: {error}") from error
            print(f"  kernel did not start ({error}); retrying", flush=True)


def shutdown_kernel(client):
    if client.km is not None:
        try:
            client._cleanup_kernel()  # nbclient's own teardown: shutdown, stop channels, clean files
        except Exception as error:  # noqa: BLE001 - teardown must not hide the run's result
            print(f"  warning: kernel shutdown failed: {error}", file=sys.stderr, flush=True)
        client.km = None
        client.kc = None


def run_cells(client, nb):
    """Execute every code cell in order; returns the index of the cell that raised, or None."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        print(f"  [{index:>2}] {first_line(cell.source)}", flush=True)
        started = time.monotonic()
        try:
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            client._flush_partial()
            print(f"  [{index:>2}] FAILED after {time.monotonic() - started:.1f} s ({type(error).__name__})", flush=True)
            return index
        print(f"  [{index:>2}] done in {time.monotonic() - started:.1f} s", flush=True)
    return None


def execute(source, output, kernel, timeout, startup_timeout, attempts):
    nb = nbformat.read(source, as_version=4)
    client = ProgressClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        startup_timeout=startup_timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    client.reset_execution_trackers()
    result = {"status": "ok", "failed_cell": None, "message": ""}
    try:
        start_kernel(client, attempts)
        failed = run_cells(client, nb)
        if failed is not None:
            result = {"status": "error", "failed_cell": failed, "message": "a cell raised"}
    except KeyboardInterrupt:
        # The interrupted cell's task ends later with an error nobody awaits; asyncio would print it at exit.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        result = {"status": "error", "failed_cell": None, "message": "interrupted"}
    except Exception as error:  # noqa: BLE001 - report any infrastructure failure as the notebook's error
        result = {"status": "error", "failed_cell": None, "message": str(error)}
    finally:
        shutdown_kernel(client)
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        NotebookNotary().sign(nb)
        nbformat.write(nb, output)
    return result


def stop_on_term(signum, frame):
    """Treat TERM like Ctrl-C, so the partial notebook is still written and the kernel shut down."""
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, stop_on_term)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source")
    parser.add_argument("output")
    parser.add_argument("result", help="file to write the JSON result to")
    parser.add_argument("--kernel", default="tslab")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may run")
    parser.add_argument("--startup-timeout", type=int, default=60, help="seconds to wait for the kernel")
    parser.add_argument("--attempts", type=int, default=2, help="kernel start attempts")
    args = parser.parse_args()
    result = execute(args.source, args.output, args.kernel, args.timeout, args.startup_timeout, args.attempts)
    with open(args.result, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    sys.exit(0 if result["status"] == "ok" else 1)


if __name__ == "__main__":
    main()
