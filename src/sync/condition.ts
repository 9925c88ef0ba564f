/**
 * `Condition`: wait for a notification while holding a lock, as in asyncio
 * and anyio. `wait` releases the lock, sleeps until `notify`, then takes the
 * lock back before returning, also when it was cancelled (the re-acquisition
 * is shielded, so the caller always leaves `wait` holding the lock, as its
 * `finally` blocks expect). Notifications go to waiters in FIFO order; a
 * waiter cancelled before being notified leaves the queue at once (O(1))
 * and does not use up a notification.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { UsageError } from "../core/errors.ts";
import { Lock, type LockStatistics } from "./lock.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkCount, describeValue } from "../core/validate.ts";

/** Waiting for a notification: no fast path; queueing releases the lock. */
const NOTIFIED: BlockingOp<Condition, void, void> = {
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
 * await changed.withLock(cx, async () => { items.push(x); changed.notify(); });
 * ```
 */
export class Condition {
  /** The lock the condition is used with. */
  readonly lock: Lock;
  /** @internal */ readonly _waiters = new WaiterQueue<void>();

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
    return this.lock.acquire(cx);
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
    return this.lock.withLock(cx, body);
  }

  /**
   * Releases the lock, waits for a notification, and takes the lock back;
   * a checkpoint. Returns (or throws `Cancelled`) holding the lock.
   *
   * @throws {UsageError} (through the promise) if this task does not hold the lock.
   * @example
   * ```ts
   * while (queue.length === 0) await condition.wait(cx);
   * ```
   */
  async wait(cx: Context): Promise<void> {
    if (!this.lock._ownedBy(cx)) throw new UsageError("wait() needs the condition's lock to be held by this task");
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
   * Wakes up to `n` waiting tasks, in the order they started waiting.
   *
   * @throws {RangeError} if `n` is not a whole number >= 1.
   * @example
   * ```ts
   * condition.notify();
   * ```
   */
  notify(n = 1): void {
    checkCount("n", n, 1);
    for (let i = 0; i < n && this._waiters.wakeFirst(); i++) {
      /* woken */
    }
  }

  /**
   * Wakes every waiting task.
   *
   * @example
   * ```ts
   * condition.notifyAll();
   * ```
   */
  notifyAll(): void {
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
}
