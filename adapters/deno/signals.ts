/**
 * OS signals on Deno through `Deno.addSignalListener`: the adapter's
 * {@link SignalSupport}.
 *
 * While any handler is installed one long, ref'd interval keeps the process
 * alive (the contract asks for it on every runtime; it costs nothing where
 * the runtime already does); it is cleared with the last handler.
 *
 * @module
 */

import { denoApi } from "./deno-api.ts";
import type { SignalSupport } from "../../src/signals/signal-support.ts";

let installed = 0;
let keepAlive: ReturnType<typeof setInterval> | null = null;

function noop(): void {}

/**
 * Signals through `Deno.addSignalListener`.
 *
 * @example
 * ```ts
 * const remove = denoSignals.listen("SIGINT", () => console.log("interrupted"));
 * remove();
 * ```
 */
export const denoSignals: SignalSupport = {
  listen(signal, handler) {
    const listener = (): void => handler();
    denoApi().addSignalListener(signal, listener);
    if (installed++ === 0) keepAlive = setInterval(noop, 0x7fffffff);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      denoApi().removeSignalListener(signal, listener);
      if (--installed === 0 && keepAlive !== null) {
        clearInterval(keepAlive);
        keepAlive = null;
      }
    };
  },
};
