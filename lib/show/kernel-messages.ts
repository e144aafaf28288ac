/**
 * Keeps the tslab kernel's messages flowing. zeromq 6 (tslab's messaging library) sends up to 512 messages on a
 * socket at once, then delays one so the event loop can breathe, and refuses any further send until that one is
 * out, with "Socket is busy writing" (EBUSY). tslab does not expect the refusal: a cell's printed lines vanish
 * after about 500, and a refusal in the middle of a cell's messages can end the kernel. Installed in a kernel, this
 * makes every send on a socket wait its turn behind the delayed one instead, in order.
 */

/** The part of a zeromq socket used here. */
interface Sender {
  send(...args: unknown[]): Promise<void>;
}

/** Per socket: the last send in line, and how many sends are waiting behind a delayed one. */
interface SendQueue {
  tail: Promise<unknown>;
  waiting: number;
}

const QUEUED = Symbol("autoencoder-course: sends wait their turn");

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * Wraps `prototype.send` (a zeromq Socket's) so that a send refused as busy waits for the socket's earlier sends and
 * is retried; while any send waits, later ones queue behind it, so messages keep their order. Safe to call twice.
 */
export function queueSocketSends(prototype: Sender): void {
  const original = prototype.send as Sender["send"] & { [QUEUED]?: true };
  if (original[QUEUED]) return;
  const queues = new WeakMap<object, SendQueue>();

  /**
   * Sends now, or returns undefined when the socket is still busy with an earlier send. A closed socket (EBADF)
   * takes nothing more: tslab answers a last heartbeat while it shuts down, and that send is dropped instead of
   * ending the process with an uncaught error (which the wasm backend's handler prints with its whole source).
   */
  const trySend = (socket: Sender, args: unknown[]): Promise<void> | undefined => {
    try {
      return original.apply(socket, args);
    } catch (error) {
      if (errorCode(error) === "EBUSY") return undefined;
      if (errorCode(error) === "EBADF") return Promise.resolve();
      throw error;
    }
  };

  /** Retries on later turns of the event loop, where zeromq writes the delayed message. */
  const sendWhenFree = async (socket: Sender, args: unknown[]): Promise<void> => {
    for (;;) {
      const sent = trySend(socket, args);
      if (sent !== undefined) return sent;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  const queued = function (this: Sender, ...args: unknown[]): Promise<void> {
    let queue = queues.get(this);
    if (queue === undefined) {
      queue = { tail: Promise.resolve(), waiting: 0 };
      queues.set(this, queue);
    }
    const line = queue;
    if (line.waiting === 0) {
      const sent = trySend(this, args);
      if (sent !== undefined) {
        line.tail = sent.catch(() => undefined);
        return sent;
      }
    }
    line.waiting += 1;
    const sent = line.tail.then(() => sendWhenFree(this, args)).finally(() => {
      line.waiting -= 1;
    });
    line.tail = sent.catch(() => undefined);
    return sent;
  } as Sender["send"] & { [QUEUED]?: true };
  queued[QUEUED] = true;
  // zeromq's native prototype makes send read-only but configurable.
  Object.defineProperty(prototype, "send", { value: queued, writable: false, enumerable: false, configurable: true });
}

/** Makes the running tslab kernel's sockets queue their sends (see above); does nothing outside a kernel. */
export function queueKernelSends(): void {
  try {
    // The zeromq that tslab itself loaded: the project installs one copy, next to tslab.
    const zeromq = require(require.resolve("zeromq", { paths: [require.resolve("tslab")] })) as { Socket: { prototype: Sender } };
    queueSocketSends(zeromq.Socket.prototype);
  } catch {
    // No zeromq next to tslab: nothing to protect.
  }
}
