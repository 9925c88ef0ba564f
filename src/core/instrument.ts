/**
 * Instruments and introspection: watching a run from inside (trio's
 * instruments, `current_task`, and a live task tree).
 *
 * `run(main, { instruments })` installs objects whose hooks (all optional)
 * are called as the run goes: a task spawned, started, exited (returned,
 * failed, cancelled), a scope cancelled (with its reason), a task about to
 * block and done blocking (on what: `"sleep until 1000"`, `"Event.wait"`,
 * `"Lock.acquire"`), a checkpoint, a timer fired. Hooks see a
 * {@link TaskInfo}, a public view of a task, never the internal `Task`.
 *
 * The same bookkeeping gives the task tree: while a run is *tracked* (it has
 * instruments, or was started with `{ trackTasks: true }`), the run keeps
 * the set of live tasks (in spawn order) and what each is blocked on since
 * when; {@link taskTree} builds the tree from it on demand, using the
 * structure the run already has (a task's group, a group's owning task).
 *
 * Costs: an untracked run has `runner.instruments === null`, and the hot
 * paths (spawn, task start and exit, checkpoint, park, timer firing) test
 * that one field and nothing more. A tracked run pays, per task, one view
 * object and one map insertion and deletion (the live map, keyed by task),
 * and per blocking call one promise reaction. The bookkeeping itself
 * (`src/tracking/instrumentation.ts`) is imported by `run` only for a tracked run, so an
 * untracked program does not carry it. Views handed out otherwise
 * (`cx.currentTask()` in an untracked run) live in a `WeakMap` on the
 * runner, made on first use.
 *
 * Invariants:
 * - Every task of a tracked run is reported spawned, then started, then
 *   exited, once each, in that order (the root task `main` is reported
 *   started and exited, never spawned); `beforeBlocking` and
 *   `afterBlocking` pair up, and a task's blocks never overlap.
 * - `runIdle` is reported when a task blocks and, with it, every live task
 *   is blocked and no start or checkpoint tick is pending; once per idle
 *   stretch (a task waking or being spawned ends the stretch).
 * - A hook that throws (its lookup included: a getter that throws) is
 *   reported through the adapter's `reportError` and its instrument
 *   removed (as in trio); the run goes on.
 *
 * @module
 */

import type { CancelScope } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { type Cancelled, UsageError } from "./errors.ts";
import type { Task } from "./task.ts";
import type { TaskGroup } from "./task-group.ts";

/**
 * Where a task is, as {@link TaskInfo.status} reports it: `"waiting"` (spawned,
 * not begun), `"running"` (runnable or running), `"blocked"` (parked in a
 * blocking call; known only in a tracked run), `"ended"`.
 *
 * @example
 * ```ts
 * const s: TaskState = cx.currentTask().status; // "running"
 * ```
 */
export type TaskState = "waiting" | "running" | "blocked" | "ended";

/**
 * A public view of one task: what instruments and {@link Context.currentTask}
 * see. The same object for the same task while it runs.
 *
 * @example
 * ```ts
 * const me = cx.currentTask();
 * console.log(me.name, me.status); // main running
 * ```
 */
export interface TaskInfo {
  /** The task's name (`"main"` for the root task). */
  readonly name: string;
  /** See {@link TaskState}. */
  readonly status: TaskState;
  /** The group the task was started into; null for the root task. */
  readonly group: TaskGroup | null;
  /** What the task is blocked on (`"Event.wait"`), or null. Known only in a tracked run. */
  readonly blockedOn: string | null;
  /** When (on the run's clock) it blocked, or null. */
  readonly blockedSince: number | null;
}

/**
 * How a task ended, as {@link Instrument.taskExited} reports it.
 *
 * @example
 * ```ts
 * const describe = (o: TaskOutcome) => (o.kind === "returned" ? "ok" : o.kind);
 * ```
 */
export type TaskOutcome =
  | {
    /** The task's function returned. */
    readonly kind: "returned";
    /** What it returned. */
    readonly value: unknown;
  }
  | {
    /** The task's function threw an error other than a cancellation. */
    readonly kind: "failed";
    /** What it threw. */
    readonly error: unknown;
  }
  | {
    /** The task ended by a cancellation. */
    readonly kind: "cancelled";
    /** The `Cancelled` it ended with. */
    readonly error: Cancelled;
  };

/**
 * Watches a run; pass it as `run(main, { instruments: [it] })`. Every hook is
 * optional and called synchronously, so it must be quick and must not block.
 *
 * @example
 * ```ts
 * import { run, type Instrument } from "skein";
 * const log: string[] = [];
 * const tracer: Instrument = {
 *   taskSpawned: (t) => log.push(`spawn ${t.name}`),
 *   taskExited: (t, outcome) => log.push(`exit ${t.name} ${outcome.kind}`),
 * };
 * await run((cx) => cx.taskGroup((tg) => tg.startSoon(async function child() {})), { instruments: [tracer] });
 * // log: ["spawn child", "exit child returned", "exit main returned"]
 * ```
 */
export interface Instrument {
  /** A task was started into a group (it has not begun yet). */
  taskSpawned?(task: TaskInfo): void;
  /** A task's function is about to be called. */
  taskStarted?(task: TaskInfo): void;
  /** A task's function has ended, before its group hears of it. */
  taskExited?(task: TaskInfo, outcome: TaskOutcome): void;
  /** `scope` was cancelled (explicitly or by its deadline) while entered, or is entered already cancelled. */
  scopeCancelled?(scope: CancelScope, reason: string | undefined): void;
  /** `task` is about to wait in a blocking call; `what` names it (`"sleep until 1000"`, `"Lock.acquire"`). */
  beforeBlocking?(task: TaskInfo, what: string): void;
  /** `task`'s blocking call has settled (woken, failed or cancelled). */
  afterBlocking?(task: TaskInfo): void;
  /** `task` took a checkpoint (`cx.checkpoint()`, `cx.sleep(0)`). */
  checkpoint?(task: TaskInfo): void;
  /** A timer of the run (a sleep or a deadline) due at `deadline` fired. */
  timerFired?(deadline: number): void;
  /**
   * Every live task of the run is blocked in a Skein call: nothing can run
   * until a timer fires (`nextDeadline`, on the run's clock; `Infinity` if
   * none) or something outside the run (I/O, a worker, a foreign promise
   * passed to `cx.abandonOnCancel`) wakes a task. Called once per idle
   * stretch (trio's `before_io_wait`). A task awaiting a promise Skein does
   * not see counts as running, so such a run is never reported idle.
   */
  runIdle?(nextDeadline: number): void;
}

/** The {@link TaskInfo} of one task. @internal */
export class TaskView implements TaskInfo {
  /** @internal */ _blockedOn: string | null = null;
  /** Describes the wait afresh (a lock's current holder), or null. */
  /** @internal */ _describe: (() => string) | null = null;
  get blockedOn(): string | null {
    return this._describe === null || this._blockedOn === null ? this._blockedOn : this._describe();
  }
  set blockedOn(what: string | null) {
    this._blockedOn = what;
    this._describe = null;
  }
  blockedSince: number | null = null;
  // Fields declared, assigned in the constructor (see Context); not a
  // parameter property, whose field declaration esbuild emits unmangled.
  /** @internal */ declare readonly _task: Task;
  declare readonly group: TaskGroup | null;
  constructor(task: Task, group: TaskGroup | null) {
    this._task = task;
    this.group = group;
  }
  get name(): string {
    return this._task.name;
  }
  get status(): TaskState {
    const task = this._task;
    if (task.ended) return "ended";
    if (task.fn !== null) return "waiting";
    return this._blockedOn !== null ? "blocked" : "running";
  }
}

/** The group a task belongs to, from its owner. @internal */
export function groupOf(task: Task): TaskGroup | null {
  return task.owner === null ? null : task.owner._ownerGroup;
}

/** A task's view, made on first use and kept for the run. @internal */
export function viewOf(task: Task): TaskView {
  const runner = task.runner;
  const tracked = runner.instruments;
  if (tracked !== null) {
    const live = tracked.live.get(task);
    if (live !== undefined) return live;
  }
  const views = (runner.views ??= new WeakMap());
  let view = views.get(task);
  if (view === undefined) {
    view = new TaskView(task, groupOf(task));
    views.set(task, view);
  }
  return view;
}

/**
 * Reports `cx`'s task blocked on `what` until `parked` settles, in a tracked
 * run; returns `parked`. For blocking calls outside the waiter queue's
 * `block` (task handles, `asCompleted`, worker calls). @internal
 */
export function blockedOn<T>(cx: Context, what: string, parked: Promise<T>): Promise<T> {
  const instruments = cx._task.runner.instruments;
  return instruments === null ? parked : instruments.block(cx._task, what, parked);
}

/**
 * A group in a {@link TaskTree}: its live tasks, in spawn order.
 *
 * @example
 * ```ts
 * const group: TaskTreeGroup = taskTree(cx).groups[0]!;
 * console.log(group.tasks.length);
 * ```
 */
export interface TaskTreeGroup {
  /** Whether the group's scope is effectively cancelled. */
  readonly cancelled: boolean;
  /** Its live tasks, in spawn order. */
  readonly tasks: readonly TaskTree[];
}

/**
 * One task of the tree {@link taskTree} returns, with the groups it has open.
 *
 * @example
 * ```ts
 * const tree: TaskTree = taskTree(cx);
 * console.log(tree.name, tree.status); // main running
 * ```
 */
export interface TaskTree {
  /** The task's name. */
  readonly name: string;
  /** See {@link TaskState}. */
  readonly status: TaskState;
  /** What it is blocked on, or null. */
  readonly blockedOn: string | null;
  /** Since when (run's clock), or null. */
  readonly blockedSince: number | null;
  /** Groups opened by this task that still hold live tasks, oldest first. */
  readonly groups: readonly TaskTreeGroup[];
}

/**
 * The live task tree of `cx`'s run: the root task, the groups each task has
 * open (that still hold tasks), their tasks, and what each blocked task waits
 * for since when. The run must be tracked: started with instruments or with
 * `{ trackTasks: true }` (`skeinTest` does it).
 *
 * @throws {@link UsageError} if the run is not tracked.
 * @example
 * ```ts
 * import { formatTaskTree, run, taskTree } from "skein";
 * await run(async (cx) => {
 *   await cx.taskGroup(async (tg, cx) => {
 *     tg.startSoon(async function sleeper(cx) { await cx.sleep(1000); });
 *     await cx.checkpoint();
 *     console.log(formatTaskTree(taskTree(cx)));
 *     tg.cancelScope.cancel();
 *   });
 * }, { trackTasks: true });
 * ```
 */
export function taskTree(cx: Context): TaskTree {
  const runner = cx._task.runner;
  const tracked = runner.instruments;
  if (tracked === null) {
    throw new UsageError("taskTree needs a tracked run: run(main, { trackTasks: true }) or with instruments");
  }
  const byGroup = new Map<TaskGroup, TaskView[]>();
  const groupsOf = new Map<Task, TaskGroup[]>();
  let root: TaskView | null = null;
  for (const view of tracked.live.values()) {
    const group = view.group;
    if (group === null) {
      root ??= view;
      continue;
    }
    let tasks = byGroup.get(group);
    if (tasks === undefined) {
      byGroup.set(group, (tasks = []));
      const owner = group._owner;
      const list = groupsOf.get(owner);
      if (list === undefined) groupsOf.set(owner, [group]);
      else list.push(group);
    }
    tasks.push(view);
  }
  const build = (view: TaskView): TaskTree => ({
    name: view.name,
    status: view.status,
    blockedOn: view.blockedOn,
    blockedSince: view.blockedSince,
    groups: (groupsOf.get(view._task) ?? []).map((g) => ({
      cancelled: g.cancelScope._origin !== null,
      tasks: byGroup.get(g)!.map(build),
    })),
  });
  return build(root ?? viewOf(cx._task));
}

/**
 * An indented, printable form of a {@link TaskTree}, one line per task and
 * group.
 *
 * @example
 * ```ts
 * console.log(formatTaskTree(taskTree(cx)));
 * // main: blocked on TaskGroup (since 0)
 * //   group
 * //     sleeper: blocked on sleep until 1000 (since 0)
 * ```
 */
export function formatTaskTree(tree: TaskTree): string {
  const lines: string[] = [];
  const task = (t: TaskTree, indent: string): void => {
    const state = t.blockedOn !== null ? `blocked on ${t.blockedOn} (since ${t.blockedSince})` : t.status;
    lines.push(`${indent}${t.name}: ${state}`);
    for (const g of t.groups) {
      lines.push(`${indent}  group${g.cancelled ? " (cancelled)" : ""}`);
      for (const child of g.tasks) task(child, indent + "    ");
    }
  };
  task(tree, "");
  return lines.join("\n");
}
