/**
 * OS signals through `process.on(signal)`: the {@link SignalSupport} of the
 * Node and Bun adapters.
 *
 * Node's signal watchers do not keep its event loop alive (checked: without
 * the interval below, a Node program whose only pending work is a receiver
 * exits at once with an unsettled promise), so while any handler is
 * installed one long, ref'd interval does (the contract: a task waiting for
 * a signal keeps the process alive); it is cleared with the last handler.
 * Bun keeps its process alive by itself; the interval costs it nothing.
 * Installing a listener replaces the signal's default action; removing the
 * last one brings it back. A name `os.constants.signals` does not list is
 * refused (`process.on` would take it as a plain event name, never emitted).
 * Node and Bun never deliver a signal to a worker thread (checked: a
 * `process.on("SIGUSR1")` in a worker is never called), so there `listen`
 * raises `UnsupportedError` rather than install a deaf receiver.
 *
 * Costs: one listener per handler; one interval while any is installed.
 *
 * @module
 */

import { constants } from "node:os";
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { SignalSupport } from "../../src/signals/signal-support.ts";

let installed = 0;
let keepAlive: ReturnType<typeof setInterval> | null = null;

function noop(): void {}

/**
 * Signals through `process.on`.
 *
 * @example
 * ```ts
 * const remove = nodeSignals.listen("SIGINT", () => console.log("interrupted"));
 * remove();
 * ```
 */
export const nodeSignals: SignalSupport = {
  listen(signal, handler) {
    // Node and Bun deliver signals to the main thread only: in a worker the
    // listener would never be called (trio raises RuntimeError there).
    if (!isMainThread) throw new UnsupportedError("OS signals reach only the main thread on this runtime: open the signal receiver there");
    // `process.on` takes any event name: an unknown signal would be a listener
    // never called. Refuse it as Deno does (the contract).
    if (!Object.hasOwn(constants.signals, signal)) throw new TypeError(`unknown signal: ${signal}`);
    const listener = (): void => handler();
    process.on(signal as NodeJS.Signals, listener);
    if (installed++ === 0) keepAlive = setInterval(noop, 0x7fffffff);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      process.off(signal as NodeJS.Signals, listener);
      if (--installed === 0 && keepAlive !== null) {
        clearInterval(keepAlive);
        keepAlive = null;
      }
    };
  },
};
