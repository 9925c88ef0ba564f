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
 * - In-memory byte streams ({@link memoryStreamPair},
 *   {@link memoryStreamOneWayPair}, {@link lockstepStreamPair}, ...) that
 *   keep the rules of Skein's byte stream interfaces.
 * - Checkers that hold any byte stream implementation to those rules
 *   ({@link checkOneWayStream}, {@link checkTwoWayStream},
 *   {@link checkHalfCloseableStream}).
 *
 * @example
 * ```ts
 * import { MockClock, Sequencer, skeinTest, waitAllTasksBlocked } from "skein/testing";
 * const seq = new Sequencer();
 * ```
 *
 * @module skein/testing
 */

export { waitAllTasksBlocked } from "./blocked.ts";
export { MockClock, type MockClockOptions } from "./mock-clock.ts";
export { Sequencer } from "./sequencer.ts";
export {
  lockstepStreamOneWayPair,
  lockstepStreamPair,
  MemoryByteStream,
  MemoryReceiveStream,
  MemorySendStream,
  type MemoryStreamHook,
  type MemoryStreamOptions,
  memoryStreamOneWayPair,
  memoryStreamPair,
} from "./memory-byte-streams.ts";
export {
  checkHalfCloseableStream,
  checkOneWayStream,
  checkTwoWayStream,
  StreamCheckError,
  type StreamCheckOptions,
  type StreamPairFactory,
} from "./check-streams.ts";
export { bindSkeinTest, skeinTest, type SkeinTestBody, type SkeinTestOptions, TestHangError } from "./skein-test.ts";
