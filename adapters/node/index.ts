/**
 * Skein for Node.js: the whole API, with `run` using {@link nodeAdapter}.
 * `import { run } from "skein"` resolves here on Node.
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
 * @module skein/node
 */

import { bindRun, run as coreRun } from "../../src/core/run.ts";
import { nodeAdapter } from "./adapter.ts";

export * from "../../src/index.ts";
export { nodeAdapter };

/**
 * Runs `main(cx)` as the root task on Node.js; see the core `run`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * console.log(await run(async (cx) => { await cx.sleep(10); return "done"; }));
 * ```
 */
export const run: typeof coreRun = bindRun(nodeAdapter);
