/**
 * Skein for browsers (and the `default` export condition): the whole API,
 * with `run` using {@link browserAdapter}.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run(async (cx) => {
 *   const res = await fetch("/data.json", { signal: cx.signal });
 * });
 * ```
 *
 * @module skein/browser
 */

import { bindRun, run as coreRun } from "../../src/core/run.ts";
import { browserAdapter } from "./adapter.ts";

export * from "../../src/index.ts";
export { browserAdapter };

/**
 * Runs `main(cx)` as the root task in a browser; see the core `run`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run(async (cx) => cx.sleep(10));
 * ```
 */
export const run: typeof coreRun = bindRun(browserAdapter);
