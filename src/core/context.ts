/**
 * The context (`cx`): what every task body receives.
 *
 * Skein has no hidden "current task" (that cannot work the same in
 * browsers); instead each task body, group body and scope body is handed a
 * context, and blocking calls are made through it. A context pairs a task
 * with the cancel scope it is running in. Opening a scope (`withCancelScope`,
 * `moveOnAfter`, `failAfter`, `taskGroup`) hands its body a new context for
 * the inner scope; the outer context stays valid for code after the scope.
 *
 * What it carries:
 * - `cancelScope`, `signal` (an `AbortSignal` aborted when the scope is
 *   effectively cancelled), `deadline` (the effective deadline), `isCancelled`;
 * - checkpoints: `checkpoint`, `sleep`, `sleepUntil`, `sleepForever`,
 *   `abandonOnCancel` (await a foreign promise, abandoning it on cancel);
 * - structure: `taskGroup`, `withCancelScope`, `moveOnAfter`/`moveOnAt`,
 *   `failAfter`/`failAt`, and `started` for the readiness handshake;
 * - context variables, read and written through {@link ContextVar}.
 *
 * A *checkpoint* is a point where the task may be cancelled and where other
 * tasks get to run. Every Skein call that can block is one.
 *
 * @module
 */

import { CancelScope, type CancelScopeOptions } from "./cancel-scope.ts";
import { blockedOn, type TaskInfo, viewOf } from "./instrument.ts";
import type { Task } from "./task.ts";
import { runTaskGroup, type TaskGroup } from "./task-group.ts";
import { checkTimeoutOptions, failAt, type FailOptions, moveOnAt, type MoveOnOptions, type MoveOnResult, runInScope } from "./timeouts.ts";
import { checkDelay, checkFunction, checkThenable, checkTime, CONTEXT, describeValue } from "./validate.ts";
import { parkWhereBlocked, SleepWaiter, Waiter } from "./waiter.ts";

/**
 * What `cx.taskGroup(body)` resolves to, from the body's type: the body's
 * value when nothing can cut it short, `undefined` added where the group can
 * absorb its own cancellation.
 *
 * - `() => T` (no parameters: no handle on the group's scope): `T`.
 * - `(tg, cx) => void`: `void`.
 * - `(tg, cx) => T`: `T | undefined` (`undefined` only if the group
 *   cancelled its own scope before the body returned).
 *
 * @example
 * ```ts
 * type A = TaskGroupResult<() => Promise<number>>; // number
 * type B = TaskGroupResult<(tg: TaskGroup) => Promise<number>>; // number | undefined
 * type C = TaskGroupResult<(tg: TaskGroup) => Promise<void>>; // void
 * ```
 */
export type TaskGroupResult<B> = B extends () => infer R
  ? Awaited<R>
  : B extends (...args: never[]) => infer R
    ? [Awaited<R>] extends [void] ? void : Awaited<R> | undefined
    : never;

/**
 * The context handed to every task body. See the module text above for the
 * model; each method has its own example.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run(async (cx) => {
 *   console.log(cx.deadline); // Infinity
 *   await cx.sleep(10);
 *   const text = await cx.abandonOnCancel(fetch("https://example.com", { signal: cx.signal }));
 * });
 * ```
 */
export class Context {
  // Fields declared, assigned in the constructor: a class field is defined
  // through [[DefineOwnProperty]], which made constructing a task (a
  // context) about 2.5x slower on V8 (30 ns of a 200 ns spawn).
  /** @internal */ declare readonly _task: Task;
  /** The innermost cancel scope this context runs in. */
  declare readonly cancelScope: CancelScope;

  /** @internal Contexts are made by Skein, never by users. A null task means "this is a task". */
  constructor(task: Task | null, scope: CancelScope) {
    // A task is its own `_task`: a getter on Task, not a field (8 bytes per task on V8).
    if (task !== null) this._task = task;
    this.cancelScope = scope;
  }

  /** @internal A context of the same task for a scope entered inside this one. */
  _inScope(scope: CancelScope): Context {
    return new Context(this._task, scope);
  }

  /**
   * An `AbortSignal` that aborts (with the {@link Cancelled} error as its
   * reason) when this context's scope is cancelled. Pass it to `fetch`,
   * streams, and anything else that takes a signal.
   *
   * @example
   * ```ts
   * const res = await fetch(url, { signal: cx.signal });
   * ```
   */
  get signal(): AbortSignal {
    return this.cancelScope.signal;
  }

  /**
   * The effective deadline: the earliest deadline of the enclosing scopes up
   * to the nearest shield, `Infinity` if none, `-Infinity` if already
   * cancelled. On the clock of {@link Context.currentTime}.
   *
   * @example
   * ```ts
   * await cx.moveOnAfter(100, async (cx) => {
   *   console.log(cx.deadline - cx.currentTime()); // about 100
   * });
   * ```
   */
  get deadline(): number {
    return this.cancelScope._effectiveDeadline();
  }

  /**
   * Whether this context's scope is effectively cancelled (its next
   * checkpoint will throw).
   *
   * @example
   * ```ts
   * while (!cx.isCancelled) doSomeSyncWork();
   * ```
   */
  get isCancelled(): boolean {
    return this.cancelScope._origin !== null;
  }

  /**
   * The name of the task running this context (`"main"` for the root task).
   *
   * @example
   * ```ts
   * tg.startSoon({ name: "poller" }, async (cx) => console.log(cx.taskName)); // poller
   * ```
   */
  get taskName(): string {
    return this._task.name;
  }

  /**
   * The task running this context, as a {@link TaskInfo} (the same object
   * every time for the same task; asyncio's `current_task()`).
   *
   * @example
   * ```ts
   * tg.startSoon({ name: "poller" }, async (cx) => console.log(cx.currentTask().name)); // poller
   * ```
   */
  currentTask(): TaskInfo {
    return viewOf(this._task);
  }

  /**
   * The run's monotonic clock in milliseconds: the adapter's
   * `performance.now()`, or the clock given as `run(main, { clock })` (a
   * `MockClock` in tests). Deadlines are absolute times on this clock.
   *
   * @example
   * ```ts
   * const start = cx.currentTime();
   * await cx.sleep(50);
   * console.log(cx.currentTime() - start >= 50); // true
   * ```
   */
  currentTime(): number {
    return this._task.runner.clock.now();
  }

  /**
   * Throws {@link Cancelled} if this context's scope is cancelled, without
   * yielding. Use it in long synchronous loops.
   *
   * @example
   * ```ts
   * for (const item of hugeArray) {
   *   cx.checkpointIfCancelled();
   *   crunch(item);
   * }
   * ```
   */
  checkpointIfCancelled(): void {
    const origin = this.cancelScope._origin;
    if (origin !== null) throw origin._raise();
  }

  /**
   * A checkpoint: throws {@link Cancelled} if cancelled, otherwise lets other
   * tasks and pending I/O run (one macrotask) and checks again.
   *
   * @example
   * ```ts
   * for (const chunk of chunks) {
   *   await cx.checkpoint(); // stay cancellable and fair
   *   work(chunk);
   * }
   * ```
   */
  async checkpoint(): Promise<void> {
    await this._tickStart();
    this._tickEnd();
  }

  /**
   * The first half of {@link Context.checkpoint}, for callers that take a
   * checkpoint inside their own async frame (a socket receive): throws if
   * cancelled, tells the instruments, and returns the run's tick to await;
   * after it, {@link Context._tickEnd}. @internal
   */
  _tickStart(): Promise<void> {
    this.checkpointIfCancelled();
    const runner = this._task.runner;
    runner.instruments?.checkpoint(this._task);
    return runner.tick();
  }

  /** The second half of {@link Context.checkpoint}, after the tick: tells the instruments, throws if cancelled. @internal */
  _tickEnd(): void {
    const runner = this._task.runner;
    runner.instruments?.resumed(this._task);
    this.checkpointIfCancelled();
  }

  /**
   * Sleeps for `ms` milliseconds; a checkpoint. `sleep(0)` is a plain
   * checkpoint. Cancellation wakes it at once with {@link Cancelled}.
   *
   * @throws {@link !RangeError} if `ms` is negative or NaN.
   * @example
   * ```ts
   * await cx.sleep(250);
   * ```
   */
  sleep(ms: number): Promise<void> {
    checkDelay("ms", ms);
    if (ms === 0) return this.checkpoint();
    if (ms === Infinity) return this.sleepForever();
    return this._sleepTo(this.currentTime() + ms);
  }

  /**
   * Sleeps until the clock reaches `deadline` (ms, absolute); a checkpoint.
   *
   * @throws {@link !RangeError} if `deadline` is NaN.
   * @example
   * ```ts
   * const next = cx.currentTime() + 1000;
   * await cx.sleepUntil(next);
   * ```
   */
  sleepUntil(deadline: number): Promise<void> {
    checkTime("deadline", deadline);
    if (deadline === Infinity) return this.sleepForever();
    if (deadline <= this.currentTime()) return this.checkpoint();
    return this._sleepTo(deadline);
  }

  /**
   * Blocks until cancelled. Useful for servers and for tests.
   *
   * @example
   * ```ts
   * await cx.moveOnAfter(100, (cx) => cx.sleepForever());
   * ```
   */
  sleepForever(): Promise<void> {
    return blockedOn(this, "sleepForever", parkWhereBlocked(new Waiter<void>(), this.cancelScope));
  }

  /** @internal Sleeps until `deadline` (a time still to come). */
  _sleepTo(deadline: number): Promise<void> {
    const runner = this._task.runner;
    const parked = parkWhereBlocked(new SleepWaiter(runner.timers, deadline), this.cancelScope);
    const instruments = runner.instruments;
    return instruments === null ? parked : instruments.block(this._task, `sleep until ${deadline}`, parked);
  }

  /**
   * Awaits a promise that Skein does not control, as a checkpoint: if this
   * context's scope is cancelled first, it throws {@link Cancelled} at once
   * and abandons the promise. A later rejection of an abandoned promise is
   * consumed, never reported as unhandled. Also pass `cx.signal` to the API
   * that made the promise if it takes one, so the work itself stops too.
   *
   * @throws {@link !TypeError} if `promise` is not a thenable.
   * @example
   * ```ts
   * const res = await cx.abandonOnCancel(fetch(url, { signal: cx.signal }));
   * ```
   */
  abandonOnCancel<T>(promise: PromiseLike<T>): Promise<T> {
    checkThenable("promise", promise);
    const waiter = new Waiter<T>();
    const parked = blockedOn(this, "abandonOnCancel", parkWhereBlocked(waiter, this.cancelScope));
    promise.then(
      (value) => waiter.wake(value),
      (error: unknown) => waiter.fail(error),
    );
    return parked;
  }

  /**
   * Runs `body` with a new task group (a trio nursery) and waits for every
   * task started in it, then returns what the body returned.
   *
   * If the body or any task throws, the group's scope is cancelled (stopping
   * the body and every other task), the group waits for all of them, then
   * throws: the error itself when there is exactly one, a
   * {@link TaskGroupError} holding all of them when there are several.
   *
   * Cancellation, as trio's nursery: a cancellation of an *outer* scope
   * passes through the group (it throws {@link Cancelled}, absorbed where
   * that cancellation came from), so the group never returns normally
   * without its body's value because of someone else. Only the group's *own*
   * scope (`tg.cancelScope.cancel()`, its deadline, or a `startSoon` task
   * calling `cx.cancelScope.cancel()`, which is the group's scope) is
   * absorbed here: the group then returns normally, and if that cut the body
   * short there is no value. Hence the types: a body that returns nothing
   * gives `Promise<void>`; a body that takes `tg` and returns a `T` gives
   * `Promise<T | undefined>`, `undefined` meaning exactly "the group
   * cancelled itself before its body returned"; a body that takes no
   * parameters holds no handle on the group (no `tg`, no `cx`), so nothing
   * can cancel the group's own scope and it gives `Promise<T>`
   * ({@link TaskGroupResult}).
   *
   * @typeParam B the body's type, from which the result type is read. If you never cancel the
   * group's own scope, the value is always there; to cancel from outside
   * and get a typed answer, cancel a scope around the group instead
   * (`moveOnAfter`, `withCancelScope`), whose result says whether it was cut.
   *
   * @throws {@link !TypeError} if `body` is not a function.
   * @example
   * ```ts
   * await cx.taskGroup(async (tg) => {
   *   tg.startSoon(download, "a.txt");
   *   tg.startSoon(download, "b.txt");
   * }); // both downloads have finished here
   *
   * const first = await cx.taskGroup(async (tg, cx) => {
   *   const port = await tg.start<number>(cx, serve);
   *   tg.cancelScope.cancel(); // stop the server once we have its port
   *   return port;
   * }); // number | undefined (undefined only if the group cancelled itself before `return`)
   * ```
   */
  taskGroup<B extends (tg: TaskGroup, cx: Context) => unknown>(body: B): Promise<TaskGroupResult<B>> {
    checkFunction("body", body);
    return runTaskGroup(this, body) as Promise<TaskGroupResult<B>>;
  }

  /**
   * Runs `body` inside a cancel scope: a {@link CancelScope} you made (to
   * cancel it from elsewhere) or options for a new one. Returns the body's
   * result, or `undefined` if the scope absorbed a cancellation.
   *
   * @throws {@link !TypeError} if `body` is not a function or the options are invalid.
   * @throws {@link UsageError} if the scope was entered before.
   * @example Shielded clean-up
   * ```ts
   * await cx.withCancelScope({ shield: true }, async (cx) => {
   *   await connection.sendGoodbye(cx); // outer cancellation cannot stop this
   * });
   * ```
   */
  withCancelScope<T>(
    scope: CancelScope | CancelScopeOptions,
    body: (cx: Context) => T | PromiseLike<T>,
  ): Promise<T | undefined> {
    const theScope = scope instanceof CancelScope ? scope : new CancelScope(scope);
    checkFunction("body", body);
    theScope._checkUnentered();
    return runInScope(this, theScope, body);
  }

  /**
   * Runs `body` with a deadline `ms` from now; when it passes, the body is
   * cancelled and this returns normally. The result tells which happened.
   *
   * @param options `shield: true` keeps outer cancellation out (the deadline still applies).
   * @throws {@link !RangeError} if `ms` is negative or NaN.
   * @example
   * ```ts
   * const r = await cx.moveOnAfter(100, (cx) => slowLookup(cx));
   * if (r.cancelled) console.log("gave up");
   * else console.log(r.value);
   * ```
   */
  moveOnAfter<T>(ms: number, body: (cx: Context) => T | PromiseLike<T>, options: MoveOnOptions = {}): Promise<MoveOnResult<T>> {
    checkDelay("ms", ms);
    checkFunction("body", body);
    checkTimeoutOptions(options);
    return moveOnAt(this, this.currentTime() + ms, body, options);
  }

  /**
   * Like {@link Context.moveOnAfter} with an absolute deadline.
   *
   * @throws {@link !RangeError} if `deadline` is NaN.
   * @example
   * ```ts
   * const r = await cx.moveOnAt(cx.currentTime() + 100, (cx) => slowLookup(cx));
   * ```
   */
  moveOnAt<T>(deadline: number, body: (cx: Context) => T | PromiseLike<T>, options: MoveOnOptions = {}): Promise<MoveOnResult<T>> {
    checkTime("deadline", deadline);
    checkFunction("body", body);
    checkTimeoutOptions(options);
    return moveOnAt(this, deadline, body, options);
  }

  /**
   * Runs `body` with a deadline `ms` from now; when it passes, the body is
   * cancelled and this throws {@link TimeoutError}.
   *
   * If the body cancels its own scope explicitly (`cx.cancelScope.cancel()`)
   * and that cuts it short, this also throws {@link TimeoutError}, as trio's
   * `fail_after` raises `TooSlowError` for any cancellation it catches (anyio
   * returns without a value there; a `Promise<T>` cannot). An aborted
   * `options.signal` rejects with `signal.reason`.
   *
   * @param options `message` for the {@link TimeoutError}; `shield: true`
   *   keeps outer cancellation out.
   * @throws {@link TimeoutError} when the deadline passes, or the body's own scope was cancelled before it returned.
   * @throws {@link !RangeError} if `ms` is negative or NaN.
   * @example
   * ```ts
   * try {
   *   await cx.failAfter(100, (cx) => slowLookup(cx), { message: "lookup took over 100 ms" });
   * } catch (e) {
   *   if (e instanceof TimeoutError) console.log(e.message); // lookup took over 100 ms
   * }
   * ```
   */
  failAfter<T>(ms: number, body: (cx: Context) => T | PromiseLike<T>, options: FailOptions = {}): Promise<T> {
    checkDelay("ms", ms);
    checkFunction("body", body);
    checkTimeoutOptions(options);
    return failAt(this, this.currentTime() + ms, body, options);
  }

  /**
   * Like {@link Context.failAfter} with an absolute deadline.
   *
   * @throws {@link !RangeError} if `deadline` is NaN.
   * @example
   * ```ts
   * await cx.failAt(cx.currentTime() + 100, (cx) => slowLookup(cx));
   * ```
   */
  failAt<T>(deadline: number, body: (cx: Context) => T | PromiseLike<T>, options: FailOptions = {}): Promise<T> {
    checkTime("deadline", deadline);
    checkFunction("body", body);
    checkTimeoutOptions(options);
    return failAt(this, deadline, body, options);
  }

  /**
   * Signals readiness from a task started with `tg.start(cx, fn)`: `start`
   * resolves with `value`, and from now on the task's errors go to its group
   * instead of to the `start` caller. In a task started with `startSoon` it
   * does nothing, so one function can serve both.
   *
   * @throws {@link UsageError} if called twice in the same task.
   * @example
   * ```ts
   * const port = await tg.start(cx, async (cx) => {
   *   const server = await listen(0);
   *   cx.started(server.port);
   *   await server.serveForever(cx);
   * });
   * ```
   */
  started(value?: unknown): void {
    this._task.status?.started(value);
  }

  /** @internal */
  toString(): string {
    return `Context(task ${describeValue(this._task.name)})`;
  }

  /** @internal The brand `checkContext` tests (one property load, on the prototype). */
  declare readonly [CONTEXT]: true;
}
Object.defineProperty(Context.prototype, CONTEXT, { value: true });
