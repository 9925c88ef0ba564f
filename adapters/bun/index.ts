/**
 * Skein for Bun: the whole API, with `run` using {@link bunAdapter}.
 * `import { run } from "skein"` resolves here on Bun (the `bun` condition).
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
 * @module skein/bun
 */

import { bindRun, run as coreRun } from "../../src/core/run.ts";
import { bunAdapter } from "./adapter.ts";

export * from "../../src/index.ts";
export { bunAdapter };

/**
 * Runs `main(cx)` as the root task on Bun; see the core `run`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * console.log(await run(async (cx) => { await cx.sleep(10); return "done"; }));
 * ```
 */
export const run: typeof coreRun = bindRun(bunAdapter);
