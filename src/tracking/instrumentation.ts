/**
 * A tracked run's bookkeeping (see `instrument.ts` for what instruments and
 * the task tree are): the instruments, the live tasks and what each is
 * blocked on, the idle check, and the blocking detector's step boundaries.
 *
 * Loaded on demand: `run` imports this module (with `import()`) only when
 * the run is tracked, so a program that never asks for instruments, the
 * task tree or the blocking detector does not carry it (issue 13). The hot
 * paths reach it through `runner.instruments`, null in an untracked run.
 * So a tracked run's `main` begins once that import has settled (a few
 * microtasks when the module is loaded already; in a browser, the first
 * time, a fetch of its chunk), not synchronously inside the `run()` call as
 * an untracked run's `main` does.
 *
 * It imports no module an untracked run loads too (only types): what it
 * needs of them, `run` passes in ({@link InstrumentationKit}). A module
 * imported both by the start path and by this lazy one would make an app's
 * bundler split it into a chunk of its own, shared by both, and the
 * imports and exports between chunks cost the minimal program ~0.18 KB
 * min+gzip (issue 13). For the same reason it lives outside `src/core`,
 * with the blocking detector it alone imports: it is not part of what every
 * run loads, and `npm run size` counts `src/core` as the core every
 * program carries.
 *
 * Invariants and costs: those of `instrument.ts`; per task, one view and
 * one map insertion and deletion; per blocking call, one promise reaction.
 *
 * @internal
 * @module
 */

import type { Adapter } from "../core/adapter.ts";
import { BlockingDetector, type BlockingDetectorOptions } from "./blocking-detector.ts";
import type { CancelScope } from "../core/cancel-scope.ts";
import type { Cancelled } from "../core/errors.ts";
import type { groupOf, Instrument, TaskView, viewOf } from "../core/instrument.ts";
import type { Task } from "../core/task.ts";


type Hook = Exclude<keyof Instrument, never>;

/**
 * What the bookkeeping needs of modules that every run loads (errors.ts,
 * instrument.ts), passed by `run` rather than imported (see the module
 * comment). @internal
 */
export interface InstrumentationKit {
  readonly _Cancelled: typeof Cancelled;
  readonly _TaskView: typeof TaskView;
  readonly _viewOf: typeof viewOf;
  readonly _groupOf: typeof groupOf;
}

/**
 * A tracked run's bookkeeping: its instruments and its live tasks. The
 * runner holds one (`runner.instruments`) only when the run is tracked.
 * @internal
 */
export class Instrumentation {
  instruments: Instrument[];
  /** Live tasks of the run, in spawn order (the root task first). */
  readonly live: Map<Task, TaskView> = new Map();
  /**
   * See {@link InstrumentationKit}. (A field, not a parameter property:
   * esbuild emits a parameter property's declaration unmangled.)
   */
  private readonly _kit: InstrumentationKit;
  /** The blocking detector, when `run` was given `detectBlocking`; `run` closes it. */
  readonly detector: BlockingDetector | null = null;
  /** Live tasks parked in a blocking call. */
  private blocked = 0;
  /** Whether `runIdle` was reported and no task has woken since. */
  private idle = false;
  /**
   * The runner's activity count when a task last resumed. A different count
   * means some waiter was woken (or a tick or start taken) whose task has not
   * resumed yet: the run is not idle, whatever the blocked count says.
   */
  private seen = 0;
  constructor(
    instruments: Instrument[],
    private readonly adapter: Adapter,
    /**
     * The runner: whether a tick or start is pending, its activity counter,
     * its next deadline, its clock, and its timers (told to report each
     * entry fired).
     */
    private readonly run: {
      readonly busy: boolean;
      readonly activity: number;
      nextDeadline(): number;
      readonly clock: { now(): number };
      readonly timers: { onFired: ((deadline: number) => void) | null };
    },
    kit: InstrumentationKit,
    /** `run`'s `detectBlocking` options, or null for no detector. */
    detect: BlockingDetectorOptions | null,
  ) {
    this.instruments = instruments;
    this._kit = kit;
    if (detect !== null) this.detector = new BlockingDetector(adapter, detect);
    run.timers.onFired = (deadline) => this.timerFired(deadline);
  }

  private emit(hook: Hook, a?: unknown, b?: unknown): void {
    for (const instrument of this.instruments) {
      try {
        // The lookup too: a getter that throws is a hook that throws.
        const fn = instrument[hook] as ((a: unknown, b: unknown) => void) | undefined;
        if (fn !== undefined) fn.call(instrument, a, b);
      } catch (error) {
        this.instruments = this.instruments.filter((i) => i !== instrument);
        this.adapter.reportError(error);
      }
    }
  }

  spawned(task: Task): void {
    this.idle = false;
    const view = new this._kit._TaskView(task, this._kit._groupOf(task));
    this.live.set(task, view);
    this.emit("taskSpawned", view);
  }

  started(task: Task): void {
    let view = this.live.get(task);
    if (view === undefined) this.live.set(task, (view = this._kit._viewOf(task))); // the root task is never spawned
    this.emit("taskStarted", view);
    this.seen = this.run.activity;
    if (this.detector !== null) this.detector.resumed();
  }

  exited(task: Task, failed: boolean, outcome: unknown): void {
    const view = this._kit._viewOf(task);
    if (this.detector !== null) this.detector.yielded(view);
    this.live.delete(task);
    if (view._blockedOn !== null) this.blocked--;
    view.blockedOn = view.blockedSince = null;
    this.emit(
      "taskExited",
      view,
      !failed
        ? { kind: "returned", value: outcome }
        : outcome instanceof this._kit._Cancelled
        ? { kind: "cancelled", error: outcome }
        : { kind: "failed", error: outcome },
    );
  }

  scopeCancelled(scope: CancelScope, reason: string | undefined): void {
    this.emit("scopeCancelled", scope, reason);
  }

  checkpoint(task: Task): void {
    const view = this._kit._viewOf(task);
    if (this.detector !== null) this.detector.yielded(view);
    this.emit("checkpoint", view);
  }

  /** A task has exited (its group has heard of it), or a batch of tasks has begun: the run may be idle now. */
  settled(): void {
    this.checkIdle();
  }

  /** Reports `runIdle` if every live task is blocked and nothing is about to wake one. */
  private checkIdle(): void {
    const run = this.run;
    if (this.idle || this.blocked !== this.live.size || this.live.size === 0 || run.busy || run.activity !== this.seen) return;
    this.idle = true;
    this.emit("runIdle", run.nextDeadline());
  }

  /** `task` resumed after its checkpoint tick. */
  resumed(_task: Task): void {
    this.idle = false;
    this.seen = this.run.activity;
    if (this.detector !== null) this.detector.resumed();
  }

  timerFired(deadline: number): void {
    this.emit("timerFired", deadline);
  }

  /** Reports `task` blocked on `what` (described afresh by `describe`, if given) until `parked` settles; returns `parked`. */
  block<T>(task: Task, what: string, parked: Promise<T>, describe: (() => string) | null = null): Promise<T> {
    const view = this._kit._viewOf(task);
    if (this.detector !== null) this.detector.yielded(view);
    view.blockedOn = what;
    view._describe = describe;
    view.blockedSince = this.run.clock.now();
    this.blocked++;
    this.emit("beforeBlocking", view, what);
    this.checkIdle();
    const after = (): void => {
      if (view._blockedOn !== null) this.blocked--;
      view.blockedOn = view.blockedSince = null;
      this.idle = false;
      this.seen = this.run.activity;
      this.emit("afterBlocking", view);
      if (this.detector !== null) this.detector.resumed();
    };
    parked.then(after, after);
    return parked;
  }
}
