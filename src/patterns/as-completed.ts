/**
 * `asCompleted`: run several jobs and receive their results as they finish,
 * like `asyncio.as_completed`, as an async iterator.
 *
 * Structure: the jobs run in a task group opened in the caller's scope when
 * iteration starts. Leaving the loop early (`break`, `return`, a throw in the
 * loop body) calls the iterator's `return()`, which cancels the jobs still
 * running and waits for them. A failing job cancels the others and its error
 * is thrown from the loop once they have ended. If the caller's scope is
 * cancelled, the loop throws `Cancelled` after the jobs have ended. Always
 * consume it with `for await`, so one of these paths runs.
 *
 * @module
 */

import { CancelScope } from "../core/cancel-scope.ts";
import type { Context } from "../core/context.ts";
import { Cancelled } from "../core/errors.ts";
import { checkJobs, type Job } from "./gather.ts";
import { Waiter } from "../core/waiter.ts";

/**
 * One result of {@link asCompleted}: which job (`index` in the input) and its value.
 *
 * @example
 * ```ts
 * for await (const { index, value } of asCompleted(cx, jobs)) console.log(index, value);
 * ```
 */
export interface Completed<T> {
  /** Position of the job in the input array. */
  readonly index: number;
  /** What the job returned. */
  readonly value: T;
}

class AsCompleted<T> implements AsyncIterableIterator<Completed<T>> {
  private readonly cx: Context;
  private readonly jobs: readonly Job<T>[];
  private readonly ready: Completed<T>[] = [];
  private failure: { error: unknown } | null = null;
  private remaining: number;
  private waiter: Waiter<void> | null = null;
  private readonly scope = new CancelScope();
  private group: Promise<unknown> | null = null;

  constructor(cx: Context, jobs: readonly Job<T>[]) {
    this.cx = cx;
    this.jobs = jobs;
    this.remaining = jobs.length;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Completed<T>, undefined>> {
    if (this.group === null) this.start();
    for (;;) {
      const item = this.ready.shift();
      if (item !== undefined) return { value: item, done: false };
      if (this.failure !== null || this.remaining === 0) {
        await this.finish();
        if (this.failure !== null) throw this.failure.error;
        return { value: undefined, done: true };
      }
      this.waiter = new Waiter<void>();
      try {
        await this.waiter.park(this.cx.cancelScope);
      } catch (error) {
        await this.finish(); // the jobs are in a child scope: already cancelled too
        throw error;
      }
    }
  }

  async return(): Promise<IteratorResult<Completed<T>, undefined>> {
    this.scope.cancel("asCompleted: iteration ended early");
    if (this.group !== null) await this.finish();
    return { value: undefined, done: true };
  }

  private start(): void {
    this.group = this.cx.withCancelScope(this.scope, (cx) =>
      cx.taskGroup(async (tg) => {
        this.jobs.forEach((job, index) =>
          tg.startSoon(async (cx) => {
            try {
              this.ready.push({ index, value: await job(cx) });
            } catch (error) {
              if (error instanceof Cancelled) throw error;
              this.failure ??= { error };
              this.scope.cancel("asCompleted: a job failed");
            } finally {
              this.remaining--;
              const waiter = this.waiter;
              this.waiter = null;
              waiter?.wake();
            }
          }),
        );
      }),
    );
    this.group.catch(() => {}); // observed by finish(); never an unhandled rejection
  }

  private async finish(): Promise<void> {
    await this.group;
  }
}

/**
 * Runs the jobs concurrently and yields each result as it arrives.
 *
 * @throws {TypeError} if `jobs` is not an array of functions.
 * @example
 * ```ts
 * import { asCompleted, run } from "skein";
 * await run(async (cx) => {
 *   const jobs = [30, 10, 20].map((ms) => async (cx: Context) => (await cx.sleep(ms), ms));
 *   for await (const { value } of asCompleted(cx, jobs)) console.log(value); // 10, 20, 30
 * });
 * ```
 */
export function asCompleted<T>(cx: Context, jobs: readonly Job<T>[]): AsyncIterableIterator<Completed<T>> {
  checkJobs("jobs", jobs);
  return new AsCompleted(cx, jobs);
}
