/**
 * `Queue`: asyncio's queue with `put`/`get`, `taskDone`/`join` and an
 * optional maximum size, for code ported from asyncio. (New code can also use
 * memory object streams, which add closing and cloning.)
 *
 * Invariants:
 * - Items leave in the order they were put; blocked getters and putters are
 *   served first-come, first-served.
 * - A blocked `put` cancelled while waiting did not add its item; a `put` that
 *   returned normally did. A blocked `get` cancelled while waiting took
 *   nothing. Handing an item to a waiter uses `wake`, which fails for a
 *   waiter already cancelled, so nothing is lost or delivered twice.
 * - `unfinished` counts items put and not yet marked `taskDone`; `join`
 *   waits for it to reach zero.
 * - Fast paths (an item ready, room in the queue) do not yield: they only
 *   check for cancellation (`cx.checkpointIfCancelled()`), which keeps the
 *   uncontended case cheap while a cancelled caller still cannot proceed.
 *
 * Blocked getters and putters wait in {@link WaiterQueue}s (lazy deletion,
 * exact counts).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { UsageError, WouldBlock } from "../core/errors.ts";
import { describeValue } from "../core/validate.ts";
import { Fifo } from "../core/fifo.ts";
import { Waiter } from "../core/waiter.ts";
import { RESOLVED } from "../core/waiter.ts";
import { QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

class PutWaiter<T> extends QueuedWaiter<void> {
  constructor(readonly item: T) {
    super();
  }
}

class JoinWaiter extends Waiter<void> {}

/**
 * What {@link Queue.statistics} reports.
 *
 * @example
 * ```ts
 * const { size, unfinished, waitingGet, waitingPut } = queue.statistics();
 * ```
 */
export interface QueueStatistics {
  /** Items in the queue. */
  readonly size: number;
  /** The maximum size (`Infinity` if unbounded). */
  readonly maxSize: number;
  /** Items put and not yet marked done with `taskDone()`. */
  readonly unfinished: number;
  /** Tasks blocked in `get`. */
  readonly waitingGet: number;
  /** Tasks blocked in `put`. */
  readonly waitingPut: number;
}

/**
 * A FIFO queue with an optional maximum size, as in asyncio.
 *
 * @example Workers draining a queue
 * ```ts
 * import { Queue, run } from "skein";
 * await run(async (cx) => {
 *   const queue = new Queue<string>(10);
 *   await cx.taskGroup(async (tg, cx) => {
 *     for (let w = 0; w < 3; w++)
 *       tg.startSoon(async (cx) => {
 *         for (;;) {
 *           const url = await queue.get(cx);
 *           try { await cx.sleep(10); } finally { queue.taskDone(); }
 *         }
 *       });
 *     for (const url of ["a", "b", "c", "d"]) await queue.put(cx, url);
 *     await queue.join(cx); // every item processed
 *     tg.cancelScope.cancel(); // stop the workers
 *   });
 * });
 * ```
 */
export class Queue<T> {
  /** The maximum number of items; `put` waits while the queue holds this many. */
  readonly maxSize: number;
  private readonly items = new Fifo<T>();
  private unfinished = 0;
  private readonly getters = new WaiterQueue<T>();
  private readonly putters = new WaiterQueue<void>();
  private joiners: JoinWaiter[] = [];

  /**
   * @param maxSize a whole number >= 1, or `Infinity` (the default) for an
   *   unbounded queue. (asyncio's `maxsize=0` is written `Infinity` here.)
   * @throws {RangeError} for any other value.
   */
  constructor(maxSize: number = Infinity) {
    if (typeof maxSize !== "number") throw new TypeError(`maxSize must be a number, got ${describeValue(maxSize)}`);
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= 1))) {
      throw new RangeError(`maxSize must be a whole number >= 1 or Infinity, got ${maxSize}`);
    }
    this.maxSize = maxSize;
  }

  /** Number of items in the queue. */
  get size(): number {
    return this.items.length;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this.size === 0;
  }

  /** Whether the queue holds `maxSize` items. */
  full(): boolean {
    return this.size >= this.maxSize;
  }

  /**
   * Adds `item`, waiting while the queue is full. A checkpoint when it has to
   * wait; if cancelled while waiting, the item was not added.
   *
   * @example
   * ```ts
   * await queue.put(cx, job);
   * ```
   */
  put(cx: Context, item: T): Promise<void> {
    cx.checkpointIfCancelled();
    if (this.tryPut(item)) return RESOLVED;
    const waiter = new PutWaiter(item);
    this.putters.push(waiter);
    return waiter.park(cx.cancelScope);
  }

  /**
   * Adds `item` now.
   *
   * @throws {WouldBlock} if the queue is full.
   * @example
   * ```ts
   * try { queue.putNowait(job); } catch (e) { if (e instanceof WouldBlock) dropped++; }
   * ```
   */
  putNowait(item: T): void {
    if (!this.tryPut(item)) throw new WouldBlock("the queue is full");
  }

  /**
   * Takes the oldest item, waiting while the queue is empty. A checkpoint
   * when it has to wait; if cancelled while waiting, it took nothing.
   *
   * @example
   * ```ts
   * const job = await queue.get(cx);
   * ```
   */
  get(cx: Context): Promise<T> {
    cx.checkpointIfCancelled();
    if (this.size > 0) return Promise.resolve(this.take());
    const waiter = new QueuedWaiter<T>();
    this.getters.push(waiter);
    return waiter.park(cx.cancelScope);
  }

  /**
   * Takes the oldest item now.
   *
   * @throws {WouldBlock} if the queue is empty.
   * @example
   * ```ts
   * const next = queue.getNowait();
   * ```
   */
  getNowait(): T {
    if (this.size === 0) throw new WouldBlock("the queue is empty");
    return this.take();
  }

  /**
   * Marks one item taken with `get` as processed; `join` returns once every
   * item put has been marked.
   *
   * @throws {UsageError} if called more times than items were put.
   * @example
   * ```ts
   * const job = await queue.get(cx);
   * try { await handle(cx, job); } finally { queue.taskDone(); }
   * ```
   */
  taskDone(): void {
    if (this.unfinished === 0) throw new UsageError("taskDone() called more times than items were put");
    if (--this.unfinished === 0) {
      const joiners = this.joiners;
      this.joiners = [];
      for (const j of joiners) j.wake();
    }
  }

  /**
   * Waits until every item put has been marked with `taskDone()`. A
   * checkpoint when it has to wait.
   *
   * @example
   * ```ts
   * await queue.join(cx);
   * ```
   */
  join(cx: Context): Promise<void> {
    cx.checkpointIfCancelled();
    if (this.unfinished === 0) return RESOLVED;
    const waiter = new JoinWaiter();
    this.joiners.push(waiter);
    return waiter.park(cx.cancelScope);
  }

  /**
   * Counts of items and blocked tasks.
   *
   * @example
   * ```ts
   * console.log(queue.statistics().waitingGet);
   * ```
   */
  statistics(): QueueStatistics {
    return {
      size: this.size,
      maxSize: this.maxSize,
      unfinished: this.unfinished,
      waitingGet: this.getters.size,
      waitingPut: this.putters.size,
    };
  }

  private tryPut(item: T): boolean {
    // A waiting getter means the queue is empty: hand the item over directly.
    if (this.getters.wakeFirst(item)) {
      this.unfinished++;
      return true;
    }
    if (this.size >= this.maxSize) return false;
    this.items.push(item);
    this.unfinished++;
    return true;
  }

  private take(): T {
    const item = this.items.shift();
    // Room freed: admit the first putter still waiting.
    for (let p = this.putters.shift(); p !== undefined; p = this.putters.shift()) {
      if (p.wake()) {
        this.items.push((p as PutWaiter<T>).item);
        this.unfinished++;
        break;
      }
    }
    return item;
  }
}
