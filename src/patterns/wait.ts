/**
 * `wait`: run several jobs and return when the first completes, the first
 * fails, or all are done, like `asyncio.wait`, but structured: the jobs still
 * pending at that point are cancelled and awaited before `wait` returns, so
 * their `finally` blocks have run and nothing is left behind.
 *
 * Failures never throw out of `wait` (a failed job is an outcome); only the
 * caller's own cancellation does.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { Cancelled } from "../core/errors.ts";
import { checkJobs, type Job, jobTask } from "./gather.ts";
import { checkContext, describeValue } from "../core/validate.ts";

/**
 * When {@link wait} returns: `"firstCompleted"` (any job ends, either way),
 * `"firstException"` (a job fails, or all end), `"allCompleted"`.
 *
 * @example
 * ```ts
 * const mode: ReturnWhen = "firstException";
 * await wait(cx, jobs, { returnWhen: mode });
 * ```
 */
export type ReturnWhen = "firstCompleted" | "firstException" | "allCompleted";

/**
 * How one job ended (the shape of `Promise.allSettled`, plus the job's index).
 *
 * @example
 * ```ts
 * for (const o of (await wait(cx, jobs)).done) console.log(o.index, o.status);
 * ```
 */
export type Outcome<T> = Fulfilled<T> | Rejected;

/**
 * A job that returned.
 *
 * @example
 * ```ts
 * if (outcome.status === "fulfilled") console.log(outcome.index, outcome.value);
 * ```
 */
export interface Fulfilled<T> {
  /** Position of the job in the input. */
  readonly index: number;
  /** Always `"fulfilled"`. */
  readonly status: "fulfilled";
  /** What the job returned. */
  readonly value: T;
}

/**
 * A job that threw.
 *
 * @example
 * ```ts
 * if (outcome.status === "rejected") console.error(outcome.index, outcome.reason);
 * ```
 */
export interface Rejected {
  /** Position of the job in the input. */
  readonly index: number;
  /** Always `"rejected"`. */
  readonly status: "rejected";
  /** What the job threw. */
  readonly reason: unknown;
}

/**
 * What {@link wait} returns: the jobs that ended, in the order they ended,
 * and the indices of the jobs that were still pending (and were cancelled).
 *
 * @example
 * ```ts
 * const { done, pending } = await wait(cx, jobs, { returnWhen: "firstCompleted" });
 * ```
 */
export interface WaitResult<T> {
  /** Jobs that finished or failed, in completion order. */
  readonly done: Outcome<T>[];
  /** Indices of jobs that had not ended; they were cancelled. */
  readonly pending: number[];
}

/**
 * Options for {@link wait}.
 *
 * @example
 * ```ts
 * await wait(cx, jobs, { returnWhen: "firstException", timeout: 1000 });
 * ```
 */
export interface WaitOptions {
  /** Default `"allCompleted"`. */
  returnWhen?: ReturnWhen;
  /** Give up after this many ms: whatever is pending then is cancelled. */
  timeout?: number;
}

const MODES: readonly ReturnWhen[] = ["firstCompleted", "firstException", "allCompleted"];

/**
 * Runs the jobs concurrently and returns as `returnWhen` says; pending jobs
 * are cancelled (and awaited) first.
 *
 * @throws {@link !TypeError} for jobs that are not functions or an unknown mode.
 * @throws {@link !RangeError} for a negative or NaN timeout.
 * @example
 * ```ts
 * import { run, wait } from "skein";
 * const { done, pending } = await run((cx) =>
 *   wait(cx, [(cx) => cx.sleep(10).then(() => "fast"), (cx) => cx.sleep(5000).then(() => "slow")], {
 *     returnWhen: "firstCompleted",
 *   }),
 * ); // done: [{ index: 0, status: "fulfilled", value: "fast" }], pending: [1]
 * ```
 */
export function wait<T>(cx: Context, jobs: readonly Job<T>[], options: WaitOptions = {}): Promise<WaitResult<T>> {
  checkContext(cx, "wait");
  checkJobs("jobs", jobs);
  const returnWhen = options.returnWhen ?? "allCompleted";
  if (!MODES.includes(returnWhen)) {
    throw new TypeError(`options.returnWhen must be one of ${MODES.join(", ")}, got ${describeValue(returnWhen)}`);
  }
  const timeout = options.timeout ?? Infinity;
  if (typeof timeout !== "number") throw new TypeError(`options.timeout must be a number, got ${describeValue(timeout)}`);
  if (Number.isNaN(timeout) || timeout < 0) throw new RangeError(`options.timeout must be >= 0 milliseconds, got ${timeout}`);
  return waitInGroup(cx, jobs, returnWhen, timeout);
}

async function waitInGroup<T>(
  cx: Context,
  jobs: readonly Job<T>[],
  returnWhen: ReturnWhen,
  timeout: number,
): Promise<WaitResult<T>> {
  const done: Outcome<T>[] = [];
  const ended = new Array<boolean>(jobs.length).fill(false);
  await cx.moveOnAfter(timeout, (cx) =>
    cx.taskGroup(async (tg) => {
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i]!;
        const body = async (cx: Context) => {
          let outcome: Outcome<T>;
          try {
            outcome = { index: i, status: "fulfilled", value: await job(cx) };
          } catch (error) {
            if (error instanceof Cancelled) throw error;
            outcome = { index: i, status: "rejected", reason: error };
          }
          ended[i] = true;
          done.push(outcome);
          if (
            returnWhen === "firstCompleted" ||
            (returnWhen === "firstException" && outcome.status === "rejected")
          ) {
            tg.cancelScope.cancel(`wait: ${returnWhen}`);
          }
        };
        const options = jobTask(job);
        if (options === undefined) tg.startSoon(body);
        else tg.startSoon(options, body);
      }
    }),
  );
  const pending: number[] = [];
  ended.forEach((e, i) => e || pending.push(i));
  return { done, pending };
}
