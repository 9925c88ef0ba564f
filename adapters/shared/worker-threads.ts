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
import { parentPort, type Transferable as NodeTransferable, Worker } from "node:worker_threads";
import type { Adapter, WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";
import type { ToWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";

/** `worker_threads` workers running `entry`, for {@link WorkerSupport}. @internal */
export function threadWorkers(entry: URL): WorkerSupport {
  return {
    hardwareConcurrency: () => availableParallelism(),
    spawn(): WorkerPort {
      const worker = new Worker(entry);
      return {
        // `transfer` holds the runtime's transferables (src's `Transferable` is declared as Node's in
        // the node project, see adapters/node/globals.d.ts). The cast is for the d.ts build and the
        // API docs, which compile all adapters in one program with the DOM lib.
        // No transfer list unless there is something to transfer: Deno takes a slower path (its
        // `op_host_post_message` instead of `op_host_post_message_raw`, about 20 µs a round trip)
        // for any second argument, even `undefined`.
        post: (message, transfer) =>
          transfer === undefined || transfer.length === 0
            ? worker.postMessage(message)
            : worker.postMessage(message, transfer as readonly NodeTransferable[]),
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

/** The worker-side half: serve `toThread` calls over `parentPort`. @internal */
export function serveThreadWorker(adapter: Adapter): void {
  const port = parentPort;
  if (port === null) throw new Error("serveThreadWorker() runs only in a worker_threads worker");
  serveWorker(
    {
      // As on the parent's side: no second argument unless something is transferred (Deno's slow path).
      post: (message, transfer) =>
        transfer === undefined || transfer.length === 0 ? port.postMessage(message) : port.postMessage(message, transfer as readonly NodeTransferable[]),
      listen: (onMessage) => port.on("message", (data: ToWorker) => onMessage(data)),
    },
    adapter,
  );
}
