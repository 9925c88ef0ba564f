/**
 * `skeinTest`: turns a Skein test body into a function for vitest's (or any
 * runner's) `test(name, fn)`, as trio's pytest plugin does for `async def`
 * tests.
 *
 * The body runs as the root task of a new run on a {@link MockClock}
 * (autojump on, threshold 0, unless told otherwise), so timeouts and sleeps
 * take no real time. If the run does not finish within a real-time limit
 * (default 10 s), its root scope is cancelled and the test fails with a
 * {@link TestHangError} saying so, instead of hanging the test runner. The
 * run is tracked (`trackTasks: true`), so the error's message ends with the
 * task tree at the moment of the hang: every live task and what it was
 * blocked on since when.
 *
 * The adapter: this module imports no runtime module. The `skeinTest`
 * exported by `skein/testing` resolves, like `run` from `skein`, through the
 * package's export conditions to a copy bound to your runtime's adapter
 * ({@link bindSkeinTest}); from the neutral build pass `options.adapter`.
 *
 * Invariants: one fresh clock and one run per call of the returned function;
 * the real-time guard timer is always cleared.
 *
 * @module
 */

import type { Adapter, TimerHandle } from "../core/adapter.ts";
import type { Context } from "../core/context.ts";
import { SkeinError } from "../core/errors.ts";
import { formatTaskTree, taskTree } from "../core/instrument.ts";
import { run } from "../core/run.ts";
import { checkDelay, checkFunction, describeValue } from "../core/validate.ts";
import { MockClock, type MockClockOptions } from "./mock-clock.ts";

/**
 * Options for {@link skeinTest}.
 *
 * @example
 * ```ts
 * import { skeinTest } from "skein/testing";
 * const fn = skeinTest(async (cx) => cx.sleep(1000), { timeout: 2_000, clock: { autojumpThreshold: 5 } });
 * ```
 */
export interface SkeinTestOptions {
  /** The runtime adapter; defaults to your runtime's when imported from `skein/testing`. */
  adapter?: Adapter;
  /** Options of the test's {@link MockClock}. Default `{ autojumpThreshold: 0 }`. */
  clock?: MockClockOptions;
  /** Real ms the run may take before the test fails. Default 10 000. */
  timeout?: number;
}

/**
 * A test body under {@link skeinTest}: the root task's context and the run's
 * mock clock.
 *
 * @example
 * ```ts
 * const body: SkeinTestBody = async (cx, clock) => { clock.jump(10); await cx.checkpoint(); };
 * ```
 */
export type SkeinTestBody = (cx: Context, clock: MockClock) => unknown;

/**
 * The error a {@link skeinTest} function fails with when the run outlives
 * its real-time limit.
 *
 * @example
 * ```ts
 * await skeinTest((cx) => cx.sleepForever(), { timeout: 100 })().catch((e) => {
 *   console.log(e instanceof TestHangError); // true
 * });
 * ```
 */
export class TestHangError extends SkeinError {
  constructor(message: string) {
    super(message);
    this.name = "TestHangError";
  }
}

/**
 * Makes a test function that runs `body(cx, clock)` inside `run` on a fresh
 * {@link MockClock} (autojump on, threshold 0, by default) and fails with
 * {@link TestHangError} if the run takes more than `options.timeout` real ms.
 *
 * @throws {@link !TypeError} if `body` is not a function, the options are not an
 *   object, or (from the neutral build) no adapter is given.
 * @throws {@link !RangeError} if `timeout` is negative or NaN.
 * @example
 * ```ts
 * import { test, expect } from "vitest";
 * import { TimeoutError } from "skein";
 * import { skeinTest } from "skein/testing";
 * test("gives up after an hour", skeinTest(async (cx) => {
 *   await expect(cx.failAfter(60 * 60_000, (cx) => cx.sleep(2 * 60 * 60_000))).rejects.toBeInstanceOf(TimeoutError);
 *   expect(cx.currentTime()).toBe(60 * 60_000);
 * }));
 * ```
 */
export function skeinTest(body: SkeinTestBody, options: SkeinTestOptions = {}): () => Promise<void> {
  checkFunction("body", body);
  if (options === null || typeof options !== "object") {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const adapter = options.adapter;
  if (adapter === undefined) {
    throw new TypeError('options.adapter is required by the skeinTest of the neutral build; import skeinTest from "skein/testing" to use your runtime\'s adapter');
  }
  const limit = options.timeout ?? 10_000;
  checkDelay("timeout", limit);
  const clockOptions = options.clock ?? { autojumpThreshold: 0 };
  new MockClock(clockOptions); // validates the clock options now, not at test time
  return () => runTest(adapter, body, clockOptions, limit);
}

function runTest(adapter: Adapter, body: SkeinTestBody, clockOptions: MockClockOptions, limit: number): Promise<void> {
  const clock = new MockClock(clockOptions);
  let root: Context | null = null;
  const done = run(
    async (cx) => {
      root = cx;
      await body(cx, clock);
    },
    { adapter, clock, trackTasks: true },
  );
  if (limit === Infinity) return done;
  return new Promise<void>((resolve, reject) => {
    const guard: TimerHandle = adapter.setTimer(() => {
      const cx = root as Context | null;
      const tree = cx === null ? "" : `; its tasks were:\n${formatTaskTree(taskTree(cx))}`;
      reject(new TestHangError(`the test's run did not finish within ${limit} ms of real time (virtual time ${clock.now()} ms); it was cancelled${tree}`));
      cx?.cancelScope.cancel("skeinTest time limit");
      done.catch(() => {});
    }, limit);
    done.then(
      () => {
        adapter.clearTimer(guard);
        resolve();
      },
      (error: unknown) => {
        adapter.clearTimer(guard);
        reject(error);
      },
    );
  });
}

/**
 * Makes a {@link skeinTest} that defaults to `adapter` (an explicit
 * `options.adapter` still wins). The runtime builds of `skein/testing`
 * export one bound to their adapter.
 *
 * @example
 * ```ts
 * import { bindSkeinTest } from "skein/testing";
 * import { nodeAdapter } from "skein/node";
 * const nodeTest = bindSkeinTest(nodeAdapter);
 * ```
 */
export function bindSkeinTest(adapter: Adapter): typeof skeinTest {
  return (body, options = {}) =>
    skeinTest(body, options !== null && typeof options === "object" && options.adapter === undefined ? { ...options, adapter } : options);
}
