/**
 * `gather`: run several functions concurrently and collect their results in
 * input order, like `asyncio.gather`, but structured: it is a task group
 * underneath, so when it returns or throws nothing it started is still
 * running.
 *
 * Default mode: the first failure cancels the others and is thrown (several
 * failures: a `TaskGroupError`), exactly as a task group does. With
 * `{ returnErrors: true }` (asyncio's `return_exceptions=True`) a failure is
 * stored in its slot instead and the others go on. `Cancelled` is never
 * stored in a slot: if the caller's scope is cancelled, `gather` throws it.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { Cancelled } from "../core/errors.ts";
import { checkContext, checkFunction, describeValue } from "../core/validate.ts";

/**
 * A function `gather`, `wait` and `asCompleted` can run: it receives its
 * task's context.
 *
 * @example
 * ```ts
 * const job: Job<number> = async (cx) => { await cx.sleep(10); return 1; };
 * ```
 */
export type Job<T = unknown> = (cx: Context) => T | PromiseLike<T>;

/**
 * The results of {@link gather}, one per job, in input order (a tuple when
 * the jobs are a tuple).
 *
 * @example
 * ```ts
 * const [name, count]: GatherResults<[Job<string>, Job<number>]> = await gather(cx, [a, b] as const);
 * ```
 */
export type GatherResults<F extends readonly Job[]> = { -readonly [K in keyof F]: Awaited<ReturnType<F[K]>> };

/**
 * The results of {@link gather} with `returnErrors`: a value or an `Error` per job.
 *
 * @example
 * ```ts
 * const results = await gather(cx, jobs, { returnErrors: true });
 * for (const r of results) if (r instanceof Error) console.error(r);
 * ```
 */
export type GatherSettled<F extends readonly Job[]> = { -readonly [K in keyof F]: Awaited<ReturnType<F[K]>> | Error };

/**
 * Options for {@link gather}.
 *
 * @example
 * ```ts
 * await gather(cx, jobs, { returnErrors: true });
 * ```
 */
export interface GatherOptions {
  /** Store each failure in its slot (as an `Error`) instead of throwing. Default false. */
  returnErrors?: boolean;
}

/**
 * The task options naming a job's task after the job function (as a task
 * started with the job itself would be), or undefined for an unnamed job:
 * the task that runs it is a wrapper, whose own name would say nothing. @internal
 */
export function jobTask(job: Job): { name: string } | undefined {
  const name = job.name;
  return typeof name === "string" && name !== "" ? { name } : undefined;
}

/** @internal */
export function checkJobs(name: string, jobs: unknown): asserts jobs is readonly Job[] {
  if (!Array.isArray(jobs)) throw new TypeError(`${name} must be an array of functions, got ${describeValue(jobs)}`);
  jobs.forEach((job, i) => checkFunction(`${name}[${i}]`, job));
}

/**
 * Runs every job concurrently in a task group and returns their results in
 * input order.
 *
 * @throws {@link !TypeError} if `jobs` is not an array of functions.
 * @example
 * ```ts
 * import { gather, run } from "skein";
 * const [a, b] = await run((cx) =>
 *   gather(cx, [
 *     async (cx) => { await cx.sleep(20); return "slow"; },
 *     async () => 1,
 *   ] as const),
 * ); // a === "slow", b === 1
 * ```
 */
export function gather<const F extends readonly Job[]>(
  cx: Context,
  jobs: F,
  options: GatherOptions & { returnErrors: true },
): Promise<GatherSettled<F>>;
export function gather<const F extends readonly Job[]>(cx: Context, jobs: F, options?: GatherOptions): Promise<GatherResults<F>>;
export function gather(cx: Context, jobs: readonly Job[], options: GatherOptions = {}): Promise<unknown[]> {
  checkContext(cx, "gather");
  checkJobs("jobs", jobs);
  const returnErrors = options.returnErrors ?? false;
  if (typeof returnErrors !== "boolean") {
    throw new TypeError(`options.returnErrors must be a boolean, got ${describeValue(returnErrors)}`);
  }
  return gatherInGroup(cx, jobs, returnErrors);
}

async function gatherInGroup(cx: Context, jobs: readonly Job[], returnErrors: boolean): Promise<unknown[]> {
  const results: unknown[] = new Array(jobs.length);
  await cx.taskGroup(async (tg) => {
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const body = async (cx: Context) => {
        try {
          results[i] = await job(cx);
        } catch (error) {
          if (!returnErrors || error instanceof Cancelled) throw error;
          results[i] = error instanceof Error ? error : new Error(`non-Error thrown: ${String(error)}`, { cause: error });
        }
      };
      const options = jobTask(job);
      if (options === undefined) tg.startSoon(body);
      else tg.startSoon(options, body);
    }
  });
  return results;
}
