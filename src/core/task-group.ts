/**
 * Task groups: trio's nurseries.
 *
 * A task group is opened with `cx.taskGroup(body)`. The body starts tasks
 * with `startSoon` (fire and forget, within the group) or `start` (wait until
 * the task says it is ready). The group does not return until every task in
 * it has ended, so no task outlives the code that started it.
 *
 * Errors. When the body or a task throws, the group cancels its own scope:
 * the body and every other task see {@link Cancelled} at their next
 * checkpoint and run their `finally` blocks. Once all have ended the group
 * throws. The rule, chosen for JavaScript users:
 * - exactly one error: that error, unchanged (same object, stack and `cause`),
 *   so `instanceof` checks work as if there were no group;
 * - several errors: one {@link TaskGroupError} (an `AggregateError`) whose
 *   `errors` holds each of them in the order they happened.
 * `Cancelled` errors caused by the group's own scope are absorbed; a
 * `Cancelled` from an outer scope propagates if nothing else failed.
 *
 * Invariants:
 * - `pending` counts tasks started and not ended; the group waits for zero.
 * - After the group has returned or thrown, `startSoon`/`start` throw
 *   {@link ClosedResourceError}.
 * - Before `cx.started()`, a `start`ed task's error goes to the `start` caller
 *   and not to the group; afterwards, to the group.
 *
 * @module
 */

import { CancelScope } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { Cancelled, ClosedResourceError, TaskGroupError, UsageError } from "./errors.ts";
import type { StartStatus, Task } from "./task.ts";
import { checkFunction, describeValue } from "./validate.ts";

/**
 * A task body: receives its context and the arguments given to
 * `startSoon`/`start`.
 *
 * @example
 * ```ts
 * const greet: TaskFunction<[string]> = async (cx, name) => {
 *   await cx.sleep(10);
 *   console.log(`hello ${name}`);
 * };
 * tg.startSoon(greet, "world");
 * ```
 */
export type TaskFunction<A extends unknown[] = [], R = unknown> = (cx: Context, ...args: A) => R | PromiseLike<R>;

/**
 * Options for a task.
 *
 * @example
 * ```ts
 * tg.startSoon({ name: "heartbeat" }, heartbeat, 1000);
 * ```
 */
export interface TaskOptions {
  /** A name for the task (`cx.taskName`); defaults to the function's name. */
  name?: string;
}

class StartHandshake implements StartStatus {
  done = false;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;
  constructor() {
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * A group of concurrent tasks; see `cx.taskGroup`.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => { await cx.sleep(20); console.log("slow"); });
 *     tg.startSoon(async (cx) => { await cx.sleep(10); console.log("fast"); });
 *   })
 * ); // prints fast, then slow, then returns
 * ```
 */
export class TaskGroup {
  /**
   * The group's cancel scope. Cancelling it stops the body and all tasks;
   * the group then returns normally.
   *
   * @example
   * ```ts
   * tg.startSoon(async (cx) => { await cx.sleep(100); tg.cancelScope.cancel(); });
   * ```
   */
  readonly cancelScope: CancelScope;
  /** @internal */ readonly _owner: Task;
  /** @internal */ _open = true;
  /** @internal */ _pending = 0;
  /** @internal */ readonly _errors: unknown[] = [];
  /** @internal */ _outerCancel: Cancelled | null = null;
  /** @internal */ _onAllDone: (() => void) | null = null;

  /** @internal Groups are made by `cx.taskGroup`. */
  constructor(owner: Task, scope: CancelScope) {
    this._owner = owner;
    this.cancelScope = scope;
  }

  /**
   * Starts `fn(cx, ...args)` as a new task in this group and returns at once.
   * The task begins as soon as the caller next awaits. Pass an options object
   * first to name the task.
   *
   * @throws {TypeError} if `fn` is not a function.
   * @throws {ClosedResourceError} if the group has exited.
   * @example
   * ```ts
   * tg.startSoon(fetchPage, "https://example.com");
   * tg.startSoon({ name: "ticker" }, async (cx) => { for (;;) await cx.sleep(1000); });
   * ```
   */
  startSoon<A extends unknown[]>(fn: TaskFunction<A>, ...args: A): void;
  startSoon<A extends unknown[]>(options: TaskOptions, fn: TaskFunction<A>, ...args: A): void;
  startSoon(first: unknown, ...rest: unknown[]): void {
    this.spawn(first, rest, null);
  }

  /**
   * Starts `fn(cx, ...args)` as a new task and waits until it calls
   * `cx.started(value)`; resolves with that value. The task then goes on
   * running in this group. If the task fails before it calls `started`,
   * `start` rejects with its error (the group is not affected); if it ends
   * without calling it, `start` rejects with {@link UsageError}.
   *
   * @throws {TypeError} if `fn` is not a function.
   * @throws {ClosedResourceError} if the group has exited.
   * @example
   * ```ts
   * const url = await tg.start(async (cx) => {
   *   const server = await listen(0);
   *   cx.started(`http://localhost:${server.port}`);
   *   await server.serveForever(cx);
   * });
   * ```
   */
  start<T = unknown, A extends unknown[] = []>(fn: TaskFunction<A>, ...args: A): Promise<T>;
  start<T = unknown, A extends unknown[] = []>(options: TaskOptions, fn: TaskFunction<A>, ...args: A): Promise<T>;
  start(first: unknown, ...rest: unknown[]): Promise<unknown> {
    const handshake = new StartHandshake();
    this.spawn(first, rest, handshake);
    return handshake.promise;
  }

  private spawn(first: unknown, rest: unknown[], status: StartHandshake | null): void {
    let name: string | undefined;
    let fn = first;
    let args = rest;
    if (typeof first !== "function" && first !== null && typeof first === "object") {
      const options = first as TaskOptions;
      if (options.name !== undefined && typeof options.name !== "string") {
        throw new TypeError(`options.name must be a string, got ${describeValue(options.name)}`);
      }
      name = options.name;
      fn = rest[0];
      args = rest.slice(1);
    }
    checkFunction("fn", fn);
    if (!this._open) {
      throw new ClosedResourceError("this task group has exited; no new tasks can be started in it");
    }
    const owner = this._owner;
    const task = owner.child(name ?? (fn.name || "task"), this.cancelScope);
    task.owner = this;
    task.status = status;
    task.fn = fn as Task["fn"];
    task.args = args;
    this._pending++;
    owner.runner.spawn(task);
  }

  /** @internal */
  _taskDone(task: Task, failed: boolean, error: unknown): void {
    const status = task.status;
    if (status !== null && !status.done) {
      status.done = true;
      status.reject(
        failed ? error : new UsageError(`task ${JSON.stringify(task.name)} ended without calling cx.started()`),
      );
    } else if (failed) {
      this._addError(error);
    }
    if (--this._pending === 0 && this._onAllDone !== null) this._onAllDone();
  }

  /** @internal */
  _addError(error: unknown): void {
    if (error instanceof Cancelled) {
      if (error.scope === this.cancelScope) this.cancelScope._cancelledCaught = true;
      else this._outerCancel ??= error;
      return;
    }
    this._errors.push(error);
    this.cancelScope.cancel("a task in the group failed");
  }
}

/** @internal The body of `cx.taskGroup`. */
export async function runTaskGroup<T>(
  cx: Context,
  body: (tg: TaskGroup, cx: Context) => T | PromiseLike<T>,
): Promise<T | undefined> {
  const scope = new CancelScope();
  scope._enter(cx._task.runner, cx.cancelScope);
  const group = new TaskGroup(cx._task, scope);
  let value: T | undefined;
  try {
    value = await body(group, cx._inScope(scope));
  } catch (error) {
    group._addError(error);
  }
  if (group._pending > 0) {
    await new Promise<void>((resolve) => {
      group._onAllDone = resolve;
    });
  }
  group._open = false;
  scope._exit();
  const errors = group._errors;
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new TaskGroupError(errors);
  if (group._outerCancel !== null) throw group._outerCancel;
  return value;
}
