// Helpers shared by the translated trio/anyio tests (conformance/tests/peer-*.test.ts; not a test file itself).
import { type Context, run } from "skein";
import { MockClock } from "skein/testing";

/** Runs `main` on a mock clock that jumps ahead whenever every task is blocked (trio's autojump_clock). */
export function vrun<T>(main: (cx: Context) => Promise<T>): Promise<T> {
  return run(main, { clock: new MockClock({ autojumpThreshold: 0 }) });
}

/** What `p` (a promise, or a function called here) rejected or threw with; an error if it did not. */
export async function errorOf(p: PromiseLike<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** For a line the test must never reach (the peers' `pytest.fail`). */
export const fail = (what: string): never => {
  throw new Error(`execution should not reach this point: ${what}`);
};

/** A task that sleeps until cancelled. */
export const sleepForever = (cx: Context): Promise<void> => cx.sleepForever();
