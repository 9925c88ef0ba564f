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
 * @module
 */

import type { Context } from "../core/context.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkContext } from "../core/validate.ts";

const WAIT: BlockingOp<Event, void, void> = {
  name: "Event.wait",
  now: () => MUST_WAIT, // `wait` takes the set event's path itself

  enqueue(event) {
    const waiter = new QueuedWaiter<void>();
    event._waiters.push(waiter);
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
    return this.flag ? cx.checkpoint() : block(WAIT, this, cx, undefined);
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
    return { waiting: this._waiters.size };
  }
}
