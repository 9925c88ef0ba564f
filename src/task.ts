/**
 * Tasks: one concurrent line of execution inside a task group.
 *
 * A task is the function handed to `startSoon` or `start`, its arguments,
 * and the little state it carries: its name, its context variables (an
 * immutable map shared copy-on-write with the task that started it) and, for
 * `start`, the readiness handshake. The task's body runs with a
 * {@link Context} bound to the group's cancel scope.
 *
 * Invariants:
 * - A task begins at most once and reports its end to its group exactly once.
 * - Its context-variable map is never mutated in place: `ContextVar.set`
 *   replaces the task's map, so a snapshot taken by a child stays as it was.
 *
 * @internal
 * @module
 */

import type { Context } from "./context.ts";
import type { Runner } from "./runner.ts";

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

/** A task. @internal */
export class Task {
  readonly runner: Runner;
  readonly name: string;
  vars: VarMap | null;
  status: StartStatus | null = null;
  owner: TaskOwner | null = null;
  cx: Context | null = null;
  fn: ((cx: Context, ...args: never[]) => unknown) | null = null;
  args: unknown[] | null = null;

  constructor(runner: Runner, name: string, vars: VarMap | null) {
    this.runner = runner;
    this.name = name;
    this.vars = vars;
  }

  /** Runs the task's function and reports the outcome. Called by the runner. */
  begin(): void {
    void this.body();
  }

  private async body(): Promise<void> {
    const fn = this.fn as (cx: Context, ...args: unknown[]) => unknown;
    const args = this.args!;
    this.fn = null;
    this.args = null;
    let failed = false;
    let error: unknown = undefined;
    try {
      await (args.length === 0 ? fn(this.cx!) : fn(this.cx!, ...args));
    } catch (e) {
      failed = true;
      error = e;
    }
    this.owner!._taskDone(this, failed, error);
  }
}
