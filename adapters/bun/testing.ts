/**
 * `skein/testing` for bun: the runtime-neutral testing tools, with
 * `skeinTest` using {@link bunAdapter}. `import { skeinTest } from "skein/testing"`
 * resolves here on bun.
 *
 * @module
 */

import { bindSkeinTest, skeinTest as coreSkeinTest } from "../../src/testing/index.ts";
import { bunAdapter } from "./adapter.ts";

export * from "../../src/testing/index.ts";

/**
 * Makes a test function that runs `body(cx, clock)` on a `MockClock` with
 * the bun adapter; see the neutral `skeinTest`.
 *
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { skeinTest } from "skein/testing";
 * test("sleeps an hour at once", skeinTest(async (cx) => cx.sleep(60 * 60_000)));
 * ```
 */
export const skeinTest: typeof coreSkeinTest = bindSkeinTest(bunAdapter);
