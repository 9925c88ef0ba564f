/**
 * `skein`: the whole API, for the runtime that imports it. Package export
 * conditions resolve `"skein"` to `skein/node` on Node, `skein/deno` on Deno
 * (and JSR), `skein/bun` on Bun and `skein/browser` in browsers and bundlers;
 * each of those is `skein/core` with a {@link run} that uses its runtime's
 * adapter, plus that adapter.
 *
 * Every class, function and type is documented here, once; the runtime
 * modules list only what they add.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * const pages = await run(async (cx) => {
 *   const results: string[] = [];
 *   await cx.moveOnAfter(2000, (cx) =>
 *     cx.taskGroup(async (tg) => {
 *       for (const url of ["https://example.com/a", "https://example.com/b"]) {
 *         tg.startSoon(async (cx) => {
 *           const res = await fetch(url, { signal: cx.signal });
 *           results.push(await res.text());
 *         });
 *       }
 *     }),
 *   );
 *   return results;
 * });
 * ```
 *
 * @module skein
 */

// This file exists only for the API site (typedoc.json lists it first, so it owns every
// re-exported declaration). It is neither built nor published: the package's "skein" is
// adapters/<runtime>/index.ts, chosen by export conditions.

import type { Context } from "../../src/core/context.ts";
import type { RunOptions } from "../../src/core/run.ts";

export * from "../../src/index.ts";

/**
 * Runs `main(cx)` as the root task of a new Skein run, with the adapter of
 * the runtime that imported `"skein"`, and resolves with its result (or
 * rejects with its error) once every task has ended. `options.adapter`
 * overrides the adapter; the other {@link RunOptions} set a clock,
 * instruments, the task tree and the blocking detector.
 *
 * @throws {@link !TypeError} if `main` is not a function or an option is invalid.
 * @example
 * ```ts
 * import { run } from "skein";
 * const answer = await run(async (cx) => {
 *   await cx.sleep(10);
 *   return 42;
 * });
 * ```
 */
export declare function run<T>(main: (cx: Context) => T | PromiseLike<T>, options?: RunOptions): Promise<T>;
