/**
 * The blocking detector: asyncio's debug-mode "slow callback" warning for
 * Skein. Opt in with `run(main, { detectBlocking: true })` (or a threshold
 * and a report function); it reports every stretch longer than the threshold
 * in which the event loop did not get control back, naming the task that
 * held it and the stack where that task finally yielded.
 *
 * How it sees a stretch. Between two of its Skein calls that can block (a
 * checkpoint, a sleep, a wait on a primitive) a task runs one *step*; the
 * detector notes when each step begins (the task started or resumed) and
 * ends (the task entered a blocking call or exited). A step is not all
 * blocking time: the task may have awaited a promise Skein does not see
 * (`await fetch(...)` without `cx.abandonOnCancel`), and the event loop ran
 * meanwhile. So the detector also keeps a *heartbeat*: a real-time timer of
 * the adapter, every quarter of the threshold. A step ending at `t` is
 * reported when `t - max(stepStart, lastBeat)` exceeds the threshold: no beat
 * could run during that stretch, so the loop was held, and this task was
 * running at its end. A beat that comes late by more than the threshold with
 * no step reported since the previous beat is reported as a *stall*: code
 * outside any task step (a foreign callback, or a task's code after a
 * promise Skein does not see) held the loop; its task is unknown.
 *
 * Precision: a reported duration can exceed the true stretch by up to one
 * heartbeat interval (a quarter of the threshold), when the loop was idle
 * just before the stretch began; it is never shorter. Time is real time (the
 * adapter's clock), also under a mock clock: stalls are real.
 *
 * Costs: nothing unless enabled; an untracked run does not even load this
 * module (`run` imports it, with the rest of `instrumentation.ts`, only for
 * a tracked run; the option's check is in `blocking-options.ts`). Enabled, the run is tracked (as with
 * instruments) and pays one clock read per step boundary, one native timer
 * every `threshold / 4` ms, and a stack capture per report.
 *
 * @module
 */

import type { Adapter, TimerHandle } from "../core/adapter.ts";
import type { TaskInfo } from "../core/instrument.ts";

/**
 * One report of the blocking detector.
 *
 * @example
 * ```ts
 * const onBlocking = (r: BlockingReport) => console.warn(r.message);
 * ```
 */
export interface BlockingReport {
  /**
   * `"step"`: a task ran without yielding for `duration` ms; `task` and
   * `stack` say which and where it yielded at last. `"stall"`: the event loop
   * was held for `duration` ms by code outside any task step Skein saw.
   */
  readonly kind: "step" | "stall";
  /** How long the loop was held, in real milliseconds (at least). */
  readonly duration: number;
  /** The task that held it (for a step), or null. */
  readonly task: TaskInfo | null;
  /** The stack where the task yielded at the end of the stretch (for a step), if the runtime gives one. */
  readonly stack: string | undefined;
  /** A one-line description, as the default report prints it. */
  readonly message: string;
}

/**
 * Options of the blocking detector: `run(main, { detectBlocking: { ... } })`.
 *
 * @example
 * ```ts
 * import { type BlockingReport, run } from "skein";
 * const reports: BlockingReport[] = [];
 * await run(async (cx) => cx.sleep(10), { detectBlocking: { threshold: 50, report: (r) => reports.push(r) } });
 * ```
 */
export interface BlockingDetectorOptions {
  /** Report stretches longer than this many milliseconds. Default 100 (asyncio's `slow_callback_duration`). */
  readonly threshold?: number;
  /** Called for each report. Default: `console.warn` of the message and the stack. */
  readonly report?: (report: BlockingReport) => void;
}

/** The task a step belongs to, as far as the detector needs it. @internal */
export interface StepTask {
  readonly name: string;
}

/** One run's blocking detector. @internal */
export class BlockingDetector {
  readonly threshold: number;
  private readonly _interval: number;
  private readonly _report: (report: BlockingReport) => void;
  /** When the current step began (real ms), or -1 between steps. */
  private _stepStart = -1;
  /** When the last heartbeat ran (or was expected, at start). */
  private _lastBeat: number;
  /** When the next heartbeat is due. */
  private _nextBeat: number;
  /** Whether a step was reported since the last heartbeat. */
  private _reportedSinceBeat = false;
  private _timer: TimerHandle | null = null;
  private readonly _beat = (): void => this._onBeat();

  // A field, not a parameter property: esbuild emits a parameter property's declaration unmangled.
  private readonly _adapter: Adapter;

  constructor(adapter: Adapter, options: BlockingDetectorOptions) {
    this._adapter = adapter;
    this.threshold = options.threshold ?? 100;
    this._interval = Math.max(1, this.threshold / 4);
    this._report = options.report ?? defaultReport;
    this._lastBeat = adapter.now();
    this._nextBeat = this._lastBeat + this._interval;
    this._timer = adapter.setTimer(this._beat, this._interval);
  }

  /** A task's step begins (it started, or resumed from a blocking call). */
  resumed(): void {
    this._stepStart = this._adapter.now();
  }

  /** A task's step ends: it entered a blocking call or exited. */
  yielded(task: TaskInfo): void {
    const start = this._stepStart;
    if (start < 0) return;
    this._stepStart = -1;
    const now = this._adapter.now();
    const duration = now - Math.max(start, this._lastBeat);
    if (duration <= this.threshold) return;
    this._reportedSinceBeat = true;
    const stack = new Error("blocking detector").stack;
    this._emit({
      kind: "step",
      duration,
      task,
      stack: stack === undefined ? undefined : stack.replace(/^[^\n]*\n/, ""),
      message: `skein: task ${JSON.stringify(task.name)} held the event loop for ${Math.round(duration)} ms without yielding`,
    });
  }

  /** Stops the heartbeat (the run has ended). */
  close(): void {
    if (this._timer !== null) this._adapter.clearTimer(this._timer);
    this._timer = null;
  }

  private _onBeat(): void {
    const now = this._adapter.now();
    const late = now - this._nextBeat;
    if (late > this.threshold && !this._reportedSinceBeat) {
      this._emit({
        kind: "stall",
        duration: late,
        task: null,
        stack: undefined,
        message: `skein: the event loop was held for ${Math.round(late)} ms outside any task step Skein saw (a foreign callback, or code after an await Skein does not see)`,
      });
    }
    this._reportedSinceBeat = false;
    this._lastBeat = now;
    this._nextBeat = now + this._interval;
    if (this._timer !== null) this._timer = this._adapter.setTimer(this._beat, this._interval);
  }

  private _emit(report: BlockingReport): void {
    try {
      this._report(report);
    } catch (error) {
      this._adapter.reportError(error);
    }
  }
}

function defaultReport(report: BlockingReport): void {
  console.warn(report.stack === undefined ? report.message : `${report.message}\n${report.stack}`);
}
