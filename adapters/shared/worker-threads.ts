/**
 * Worker threads through `node:worker_threads`, shared by the Node and Deno
 * adapters: each worker runs its adapter's own worker entry, which serves
 * `toThread` calls over `parentPort` on Node (see {@link serveThreadWorker})
 * and through the worker's global scope on Deno (see
 * `adapters/deno/worker-entry.ts`).
 *
 * Deno uses this rather than its Web `Worker`: `terminate()` cannot stop a
 * Deno worker stuck in a synchronous loop, and a Web Worker left so keeps
 * the Deno process alive forever, while a `worker_threads` worker left so
 * does not (the thread still spins until the process exits; see
 * docs/runtimes.md). Exits (`process.exit`, `Deno.exit`) and uncaught errors
 * in the worker arrive as `exit` and `error` events on both runtimes.
 *
 * An idle worker is unref'd so it never keeps the process alive; a busy one
 * is ref'd.
 *
 * @internal
 * @module
 */

import { availableParallelism } from "node:os";
import { parentPort, receiveMessageOnPort, type Transferable as NodeTransferable, Worker, workerData } from "node:worker_threads";
import type { Adapter, WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";
import type { ToWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";

/**
 * The idle wait (Node's entry, {@link serveThreadWorker}): a worker with no
 * call in flight blocks in `Atomics.wait` on a word it shares with its
 * parent, for at most IDLE_WAIT ms, and takes the parent's next message
 * with `receiveMessageOnPort` the moment the parent bumps the word: a
 * futex wake instead of an event-loop turn and a `message` event (a bare
 * ping-pong on Node 24: about 8 µs a round trip against 19), so a worker fed
 * one call after another (a pool as wide as its limiter) never goes back
 * to its event loop between calls. It waits only when the worker has nothing else
 * pending that the wait would stall (`process.getActiveResourcesInfo()` lists
 * nothing but `parentPort`: no ref'd timer, socket, file request, immediate or
 * other port), and never longer than IDLE_WAIT, after which it sleeps in its
 * event loop as usual. So what the wait can hold up is only the worker's
 * unref'd timers and its microtasks, by at most IDLE_WAIT, and only between
 * calls. A worker being terminated while it waits is woken (V8 interrupts
 * `Atomics.wait`).
 *
 * Word 0 counts the parent's posts; word 1 is 1 while the worker waits (the
 * parent notifies only then).
 */
const IDLE_WAIT = 2;

/** `worker_threads` workers running `entry`, for {@link WorkerSupport}; `idleWait`: the entry serves the idle wait. @internal */
export function threadWorkers(entry: URL, options: { idleWait?: boolean } = {}): WorkerSupport {
  return {
    hardwareConcurrency: () => availableParallelism(),
    spawn(): WorkerPort {
      const shared = options.idleWait ? new Int32Array(new SharedArrayBuffer(8)) : null;
      const worker = new Worker(entry, shared === null ? undefined : { workerData: shared });
      // `transfer` holds the runtime's transferables (src's `Transferable` is declared as Node's in
      // the node project, see adapters/node/globals.d.ts). The cast is for the d.ts build and the
      // API docs, which compile all adapters in one program with the DOM lib.
      // No transfer list unless there is something to transfer: Deno takes a slower path (its
      // `op_host_post_message` instead of `op_host_post_message_raw`, about 20 µs a round trip)
      // for any second argument, even `undefined`.
      const send = (message: unknown, transfer: readonly unknown[] | undefined): void =>
        transfer === undefined || transfer.length === 0
          ? worker.postMessage(message)
          : worker.postMessage(message, transfer as readonly NodeTransferable[]);
      return {
        post:
          shared === null
            ? send
            : (message, transfer) => {
                send(message, transfer);
                // After the post: a worker that read the count before it is woken, or sees the message.
                Atomics.add(shared, 0, 1);
                if (Atomics.load(shared, 1) === 1) Atomics.notify(shared, 0, 1);
              },
        listen(handlers) {
          worker.on("message", handlers.message);
          worker.on("error", handlers.error);
          worker.on("exit", handlers.exit);
        },
        terminate: async () => {
          await worker.terminate();
        },
        setIdle: (idle) => (idle ? worker.unref() : worker.ref()),
      };
    },
  };
}

/** Nothing ref'd is pending in this worker but `parentPort` (which its listener keeps ref'd): no timer, socket, file request, immediate or other port. */
function nothingPending(): boolean {
  const pending = process.getActiveResourcesInfo();
  return pending.length === 0 || (pending.length === 1 && pending[0] === "MessagePort");
}

/** The worker-side half: serve `toThread` calls over `parentPort` (with the idle wait if the parent shares its word). @internal */
export function serveThreadWorker(adapter: Adapter): void {
  const port = parentPort;
  if (port === null) throw new Error("serveThreadWorker() runs only in a worker_threads worker");
  const shared = workerData instanceof Int32Array && workerData.buffer instanceof SharedArrayBuffer ? workerData : null;
  let deliver: ((data: unknown) => void) | null = null;
  /**
   * Called right after results were posted, in the microtask that posted
   * them: with nothing in flight and nothing else pending, waits up to
   * IDLE_WAIT ms for the parent's next message and hands it over. The
   * microtasks still queued (the finished calls' task exits) run after it,
   * before the next call's task starts, as they would have.
   */
  const idleWait = (stillIdle: () => boolean): void => {
    if (shared === null || deliver === null || !stillIdle() || !nothingPending()) return;
    const until = performance.now() + IDLE_WAIT;
    Atomics.store(shared, 1, 1);
    try {
      for (;;) {
        const seen = Atomics.load(shared, 0);
        const entry = receiveMessageOnPort(port);
        if (entry !== undefined) {
          deliver(entry.message);
          return;
        }
        const left = until - performance.now();
        if (left <= 0 || Atomics.wait(shared, 0, seen, left) === "timed-out") return;
      }
    } finally {
      Atomics.store(shared, 1, 0);
    }
  };
  serveWorker(
    {
      // As on the parent's side: no second argument unless something is transferred (Deno's slow path).
      post: (message, transfer) =>
        transfer === undefined || transfer.length === 0 ? port.postMessage(message) : port.postMessage(message, transfer as readonly NodeTransferable[]),
      listen: (onMessage) => {
        deliver = onMessage;
        port.on("message", (data: ToWorker) => onMessage(data));
      },
      idle: shared === null ? undefined : idleWait,
    },
    adapter,
  );
}
