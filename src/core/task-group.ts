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
 * A `Cancelled` from the body or a task is absorbed by the group's scope when
 * that scope is its own origin (see cancel-scope.ts), and otherwise passed on
 * once, after every task has ended, if nothing else failed.
 *
 * Closing (trio's `_check_nursery_closed`). The group closes at the moment
 * the last of these ends: its body, its tasks, and the `start` calls still
 * waiting to hand it a task. Closing is synchronous, inside the call that
 * ended the last of them, so no microtask can slip a `startSoon` in between
 * "the last task ended" and "the group is closed": from then on
 * `startSoon`/`start` throw {@link ClosedResourceError}, and no task code of
 * the group can run after it returned. Its end is a schedule point, as a
 * nursery's exit in trio and anyio: unless a checkpoint tick passed while
 * its tasks ran, it takes one, shielded (not a cancel point, as trio's
 * `cancel_shielded_checkpoint`).
 *
 * `start(cx, fn)`. As in trio, the new task first runs in the *caller's*
 * cancel scopes (the caller's cancellation and deadlines cancel it, the
 * caller's shields protect it), inside a scope of its own. When it calls
 * `cx.started(value)` that scope is moved under the group's scope and
 * `start` returns `value`; errors from then on go to the group. If the
 * caller's side is already cancelled when `started` is called, the task is
 * not moved (as in trio): it finishes on the caller's side, and `start`
 * returns or throws with it, so its `Cancelled` is absorbed where the caller's
 * cancellation came from and an error it throws reaches the caller. A
 * pending `start` keeps the target group open.
 *
 * Invariants:
 * - `_pending` counts tasks started into the group and not ended;
 *   `_pendingStarts` counts `start` calls not yet moved in or ended. The group
 *   is open while its body runs or either count is non-zero, and never again
 *   once closed.
 * - Every task reports its end exactly once: to its group, or (before it is
 *   moved) to its `start` call.
 *
 * @module
 */

import { asCancelled, CancelScope, scopeAbsorbs } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { Cancelled, ClosedResourceError, TaskGroupError, UsageError } from "./errors.ts";
import { blockedOn } from "./instrument.ts";
import type { StartStatus, Task, TaskOwner } from "./task.ts";
import { TaskHandle } from "./task-handle.ts";
import { checkContext, checkOptional, describeValue } from "./validate.ts";

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

/**
 * One `tg.start(cx, fn)` call: owner of the new task until it is moved into
 * the group (trio's "old nursery"), and its readiness handshake.
 */
class Starter implements StartStatus, TaskOwner {
  // `_x` fields, assigned here rather than parameter properties: mangled
  // (see scripts/mangle.mjs), and each named once.
  _done = false;
  _value: unknown = undefined;
  _moved = false;
  declare readonly _group: TaskGroup;
  /** The new task's own scope, entered under the caller's. */
  declare readonly _scope: CancelScope;
  declare readonly _task: Task;
  /** For `startTask`: the handle that owns the task once it is moved in. */
  declare readonly _taskHandle: TaskHandle<unknown> | null;
  declare _resolve: (value: unknown) => void;
  declare _reject: (error: unknown) => void;
  declare readonly _promise: Promise<unknown>;
  /** The run's ticks when `start` began, and the task that called it (see `_settle`). */
  declare readonly _ticks: number;
  declare readonly _caller: Task;

  constructor(group: TaskGroup, scope: CancelScope, task: Task, handle: TaskHandle<unknown> | null, caller: Task) {
    this._group = group;
    this._scope = scope;
    this._task = task;
    this._taskHandle = handle;
    this._ticks = group._owner.runner.ticks;
    this._caller = caller;
    this._promise = new Promise<unknown>((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
  }

  /** `cx.started(value)` in the new task. */
  started(value: unknown): void {
    if (this._done) throw new UsageError("cx.started() was called twice in the same task");
    this._done = true;
    this._value = value;
    // The caller's side is cancelled: the task stays there (see the module text).
    // (Its own scope, which the task itself may have cancelled, does not count.)
    if (this._scope._parent!._origin !== null) return;
    const group = this._group;
    this._moved = true;
    group._pending++;
    group._pendingStarts--;
    this._scope._reparent(group.cancelScope);
    const handle = this._taskHandle;
    if (handle === null) {
      this._settle(value);
    } else {
      this._task.owner = handle; // its end now goes through the handle to the group
      this._settle({ value, handle });
    }
  }

  /**
   * Resolves `start` with `value` (or, `failed`, rejects it). `start` is a
   * schedule point, as trio's: unless a checkpoint tick passed since it
   * began, its caller resumes after the next one.
   */
  private _settle(value: unknown, failed = false): void {
    const runner = this._group._owner.runner;
    if (runner.ticks !== this._ticks) {
      if (failed) this._reject(value);
      else this._resolve(value);
    } else {
      this._resolve(runner.later(undefined, this._caller).then(() => (failed ? Promise.reject(value) : value)));
    }
  }

  get _ownerGroup(): TaskGroup {
    return this._group;
  }

  _taskDone(task: Task, failed: boolean, outcome: unknown): void {
    const scope = this._scope;
    const error = failed ? outcome : undefined;
    // The task's own scope absorbs a cancellation that is its own.
    const cancelled = failed && scopeAbsorbs(scope, error);
    if (cancelled) failed = false;
    scope._exit();
    const group = this._group;
    if (this._moved) {
      group._taskDone(task, failed, error);
      return;
    }
    group._pendingStarts--;
    if (failed) this._settle(error, true);
    else if (this._done && this._taskHandle !== null) {
      this._settle({ value: this._value, handle: this._taskHandle._ended(cancelled, outcome) });
    }
    else if (this._done) this._settle(this._value);
    else this._settle(new UsageError(`task ${describeValue(task.name)} ended without calling cx.started()`), true);
    group._maybeClose();
  }
}

/**
 * What `tg.startTask` resolves with: the value the task passed to
 * `cx.started(value)`, and a handle on the task.
 *
 * @example
 * ```ts
 * const { value, handle }: StartedTask<number, void> = await tg.startTask(cx, serve);
 * ```
 */
export interface StartedTask<T, R> {
  /** The value passed to `cx.started(value)`. */
  readonly value: T;
  /** The started task. */
  readonly handle: TaskHandle<R>;
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
  declare readonly cancelScope: CancelScope;
  /** @internal */ declare readonly _owner: Task;
  /** @internal */ _open = true;
  /** @internal */ _bodyDone = false;
  /** @internal */ _pending = 0;
  /** @internal */ _pendingStarts = 0;
  /** @internal */ readonly _errors: unknown[] = [];
  /** @internal The first Cancelled that reached the group. */ _cancelled: Cancelled | null = null;
  /** @internal */ _onClosed: (() => void) | null = null;

  /** @internal Groups are made by `cx.taskGroup`. */
  constructor(owner: Task, scope: CancelScope) {
    if (!(scope instanceof CancelScope)) throw new TypeError("TaskGroup cannot be constructed directly: use cx.taskGroup");
    this._owner = owner;
    this.cancelScope = scope;
  }

  /**
   * Starts `fn(cx, ...args)` as a new task in this group and returns at once.
   * The task begins as soon as the caller next awaits. Pass an options object
   * first to name the task.
   *
   * @throws {@link !TypeError} if `fn` is not a function.
   * @throws {@link ClosedResourceError} if the group has exited.
   * @example
   * ```ts
   * tg.startSoon(fetchPage, "https://example.com");
   * tg.startSoon({ name: "ticker" }, async (cx) => { for (;;) await cx.sleep(1000); });
   * ```
   */
  startSoon<A extends unknown[]>(fn: TaskFunction<A>, ...args: A): void;
  startSoon<A extends unknown[]>(options: TaskOptions, fn: TaskFunction<A>, ...args: A): void;
  startSoon(first: unknown): void {
    // `arguments`, not a rest parameter: no array per spawn without arguments.
    // (Where V8 runs this in Maglev, not inlined, `arguments.length` still
    // makes an arguments object, 41 bytes more than a rest array; a rest
    // parameter was measured no faster on V8 and 15 % slower on JSC.)
    const rest = arguments.length < 2 ? NO_ARGS : restOf(arguments);
    const task = this.makeTask("startSoon", first, rest, this.cancelScope);
    task.owner = this;
    this._pending++;
    task.runner.spawn(task);
  }

  /**
   * Starts `fn(cx, ...args)` as a new task, like `startSoon`, and returns a
   * {@link TaskHandle} to watch it (`status`), cancel it alone (`cancel()`)
   * and wait for its result (`result(cx)`). Its errors still go to the group.
   *
   * @throws {@link !TypeError} if `fn` is not a function.
   * @throws {@link ClosedResourceError} if the group has closed.
   * @example
   * ```ts
   * const page = tg.createTask(fetchPage, "https://example.com");
   * console.log(page.status); // "pending"
   * const html = await page.result(cx);
   * ```
   */
  createTask<R, A extends unknown[] = []>(fn: TaskFunction<A, R>, ...args: A): TaskHandle<R>;
  createTask<R, A extends unknown[] = []>(options: TaskOptions, fn: TaskFunction<A, R>, ...args: A): TaskHandle<R>;
  createTask(first: unknown): TaskHandle<unknown> {
    const rest = arguments.length < 2 ? NO_ARGS : restOf(arguments);
    const scope = new CancelScope();
    const task = this.makeTask("createTask", first, rest, scope);
    scope._enter(this._owner.runner, this.cancelScope);
    const handle = new TaskHandle<unknown>(task, scope, this);
    task.owner = handle;
    this._pending++;
    task.runner.spawn(task);
    return handle;
  }

  /**
   * Starts `fn(cx, ...args)` as a new task and waits until it calls
   * `cx.started(value)`; resolves with that value. The task then goes on
   * running in this group. `cx` is the *caller's* context: until the task
   * calls `started`, it runs in the caller's cancel scopes, so cancelling the
   * caller (or the caller's deadline) cancels it and `start` throws
   * `Cancelled`, absorbed where that cancellation came from, while a shield
   * around the caller protects it. If the task fails before it calls
   * `started`, `start` rejects with its error (the group is not affected);
   * if it ends without calling it, `start` rejects with {@link UsageError}.
   *
   * @param cx the caller's context.
   * @throws {@link !TypeError} if `cx` is not a context or `fn` is not a function.
   * @throws {@link ClosedResourceError} if the group has closed.
   * @example
   * ```ts
   * const url = await tg.start(cx, async (cx) => {
   *   const server = await listen(0);
   *   cx.started(`http://localhost:${server.port}`);
   *   await server.serveForever(cx);
   * });
   * ```
   */
  start<T = unknown, A extends unknown[] = []>(cx: Context, fn: TaskFunction<A>, ...args: A): Promise<T>;
  start<T = unknown, A extends unknown[] = []>(cx: Context, options: TaskOptions, fn: TaskFunction<A>, ...args: A): Promise<T>;
  start(cx: Context, first: unknown): Promise<unknown> {
    return this.startWith(cx, first, arguments.length < 3 ? NO_ARGS : restOf(arguments, 2), false);
  }

  /**
   * Like {@link TaskGroup.start}, and also returns a {@link TaskHandle} on
   * the started task (to watch it, cancel it alone, or wait for its result):
   * resolves with `{ value, handle }` once the task calls `cx.started(value)`.
   *
   * @param cx the caller's context.
   * @throws {@link !TypeError} if `cx` is not a context or `fn` is not a function.
   * @throws {@link ClosedResourceError} if the group has closed.
   * @example
   * ```ts
   * const { value: port, handle } = await tg.startTask<number>(cx, serve);
   * // ...
   * handle.cancel(); // stop this server only
   * ```
   */
  startTask<T = unknown, R = unknown, A extends unknown[] = []>(
    cx: Context,
    fn: TaskFunction<A, R>,
    ...args: A
  ): Promise<StartedTask<T, R>>;
  startTask<T = unknown, R = unknown, A extends unknown[] = []>(
    cx: Context,
    options: TaskOptions,
    fn: TaskFunction<A, R>,
    ...args: A
  ): Promise<StartedTask<T, R>>;
  startTask(cx: Context, first: unknown): Promise<unknown> {
    return this.startWith(cx, first, arguments.length < 3 ? NO_ARGS : restOf(arguments, 2), true);
  }

  private startWith(cx: Context, first: unknown, rest: readonly unknown[], withHandle: boolean): Promise<unknown> {
    checkContext(cx, withHandle ? "startTask" : "start");
    const scope = new CancelScope();
    const task = this.makeTask(withHandle ? "startTask" : "start", first, rest, scope);
    scope._enter(this._owner.runner, cx.cancelScope);
    const starter = new Starter(this, scope, task, withHandle ? new TaskHandle<unknown>(task, scope, this) : null, cx._task);
    task.owner = starter;
    task.status = starter;
    this._pendingStarts++;
    task.runner.spawn(task);
    return starter._promise;
  }

  private makeTask(call: string, first: unknown, rest: readonly unknown[], scope: CancelScope): Task {
    let name: string | undefined;
    let fn = first;
    let args = rest;
    if (typeof first !== "function" && first !== null && typeof first === "object" && !isThenable(first)) {
      const options = first as TaskOptions;
      name = options.name;
      checkOptional("options.name", name, "string");
      fn = rest[0];
      args = rest.length < 2 ? NO_ARGS : rest.slice(1);
    }
    if (typeof fn !== "function") throw notAFunction(call, fn);
    if (!this._open) {
      throw new ClosedResourceError("this task group has closed; no new tasks can be started in it");
    }
    // The function, not `fn.name`: read only if the name is asked for (see Task).
    const task = this._owner.child(name ?? fn, scope);
    task.fn = fn as Task["fn"];
    task.args = args;
    return task;
  }

  /** @internal */
  get _ownerGroup(): TaskGroup {
    return this;
  }

  /** @internal */
  _taskDone(_task: Task, failed: boolean, outcome: unknown): void {
    if (failed) this._addError(outcome);
    this._pending--;
    this._maybeClose();
  }

  /** @internal */
  _addError(error: unknown): void {
    const cancelled = asCancelled(error);
    if (cancelled) {
      this._cancelled ??= cancelled;
      return;
    }
    this._errors.push(error);
    this.cancelScope.cancel("a task in the group failed");
  }

  /** @internal Closes the group, synchronously, once nothing in it can still run. */
  _maybeClose(): void {
    if (!this._open || !this._bodyDone || this._pending !== 0 || this._pendingStarts !== 0) return;
    this._open = false;
    const onClosed = this._onClosed;
    this._onClosed = null;
    if (onClosed !== null) {
      this._owner.runner.activity++; // the body's task may run again
      onClosed();
    }
  }
}

/** The arguments of a task started without any: shared, so a spawn allocates no array for them. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** The arguments after the first `from` of a call, as a new array. */
function restOf(args: IArguments, from = 1): unknown[] {
  return Array.prototype.slice.call(args, from) as unknown[];
}

function isThenable(value: object): boolean {
  return typeof (value as { then?: unknown }).then === "function";
}

/** The TypeError for a task that is not a function, with the likely mistake spelt out. */
function notAFunction(call: string, fn: unknown): TypeError {
  const shape = call === "startSoon" || call === "createTask" ? `${call}(fn, ...args)` : `${call}(cx, fn, ...args)`;
  const hint = fn !== null && typeof fn === "object" && isThenable(fn)
    ? ` (did you call the function? pass it uncalled: ${shape})`
    : "";
  return new TypeError(`${call}: fn must be a function, got ${describeValue(fn)}${hint}`);
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
  group._bodyDone = true;
  group._maybeClose();
  const runner = cx._task.runner;
  const ticks = runner.ticks;
  if (group._open) {
    const closed = new Promise<void>((resolve) => {
      group._onClosed = resolve;
    });
    await blockedOn(cx, "task group", closed);
  }
  // The end is a schedule point, as a nursery's exit in trio, but not a
  // cancel point: unless a tick passed while the tasks ran (they took
  // checkpoints), take one now, shielded. So a group with nothing left to
  // wait for, or whose tasks ended without a checkpoint, still lets the
  // tasks waiting at a checkpoint run, and a loop of such groups does not
  // starve the event loop.
  if (runner.ticks === ticks) await runner.later(undefined, cx._task);
  const errors = group._errors;
  const cancelled = group._cancelled;
  const absorbs = cancelled !== null && scopeAbsorbs(scope, cancelled);
  scope._exit();
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new TaskGroupError(errors);
  if (cancelled !== null && !absorbs) throw cancelled;
  return value;
}
