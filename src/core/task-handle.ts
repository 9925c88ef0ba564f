/**
 * Task handles: a task you can look at, cancel on its own, and wait for.
 *
 * `tg.createTask(fn, ...args)` starts a task like `startSoon` and returns a
 * {@link TaskHandle} (anyio's `create_task`); `tg.startTask(cx, fn)` is
 * `start` with a handle. The handle's task runs in a
 * cancel scope of its own, just inside the group's, so `handle.cancel()`
 * stops that task alone; the scope absorbs the resulting `Cancelled`.
 *
 * Nothing is lost and nothing is reported twice: a task that fails still
 * hands its error to the group (which cancels its siblings and throws it, as
 * for any task); `handle.result(cx)` then rejects with a
 * {@link TaskFailedError} whose `cause` is that error, never the error itself.
 *
 * Status: `"pending"` until the task ends (`"cancelling"` once `cancel()` was
 * called or its scope is otherwise cancelled), then `"finished"` (returned),
 * `"cancelled"` (ended by a cancellation) or `"failed"` (threw).
 *
 * Costs: a handle is one object and one cancel scope on top of the task;
 * `startSoon` does not pay for it. Waiting on `result` parks one waiter,
 * removed at once if the waiter is cancelled.
 *
 * Invariants:
 * - The handle owns its task until it ends, then reports the end to the
 *   group exactly once, after settling every `result` waiter.
 * - `status` moves only forward: pending/cancelling, then one final state.
 *
 * @module
 */

import { type CancelScope, scopeAbsorbs } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { Cancelled, TaskCancelledError, TaskFailedError } from "./errors.ts";
import type { Task } from "./task.ts";
import type { TaskGroup } from "./task-group.ts";
import { blockedOn } from "./instrument.ts";
import { Waiter } from "./waiter.ts";
import { checkContext, describeValue } from "./validate.ts";

/**
 * Where a task is in its life: see {@link TaskHandle.status}.
 *
 * @example
 * ```ts
 * const s: TaskStatus = handle.status; // "pending", "cancelling", "cancelled", "finished" or "failed"
 * ```
 */
export type TaskStatus = "pending" | "cancelling" | "cancelled" | "finished" | "failed";

/** Where the task is, as {@link TaskHandle.status} reports it once it has ended; "pending" until then. */
type Ending = Exclude<TaskStatus, "cancelling">;

class ResultWaiter extends Waiter<void> {
  // Assigned, not a parameter property: esbuild emits a parameter property's field unmangled.
  declare readonly _taskHandle: TaskHandle<unknown>;
  constructor(handle: TaskHandle<unknown>) {
    super();
    this._taskHandle = handle;
  }
  protected override onCancel(): void {
    this._taskHandle._waiters?.delete(this);
  }
}

/**
 * A handle on one task of a group; returned by `tg.createTask`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const slow = tg.createTask(async (cx) => { await cx.sleep(10_000); return 1; });
 *     const fast = tg.createTask(async (cx) => { await cx.sleep(10); return 2; });
 *     console.log(await fast.result(cx)); // 2
 *     slow.cancel(); // only this task
 *     console.log(slow.status); // "cancelling"
 *   }),
 * );
 * ```
 */
export class TaskHandle<T = unknown> {
  /** @internal */ _state: Ending = "pending";
  /** @internal */ _value: T | undefined = undefined;
  /** @internal */ _error: unknown = undefined;
  /** @internal */ _waiters: Set<ResultWaiter> | null = null;
  /** @internal */ declare readonly _task: Task;
  /** @internal */ declare readonly _scope: CancelScope;
  /** @internal */ declare readonly _group: TaskGroup;

  /** @internal Made by `tg.createTask`. */
  constructor(task: Task, scope: CancelScope, group: TaskGroup) {
    this._task = task;
    this._scope = scope;
    this._group = group;
  }

  /** The task's name (from the options, or the function's name). */
  get name(): string {
    return this._task.name;
  }

  /** See {@link TaskStatus}. */
  get status(): TaskStatus {
    const state = this._state;
    return state === "pending" && this._scope._origin !== null ? "cancelling" : state;
  }

  /**
   * Cancels this task only (its own scope); it ends at its next checkpoint
   * and the handle's status becomes `"cancelled"`. No effect once it ended.
   *
   * @example
   * ```ts
   * const poller = tg.createTask(pollForever);
   * // ...
   * poller.cancel("not needed any more");
   * ```
   */
  cancel(reason?: string): void {
    this._scope.cancel(reason);
  }

  /**
   * Waits for the task to end and returns what it returned; a checkpoint
   * (cancelling the caller stops the wait, not the task).
   *
   * @throws {@link TaskFailedError} if the task threw (`cause` is its error, which went to the group).
   * @throws {@link TaskCancelledError} if the task was cancelled.
   * @example
   * ```ts
   * const page = await tg.createTask(fetchPage, url).result(cx);
   * ```
   */
  async result(cx: Context): Promise<T> {
    checkContext(cx, "TaskHandle.result");
    if (this._state === "pending") {
      const waiter = new ResultWaiter(this as TaskHandle<unknown>);
      (this._waiters ??= new Set()).add(waiter);
      const parked = waiter.park(cx.cancelScope);
      await (cx._task.runner.instruments === null ? parked : blockedOn(cx, `TaskHandle.result (${this.name})`, parked));
    } else {
      // Ended already: still a schedule point, as a free lock's acquire is (a
      // cancellation during it does not undo the result).
      cx.checkpointIfCancelled();
      await cx._task.runner.later(undefined, cx._task);
    }
    switch (this._state) {
      case "failed":
        throw new TaskFailedError(`task ${describeValue(this.name)} failed`, { cause: this._error });
      case "cancelled":
        throw new TaskCancelledError(`task ${describeValue(this.name)} was cancelled`);
      default:
        return this._value as T;
    }
  }

  /**
   * @internal The task ended before it was moved into the group (`startTask`):
   * it returned `value`, or its own scope absorbed its cancellation.
   */
  _ended(cancelled: boolean, value: unknown): this {
    this._state = cancelled ? "cancelled" : "finished";
    if (!cancelled) this._value = value as T;
    return this;
  }

  /** @internal */
  get _ownerGroup(): TaskGroup {
    return this._group;
  }

  /** @internal The task ended. */
  _taskDone(task: Task, failed: boolean, outcome: unknown): void {
    const scope = this._scope;
    const error = failed ? outcome : undefined;
    if (failed && scopeAbsorbs(scope, error)) {
      // Its own cancellation: absorbed here.
      this._state = "cancelled";
      failed = false;
    } else if (failed) {
      this._state = error instanceof Cancelled ? "cancelled" : "failed";
      this._error = error;
    } else {
      this._state = "finished";
      this._value = outcome as T;
    }
    scope._exit();
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters !== null) for (const w of waiters) w.wake();
    this._group._taskDone(task, failed, error);
  }
}
