/**
 * The clock and native timer every runtime offers the same way:
 * `performance.now()` and `setTimeout`/`clearTimeout`. Adapters spread this
 * into their {@link Adapter} and add what differs (the macrotask yield and
 * error reporting).
 *
 * @internal
 * @module
 */

import type { Adapter } from "../../src/core/adapter.ts";

/** Clock and timer from the Web-standard globals. @internal */
export const webTimers: Pick<Adapter, "now" | "setTimer" | "clearTimer"> = {
  now: () => performance.now(),
  setTimer: (callback, delay) => setTimeout(callback, delay),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
