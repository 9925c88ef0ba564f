/**
 * Context variables, in the spirit of Python's `contextvars`.
 *
 * A {@link ContextVar} is a key with a default. Each task sees its own value:
 * a value set in a task is seen by that task (in every scope of it) and by
 * tasks it starts afterwards, never by its siblings or its parent. This is
 * how request ids, loggers and tracing spans flow through a program without
 * being passed by hand.
 *
 * Because there is no hidden current task, a variable is read and written
 * through a context: `v.get(cx)`, `v.set(cx, value)`.
 *
 * Invariants: each task holds an immutable map. `set` replaces the task's map
 * with a copy that has the new value; a child started by `startSoon`/`start`
 * captures the group owner's map at that moment. Starting a task copies one
 * reference; only `set` allocates.
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { Task } from "./task.ts";
import { UsageError } from "./errors.ts";
import { checkContext, mustBe } from "./validate.ts";

/**
 * Returned by {@link ContextVar.set}; pass it to {@link ContextVar.reset} to
 * restore the value the variable had before.
 *
 * @example
 * ```ts
 * const token = requestId.set(cx, "r-42");
 * try { await handle(cx); } finally { requestId.reset(cx, token); }
 * ```
 */
export class ContextVarToken<T> {
  /** @internal */ declare readonly _var: ContextVar<T>;
  /** @internal The value before the `set`; the token itself if the variable was not set in the task. */
  declare _old: T | ContextVarToken<T>;
  /** @internal The task whose `set` made it; null once a `reset` used it (a token restores once). */ declare _task: Task | null;
  /** @internal */
  constructor(variable: ContextVar<T>, task: Task) {
    this._var = variable;
    this._old = this;
    this._task = task;
  }
}

/**
 * A context variable with a default value.
 *
 * @example
 * ```ts
 * import { run, ContextVar } from "skein";
 * const requestId = new ContextVar<string>("requestId", "none");
 * await run(async (cx) => {
 *   requestId.set(cx, "r-1");
 *   await cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => console.log(requestId.get(cx))); // r-1
 *   });
 * });
 * ```
 */
export class ContextVar<T> {
  /** The variable's name, for debugging. */
  declare readonly name: string;
  /** The value seen where the variable was never set. */
  declare readonly defaultValue: T;

  /**
   * @param name a name for debugging.
   * @param defaultValue the value seen where the variable was never set.
   * @throws {@link !TypeError} if `name` is not a string.
   */
  constructor(name: string, defaultValue: T) {
    if (typeof name !== "string") throw mustBe("name", "a string", name);
    this.name = name;
    this.defaultValue = defaultValue;
  }

  /**
   * The value in `cx`'s task, or the default.
   *
   * @example
   * ```ts
   * const id = requestId.get(cx);
   * ```
   */
  get(cx: Context): T {
    checkContext(cx, "ContextVar.get");
    const vars = cx._task.vars;
    if (vars !== null && vars.has(this)) return vars.get(this) as T;
    return this.defaultValue;
  }

  /**
   * Sets the value for `cx`'s task and the tasks it starts from now on.
   * Returns a token for {@link ContextVar.reset}.
   *
   * @example
   * ```ts
   * requestId.set(cx, "r-7");
   * ```
   */
  set(cx: Context, value: T): ContextVarToken<T> {
    checkContext(cx, "ContextVar.set");
    const task = cx._task;
    const vars = task.vars;
    const token = new ContextVarToken(this, task);
    if (vars !== null && vars.has(this)) token._old = vars.get(this) as T;
    const next = new Map(vars ?? undefined);
    next.set(this, value);
    task.vars = next;
    return token;
  }

  /**
   * Restores the value from before the `set` that returned `token`.
   *
   * @throws {@link !TypeError} if the token belongs to another variable.
   * @throws {@link UsageError} if the token was used already, or made by `set` in another task (as Python's contextvars).
   * @example
   * ```ts
   * const token = requestId.set(cx, "temp");
   * requestId.reset(cx, token);
   * ```
   */
  reset(cx: Context, token: ContextVarToken<T>): void {
    if (!(token instanceof ContextVarToken) || token._var !== this) {
      throw new TypeError(`token must come from set() on the ContextVar ${JSON.stringify(this.name)}`);
    }
    checkContext(cx, "ContextVar.reset");
    const task = cx._task;
    if (token._task !== task) throw new UsageError("token used, or from another task");
    token._task = null;
    const next = new Map(task.vars ?? undefined);
    if (token._old !== token) next.set(this, token._old);
    else next.delete(this);
    task.vars = next;
  }
}
