/**
 * `skein/testing`: tools for testing concurrent code, in the spirit of
 * `trio.testing`: virtual time ({@link MockClock}), forced interleavings
 * ({@link Sequencer}), {@link waitAllTasksBlocked}, and {@link skeinTest} to
 * run a test body on a mock clock with a real-time limit. Import it only
 * from tests; apps that do not import it do not ship it.
 *
 * Like `skein`, `skein/testing` resolves to a build for your runtime, whose
 * `skeinTest` uses that runtime's adapter.
 *
 * @example
 * ```ts
 * import { MockClock, Sequencer, skeinTest, waitAllTasksBlocked } from "skein/testing";
 * const seq = new Sequencer();
 * ```
 *
 * @module
 */

export { waitAllTasksBlocked } from "./blocked.ts";
export { MockClock, type MockClockOptions } from "./mock-clock.ts";
export { Sequencer } from "./sequencer.ts";
export { bindSkeinTest, skeinTest, type SkeinTestBody, type SkeinTestOptions, TestHangError } from "./skein-test.ts";
