/**
 * `Sequencer`: forces an interleaving of tasks in a test, as trio's
 * `trio.testing.Sequencer`.
 *
 * Each task wraps a step in `seq.at(cx, position, body)`; the step at
 * position `n` waits until the step at `n - 1` has finished (position 0 runs
 * at once). So a test can say "A does this, then B does that, then A goes on"
 * without sleeps and without depending on the scheduler.
 *
 * Invariants: each position is used once; steps run in position order; if a
 * step's wait is cancelled the sequence is broken, every waiting step wakes
 * with `BrokenResourceError` and later steps fail at once, so a test fails
 * loudly instead of hanging.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, Cancelled, UsageError } from "../core/errors.ts";
import { checkCount, checkFunction } from "../core/validate.ts";
import { Event } from "../sync/event.ts";

/**
 * Runs steps of different tasks in a fixed order.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * import { Sequencer } from "skein/testing";
 * const seq = new Sequencer();
 * const log: string[] = [];
 * await run((cx) =>
 *   cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => {
 *       await seq.at(cx, 1, async () => log.push("b1"));
 *       await seq.at(cx, 3, async () => log.push("b3"));
 *     });
 *     tg.startSoon(async (cx) => {
 *       await seq.at(cx, 0, async () => log.push("a0"));
 *       await seq.at(cx, 2, async () => log.push("a2"));
 *     });
 *   }),
 * );
 * console.log(log); // ["a0", "b1", "a2", "b3"]
 * ```
 */
export class Sequencer {
  private readonly points = new Map<number, Event>();
  private readonly claimed = new Set<number>();
  private broken = false;

  private point(position: number): Event {
    let event = this.points.get(position);
    if (event === undefined) this.points.set(position, (event = new Event()));
    return event;
  }

  /**
   * Waits until the step at `position - 1` has finished, runs `body`, then
   * lets the step at `position + 1` go.
   *
   * @throws {@link !RangeError} if `position` is not a whole number >= 0.
   * @throws {@link skein!UsageError} if `position` was used before.
   * @throws {@link skein!BrokenResourceError} if an earlier step's wait was cancelled.
   * @example
   * ```ts
   * await seq.at(cx, 2, async (cx) => { await send.send(cx, "third"); });
   * ```
   */
  async at<T>(cx: Context, position: number, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    checkCount("position", position, 0);
    checkFunction("body", body);
    if (this.claimed.has(position)) throw new UsageError(`sequence position ${position} was used before`);
    if (this.broken) throw new BrokenResourceError("the sequence is broken: an earlier step's wait was cancelled");
    this.claimed.add(position);
    if (position !== 0) {
      try {
        await this.point(position).wait(cx);
      } catch (error) {
        if (!(error instanceof Cancelled)) throw error;
        this.broken = true;
        for (const event of this.points.values()) event.set();
        throw error;
      }
      if (this.broken) throw new BrokenResourceError("the sequence is broken: an earlier step's wait was cancelled");
    }
    try {
      return await body(cx);
    } finally {
      this.point(position + 1).set();
    }
  }
}
