import { strict as assert } from "node:assert";
import * as path from "node:path";
import { queueSocketSends } from "../lib/show/kernel-messages";
import { makeScratchDir, readNotebook, runCourseCli, writeNotebook } from "./helpers/course-fixture";

/**
 * A socket that behaves like zeromq 6's: the first `syncLimit` sends go out at once, the next is delayed to a later
 * turn of the event loop, and any send before that delayed one is out throws EBUSY.
 */
class FakeSocket {
  sent: string[] = [];
  private inARow = 0;
  private delayed = false;
  constructor(private readonly syncLimit: number) {}

  send(message: string): Promise<void> {
    if (this.delayed) throw Object.assign(new Error("Socket is busy writing"), { code: "EBUSY" });
    if (this.inARow++ < this.syncLimit) {
      this.sent.push(message);
      return Promise.resolve();
    }
    this.delayed = true;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sent.push(message);
        this.delayed = false;
        this.inARow = 0;
        resolve();
      }),
    );
  }
}

const messages = (count: number) => Array.from({ length: count }, (_, i) => `m${i}`);

describe("kernel messages", () => {
  it("a zeromq-like socket refuses a send while one is delayed (the failure being worked around)", () => {
    const socket = new FakeSocket(3);
    assert.throws(() => messages(5).forEach((message) => void socket.send(message)), /busy writing/);
  });

  it("queued sends never throw, and every message goes out once, in order", async () => {
    class Queued extends FakeSocket {}
    queueSocketSends(Queued.prototype as unknown as { send(...args: unknown[]): Promise<void> });
    queueSocketSends(Queued.prototype as unknown as { send(...args: unknown[]): Promise<void> }); // harmless twice
    const socket = new Queued(3);
    const all = messages(20);
    const results = all.map((message) => socket.send(message));
    await Promise.all(results);
    assert.deepEqual(socket.sent, all);
  });

  it("drops a send on a closed socket (EBADF) instead of throwing, as tslab sends a last heartbeat at shutdown", async () => {
    class Closed {
      send(): Promise<void> {
        throw Object.assign(new Error("Socket is closed"), { code: "EBADF" });
      }
    }
    queueSocketSends(Closed.prototype as unknown as { send(...args: unknown[]): Promise<void> });
    await new Closed().send();
  });

  it("passes other errors through", () => {
    class Broken {
      send(): Promise<void> {
        throw new Error("Socket is closed");
      }
    }
    queueSocketSends(Broken.prototype as unknown as { send(...args: unknown[]): Promise<void> });
    assert.throws(() => new Broken().send(), /Socket is closed/);
  });

  it("in a tslab kernel with the library loaded, a cell's 800 printed lines all arrive (stock: about 500)", async function () {
    this.timeout(120_000);
    const dir = makeScratchDir("kernel-messages");
    writeNotebook(dir, "01-prints.ipynb", [
      'import { keep } from "autoencoder-course";',
      'for (let i = 0; i < 800; i++) console.log("line " + i);',
      'console.log("alive");',
    ]);
    const out = path.join(dir, "executed");
    const run = await runCourseCli(["--profile", "smoke", "--notebooks", dir, "--out", out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const cells = readNotebook(path.join(out, "01-prints.ipynb")).cells;
    const text = (cell: (typeof cells)[number]) => (cell.outputs ?? []).map((output) => [output.text ?? ""].flat().join("")).join("");
    const lines = text(cells[1]).split("\n").filter((line) => line.startsWith("line "));
    assert.deepEqual(lines, messages(800).map((_, i) => `line ${i}`));
    assert.match(text(cells[2]), /alive/);
  });
});
