/**
 * `CapacityLimiter`: like a semaphore, but each token is borrowed by someone
 * (by default the task), so a borrower cannot take two tokens by mistake and
 * only a borrower can give one back. `totalTokens` can change while tasks
 * wait: raising it admits waiters at once; lowering it takes effect as
 * tokens come back. It may be 0 (as in anyio and trio): everyone waits until
 * it is raised. `toThread` borrows from one (per call) to bound how many
 * worker calls run at once, and one limiter can be shared with other work.
 *
 * Fair (FIFO). A waiter cancelled while queued leaves the queue at once
 * (O(1)), holds nothing, and is forgotten: the borrower it named can be
 * collected, and may ask again.
 *
 * Invariants:
 * - A borrower is at most once in `borrowers` (holding a token) or
 *   `waitingBorrowers` (waiting for one), never in both: a second request
 *   for it is refused at the call with a `UsageError`.
 * - `waitingBorrowers` is exactly the set of borrowers of the queued
 *   waiters, so `statistics()` is exact.
 * - Tasks wait only while every token is lent out (`admit` runs whenever a
 *   token comes back or `totalTokens` grows).
 *
 * Costs: borrow and release are O(1) (two set operations); a request that
 * has to wait allocates its waiter.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { UsageError, WouldBlock } from "../core/errors.ts";
import { holdHandle, runHolding } from "./holding.ts";
import { checkContext, checkCount, describeValue } from "../core/validate.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

class BorrowWaiter extends QueuedWaiter<void> {
  constructor(
    readonly limiter: CapacityLimiter,
    readonly borrower: object,
  ) {
    super();
  }

  protected override onCancel(): void {
    super.onCancel();
    this.limiter._waitingBorrowers.delete(this.borrower);
  }
}

const BORROW: BlockingOp<CapacityLimiter, object, void> = {
  name: "CapacityLimiter.acquire",
  schedulePoint: true,
  now: (limiter, _cx, borrower) => limiter._tryBorrow(borrower),
  enqueue(limiter, _cx, borrower) {
    const waiter = new BorrowWaiter(limiter, borrower);
    limiter._waiters.push(waiter);
    limiter._waitingBorrowers.add(borrower);
    return waiter;
  },
};

/**
 * What {@link CapacityLimiter.statistics} reports.
 *
 * @example
 * ```ts
 * const { borrowed, total, waiting } = limiter.statistics();
 * ```
 */
export interface CapacityLimiterStatistics {
  /** Tokens lent out. */
  readonly borrowed: number;
  /** `totalTokens`. */
  readonly total: number;
  /** Borrowers waiting for a token. */
  readonly waiting: number;
}

/**
 * A limiter of concurrent work with per-borrower tokens.
 *
 * @example
 * ```ts
 * import { CapacityLimiter } from "skein";
 * const db = new CapacityLimiter(10);
 * await db.withToken(cx, (cx) => query(cx, sql));
 * db.totalTokens = 20; // more connections now
 * ```
 */
export class CapacityLimiter {
  private total: number;
  private readonly borrowers = new Set<object>();
  /** @internal */ readonly _waitingBorrowers: Set<object> = new Set();
  /** @internal */ readonly _waiters: WaiterQueue<void> = new WaiterQueue();

  /**
   * @param totalTokens a whole number >= 0, or `Infinity`.
   * @throws {@link !RangeError} for anything else.
   */
  constructor(totalTokens: number) {
    checkCount("totalTokens", totalTokens, 0, true);
    this.total = totalTokens;
  }

  /**
   * The number of tokens. Raising it admits waiting borrowers at once.
   *
   * @example
   * ```ts
   * limiter.totalTokens = 4;
   * ```
   */
  get totalTokens(): number {
    return this.total;
  }

  /** Sets the number of tokens. @throws {@link !RangeError} unless a whole number >= 0 or Infinity. */
  set totalTokens(value: number) {
    checkCount("totalTokens", value, 0, true);
    this.total = value;
    this.admit();
  }

  /** Tokens lent out now. */
  get borrowedTokens(): number {
    return this.borrowers.size;
  }

  /** Tokens free now. */
  get availableTokens(): number {
    return Math.max(0, this.total - this.borrowers.size);
  }

  /**
   * Borrows a token for this task, waiting in line while none is free; a checkpoint.
   *
   * @throws {@link UsageError} (synchronously) if this task already holds or is waiting for one.
   * @example
   * ```ts
   * await limiter.acquire(cx);
   * try { await work(cx); } finally { limiter.release(cx); }
   * ```
   */
  acquire(cx: Context): Promise<void> {
    checkContext(cx, "CapacityLimiter.acquire");
    return this.acquireOnBehalfOf(cx, cx._task);
  }

  /**
   * Borrows a token for `borrower` (any object), waiting while none is
   * free; a checkpoint.
   *
   * @throws {@link !TypeError} (synchronously) if `borrower` is not an object.
   * @throws {@link UsageError} (synchronously) if `borrower` already holds or is
   *   waiting for a token of this limiter.
   * @example
   * ```ts
   * const job = {};
   * await limiter.acquireOnBehalfOf(cx, job);
   * ```
   */
  acquireOnBehalfOf(cx: Context, borrower: object): Promise<void> {
    checkContext(cx, "CapacityLimiter.acquireOnBehalfOf");
    this.checkBorrower(borrower);
    return block(BORROW, this, cx, borrower);
  }

  /**
   * Borrows a token for this task if one is free.
   *
   * @throws {@link WouldBlock} if none is.
   * @throws {@link UsageError} if it holds or waits for one already.
   * @example
   * ```ts
   * limiter.acquireNowait(cx);
   * ```
   */
  acquireNowait(cx: Context): void {
    checkContext(cx, "CapacityLimiter.acquireNowait");
    this.acquireOnBehalfOfNowait(cx._task);
  }

  /**
   * Borrows a token for `borrower` if one is free.
   *
   * @throws {@link WouldBlock} if none is.
   * @throws {@link UsageError} if it holds or waits for one already.
   * @example
   * ```ts
   * limiter.acquireOnBehalfOfNowait(job);
   * ```
   */
  acquireOnBehalfOfNowait(borrower: object): void {
    this.checkBorrower(borrower);
    if (this._tryBorrow(borrower) === MUST_WAIT) throw new WouldBlock("no token is available");
  }

  /**
   * Gives back this task's token.
   *
   * @throws {@link UsageError} if this task holds none.
   * @example
   * ```ts
   * limiter.release(cx);
   * ```
   */
  release(cx: Context): void {
    checkContext(cx, "CapacityLimiter.release");
    this.releaseOnBehalfOf(cx._task);
  }

  /**
   * Gives back `borrower`'s token, admitting the next waiter.
   *
   * @throws {@link UsageError} if `borrower` holds none.
   * @example
   * ```ts
   * limiter.releaseOnBehalfOf(job);
   * ```
   */
  releaseOnBehalfOf(borrower: object): void {
    if (!this.borrowers.delete(borrower)) throw new UsageError("this borrower holds no token of this CapacityLimiter");
    this.admit();
  }

  /**
   * Runs `body` holding a token for this task.
   *
   * @example
   * ```ts
   * await limiter.withToken(cx, (cx) => crunch(cx));
   * ```
   */
  withToken<T>(cx: Context, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    checkContext(cx, "CapacityLimiter.withToken");
    const task = cx._task;
    return runHolding(cx, body, (cx) => this.acquire(cx), () => this.releaseOnBehalfOf(task));
  }

  /**
   * Borrows a token for this task; disposing the handle gives it back.
   *
   * @example
   * ```ts
   * await using _token = await limiter.hold(cx);
   * ```
   */
  hold(cx: Context): Promise<AsyncDisposable> {
    checkContext(cx, "CapacityLimiter.hold");
    const task = cx._task;
    return holdHandle(cx, (cx) => this.acquire(cx), () => this.releaseOnBehalfOf(task));
  }

  /**
   * Tokens and waiting borrowers.
   *
   * @example
   * ```ts
   * limiter.statistics(); // { borrowed: 2, total: 2, waiting: 5 }
   * ```
   */
  statistics(): CapacityLimiterStatistics {
    return { borrowed: this.borrowers.size, total: this.total, waiting: this._waiters.size };
  }

  /** @internal Lends a token to `borrower` if one is free. */
  _tryBorrow(borrower: object): undefined | typeof MUST_WAIT {
    if (this.borrowers.size >= this.total) return MUST_WAIT;
    this.borrowers.add(borrower);
    return undefined;
  }

  private checkBorrower(borrower: object): void {
    if (borrower === null || (typeof borrower !== "object" && typeof borrower !== "function")) {
      throw new TypeError(`borrower must be an object, got ${describeValue(borrower)}`);
    }
    if (this.borrowers.has(borrower) || this._waitingBorrowers.has(borrower)) {
      throw new UsageError("this borrower already holds or is waiting for a token of this CapacityLimiter");
    }
  }

  /** Lends freed tokens to the first waiters. */
  private admit(): void {
    while (this.borrowers.size < this.total) {
      const waiter = this._waiters.shift() as BorrowWaiter | null;
      if (waiter === null) return;
      this._waitingBorrowers.delete(waiter.borrower);
      this.borrowers.add(waiter.borrower);
      waiter.wake();
    }
  }
}
