/**
 * `Condition`: wait for a notification while holding a lock, as in asyncio
 * and anyio. `wait` releases the lock, sleeps until `notify`, then takes the
 * lock back before returning, also when it was cancelled (the re-acquisition
 * is shielded, so the caller always leaves `wait` holding the lock, as its
 * `finally` blocks expect). `waitFor` wraps the usual loop: it checks a
 * predicate, and waits and re-checks until it holds.
 *
 * Notifying needs the lock too (`notify(cx)`, `notifyAll(cx)`; without it,
 * a `UsageError`, as trio and asyncio raise): the state a waiter's
 * predicate reads is then always changed and announced under the lock that
 * the waiter re-checks it under.
 *
 * Invariants:
 * - Every queued waiter released the lock when it started waiting, and will
 *   take it back before `wait` returns or throws.
 * - Notifications go to waiters in FIFO order; a waiter cancelled before
 *   being notified leaves the queue at once (O(1)) and does not use up a
 *   notification.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { type BrokenResourceError, UsageError, type WouldBlock } from "../core/errors.ts";
import { Lock, type LockStatistics } from "./lock.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkContext, checkCount, checkFunction, describeValue } from "../core/validate.ts";

/** Waiting for a notification: no fast path; queueing releases the lock. */
const NOTIFIED: BlockingOp<Condition, void, void> = {
  name: "Condition.wait",
  now: () => MUST_WAIT,
  enqueue(condition, cx) {
    const waiter = new QueuedWaiter<void>();
    condition._waiters.push(waiter);
    condition.lock.release(cx);
    return waiter;
  },
};

/**
 * What {@link Condition.statistics} reports.
 *
 * @example
 * ```ts
 * condition.statistics().waiting;
 * ```
 */
export interface ConditionStatistics {
  /** Tasks blocked in `wait`. */
  readonly waiting: number;
  /** The lock's statistics. */
  readonly lock: LockStatistics;
}

/**
 * A condition variable over a {@link Lock}.
 *
 * @example
 * ```ts
 * import { Condition } from "skein";
 * const changed = new Condition();
 * // consumer
 * await changed.withLock(cx, async (cx) => {
 *   while (items.length === 0) await changed.wait(cx);
 *   use(items.shift());
 * });
 * // producer
 * await changed.withLock(cx, async (cx) => { items.push(x); changed.notify(cx); });
 * ```
 */
export class Condition {
  /** The lock the condition is used with. */
  readonly lock: Lock;
  /** @internal */ readonly _waiters: WaiterQueue<void> = new WaiterQueue();

  /** @param lock the lock to use (a new one by default). */
  constructor(lock: Lock = new Lock()) {
    if (!(lock instanceof Lock)) throw new TypeError(`lock must be a Lock, got ${describeValue(lock)}`);
    this.lock = lock;
  }

  /**
   * Takes the underlying lock; a checkpoint.
   *
   * @example
   * ```ts
   * await condition.acquire(cx);
   * ```
   */
  acquire(cx: Context): Promise<void> {
    checkContext(cx, "Condition.acquire");
    return this.lock.acquire(cx);
  }

  /**
   * Takes the underlying lock if it is free (trio's and anyio's
   * `acquire_nowait`).
   *
   * @throws {@link WouldBlock} if another task holds it.
   * @throws {@link UsageError} if this task already holds it.
   * @throws {@link BrokenResourceError} if its owner ended without releasing it.
   * @example
   * ```ts
   * condition.acquireNowait(cx);
   * ```
   */
  acquireNowait(cx: Context): void {
    checkContext(cx, "Condition.acquireNowait");
    this.lock.acquireNowait(cx);
  }

  /**
   * Releases the underlying lock.
   *
   * @example
   * ```ts
   * condition.release(cx);
   * ```
   */
  release(cx: Context): void {
    checkContext(cx, "Condition.release");
    this.lock.release(cx);
  }

  /**
   * Whether the underlying lock is held.
   *
   * @example
   * ```ts
   * condition.locked();
   * ```
   */
  locked(): boolean {
    return this.lock.locked();
  }

  /**
   * Runs `body` holding the underlying lock.
   *
   * @example
   * ```ts
   * await condition.withLock(cx, async (cx) => { while (!ready) await condition.wait(cx); });
   * ```
   */
  withLock<T>(cx: Context, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    checkContext(cx, "Condition.withLock");
    return this.lock.withLock(cx, body);
  }

  /**
   * Releases the lock, waits for a notification, and takes the lock back;
   * a checkpoint. Returns (or throws `Cancelled`) holding the lock.
   *
   * @throws {@link UsageError} (through the promise) if this task does not hold the lock.
   * @example
   * ```ts
   * while (items.length === 0) await condition.wait(cx);
   * ```
   */
  async wait(cx: Context): Promise<void> {
    checkContext(cx, "Condition.wait");
    this.checkHeld(cx, "wait()");
    const notified = block(NOTIFIED, this, cx, undefined);
    // Cancelled at the call: it never released the lock, so nothing to take back.
    if (this.lock._ownedBy(cx)) return notified;
    try {
      await notified;
    } finally {
      await cx.withCancelScope({ shield: true }, (cx) => this.lock.acquire(cx));
    }
  }

  /**
   * Waits until `predicate()` returns a truthy value, and returns it; a
   * checkpoint. It checks first (returning at once, without waiting, when
   * it already holds), then after each notification. Called and returns
   * holding the lock, so `predicate` reads the state under the lock.
   *
   * @throws {@link !TypeError} if `predicate` is not a function.
   * @throws {@link UsageError} (through the promise) if this task does not hold the lock.
   * @example
   * ```ts
   * const job = await condition.withLock(cx, (cx) => condition.waitFor(cx, () => jobs.shift()));
   * ```
   */
  waitFor<R>(cx: Context, predicate: () => R): Promise<R> {
    checkContext(cx, "Condition.waitFor");
    checkFunction("predicate", predicate);
    return this.waitUntil(cx, predicate);
  }

  private async waitUntil<R>(cx: Context, predicate: () => R): Promise<R> {
    this.checkHeld(cx, "waitFor()");
    cx.checkpointIfCancelled();
    let result = predicate();
    while (!result) {
      await this.wait(cx);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks, in the order they started waiting. The
   * caller must hold the lock.
   *
   * @throws {@link !TypeError} if `cx` is not a context.
   * @throws {@link !RangeError} if `n` is not a whole number >= 1.
   * @throws {@link UsageError} if this task does not hold the lock.
   * @example
   * ```ts
   * await condition.withLock(cx, async (cx) => {
   *   items.push(item);
   *   condition.notify(cx);
   * });
   * ```
   */
  notify(cx: Context, n = 1): void {
    checkContext(cx, "Condition.notify");
    checkCount("n", n, 1);
    this.checkHeld(cx, "notify()");
    for (let i = 0; i < n && this._waiters.wakeFirst(); i++) {
      /* woken */
    }
  }

  /**
   * Wakes every waiting task. The caller must hold the lock.
   *
   * @throws {@link !TypeError} if `cx` is not a context.
   * @throws {@link UsageError} if this task does not hold the lock.
   * @example
   * ```ts
   * await condition.withLock(cx, async (cx) => {
   *   closed = true;
   *   condition.notifyAll(cx);
   * });
   * ```
   */
  notifyAll(cx: Context): void {
    checkContext(cx, "Condition.notifyAll");
    this.checkHeld(cx, "notifyAll()");
    this._waiters.wakeAll();
  }

  /**
   * Waiting tasks and the lock's state.
   *
   * @example
   * ```ts
   * condition.statistics(); // { waiting: 1, lock: { locked: false, owner: null, waiting: 0 } }
   * ```
   */
  statistics(): ConditionStatistics {
    return { waiting: this._waiters.size, lock: this.lock.statistics() };
  }

  private checkHeld(cx: Context, call: string): void {
    if (!this.lock._ownedBy(cx)) throw new UsageError(`${call} needs this task to hold the condition's lock`);
  }
}

