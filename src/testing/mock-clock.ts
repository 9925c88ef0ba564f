/**
 * `MockClock`: virtual time for tests, as trio's `trio.testing.MockClock`.
 *
 * Pass one as `run(main, { clock })`: everything the run does with time
 * (`cx.currentTime()`, sleeps, deadlines, timeouts, the primitives' timed
 * waits) then follows the mock clock, which starts at 0 and moves only:
 * - by `jump(ms)`;
 * - at `rate` virtual ms per real ms (0, frozen, by default);
 * - by autojump, when `autojumpThreshold` is finite: once every task of the
 *   run has been blocked for that many ms of *real* time, time jumps to the
 *   next deadline. Off (`Infinity`) by default, as in trio.
 *
 * "Blocked" is trio's "nothing runnable": at a macrotask boundary the run has
 * no pending checkpoint tick and no pending task start, and its activity
 * counter (bumped when a waiter is woken, a tick taken, tasks begun) has not
 * moved since the last look. A task waiting on a worker thread (`toThread`)
 * or on a foreign promise (`cx.abandonOnCancel`, or a plain `await`) counts
 * as blocked, as trio counts I/O; with autojump on, virtual time then runs
 * ahead while the worker computes or the network answers, so timeouts fire
 * at once. Around real I/O use a threshold above 0 (long enough for the I/O)
 * or no autojump.
 *
 * Invariants: virtual time never goes back; due timers fire in deadline
 * order, on the next macrotask (never inside `jump`), so after
 * `clock.jump(ms); await cx.checkpoint()` every sleeper due by then has woken
 * and run to its next block; a clock drives one run at a time; when the run
 * ends, the clock holds no real timer.
 *
 * Costs: nothing on the run's hot paths. The clock holds at most the run's
 * one timer, so finding the earliest is a scan of one. While autojump is on
 * and the run has a deadline, one check per macrotask (threshold 0) or per
 * threshold (above 0) looks at three fields of the run.
 *
 * @module
 */

import type { TimerHandle } from "../core/adapter.ts";
import type { Clock, ClockRun } from "../core/clock.ts";
import { UsageError } from "../core/errors.ts";
import { checkDelay, describeValue } from "../core/validate.ts";
import { idleWaiters } from "./blocked.ts";

/**
 * Options for {@link MockClock}.
 *
 * @example
 * ```ts
 * import { MockClock } from "skein/testing";
 * const clock = new MockClock({ autojumpThreshold: 0 });
 * ```
 */
export interface MockClockOptions {
  /** Virtual ms per real ms. Default 0: time moves only by jumps. */
  rate?: number;
  /**
   * Real ms every task must stay blocked before time jumps to the next
   * deadline. Default `Infinity` (no autojump); 0 jumps as soon as the run
   * is blocked.
   */
  autojumpThreshold?: number;
}

/** One timer armed on the mock clock. */
class MockTimer {
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly callback: () => void,
  ) {}
}

function realNow(): number {
  return performance.now();
}

/**
 * A clock whose time moves only when told: by {@link MockClock.jump}, at a
 * {@link MockClock.rate}, or by autojump ({@link MockClock.autojumpThreshold}).
 * Time starts at 0.
 *
 * Autojump caveat: a task waiting on a worker thread or a foreign promise
 * counts as blocked, so with autojump on, virtual time runs ahead while the
 * worker computes or the I/O is in flight. Use a threshold above 0 (or none)
 * around real I/O.
 *
 * @example A two-hour timeout tested in a few milliseconds
 * ```ts
 * import { run, TimeoutError } from "skein";
 * import { MockClock } from "skein/testing";
 * const clock = new MockClock({ autojumpThreshold: 0 });
 * await run(async (cx) => {
 *   try {
 *     await cx.failAfter(60 * 60_000, (cx) => cx.sleep(2 * 60 * 60_000));
 *   } catch (e) {
 *     console.log(e instanceof TimeoutError, cx.currentTime()); // true 3600000
 *   }
 * }, { clock });
 * ```
 */
export class MockClock implements Clock {
  private base = 0;
  private realBase = realNow();
  private _rate = 0;
  private _threshold = Infinity;
  private readonly timers = new Set<MockTimer>();
  private seq = 0;
  private run: ClockRun | null = null;
  /** The real timer that fires due timers (rate > 0, or after a jump). */
  private wakeHandle: TimerHandle = undefined;
  private wakeArmed = false;
  /** An autojump check is queued; `checkGen` tells a stale one. */
  private checkPending = false;
  private checkGen = 0;
  private checkHandle: TimerHandle = undefined;
  private lastActivity = 0;

  /**
   * @throws {@link !RangeError} if `rate` or `autojumpThreshold` is negative or NaN.
   * @throws {@link !TypeError} if `options` is not an object.
   */
  constructor(options: MockClockOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    }
    if (options.rate !== undefined) this.rate = options.rate;
    if (options.autojumpThreshold !== undefined) this.autojumpThreshold = options.autojumpThreshold;
  }

  /**
   * Virtual ms per real ms; 0 (the default) freezes time between jumps.
   *
   * @throws {@link !RangeError} if negative, NaN or infinite.
   * @example
   * ```ts
   * clock.rate = 1000; // a virtual second per real millisecond
   * ```
   */
  get rate(): number {
    return this._rate;
  }

  /**
   * Sets the rate from now on (time so far is kept).
   *
   * @throws {@link !RangeError} if negative, NaN or infinite.
   */
  set rate(value: number) {
    checkDelay("rate", value);
    if (value === Infinity) throw new RangeError(`rate must be finite, got ${describeValue(value)}`);
    this.base = this.now();
    this.realBase = realNow();
    this._rate = value;
    this.rearm();
  }

  /**
   * Real ms the run must stay blocked before time jumps to the next
   * deadline; `Infinity` (the default) turns autojump off, 0 jumps as soon as
   * every task is blocked.
   *
   * @throws {@link !RangeError} if negative or NaN.
   * @example
   * ```ts
   * clock.autojumpThreshold = 0;
   * ```
   */
  get autojumpThreshold(): number {
    return this._threshold;
  }

  /**
   * Sets the threshold; `Infinity` turns autojump off.
   *
   * @throws {@link !RangeError} if negative or NaN.
   */
  set autojumpThreshold(value: number) {
    checkDelay("autojumpThreshold", value);
    this._threshold = value;
    this.cancelCheck();
    this.rearm();
  }

  /**
   * The virtual time in ms (what `cx.currentTime()` returns in a run on
   * this clock).
   *
   * @example
   * ```ts
   * console.log(new MockClock().now()); // 0
   * ```
   */
  now(): number {
    return this._rate === 0 ? this.base : this.base + (realNow() - this.realBase) * this._rate;
  }

  /**
   * Moves time forward by `ms`. Timers that become due fire in deadline
   * order on the next macrotask, so a task that jumps sees their effects
   * after its next checkpoint.
   *
   * @throws {@link !RangeError} if `ms` is negative or NaN.
   * @example
   * ```ts
   * clock.jump(5_000);
   * await cx.checkpoint(); // sleepers due by now have woken
   * ```
   */
  jump(ms: number): void {
    checkDelay("ms", ms);
    if (ms === Infinity) throw new RangeError(`ms must be finite, got ${describeValue(ms)}`);
    this.base += ms;
    this.rearm();
  }

  /**
   * Part of {@link Clock}, called by the run's timer queue.
   *
   * @example
   * ```ts
   * const handle = clock.setTimer(() => console.log("due"), 1000);
   * ```
   */
  setTimer(callback: () => void, delay: number): TimerHandle {
    const timer = new MockTimer(this.now() + delay, this.seq++, callback);
    this.timers.add(timer);
    this.rearm();
    return timer;
  }

  /**
   * Part of {@link Clock}, called by the run's timer queue.
   *
   * @example
   * ```ts
   * clock.clearTimer(clock.setTimer(() => {}, 1000));
   * ```
   */
  clearTimer(handle: TimerHandle): void {
    if (handle instanceof MockTimer && this.timers.delete(handle)) this.rearm();
  }

  /**
   * Part of {@link Clock}: a run starts on this clock.
   *
   * @throws {@link skein!UsageError} if another run is still using this clock.
   * @example
   * ```ts
   * await run(async (cx) => cx.sleep(10), { clock: new MockClock({ autojumpThreshold: 0 }) });
   * ```
   */
  attach(run: ClockRun): void {
    if (this.run !== null && !this.run.closed) throw new UsageError("a MockClock drives one run at a time");
    this.run = run;
  }

  /**
   * Part of {@link Clock}: the run has ended; real timers are dropped.
   *
   * @example
   * ```ts
   * const clock = new MockClock();
   * await run(async () => {}, { clock }); // attached, then detached
   * ```
   */
  detach(run: ClockRun): void {
    if (this.run !== run) return;
    this.timers.clear();
    this.rearm();
    this.cancelCheck();
    this.run = null;
  }

  private earliest(): MockTimer | null {
    let best: MockTimer | null = null;
    for (const t of this.timers) {
      if (best === null || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /** Re-arms the real timers after any change of time, rate, threshold or timers. */
  private rearm(): void {
    const run = this.run;
    if (this.wakeArmed) {
      run?.adapter.clearTimer(this.wakeHandle);
      this.wakeArmed = false;
      this.wakeHandle = undefined;
    }
    const next = this.earliest();
    if (next === null || run === null) return;
    const now = this.now();
    if (next.at <= now) {
      // The next macrotask, not a 0 ms timer (clamped to 1-4 ms): a task that
      // jumps and then checkpoints finds the due sleepers already woken.
      if (!this.dueQueued) {
        this.dueQueued = true;
        run.adapter.yieldMacrotask(this.fireQueued);
      }
      return;
    }
    if (this._rate > 0) {
      this.wakeHandle = run.adapter.setTimer(this.fireDue, (next.at - now) / this._rate);
      this.wakeArmed = true;
    }
    if (this._threshold !== Infinity && !this.checkPending) this.queueCheck(run);
  }

  private dueQueued = false;
  private readonly fireQueued = (): void => {
    this.dueQueued = false;
    this.fire();
  };

  private readonly fireDue = (): void => {
    this.wakeArmed = false;
    this.wakeHandle = undefined;
    this.fire();
  };

  /** Fires every due timer, earliest first, then re-arms. */
  private fire(): void {
    for (;;) {
      const next = this.earliest();
      if (next === null || next.at > this.now()) break;
      this.timers.delete(next);
      next.callback();
    }
    this.rearm();
  }

  /** Queues a check in `threshold` real ms (next macrotask for 0), remembering the run's activity now. */
  private queueCheck(run: ClockRun): void {
    this.checkPending = true;
    this.lastActivity = run.activity;
    const gen = this.checkGen;
    if (this._threshold === 0) {
      run.adapter.yieldMacrotask(() => {
        if (gen === this.checkGen) this.check();
      });
    } else {
      this.checkHandle = run.adapter.setTimer(() => {
        this.checkHandle = undefined;
        if (gen === this.checkGen) this.check();
      }, this._threshold);
    }
  }

  private cancelCheck(): void {
    this.checkGen++;
    this.checkPending = false;
    if (this.checkHandle !== undefined) {
      this.run?.adapter.clearTimer(this.checkHandle);
      this.checkHandle = undefined;
    }
  }

  /** The autojump check: jump to the next deadline if the run stayed blocked since the last look. */
  private check(): void {
    this.checkPending = false;
    const run = this.run;
    if (run === null || run.closed || this._threshold === Infinity) return;
    const next = this.earliest();
    if (next === null) return;
    if (next.at <= this.now()) return; // due already: the wake timer fires it
    if (run.busy || run.activity !== this.lastActivity || idleWaiters.has(run)) {
      this.queueCheck(run);
      return;
    }
    this.base = next.at;
    this.realBase = realNow();
    this.fire();
  }
}
