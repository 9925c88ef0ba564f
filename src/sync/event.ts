/**
 * `Event`: a flag tasks can wait for. Once set it stays set; every waiter
 * wakes, and later waits return at once.
 *
 * `wait` is a checkpoint: when the event is already set it still raises
 * `Cancelled` in a cancelled scope (without yielding, to stay cheap).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { RESOLVED } from "../core/waiter.ts";
import { QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

/**
 * What {@link Event.statistics} reports.
 *
 * @example
 * ```ts
 * console.log(event.statistics().waiting);
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
  private readonly waiters = new WaiterQueue<void>();

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
    while (this.waiters.wakeFirst()) {
      /* wake them all */
    }
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
    cx.checkpointIfCancelled();
    if (this.flag) return RESOLVED;
    const waiter = new QueuedWaiter<void>();
    this.waiters.push(waiter);
    return waiter.park(cx.cancelScope);
  }

  /**
   * Counts of blocked tasks.
   *
   * @example
   * ```ts
   * event.statistics(); // { waiting: 2 }
   * ```
   */
  statistics(): EventStatistics {
    return { waiting: this.waiters.size };
  }
}
