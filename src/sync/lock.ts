/**
 * `Lock`: mutual exclusion between tasks, owned by the task that acquired it.
 *
 * Fair: tasks acquire in the order they asked. `release` hands the lock
 * straight to the first task waiting (it never becomes free in between), so
 * a task that releases and re-acquires in a loop cannot starve the others.
 * A waiter cancelled while queued leaves the queue at once (O(1)) and is
 * never handed the lock.
 *
 * The lock belongs to a task: releasing it from another task, or when it is
 * not held, is a `UsageError`, as is acquiring it again from the task that
 * holds it (it is not re-entrant).
 *
 * Broken locks (as in trio): if the owner task ends without releasing the
 * lock, nobody ever could, so instead of letting every later `acquire`
 * block forever the lock becomes *broken*: the tasks waiting for it wake
 * with `BrokenResourceError`, and so does every later `acquire` (and
 * `acquireNowait` throws it). It stays locked by the ended task. The lock
 * learns of the end in one of two ways, so that an uncontended
 * acquire/release pair costs nothing extra: a later acquirer sees that the
 * owner has ended (`task.ended`); and while tasks wait, the lock is
 * registered as an exit hook of the owner task (the lock is its own hook
 * object), which wakes them when the owner ends.
 *
 * `acquire` is a checkpoint; when the lock is free it takes it, then
 * yields to the other tasks (a schedule point, as in trio and anyio's
 * default; a cancellation then does not undo the acquire). In a cancelled
 * scope it rejects with `Cancelled` and takes nothing.
 *
 * Invariants:
 * - While the lock is free no task waits (`release` hands it over).
 * - While a task waits, the owner has this lock among its exit hooks
 *   (`hooked`), unless the lock is broken (`brokenBy` is the ended owner).
 *
 * Costs: acquire and release are O(1); an uncontended pair allocates
 * nothing. Under contention, one exit hook registration per owner.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { Task } from "../core/task.ts";
import { BrokenResourceError, UsageError, WouldBlock } from "../core/errors.ts";
import { holdHandle, runHolding } from "./holding.ts";
import { block, type BlockingOp, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkBoolean, checkContext, checkObject } from "../core/validate.ts";

class LockWaiter extends QueuedWaiter<void> {
  constructor(readonly task: Task) {
    super();
  }
}

const ACQUIRE: BlockingOp<Lock, Task, void> = {
  name: "Lock.acquire",
  schedulePoint: true,
  describe: (lock) => {
    const owner = lock.statistics().owner;
    return owner === null ? "Lock.acquire" : `Lock.acquire (held by ${owner})`;
  },
  now: (lock, _cx, task) => lock._tryAcquire(task),
  enqueue: (lock, _cx, task) => lock._enqueue(task),
};

/** `acquire` of a lock made with `fastAcquire`: no schedule point when the lock is free. */
const FAST_ACQUIRE: BlockingOp<Lock, Task, void> = {
  name: ACQUIRE.name,
  describe: ACQUIRE.describe,
  now: ACQUIRE.now,
  enqueue: ACQUIRE.enqueue,
};

/**
 * Options for {@link Lock}.
 *
 * @example
 * ```ts
 * const lock = new Lock({ fastAcquire: true });
 * ```
 */
export interface LockOptions {
  /**
   * Take a free lock without yielding to other tasks (anyio's
   * `fast_acquire`): `acquire` is then a cancel point but not a schedule
   * point when the lock is free, which makes an uncontended acquire about
   * ten times cheaper. A loop that takes it over and over still lets the
   * event loop turn about every millisecond. Default false: every
   * `acquire` yields, as in trio and anyio.
   */
  fastAcquire?: boolean;
}

function brokenError(task: Task): BrokenResourceError {
  return new BrokenResourceError(`the task ${JSON.stringify(task.name)} that held this lock ended without releasing it`);
}

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
 * A fair, task-owned mutex. It breaks (`BrokenResourceError` for waiters
 * and later acquires) if its owner task ends without releasing it.
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
  /** Whether `owner` has this lock among its exit hooks. */
  private hooked = false;
  private brokenBy: Task | null = null;
  /** @internal */ readonly _waiters: WaiterQueue<void> = new WaiterQueue();
  private readonly acquireOp: BlockingOp<Lock, Task, void>;

  /**
   * @param options `fastAcquire`: see {@link LockOptions}.
   * @throws {@link !TypeError} if `options` is not an object or `fastAcquire` not a boolean.
   */
  constructor(options: LockOptions = {}) {
    checkObject(options);
    const { fastAcquire = false } = options;
    checkBoolean("options.fastAcquire", fastAcquire);
    this.acquireOp = fastAcquire ? FAST_ACQUIRE : ACQUIRE;
  }

  /**
   * Takes the lock, waiting in line while another task holds it; a checkpoint.
   *
   * @throws {@link UsageError} (synchronously) if this task already holds it.
   * @returns a promise that rejects with `BrokenResourceError` if the lock's
   *   owner ended without releasing it (also while this task waits).
   * @example
   * ```ts
   * await lock.acquire(cx);
   * try { await critical(cx); } finally { lock.release(cx); }
   * ```
   */
  acquire(cx: Context): Promise<void> {
    checkContext(cx, "Lock.acquire");
    const task = cx._task;
    if (this.owner === task && this.brokenBy === null) throw new UsageError("this task already holds the lock (Lock is not re-entrant)");
    return block(this.acquireOp, this, cx, task);
  }

  /**
   * Takes the lock if it is free.
   *
   * @throws {@link WouldBlock} if another task holds it.
   * @throws {@link UsageError} if this task already holds it.
   * @throws {@link BrokenResourceError} if its owner ended without releasing it.
   * @example
   * ```ts
   * try { lock.acquireNowait(cx); } catch (e) { if (e instanceof WouldBlock) console.log("busy"); else throw e; }
   * ```
   */
  acquireNowait(cx: Context): void {
    checkContext(cx, "Lock.acquireNowait");
    const task = cx._task;
    if (this.owner === task && this.brokenBy === null) throw new UsageError("this task already holds the lock (Lock is not re-entrant)");
    if (this._tryAcquire(task) === MUST_WAIT) throw new WouldBlock("the lock is held by another task");
  }

  /**
   * Releases the lock, handing it to the first task waiting, if any.
   *
   * @throws {@link UsageError} if the lock is not held, or held by another task.
   * @example
   * ```ts
   * lock.release(cx);
   * ```
   */
  release(cx: Context): void {
    checkContext(cx, "Lock.release");
    const owner = this.owner;
    if (owner === null) throw new UsageError("release() of a lock that is not held");
    if (owner !== cx._task) {
      throw new UsageError(`release() from task ${JSON.stringify(cx._task.name)}, but the lock is held by ${JSON.stringify(owner.name)}`);
    }
    if (this.hooked) {
      owner.removeExitHook(this);
      this.hooked = false;
    }
    const next = this._waiters.shift() as LockWaiter | null;
    if (next === null) {
      this.owner = null;
      return;
    }
    this.owner = next.task;
    if (this._waiters.size > 0) this.hook();
    next.wake();
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
    checkContext(cx, "Lock.withLock");
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
    checkContext(cx, "Lock.hold");
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

  /** @internal Whether the task of `cx` holds the lock (for Condition). */
  _ownedBy(cx: Context): boolean {
    return this.owner === cx._task && this.brokenBy === null;
  }

  /** @internal Takes the lock for `task` if it is free; throws if broken. */
  _tryAcquire(task: Task): undefined | typeof MUST_WAIT {
    if (this.brokenBy !== null) throw brokenError(this.brokenBy);
    const owner = this.owner;
    if (owner === null) {
      this.owner = task;
      return undefined;
    }
    if (owner.ended) {
      this.onTaskExit(owner);
      throw brokenError(owner);
    }
    return MUST_WAIT;
  }

  /** @internal Queues `task` behind the owner, which must then tell the lock if it ends. */
  _enqueue(task: Task): LockWaiter {
    const waiter = new LockWaiter(task);
    this._waiters.push(waiter);
    if (!this.hooked) this.hook();
    return waiter;
  }

  /** Asks the owner to tell the lock when it ends (or breaks the lock now if it has). */
  private hook(): void {
    const owner = this.owner!;
    if (owner.ended) {
      // Only a hand-over can get here: to a task that asked without awaiting and has ended since.
      this.onTaskExit(owner);
      return;
    }
    owner.addExitHook(this);
    this.hooked = true;
  }

  /** @internal Exit hook: the owner ended holding the lock, so it breaks, failing its waiters. */
  onTaskExit(task: Task): void {
    if (this.owner !== task) return;
    this.hooked = false;
    this.brokenBy = task;
    this._waiters.failAll(() => brokenError(task));
  }
}
