/**
 * `skein/testing`: tools for testing concurrent code, in the spirit of
 * `trio.testing`: virtual time ({@link MockClock}), forced interleavings
 * ({@link Sequencer}) and {@link waitAllTasksBlocked}. Import it only
 * from tests; apps that do not import it do not ship it.
 *
 * @example
 * ```ts
 * import { MockClock, Sequencer, waitAllTasksBlocked } from "skein/testing";
 * const seq = new Sequencer();
 * ```
 *
 * @module
 */

export { waitAllTasksBlocked } from "./blocked.ts";
export { MockClock, type MockClockOptions } from "./mock-clock.ts";
export { Sequencer } from "./sequencer.ts";
