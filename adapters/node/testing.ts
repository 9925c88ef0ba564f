/**
 * `skein/testing` for node: the runtime-neutral testing tools, with
 * `skeinTest` using {@link nodeAdapter}. `import { skeinTest } from "skein/testing"`
 * resolves here on node.
 *
 * @module
 */

import { bindSkeinTest, skeinTest as coreSkeinTest } from "../../src/testing/index.ts";
import { nodeAdapter } from "./adapter.ts";

export * from "../../src/testing/index.ts";

/**
 * Makes a test function that runs `body(cx, clock)` on a `MockClock` with
 * the node adapter; see the neutral `skeinTest`.
 *
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { skeinTest } from "skein/testing";
 * test("sleeps an hour at once", skeinTest(async (cx) => cx.sleep(60 * 60_000)));
 * ```
 */
export const skeinTest: typeof coreSkeinTest = bindSkeinTest(nodeAdapter);
