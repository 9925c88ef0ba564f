/**
 * `skein/testing` for browser: the runtime-neutral testing tools, with
 * `skeinTest` using {@link browserAdapter}. `import { skeinTest } from "skein/testing"`
 * resolves here on browser.
 *
 * @module
 */

import { bindSkeinTest, skeinTest as coreSkeinTest } from "../../src/testing/index.ts";
import { browserAdapter } from "./adapter.ts";

export * from "../../src/testing/index.ts";

/**
 * Makes a test function that runs `body(cx, clock)` on a `MockClock` with
 * the browser adapter; see the neutral `skeinTest`.
 *
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { skeinTest } from "skein/testing";
 * test("sleeps an hour at once", skeinTest(async (cx) => cx.sleep(60 * 60_000)));
 * ```
 */
export const skeinTest: typeof coreSkeinTest = bindSkeinTest(browserAdapter);
