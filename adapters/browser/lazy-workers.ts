/**
 * The browser adapter's `workers`, loaded on first use: `spawn` returns a
 * port at once and imports the `Worker` code (`web-workers.ts`) the first
 * time it is called, so a page that never calls `toThread` does not carry
 * it (issue 13: the minimal program).
 *
 * Invariants: the module is imported at most once (one shared promise).
 * Until the real port exists, `listen`'s handlers are kept and messages are
 * queued in order; once it exists, the handlers are set and the queue posted
 * in the same callback, and later messages go straight to it, so the order
 * is kept. The pool posts only its `init` message before the worker answers
 * (calls wait for the worker's `ready`), so a message that cannot be cloned
 * still throws from `post`. A worker that cannot start (the import fails,
 * `new Worker` throws) is reported through the `error` handler, as a worker
 * that failed at once: the calls waiting on it fail with a
 * `WorkerCrashedError` whose `cause` is that error. Browser workers have no
 * `ref`/`unref`, so the port has no `setIdle`.
 *
 * Costs: one promise per worker started; per message before the worker
 * started, one array entry.
 *
 * @internal
 * @module
 */

import type { TransferableObject, WorkerPort, WorkerPortHandlers, WorkerSupport } from "../../src/core/adapter.ts";

let loading: Promise<typeof import("../shared/web-workers.ts")> | null = null;

/** `workers` for the browser adapter: `Worker`s running `dist/browser-worker.js`, next to `moduleUrl`. @internal */
export function lazyWebWorkers(moduleUrl: string): WorkerSupport {
  return {
    hardwareConcurrency: () => globalThis.navigator?.hardwareConcurrency ?? 4,
    spawn(): WorkerPort {
      let port: WorkerPort | null = null;
      let handlers: WorkerPortHandlers | null = null;
      let queue: [unknown, TransferableObject[] | undefined][] = [];
      const started = (loading ??= import("../shared/web-workers.ts"))
        .then((m) => {
          port = m.webWorkers(m.workerEntry(moduleUrl, "browser")).spawn();
          port.listen(handlers!);
          for (const [message, transfer] of queue) port.post(message, transfer);
          queue = [];
        })
        .catch((error: unknown) => handlers!.error(error));
      return {
        post: (message, transfer) => (port === null ? void queue.push([message, transfer]) : port.post(message, transfer)),
        listen: (h) => void (handlers = h),
        terminate: () => started.then(() => port?.terminate()),
      };
    },
  };
}
