/**
 * `skein/testing`: tools for testing concurrent code, in the spirit of
 * `trio.testing`. Import it only from tests; apps that do not import it do
 * not ship it.
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
