/**
 * `Event`: a flag tasks can wait for. Once set it stays set; every waiter
 * wakes, and later waits return at once.
 *
 * `wait` is a checkpoint: when the event is already set it is
 * `cx.checkpoint()`, as in trio: it rejects with `Cancelled` in a cancelled
 * scope, lets the other tasks run, then checks for cancellation again.
 *
 * Invariants: waiters wait only while the flag is clear; `set` wakes them
 * all, in order. A wait cancelled while blocked leaves the queue at once
 * (O(1)), so a loop that keeps giving up on an event never set, such as
 * `moveOnAfter(1000, (cx) => shutdown.wait(cx))`, runs in constant memory.
 *
 * Batches: many tasks often wait on one event (a start gate, a shutdown
 * flag), and most of what a blocked task costs beyond its own frame is its
 * waiter: the waiter object, its promise, the promise's resolving function
 * and their context (240 of 888 bytes per blocked task on V8). But the
 * waiters of one event that are parked in one cancel scope always end
 * together: `set` wakes them all, and a cancellation of that scope (or of
 * any scope around it) cancels them all. So a wait that finds the newest
 * waiter of this event to be also the newest waiter parked in its own scope
 * joins it: it awaits the same promise and adds one to its `count`. The
 * orders are those of separate waiters (the batch is the tail of the
 * event's queue and the head of the scope's list, so nothing was queued or
 * parked between its members), every task in a batch is woken or cancelled
 * in the same step, and a cancelled batch rejects every member with one
 * `Cancelled` (the same object in each task; each is absorbed by the same
 * scope). A tracked run (instruments) does not batch: it reports every
 * blocked task on its own.
 *
 * @module
 */

import type { CancelScope } from "../core/cancel-scope.ts";
import type { Context } from "../core/context.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkContext } from "../core/validate.ts";

/** One or more waits made in one cancel scope on one event, sharing one promise (see "Batches" in the module text). */
class EventWaiter extends QueuedWaiter<void> {
  /** The tasks waiting through this waiter. */
  declare count: number;
  /** The promise every member awaits; set when it parks. */
  declare promise: Promise<void> | null;

  constructor() {
    super();
    this.count = 1;
    this.promise = null;
  }

  override park(scope: CancelScope): Promise<void> {
    return (this.promise = super.park(scope));
  }
}

const WAIT: BlockingOp<Event, void, void> = {
  name: "Event.wait",
  now: () => MUST_WAIT, // `wait` takes the set event's path itself

  enqueue(event) {
    const waiter = new EventWaiter();
    event._waiters.push(waiter);
    event._newest = waiter;
    return waiter;
  },
};

/**
 * What {@link Event.statistics} reports.
 *
 * @example
 * ```ts
 * console.log(done.statistics().waiting);
 * ```
 */
export interface EventStatistics {
  /** Tasks blocked in `wait`. */
  readonly waiting: number;
}

/**
 * A one-shot flag.
 *
 * @example
 * ```ts
 * import { Event, run } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const ready = new Event();
 *     tg.startSoon(async (cx) => { await ready.wait(cx); console.log("go"); });
 *     await cx.sleep(10);
 *     ready.set();
 *   }),
 * );
 * ```
 */
export class Event {
  private flag = false;
  /** @internal */ readonly _waiters: WaiterQueue<void> = new WaiterQueue();
  /** @internal The waiter queued last: the queue's tail while it is still queued (a batch to join). */
  _newest: EventWaiter | null = null;

  /**
   * Sets the flag and wakes every waiter. Idempotent.
   *
   * @example
   * ```ts
   * done.set();
   * ```
   */
  set(): void {
    if (this.flag) return;
    this.flag = true;
    this._newest = null;
    this._waiters.wakeAll();
  }

  /**
   * Whether the flag is set.
   *
   * @example
   * ```ts
   * if (!done.isSet()) await done.wait(cx);
   * ```
   */
  isSet(): boolean {
    return this.flag;
  }

  /**
   * Waits until the flag is set; a checkpoint.
   *
   * @example
   * ```ts
   * await shutdown.wait(cx);
   * ```
   */
  wait(cx: Context): Promise<void> {
    checkContext(cx, "Event.wait");
    // Set: a full checkpoint, as trio's (the yield, then the cancel check
    // again: unlike an acquire, there is nothing to undo).
    if (this.flag) return cx.checkpoint();
    const newest = this._newest;
    const scope = cx.cancelScope;
    if (newest !== null && newest.queue !== null && scope._firstParked === newest && scope._origin === null && cx._task.runner.instruments === null) {
      // Still queued (so unsettled) and still the newest waiter parked in this (uncancelled) scope.
      newest.count++;
      return newest.promise!;
    }
    return block(WAIT, this, cx, undefined);
  }

  /**
   * Counts of blocked tasks.
   *
   * @example
   * ```ts
   * done.statistics(); // { waiting: 2 }
   * ```
   */
  statistics(): EventStatistics {
    let waiting = 0;
    for (let w = this._waiters.peek() as EventWaiter | null; w !== null; w = w.nextInQueue as EventWaiter | null) waiting += w.count;
    return { waiting };
  }
}
