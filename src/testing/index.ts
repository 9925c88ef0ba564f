/**
 * `skein/testing`: tools for testing concurrent code, in the spirit of
 * `trio.testing`. Import it only from tests; apps that do not import it do
 * not ship it.
 *
 * - {@link Sequencer}: forces an interleaving of tasks.
 * - In-memory byte streams ({@link memoryStreamPair},
 *   {@link memoryStreamOneWayPair}, {@link lockstepStreamPair}, ...) that
 *   keep the rules of Skein's byte stream interfaces.
 * - Checkers that hold any byte stream implementation to those rules
 *   ({@link checkOneWayStream}, {@link checkTwoWayStream},
 *   {@link checkHalfCloseableStream}).
 *
 * @example
 * ```ts
 * import { Sequencer } from "skein/testing";
 * const seq = new Sequencer();
 * ```
 *
 * @module
 */

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
