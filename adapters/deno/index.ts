/**
 * Skein for Deno: the whole API, with `run` using {@link denoAdapter}.
 * `import { run } from "skein"` resolves here on Deno (the `deno` condition, and JSR).
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run(async (cx) => {
 *   await cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => cx.sleep(10));
 *   });
 * });
 * ```
 *
 * @module skein/deno
 */

import { bindRun, run as coreRun } from "../../src/core/run.ts";
import { denoAdapter } from "./adapter.ts";

export * from "../../src/index.ts";
export { denoAdapter };

/**
 * Runs `main(cx)` as the root task on Deno; see the core `run`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * console.log(await run(async (cx) => { await cx.sleep(10); return "done"; }));
 * ```
 */
export const run: typeof coreRun = bindRun(denoAdapter);
