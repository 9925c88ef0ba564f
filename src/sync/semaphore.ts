/**
 * `Semaphore`: a counter of permits. `acquire` takes one, waiting while none
 * is left; `release` gives one back. Fair (FIFO): a release hands its permit
 * straight to the first task waiting, and a waiter cancelled while queued
 * leaves the queue at once (O(1)), so no permit is lost or given to a
 * cancelled task.
 *
 * Invariant: tasks wait only while the count is 0 (a release with waiters
 * hands the permit over instead of counting it).
 *
 * Unlike a lock, a permit has no owner: any task may release. With
 * `maxValue`, releasing past it is a `UsageError` (a bug that would
 * otherwise grow the semaphore silently).
 *
 * `acquire` is a checkpoint; with a permit free it takes it, then yields to
 * the other tasks (a schedule point, as in trio: a cancellation then does
 * not undo the acquire).
 * Costs: acquire and release are O(1); an uncontended pair allocates nothing.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { UsageError, WouldBlock } from "../core/errors.ts";
import { holdHandle, runHolding } from "./holding.ts";
import { checkBoolean, checkContext, checkCount, describeValue } from "../core/validate.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

const ACQUIRE: BlockingOp<Semaphore, void, void> = {
  name: "Semaphore.acquire",
  schedulePoint: true,
  now: (semaphore) => semaphore._tryAcquire(),
  enqueue(semaphore) {
    const waiter = new QueuedWaiter<void>();
    semaphore._waiters.push(waiter);
    return waiter;
  },
};

/** `acquire` of a semaphore made with `fastAcquire`: no schedule point when a permit is free. */
const FAST_ACQUIRE: BlockingOp<Semaphore, void, void> = { name: ACQUIRE.name, now: ACQUIRE.now, enqueue: ACQUIRE.enqueue };

/**
 * What {@link Semaphore.statistics} reports.
 *
 * @example
 * ```ts
 * const { value, waiting } = semaphore.statistics();
 * ```
 */
export interface SemaphoreStatistics {
  /** Permits available now. */
  readonly value: number;
  /** The maximum, or `Infinity`. */
  readonly maxValue: number;
  /** Tasks blocked in `acquire`. */
  readonly waiting: number;
}

/**
 * Options for {@link Semaphore}.
 *
 * @example
 * ```ts
 * new Semaphore(2, { maxValue: 2 });
 * ```
 */
export interface SemaphoreOptions {
  /** The most permits it may hold; `release` past it is a `UsageError`. */
  maxValue?: number;
  /**
   * Take a free permit without yielding to other tasks (anyio's
   * `fast_acquire`; see {@link LockOptions.fastAcquire}). Default false.
   */
  fastAcquire?: boolean;
}

/**
 * A fair counting semaphore.
 *
 * @example At most three downloads at once
 * ```ts
 * import { Semaphore } from "skein";
 * const slots = new Semaphore(3);
 * for (const url of urls)
 *   tg.startSoon(async (cx) => slots.withSemaphore(cx, (cx) => download(cx, url)));
 * ```
 */
export class Semaphore {
  private count: number;
  /** The most permits the semaphore may hold (`Infinity` if unbounded). */
  readonly maxValue: number;
  /** @internal */ readonly _waiters: WaiterQueue<void> = new WaiterQueue();
  private readonly acquireOp: BlockingOp<Semaphore, void, void>;

  /**
   * @param initialValue permits to start with (a whole number >= 0).
   * @param options `maxValue` and `fastAcquire` (see {@link SemaphoreOptions}).
   * @throws {@link !RangeError} for a negative or fractional value, or one above `maxValue`.
   * @throws {@link !TypeError} if `options` is not an object or `fastAcquire` not a boolean.
   */
  constructor(initialValue: number, options: SemaphoreOptions = {}) {
    checkCount("initialValue", initialValue, 0);
    if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    const maxValue = options.maxValue ?? Infinity;
    checkCount("options.maxValue", maxValue, 1, true);
    if (initialValue > maxValue) throw new RangeError(`initialValue ${initialValue} is above options.maxValue ${maxValue}`);
    const { fastAcquire = false } = options;
    checkBoolean("options.fastAcquire", fastAcquire);
    this.count = initialValue;
    this.maxValue = maxValue;
    this.acquireOp = fastAcquire ? FAST_ACQUIRE : ACQUIRE;
  }

  /** Permits available now. */
  get value(): number {
    return this.count;
  }

  /**
   * Takes a permit, waiting in line while none is free; a checkpoint.
   *
   * @example
   * ```ts
   * await semaphore.acquire(cx);
   * try { await work(cx); } finally { semaphore.release(); }
   * ```
   */
  acquire(cx: Context): Promise<void> {
    checkContext(cx, "Semaphore.acquire");
    return block(this.acquireOp, this, cx, undefined);
  }

  /**
   * Takes a permit if one is free.
   *
   * @throws {@link WouldBlock} if none is.
   * @example
   * ```ts
   * semaphore.acquireNowait();
   * ```
   */
  acquireNowait(): void {
    if (this._tryAcquire() === MUST_WAIT) throw new WouldBlock("no permit is available");
  }

  /**
   * Gives a permit back, to the first task waiting if there is one.
   *
   * @throws {@link UsageError} if that would exceed `maxValue`.
   * @example
   * ```ts
   * semaphore.release();
   * ```
   */
  release(): void {
    if (this._waiters.wakeFirst()) return;
    if (this.count >= this.maxValue) throw new UsageError(`release() would take the semaphore above its maxValue ${this.maxValue}`);
    this.count++;
  }

  /**
   * Runs `body` holding a permit.
   *
   * @example
   * ```ts
   * await semaphore.withSemaphore(cx, (cx) => fetchOne(cx, url));
   * ```
   */
  withSemaphore<T>(cx: Context, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    checkContext(cx, "Semaphore.withSemaphore");
    return runHolding(cx, body, (cx) => this.acquire(cx), () => this.release());
  }

  /**
   * Takes a permit and returns a handle that gives it back when disposed.
   *
   * @example
   * ```ts
   * await using _permit = await semaphore.hold(cx);
   * ```
   */
  hold(cx: Context): Promise<AsyncDisposable> {
    checkContext(cx, "Semaphore.hold");
    return holdHandle(cx, (cx) => this.acquire(cx), () => this.release());
  }

  /**
   * Permits and waiting tasks.
   *
   * @example
   * ```ts
   * semaphore.statistics(); // { value: 0, maxValue: Infinity, waiting: 2 }
   * ```
   */
  statistics(): SemaphoreStatistics {
    return { value: this.count, maxValue: this.maxValue, waiting: this._waiters.size };
  }

  /** @internal Takes a permit if one is free. */
  _tryAcquire(): undefined | typeof MUST_WAIT {
    if (this.count === 0) return MUST_WAIT;
    this.count--;
    return undefined;
  }
}
