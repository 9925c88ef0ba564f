/**
 * `asCompleted`: run several jobs in a task group the caller owns and receive
 * their results as they finish, like `asyncio.as_completed`, as an async
 * iterator.
 *
 * Why the caller passes the group. An iterator cannot make its consumer come
 * back: a loop may take one result and walk away without calling `return()`
 * (a `for await` always calls it, but `it.next()` by hand need not). If the
 * iterator owned its jobs, they would then run on unowned, and nothing would
 * wait for them or hear their errors. So the jobs run in the caller's task
 * group `tg`, which waits for them whatever the consumer does: an abandoned
 * iterator's jobs run to their end (their `finally` blocks included) before
 * the group returns. One task is started in `tg` (named `"asCompleted"`); it
 * opens an inner group holding one task per job, so `return()` can cancel
 * just these jobs.
 *
 * Errors go to the group, exactly once. A failing job cancels the other jobs
 * and its error leaves through `tg`, like any task's: `tg` is cancelled, so a
 * loop running in it (iterate with the group's context, the second argument
 * of the `taskGroup` body) gets `Cancelled`, and the group then throws the
 * job's error. A consumer outside the group's scope gets
 * `BrokenResourceError` from `next()` once the results run out; the error
 * itself still goes only to the group.
 *
 * Consumers. `next()` waits with the context given to `asCompleted`, or the
 * one passed as `next(cx)` (for a consumer in another task). Waiting
 * `next()` calls queue up: each result goes to exactly one of them, first
 * come first served, and none is skipped. A `next()` cancelled while waiting
 * took nothing: the result it would have had goes to the next `next()`.
 * `return()` (called by `break`, `return` or a throw in a `for await` body)
 * cancels the jobs still running, drops undelivered results and waits for the
 * jobs to end.
 *
 * Invariants:
 * - Every result is delivered at most once: to a waiting `next()` through
 *   `wake` (which fails for a cancelled waiter), else into the buffer. While
 *   the buffer holds results no `next()` is waiting.
 * - `delivered` counts jobs that returned; when the jobs' task has ended
 *   with `delivered < jobs.length` and the iterator was not closed, some job
 *   failed or was cancelled, and `next()` never reports a normal end.
 *
 * Costs: one task and one inner group per call, one task per job, one waiter
 * per `next()` that has to wait; results wait in a FIFO buffer (at most one
 * per job).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError } from "../core/errors.ts";
import { Fifo } from "../core/fifo.ts";
import { TaskGroup } from "../core/task-group.ts";
import { checkContext, describeValue } from "../core/validate.ts";
import { blockedOn } from "../core/instrument.ts";
import { Waiter } from "../core/waiter.ts";
import { QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { checkJobs, type Job, jobTask } from "./gather.ts";

/**
 * One result of {@link asCompleted}: which job (`index` in the input) and its value.
 *
 * @example
 * ```ts
 * for await (const { index, value } of asCompleted(cx, tg, jobs)) console.log(index, value);
 * ```
 */
export interface Completed<T> {
  /** Position of the job in the input array. */
  readonly index: number;
  /** What the job returned. */
  readonly value: T;
}

/**
 * The iterator {@link asCompleted} returns: an async iterator of
 * {@link Completed} results whose `next` optionally takes the consumer's
 * context.
 *
 * @example Consumers in several tasks share one iterator
 * ```ts
 * await cx.taskGroup(async (tg, cx) => {
 *   const results = asCompleted(cx, tg, jobs);
 *   for (let w = 0; w < 3; w++)
 *     tg.startSoon(async (cx) => {
 *       for (let r = await results.next(cx); !r.done; r = await results.next(cx)) console.log(r.value);
 *     });
 * });
 * ```
 */
export interface AsCompletedIterator<T> extends AsyncIterableIterator<Completed<T>, undefined, Context | undefined> {
  /**
   * The next result to arrive, waiting for it if none is ready; `done` once
   * every job has returned and every result was taken. A checkpoint. Waits
   * with `cx` if given, else with the context given to `asCompleted`.
   *
   * @throws {@link Cancelled} if the waiting context is cancelled (no result is taken).
   * @throws {@link BrokenResourceError} if the jobs ended without all returning (a
   *   job failed: its error went to the task group) and the waiting context
   *   was not cancelled by that.
   * @example
   * ```ts
   * const first = await results.next();
   * if (!first.done) console.log(first.value.index);
   * ```
   */
  next(cx?: Context): Promise<IteratorResult<Completed<T>, undefined>>;
  /**
   * Stops iterating: cancels the jobs still running, drops undelivered
   * results, and waits for the jobs to end. A `for await` loop calls it when
   * left early.
   *
   * @example
   * ```ts
   * await results.return();
   * ```
   */
  return(): Promise<IteratorResult<Completed<T>, undefined>>;
  /**
   * The iterator itself, so it works in `for await`.
   *
   * @example
   * ```ts
   * for await (const { value } of results) console.log(value);
   * ```
   */
  [Symbol.asyncIterator](): AsCompletedIterator<T>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const SUPERVISOR = Object.freeze({ name: "asCompleted" });

class AsCompleted<T> implements AsCompletedIterator<T> {
  readonly jobs: readonly Job<T>[];
  private readonly cx: Context;
  private readonly ready = new Fifo<Completed<T>>();
  /** Waiting `next()` calls; woken with a result, or with null when the state changed. */
  private readonly waiters = new WaiterQueue<Completed<T> | null>();
  private delivered = 0;
  /** The jobs' task has not ended yet. */
  private running: boolean;
  /** `return()` was called. */
  closed = false;
  /** The inner group holding the jobs, while it is open. */
  private inner: TaskGroup | null = null;
  /** `return()` calls waiting for the jobs to end. */
  private closers: Waiter<void>[] | null = null;

  constructor(cx: Context, tg: TaskGroup, jobs: readonly Job<T>[]) {
    this.cx = cx;
    this.jobs = jobs;
    this.running = jobs.length > 0;
    if (this.running) tg.startSoon(SUPERVISOR, superviseJobs, this as AsCompleted<unknown>);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(cx: Context = this.cx): Promise<IteratorResult<Completed<T>, undefined>> {
    if (cx !== this.cx) checkContext(cx, "asCompleted(...).next");
    cx.checkpointIfCancelled();
    for (;;) {
      if (this.closed) return DONE;
      if (this.ready.length > 0) return { value: this.ready.shift(), done: false };
      if (!this.running) break;
      const waiter = new QueuedWaiter<Completed<T> | null>();
      this.waiters.push(waiter);
      const item = await blockedOn(cx, "asCompleted.next", waiter.park(cx.cancelScope));
      if (item !== null) return { value: item, done: false };
    }
    if (this.delivered === this.jobs.length) return DONE;
    // A job failed (or the jobs were cancelled). Its error is on its way to
    // the task group, which cancels its scope within this same macrotask: a
    // consumer inside the group meets that as Cancelled at this checkpoint.
    await cx.checkpoint();
    throw new BrokenResourceError(
      "asCompleted: the jobs ended before every result arrived (a job failed or was cancelled; its error went to the task group)",
    );
  }

  async return(): Promise<IteratorResult<Completed<T>, undefined>> {
    if (!this.closed) {
      this.closed = true;
      this.ready.clear();
      while (this.waiters.wakeFirst(null));
      this.inner?.cancelScope.cancel("asCompleted: iteration ended early");
    }
    if (this.running) {
      const waiter = new Waiter<void>();
      (this.closers ??= []).push(waiter);
      await blockedOn(this.cx, "asCompleted.return", waiter.park(this.cx.cancelScope));
    }
    return DONE;
  }

  /** @internal The inner group's body: starts one task per job. */
  _startJobs(inner: TaskGroup): void {
    this.inner = inner;
    for (let i = 0; i < this.jobs.length; i++) {
      const options = jobTask(this.jobs[i]!);
      if (options === undefined) inner.startSoon(asCompletedJob, this as AsCompleted<unknown>, i);
      else inner.startSoon(options, asCompletedJob, this as AsCompleted<unknown>, i);
    }
  }

  /** @internal A job returned `value`. */
  _deliver(index: number, value: T): void {
    this.delivered++;
    if (this.closed) return;
    const item: Completed<T> = { index, value };
    if (!this.waiters.wakeFirst(item)) this.ready.push(item);
  }

  /** @internal The jobs' task is ending (normally, failed or cancelled). */
  _ended(): void {
    this.running = false;
    this.inner = null;
    while (this.waiters.wakeFirst(null));
    const closers = this.closers;
    this.closers = null;
    if (closers !== null) for (const closer of closers) closer.wake();
  }
}

/** The task started in the caller's group: runs the jobs in an inner group. */
async function superviseJobs(cx: Context, it: AsCompleted<unknown>): Promise<void> {
  try {
    if (!it.closed) await cx.taskGroup((inner) => it._startJobs(inner));
  } finally {
    it._ended();
  }
}

/** One job's task. Its error, if any, goes to the inner group and from there to the caller's group. */
async function asCompletedJob(cx: Context, it: AsCompleted<unknown>, index: number): Promise<void> {
  it._deliver(index, await it.jobs[index]!(cx));
}


/**
 * Starts the jobs now, each as a task of an inner group inside `tg`, and
 * returns an iterator over their results in the order they finish.
 *
 * `tg` owns the jobs: it does not return before they have ended, even if
 * the iterator is abandoned, and a failing job's error leaves through it
 * (the loop, run with the group's context, sees `Cancelled`). Leaving a
 * `for await` loop early cancels the jobs still running and waits for them.
 *
 * @param cx the context `next()` and `return()` wait with (usually the
 *   group's, the second argument of the `taskGroup` body).
 * @param tg the task group that owns the jobs.
 * @param jobs the functions to run; each receives its task's context.
 * @throws {@link !TypeError} if `cx` is not a context, `tg` not a task group, or
 *   `jobs` not an array of functions.
 * @throws {@link ClosedResourceError} if `tg` has exited.
 * @example
 * ```ts
 * import { asCompleted, run, type Context } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const jobs = [30, 10, 20].map((ms) => async (cx: Context) => (await cx.sleep(ms), ms));
 *     for await (const { value } of asCompleted(cx, tg, jobs)) console.log(value); // 10, 20, 30
 *   }),
 * );
 * ```
 */
export function asCompleted<T>(cx: Context, tg: TaskGroup, jobs: readonly Job<T>[]): AsCompletedIterator<T> {
  checkContext(cx, "asCompleted");
  if (!(tg instanceof TaskGroup)) throw new TypeError(`tg must be a TaskGroup, got ${describeValue(tg)}`);
  checkJobs("jobs", jobs);
  return new AsCompleted(cx, tg, jobs);
}
