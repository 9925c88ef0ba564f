/**
 * The worker's half of Web Worker threads, shared by the Deno, Bun and
 * browser worker entries: serve `toThread` calls over the worker's global
 * `postMessage` and `message` event. The parent's half is `web-workers.ts`.
 *
 * A Web Worker that closes itself gives its parent no event, so `close()` is
 * wrapped to report it first with an `exiting` message.
 *
 * Only worker entries import this file, so it is type-checked against the
 * worker scope of each runtime: the `WebWorker` lib, Deno's `deno.worker` lib
 * and Bun's types.
 *
 * @internal
 * @module
 */

import type { Adapter } from "../../src/core/adapter.ts";
import type { FromWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";

/**
 * The worker scope's `close`, as a slot we can replace: the `WebWorker` and
 * Deno libs declare it as a function (which TypeScript will not let us
 * assign), Bun's types do not declare it, and a runtime may lack it.
 */
interface ClosableScope {
  close?: () => void;
}

/** Serve `toThread` calls in a Web Worker. @internal */
export function serveWebWorker(adapter: Adapter): void {
  const scope = globalThis as ClosableScope;
  const close = scope.close;
  if (typeof close === "function") {
    scope.close = () => {
      flush(); // results already computed go before the exit
      const exiting: FromWorker = { t: "exiting", code: undefined };
      postMessage(exiting);
      close.call(scope);
    };
  }
  const flush = serveWorker(
    {
      // No transfer list unless something is transferred (an empty one costs a few µs on Deno).
      post: (message, transfer) =>
        transfer === undefined || transfer.length === 0 ? postMessage(message) : postMessage(message, transfer as Transferable[]),
      listen: (onMessage) => addEventListener("message", (event) => onMessage(event.data)),
    },
    adapter,
  );
}
