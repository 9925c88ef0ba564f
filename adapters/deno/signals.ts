/**
 * OS signals on Deno through `Deno.addSignalListener`: the adapter's
 * {@link SignalSupport}.
 *
 * Deno's signal listeners keep the process alive by themselves (checked: a
 * Deno program whose only pending work is a receiver stays up), and removing
 * the last listener of a signal gives it its default action back, so this is
 * a thin pass-through; removal is made idempotent here.
 *
 * @module
 */

import { denoApi } from "./deno-api.ts";
import type { SignalSupport } from "../../src/signals/signal-support.ts";

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
    const deno = denoApi();
    deno.addSignalListener(signal, listener);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      deno.removeSignalListener(signal, listener);
    };
  },
};
