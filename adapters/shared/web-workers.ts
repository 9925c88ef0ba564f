/**
 * Worker threads through the Web `Worker` API, shared by the Bun and
 * browser adapters: module workers running the adapter's own worker entry.
 * The entry, not a guess from globals, knows it is a Web Worker. (Deno has
 * the same API but uses `node:worker_threads`, see `worker-threads.ts`.)
 *
 * A Web Worker that closes itself gives its parent no event, so the entries
 * report it first with an `exiting` message (see {@link serveWebWorker}).
 *
 * @internal
 * @module
 */

import type { Adapter, WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";
import type { FromWorker, ToWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";

interface WebWorker {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: (event: { data?: unknown; error?: unknown; message?: string; preventDefault?(): void }) => void): void;
  terminate(): void;
  ref?(): void;
  unref?(): void;
}

/** Web `Worker`s running `entry`, for {@link WorkerSupport}. @internal */
export function webWorkers(entry: URL, options: { closeEvent?: boolean } = {}): WorkerSupport {
  return {
    hardwareConcurrency: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 4,
    spawn(): WorkerPort {
      const Ctor = (globalThis as unknown as { Worker: new (url: URL, options: { type: "module" }) => WebWorker }).Worker;
      const worker = new Ctor(entry, { type: "module" });
      return {
        post: (message, transfer) => worker.postMessage(message, transfer ?? []),
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

/** The worker-side half: serve `toThread` calls in a Web Worker. @internal */
export function serveWebWorker(adapter: Adapter): void {
  const scope = globalThis as unknown as {
    postMessage(message: FromWorker, transfer?: Transferable[]): void;
    addEventListener(type: "message", listener: (event: { data: ToWorker }) => void): void;
    close?: () => void;
  };
  const close = scope.close;
  if (typeof close === "function") {
    scope.close = () => {
      scope.postMessage({ t: "exiting", code: undefined });
      close.call(scope);
    };
  }
  serveWorker(
    {
      post: (message, transfer) => scope.postMessage(message, transfer ?? []),
      listen: (onMessage) => scope.addEventListener("message", (event) => onMessage(event.data)),
    },
    adapter,
  );
}

/** Where an adapter's worker entry is: a sibling `.ts` from source, `dist/<name>-worker.js` built. @internal */
export function workerEntry(moduleUrl: string, runtime: string): URL {
  return new URL(moduleUrl.endsWith(".ts") ? "./worker-entry.ts" : `./${runtime}-worker.js`, moduleUrl);
}
