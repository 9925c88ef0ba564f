/**
 * Tasks: one concurrent line of execution inside a task group.
 *
 * A task is the function handed to `startSoon` or `start`, its arguments,
 * and the little state it carries: its name, its context variables (an
 * immutable map shared copy-on-write with the task that started it) and, for
 * `start`, the readiness handshake.
 *
 * A task is also the context its body starts with: the `Task` class extends
 * `Context` (bound to the group's cancel scope), so starting a task allocates
 * one object, not a task plus a context. Contexts for nested scopes point
 * back to it through `_task`. The class lives in `context.ts` because a
 * subclass must be defined where its base class is, to keep module
 * evaluation order safe; this file holds the rest of the concept.
 *
 * Invariants:
 * - A task begins at most once and reports its end to its group exactly once.
 * - Its context-variable map is never mutated in place: `ContextVar.set`
 *   replaces the task's map, so a snapshot taken by a child stays as it was.
 *
 * @internal
 * @module
 */

import type { Task } from "./context.ts";

/** The context variables visible to a task. @internal */
export type VarMap = ReadonlyMap<object, unknown>;

/** The readiness handshake of a task started with `tg.start`. @internal */
export interface StartStatus {
  done: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What a task reports to its owner when it ends. @internal */
export interface TaskOwner {
  _taskDone(task: Task, failed: boolean, error: unknown): void;
}

export { Task } from "./context.ts";
