/**
 * `Lock`: mutual exclusion between tasks, owned by the task that acquired it.
 *
 * Fair: tasks acquire in the order they asked. `release` hands the lock
 * straight to the first task still waiting (it never becomes free in
 * between), so a task that releases and re-acquires in a loop cannot starve
 * the others. A waiter cancelled while queued leaves the queue at once
 * (O(1)) and is never handed the lock.
 *
 * The lock belongs to a task: releasing it from another task, or when it is
 * not held, is a `UsageError`, as is acquiring it again from the task that
 * holds it (it is not re-entrant).
 *
 * `acquire` is a checkpoint; when the lock is free it takes it without
 * yielding (it still rejects with `Cancelled` in a cancelled scope).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { Task } from "../core/task.ts";
import { UsageError, WouldBlock } from "../core/errors.ts";
import { holdHandle, runHolding } from "./holding.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

class LockWaiter extends QueuedWaiter<void> {
  constructor(readonly task: Task) {
    super();
  }
}

const ACQUIRE: BlockingOp<Lock, Task, void> = {
  now: (lock, _cx, task) => lock._tryAcquire(task),
  enqueue(lock, _cx, task) {
    const waiter = new LockWaiter(task);
    lock._waiters.push(waiter);
    return waiter;
  },
};

/**
 * What {@link Lock.statistics} reports.
 *
 * @example
 * ```ts
 * const { locked, owner, waiting } = lock.statistics();
 * ```
 */
export interface LockStatistics {
  /** Whether a task holds the lock. */
  readonly locked: boolean;
  /** The name of the task holding it, or null. */
  readonly owner: string | null;
  /** Tasks blocked in `acquire`. */
  readonly waiting: number;
}

/**
 * A fair, task-owned mutex.
 *
 * @example
 * ```ts
 * import { Lock } from "skein";
 * const lock = new Lock();
 * await lock.withLock(cx, async (cx) => {
 *   await writeRecord(cx); // one task at a time
 * });
 * ```
 */
export class Lock {
  private owner: Task | null = null;
  /** @internal */ readonly _waiters = new WaiterQueue<void>();

  /**
   * Takes the lock, waiting in line while another task holds it; a checkpoint.
   *
   * @throws {UsageError} (synchronously) if this task already holds it.
   * @example
   * ```ts
   * await lock.acquire(cx);
   * try { await critical(cx); } finally { lock.release(cx); }
   * ```
   */
  acquire(cx: Context): Promise<void> {
    const task = cx._task;
    if (this.owner === task) throw new UsageError("this task already holds the lock (Lock is not re-entrant)");
    return block(ACQUIRE, this, cx, task);
  }

  /**
   * Takes the lock if it is free.
   *
   * @throws {WouldBlock} if another task holds it.
   * @throws {UsageError} if this task already holds it.
   * @example
   * ```ts
   * try { lock.acquireNowait(cx); } catch (e) { if (e instanceof WouldBlock) return; }
   * ```
   */
  acquireNowait(cx: Context): void {
    const task = cx._task;
    if (this.owner === task) throw new UsageError("this task already holds the lock (Lock is not re-entrant)");
    if (this.owner !== null) throw new WouldBlock("the lock is held by another task");
    this.owner = task;
  }

  /**
   * Releases the lock, handing it to the first task waiting, if any.
   *
   * @throws {UsageError} if the lock is not held, or held by another task.
   * @example
   * ```ts
   * lock.release(cx);
   * ```
   */
  release(cx: Context): void {
    if (this.owner === null) throw new UsageError("release() of a lock that is not held");
    if (this.owner !== cx._task) {
      throw new UsageError(`release() from task ${JSON.stringify(cx._task.name)}, but the lock is held by ${JSON.stringify(this.owner.name)}`);
    }
    const next = this._waiters.shift() as LockWaiter | null;
    this.owner = next === null ? null : next.task;
    next?.wake();
  }

  /**
   * Whether a task holds the lock.
   *
   * @example
   * ```ts
   * if (lock.locked()) console.log("busy");
   * ```
   */
  locked(): boolean {
    return this.owner !== null;
  }

  /**
   * Runs `body` holding the lock, releasing it however `body` ends.
   *
   * @example
   * ```ts
   * const n = await lock.withLock(cx, async () => ++counter);
   * ```
   */
  withLock<T>(cx: Context, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    return runHolding(cx, body, (cx) => this.acquire(cx), () => this.release(cx));
  }

  /**
   * Takes the lock and returns a handle that releases it when disposed, for
   * `await using`.
   *
   * @example
   * ```ts
   * {
   *   await using _held = await lock.hold(cx);
   *   await critical(cx);
   * } // released here
   * ```
   */
  hold(cx: Context): Promise<AsyncDisposable> {
    return holdHandle(cx, (cx) => this.acquire(cx), () => this.release(cx));
  }

  /**
   * The owner and the number of waiting tasks.
   *
   * @example
   * ```ts
   * lock.statistics(); // { locked: true, owner: "writer", waiting: 1 }
   * ```
   */
  statistics(): LockStatistics {
    return { locked: this.owner !== null, owner: this.owner?.name ?? null, waiting: this._waiters.size };
  }

  /** @internal The task holding the lock (for Condition). */
  _ownedBy(cx: Context): boolean {
    return this.owner === cx._task;
  }

  /** @internal Takes the lock for `task` if it is free. */
  _tryAcquire(task: Task): undefined | typeof MUST_WAIT {
    if (this.owner !== null) return MUST_WAIT;
    this.owner = task;
    return undefined;
  }
}
