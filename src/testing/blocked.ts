/**
 * `waitAllTasksBlocked`: waits until every other task of the run is blocked,
 * as trio's `trio.testing.wait_all_tasks_blocked`.
 *
 * "Blocked" is the mock clock's definition (see `mock-clock.ts`): at a
 * macrotask boundary the run has no pending checkpoint tick and no pending
 * task start, and no waiter was woken since the caller parked (the run's
 * activity counter moved only by the wake-ups of callers of this function). The caller waits
 * on a real timer (`cushion` ms, or the next macrotask for 0), checks, and
 * starts over whenever something ran meanwhile.
 *
 * Invariants: the caller is not counted; while any task is in here, a mock
 * clock does not autojump (the waiters go first, as in trio); the count of
 * such callers, and of their wake-ups, is kept per run in {@link idleWaiters}.
 *
 * Costs: one real timer (or macrotask) and one waiter per round; nothing on
 * the run's hot paths.
 *
 * @module
 */

import type { TimerHandle } from "../core/adapter.ts";
import type { ClockRun } from "../core/clock.ts";
import type { Context } from "../core/context.ts";
import type { Runner } from "../core/runner.ts";
import { checkContext, checkDelay } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";

/** Per run: the tasks inside {@link waitAllTasksBlocked}, and how often they were woken. @internal */
export interface IdleWaiters {
  count: number;
  wakes: number;
}

/** The {@link IdleWaiters} of each run that has any. @internal */
export const idleWaiters: WeakMap<ClockRun, IdleWaiters> = new WeakMap();

/** A waiter woken by a real timer, which it clears if cancelled first. */
class RealTimeWaiter extends Waiter<void> {
  handle: TimerHandle = undefined;
  constructor(
    private readonly runner: Runner,
    private readonly state: IdleWaiters,
  ) {
    super();
  }
  readonly fire = (): void => {
    this.handle = undefined;
    if (this.wake()) this.state.wakes++;
  };
  protected override onCancel(): void {
    if (this.handle !== undefined) this.runner.adapter.clearTimer(this.handle);
  }
}

/**
 * Returns once every other task of the run is blocked and has stayed blocked
 * for `cushion` ms of real time. A checkpoint; the caller is not counted.
 * Tasks waiting on a worker thread or a foreign promise count as blocked.
 *
 * @param cushion Real ms the run must stay blocked (default 0: one macrotask).
 * @throws {@link !RangeError} if `cushion` is negative, NaN or infinite.
 * @example A task parked on an event, then the caller goes on
 * ```ts
 * import { run, Event } from "skein";
 * import { waitAllTasksBlocked } from "skein/testing";
 * const log: string[] = [];
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const go = new Event();
 *     tg.startSoon(async (cx) => { log.push("waiting"); await go.wait(cx); log.push("go"); });
 *     await waitAllTasksBlocked(cx);
 *     log.push("all blocked");
 *     go.set();
 *   }),
 * );
 * console.log(log); // ["waiting", "all blocked", "go"]
 * ```
 */
export async function waitAllTasksBlocked(cx: Context, cushion = 0): Promise<void> {
    checkContext(cx, "waitAllTasksBlocked");
  checkDelay("cushion", cushion);
  if (cushion === Infinity) throw new RangeError("cushion must be finite, got Infinity");
  const runner = cx._task.runner;
  let state = idleWaiters.get(runner);
  if (state === undefined) idleWaiters.set(runner, (state = { count: 0, wakes: 0 }));
  state.count++;
  try {
    for (;;) {
      const waiter = new RealTimeWaiter(runner, state);
      const before = runner.activity - state.wakes;
      const parked = parkWhereBlocked(waiter, cx.cancelScope);
      if (!waiter.settled) {
        if (cushion === 0) runner.adapter.yieldMacrotask(waiter.fire);
        else waiter.handle = runner.adapter.setTimer(waiter.fire, cushion);
      }
      await parked;
      // The wake-ups of waiters in here (ours included) do not count as
      // activity; anything else that moved the counter means a task ran.
      if (!runner.busy && runner.activity - state.wakes === before) return;
    }
  } finally {
    if (--state.count === 0) idleWaiters.delete(runner);
  }
}
