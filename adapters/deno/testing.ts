/**
 * `skein/testing` for deno: the runtime-neutral testing tools, with
 * `skeinTest` using {@link denoAdapter}. `import { skeinTest } from "skein/testing"`
 * resolves here on deno.
 *
 * @module
 */

import { bindSkeinTest, skeinTest as coreSkeinTest } from "../../src/testing/index.ts";
import { denoAdapter } from "./adapter.ts";

export * from "../../src/testing/index.ts";

/**
 * Makes a test function that runs `body(cx, clock)` on a `MockClock` with
 * the deno adapter; see the neutral `skeinTest`.
 *
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { skeinTest } from "skein/testing";
 * test("sleeps an hour at once", skeinTest(async (cx) => cx.sleep(60 * 60_000)));
 * ```
 */
export const skeinTest: typeof coreSkeinTest = bindSkeinTest(denoAdapter);
