/**
 * Worker threads through the Web `Worker` API, shared by the Bun and
 * browser adapters: module workers running the adapter's own worker entry.
 * The entry, not a guess from globals, knows it is a Web Worker. This is the
 * parent's half; the worker's half is `serve-web-worker.ts`. (Deno has the
 * same API but uses `node:worker_threads`, see `worker-threads.ts`.)
 *
 * Type-checked against the browser's DOM lib, Deno's `deno.window` lib and
 * Bun's types (one project per runtime), so it uses only what all three
 * declare for the main thread's global scope.
 *
 * @internal
 * @module
 */

import type { WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";

/**
 * A `Worker`, plus the `ref`/`unref` that Bun's workers have (declared by
 * Bun's types) and the DOM's and Deno's lack: looked up at run time.
 */
type RefWorker = Worker & { ref?(): void; unref?(): void };

/** Web `Worker`s running `entry`, for {@link WorkerSupport}. @internal */
export function webWorkers(entry: URL, options: { closeEvent?: boolean } = {}): WorkerSupport {
  return {
    // `navigator` is declared everywhere this is checked; the `?.` covers Web-API runtimes without it.
    hardwareConcurrency: () => globalThis.navigator?.hardwareConcurrency ?? 4,
    spawn(): WorkerPort {
      const worker: RefWorker = new Worker(entry, { type: "module" });
      return {
        // No transfer list unless something is transferred (an empty one costs a few µs on Deno).
        post: (message, transfer) =>
          transfer === undefined || transfer.length === 0 ? worker.postMessage(message) : worker.postMessage(message, transfer as Transferable[]),
        listen(handlers) {
          worker.addEventListener("message", (event) => handlers.message(event.data));
          worker.addEventListener("error", (event) => {
            event.preventDefault?.();
            handlers.error(event.error ?? new Error(event.message ?? "worker error"));
          });
          worker.addEventListener("messageerror", () => handlers.error(new Error("a message from the worker could not be deserialized")));
          if (options.closeEvent) worker.addEventListener("close", () => handlers.exit(undefined));
        },
        terminate: async () => worker.terminate(),
        setIdle: worker.unref ? (idle) => (idle ? worker.unref!() : worker.ref!()) : undefined,
      };
    },
  };
}

/** Where an adapter's worker entry is: a sibling `.ts` from source, `dist/<name>-worker.js` built. @internal */
export function workerEntry(moduleUrl: string, runtime: string): URL {
  return new URL(moduleUrl.endsWith(".ts") ? "./worker-entry.ts" : `./${runtime}-worker.js`, moduleUrl);
}
