/**
 * The clock of a run: where every time a run reads (`cx.currentTime()`,
 * sleeps, deadlines, timeouts, the worker pools' idle sweep) comes from, and
 * how the run's one wake-up is armed.
 *
 * By default a run's clock is its adapter (an {@link Adapter} is a
 * {@link Clock}: `now`, `setTimer`, `clearTimer`), so the real clock costs
 * nothing extra. A test passes another clock, such as `MockClock` from
 * `skein/testing`, as `run(main, { clock })`.
 *
 * Invariants a run relies on:
 * - `now()` is monotonic, in milliseconds;
 * - a `setTimer` callback runs on a later macrotask, never synchronously,
 *   once `now()` has reached the time it was armed for (it may run early:
 *   the timer queue then finds nothing due and re-arms);
 * - the run's timer queue keeps at most one timer armed, and clears it when
 *   it has nothing left to wait for, so a clock need hold no more than one.
 *
 * A clock that wants to see the run it drives (a mock clock's autojump)
 * implements `attach`/`detach`: the run calls them when it starts and after
 * it has ended, with a {@link ClockRun}.
 *
 * @module
 */

import type { Adapter, TimerHandle } from "./adapter.ts";

/**
 * What a {@link Clock} sees of a run attached to it.
 *
 * "Blocked" is trio's "nothing is runnable": no task of the run has a
 * pending checkpoint or a pending start (`busy` is false), and no task was
 * woken since the clock last looked (`activity` is unchanged). A task
 * waiting on a worker thread or a foreign promise counts as blocked.
 *
 * @example
 * ```ts
 * import { nodeAdapter, run, type Clock, type ClockRun } from "skein/node";
 * let seen: ClockRun | null = null;
 * const clock: Clock = { ...nodeAdapter, attach: (r) => { seen = r; } };
 * await run(async () => console.log(seen?.busy), { clock }); // false
 * ```
 */
export interface ClockRun {
  /** The run's adapter (real timers, the macrotask yield, error reporting). */
  readonly adapter: Adapter;
  /**
   * A counter that changes whenever a task of the run may have become
   * runnable: a waiter woken or cancelled, a checkpoint tick taken, a batch
   * of tasks begun. Compare two readings; the value itself means nothing.
   */
  readonly activity: number;
  /** True while a checkpoint tick or a task start of the run is pending. */
  readonly busy: boolean;
  /** True once the run has ended. */
  readonly closed: boolean;
}

/**
 * A run's source of time. An {@link Adapter} is one (the real clock); pass
 * another as `run(main, { clock })`, for instance `MockClock` from
 * `skein/testing` for virtual time in tests.
 *
 * @example A clock that runs the real one ten seconds ahead
 * ```ts
 * import { run, nodeAdapter, type Clock } from "skein/node";
 * const ahead: Clock = {
 *   now: () => nodeAdapter.now() + 10_000,
 *   setTimer: (callback, delay) => nodeAdapter.setTimer(callback, delay),
 *   clearTimer: (handle) => nodeAdapter.clearTimer(handle),
 * };
 * await run(async (cx) => console.log(cx.currentTime() > 10_000), { clock: ahead }); // true
 * ```
 */
export interface Clock {
  /** The current time in milliseconds; monotonic. */
  now(): number;
  /** Calls `callback` once on a later macrotask, when `now()` has advanced by `delay` ms. */
  setTimer(callback: () => void, delay: number): TimerHandle;
  /** Cancels a timer made by {@link Clock.setTimer}. */
  clearTimer(handle: TimerHandle): void;
  /** Called when a run starts using this clock (optional). */
  attach?(run: ClockRun): void;
  /** Called after a run that used this clock has ended (optional). */
  detach?(run: ClockRun): void;
}
