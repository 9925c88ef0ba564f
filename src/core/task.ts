/**
 * Tasks: one concurrent line of execution inside a task group.
 *
 * A task is the function handed to `startSoon` or `start`, its arguments,
 * and the little state it carries: its name, its context variables (an
 * immutable map shared copy-on-write with the task that started it), its
 * owner (the group, or a pending `start`, that hears of its end) and, for
 * `start`, the readiness handshake.
 *
 * A task is also the context its body starts with: `Task` extends `Context`
 * (bound to the group's cancel scope), so starting a task allocates one
 * object, not a task plus a context. Contexts for nested scopes point back to
 * it through `_task`.
 *
 * Exit hooks: a resource owned by a task (a `Lock`) registers an
 * {@link ExitHook}; when the task's body ends, each hook still registered is
 * told, so the resource can break instead of staying held forever.
 *
 * Invariants:
 * - A task begins at most once and reports its end to its owner exactly once,
 *   after every exit hook has run; `ended` is true from then on, and no hook
 *   can be added.
 * - Its context-variable map is never mutated in place: `ContextVar.set`
 *   replaces the task's map, so a snapshot taken by a child stays as it was.
 *
 * @internal
 * @module
 */

import type { CancelScope } from "./cancel-scope.ts";
import { Context } from "./context.ts";
import type { Runner } from "./runner.ts";
import type { TaskGroup } from "./task-group.ts";
import { isAsyncGenerator, notGenerator } from "./validate.ts";

/** The context variables visible to a task. @internal */
export type VarMap = ReadonlyMap<object, unknown>;

/** The readiness handshake of a task started with `tg.start`. @internal */
export interface StartStatus {
  /** `cx.started(value)`; throws UsageError when called twice. */
  started(value: unknown): void;
}

/**
 * What a task reports to its owner when it ends: whether it failed, and its
 * error (failed) or its return value. @internal
 */
export interface TaskOwner {
  /** The group the task belongs to (or will, for a pending `start`). */
  readonly _ownerGroup: TaskGroup;
  _taskDone(task: Task, failed: boolean, outcome: unknown): void;
}

/** Told when a task ends while the hook is still registered. @internal */
export interface ExitHook {
  onTaskExit(task: Task): void;
}

/** `Promise.resolve`, taken once: what `await` does to a value before it waits. @internal */
export const resolvePromise: (value: unknown) => Promise<unknown> = Promise.resolve.bind(Promise);

/**
 * How a task follows what its function returned (`result`: a value, a
 * promise or a thenable) until it settles, then calls `task.end`. Every
 * form goes through `Promise.resolve` exactly as `await` would, so the end
 * comes after the same number of microtasks whichever one an adapter picks
 * (`Adapter._follow`). @internal
 */
export type Follow = (task: Task, result: unknown) => void;

/**
 * The default {@link Follow}: two closures. A function of its own so the
 * two handlers' closure context holds the task and nothing else.
 * @internal
 */
export function followWithClosures(task: Task, result: unknown): void {
  void resolvePromise(result).then(
    (value) => task.end(false, value),
    (error) => task.end(true, error),
  );
}

/** A {@link Follow} through two bound functions (V8: 56 bytes smaller than two closures and their context). @internal */
export function followWithBound(task: Task, result: unknown): void {
  void resolvePromise(result).then(endFulfilled.bind(task), endRejected.bind(task));
}

function endFulfilled(this: Task, value: unknown): void {
  this.end(false, value);
}

function endRejected(this: Task, error: unknown): void {
  this.end(true, error);
}

/** `fn` of a task whose body has ended (never called). */
function ENDED(): void {}

/**
 * What most tasks never need, kept out of the task itself (a field is 8
 * bytes on node, and a 9-field object is 48 bytes larger than a 6-field
 * one on JavaScriptCore): context variables, arguments, the readiness
 * handshake and exit hooks. @internal
 */
class TaskRare {
  vars: VarMap | null = null;
  args: readonly unknown[] | null = null;
  status: StartStatus | null = null;
  /** An array, not a Set: a contended Lock adds and removes one per hand-over; a task has few. */
  hooks: ExitHook[] | null = null;
}

/** A task, which is also the root context of its body. @internal */
export class Task extends Context {
  /**
   * The task's name, or its function when it has no name of its own: the
   * name is then read from the function when asked for (`fn.name` is an
   * accessor on V8 that costs about as much as the rest of a spawn: 150 to
   * 200 ns).
   */
  private declare label: string | { readonly name: unknown };
  declare owner: TaskOwner | null;
  /**
   * The body: the function until it begins, null while it runs, `ENDED`
   * once it has ended (one field for the three states, to keep a task
   * small: spawning 100k tasks is bound by their size).
   */
  declare fn: ((cx: Context, ...args: never[]) => unknown) | null;
  /** Context variables, arguments, `start` handshake, exit hooks: null until one is set. */
  private declare rare: TaskRare | null;

  /**
   * `scope` is the task's first scope, whose run is the task's (`runner`):
   * entered now, or (for `createTask` and `start`, which make it) right
   * after, before anything reads `runner`.
   */
  constructor(name: string | { readonly name: unknown }, vars: VarMap | null, scope: CancelScope) {
    super(null, scope);
    // Assigned, not class fields (see Context).
    this.label = name;
    this.owner = null;
    this.fn = null;
    this.rare = null;
    if (vars !== null) this.vars = vars;
  }

  /** The task itself: a task is the root context of its body (a getter, not a field: 8 bytes per task on V8). @internal */
  // @ts-expect-error Context's `_task` is a field, here an accessor (TS2611): Context leaves it unset for a task.
  override get _task(): Task {
    return this;
  }

  /** The task's name: the one it was given, else its function's name, else `"task"`. */
  get name(): string {
    const label = this.label;
    if (typeof label === "string") return label;
    const name = label.name;
    return typeof name === "string" && name !== "" ? name : "task";
  }

  private get rareFields(): TaskRare {
    return (this.rare ??= new TaskRare());
  }

  /** The context variables visible to the task (replaced, never mutated: see the module text). */
  get vars(): VarMap | null {
    const rare = this.rare;
    return rare === null ? null : rare.vars;
  }

  set vars(vars: VarMap | null) {
    this.rareFields.vars = vars;
  }

  /** The arguments the body is called with after `cx` (none when null). */
  get args(): readonly unknown[] | null {
    const rare = this.rare;
    return rare === null ? null : rare.args;
  }

  set args(args: readonly unknown[] | null) {
    if (args !== null && args.length === 0 && this.rare === null) return;
    this.rareFields.args = args;
  }

  /** The readiness handshake of a task made by `start`, else null. */
  get status(): StartStatus | null {
    const rare = this.rare;
    return rare === null ? null : rare.status;
  }

  set status(status: StartStatus | null) {
    this.rareFields.status = status;
  }

  /**
   * The task's run: that of its first scope, read through it rather than
   * kept in a field of its own (a field is 8 bytes on node, for every task).
   */
  get runner(): Runner {
    return this.cancelScope._runner!;
  }

  /**
   * A new task of the same run that inherits this task's context variables;
   * `name` is its name, or its function (named after it).
   */
  child(name: string | { readonly name: unknown }, scope: CancelScope): Task {
    return new Task(name, this.vars, scope);
  }

  /** True once the body has ended. */
  get ended(): boolean {
    return this.fn === ENDED;
  }

  /** Registers `hook` to run when this task ends (never, once it has ended). */
  addExitHook(hook: ExitHook): void {
    if (this.fn === ENDED) return;
    const rare = this.rareFields;
    const hooks = (rare.hooks ??= []);
    if (!hooks.includes(hook)) hooks.push(hook);
  }

  /** Unregisters `hook`. */
  removeExitHook(hook: ExitHook): void {
    const hooks = this.rare?.hooks;
    if (hooks == null) return;
    const at = hooks.lastIndexOf(hook);
    if (at < 0) return;
    hooks[at] = hooks[hooks.length - 1]!;
    hooks.pop();
  }

  /**
   * Runs the task's function and reports the outcome. Called by the runner.
   *
   * No async frame: `fn` is called here and its result followed with one
   * `then` whose two handlers hold the task. This keeps what `await fn(cx)`
   * in an async wrapper did, with fewer bytes per blocked task: a
   * synchronous throw ends the task at once (inside `begin`); any other
   * result, a value, a promise or a foreign thenable, goes through
   * `Promise.resolve` exactly as `await` would, so the end is reported after
   * the same number of microtasks. How the result is followed is the
   * adapter's choice ({@link Follow}): two closures by default, bound
   * functions on V8, shared handlers for a body that did not block on
   * JavaScriptCore.
   */
  begin(): void {
    const fn = this.fn as (cx: Context, ...args: unknown[]) => unknown;
    const rare = this.rare;
    const args = rare === null ? null : rare.args;
    this.fn = null;
    let result: unknown;
    try {
      if (args === null) result = fn(this);
      else {
        rare!.args = null;
        result = fn(this, ...args);
      }
    } catch (e) {
      this.end(true, e);
      return;
    }
    // An `async function*` returns an iterator: its body would never run.
    if (isAsyncGenerator(result)) result = Promise.reject(notGenerator("fn", fn));
    const follow = this.cancelScope._runner!._follow;
    if (follow === null) followWithClosures(this, result);
    else follow(this, result);
  }

  /** Runs the exit hooks and reports the end; called by `begin` and by the handlers that follow its result. @internal */
  end(failed: boolean, outcome: unknown): void {
    this.fn = ENDED;
    const rare = this.rare;
    const hooks = rare === null ? null : rare.hooks;
    if (hooks !== null) {
      rare!.hooks = null;
      for (const hook of hooks) hook.onTaskExit(this);
    }
    const instruments = this.runner.instruments;
    instruments?.exited(this, failed, outcome);
    this.owner!._taskDone(this, failed, outcome);
    instruments?.settled();
  }
}
