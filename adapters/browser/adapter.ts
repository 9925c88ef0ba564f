/**
 * The browser adapter (also the generic fallback for any runtime with Web
 * APIs): `performance.now()` for the clock, `setTimeout` for the run's one
 * native timer, and a `MessageChannel` for the checkpoint yield, because
 * nested `setTimeout(0)` is clamped to 4 ms. Errors with no caller go to the
 * global `reportError`.
 *
 * @module
 */

import type { Adapter } from "../../src/core/adapter.ts";
import { webTimers } from "../shared/web-timers.ts";
import { macrotaskQueue } from "./macrotask.ts";
import { lazyOpfsFiles } from "./lazy-files.ts";
import { lazyWebWorkers } from "./lazy-workers.ts";

/**
 * The adapter for browsers and other Web-API runtimes.
 *
 * @example
 * ```ts
 * import { run } from "skein/core";
 * import { browserAdapter } from "skein/browser";
 * await run(async (cx) => cx.sleep(1), { adapter: browserAdapter });
 * ```
 */
export const browserAdapter: Adapter = {
  name: "browser",
  ...webTimers,
  yieldMacrotask: macrotaskQueue(),
  reportError: (error) => {
    // Declared by the DOM lib, but older browsers lack it.
    if (typeof reportError === "function") reportError(error);
    else
      setTimeout(() => {
        throw error;
      }, 0);
  },
  // Web Workers, their code imported on first spawn (see lazy-workers.ts).
  workers: lazyWebWorkers(import.meta.url),
  // OPFS, imported on first use (see lazy-files.ts).
  files: lazyOpfsFiles,
};
