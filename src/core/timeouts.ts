/**
 * Running a body inside a cancel scope, and the timeouts built on it:
 * `moveOnAfter`/`moveOnAt` (give up quietly) and `failAfter`/`failAt` (give
 * up with {@link TimeoutError}).
 *
 * Every scope body runs through {@link runInScope}, which keeps the one rule
 * of absorption: a {@link Cancelled} leaving the body is swallowed here only
 * if this scope is its origin; any other error, and any other `Cancelled`,
 * propagates unchanged.
 *
 * @module
 */

import { CancelScope } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { Cancelled, TimeoutError } from "./errors.ts";

/**
 * What `moveOnAfter`/`moveOnAt` report: whether the deadline cancelled the
 * body, the body's value if it finished, and the scope itself.
 *
 * @example
 * ```ts
 * const r = await cx.moveOnAfter(50, async () => 42);
 * if (!r.cancelled) console.log(r.value); // 42
 * ```
 */
export type MoveOnResult<T> = MoveOnFinished<T> | MoveOnCancelled;

/**
 * The body finished before the deadline cancelled it.
 *
 * @example
 * ```ts
 * const r = await cx.moveOnAfter(50, async () => 1);
 * if (!r.cancelled) r.value; // 1
 * ```
 */
export interface MoveOnFinished<T> {
  /** False: the body finished. */
  readonly cancelled: false;
  /** What the body returned. */
  readonly value: T;
  /** The scope that ran the body. */
  readonly scope: CancelScope;
}

/**
 * The deadline cancelled the body.
 *
 * @example
 * ```ts
 * const r = await cx.moveOnAfter(1, (cx) => cx.sleepForever());
 * r.cancelled; // true
 * ```
 */
export interface MoveOnCancelled {
  /** True: the deadline cancelled the body. */
  readonly cancelled: true;
  /** Always undefined. */
  readonly value: undefined;
  /** The scope that ran the body (its `cancelledCaught` is true). */
  readonly scope: CancelScope;
}

/** Runs `body` in `scope` entered under `cx`. @internal */
export async function runInScope<T>(
  cx: Context,
  scope: CancelScope,
  body: (cx: Context) => T | PromiseLike<T>,
): Promise<T | undefined> {
  scope._enter(cx._task.runner, cx.cancelScope);
  try {
    return await body(cx._inScope(scope));
  } catch (error) {
    if (error instanceof Cancelled && error.scope === scope) {
      scope._cancelledCaught = true;
      return undefined;
    }
    throw error;
  } finally {
    scope._exit();
  }
}

/** @internal */
export async function moveOnAt<T>(
  cx: Context,
  deadline: number,
  body: (cx: Context) => T | PromiseLike<T>,
): Promise<MoveOnResult<T>> {
  const scope = new CancelScope({ deadline });
  const value = await runInScope(cx, scope, body);
  return scope._cancelledCaught
    ? { cancelled: true, value: undefined, scope }
    : { cancelled: false, value: value as T, scope };
}

/** @internal */
export async function failAt<T>(
  cx: Context,
  deadline: number,
  body: (cx: Context) => T | PromiseLike<T>,
): Promise<T> {
  const scope = new CancelScope({ deadline });
  const value = await runInScope(cx, scope, body);
  if (scope._cancelledCaught && scope._byDeadline) {
    throw new TimeoutError(`deadline exceeded (at ${deadline.toFixed(1)} ms on the run's clock)`);
  }
  return value as T;
}

/**
 * `asyncio.wait_for` under its asyncio name: runs `body` with a deadline `ms`
 * from now and throws {@link TimeoutError} if it passes. The same as
 * `cx.failAfter(ms, body)`.
 *
 * @throws {RangeError} if `ms` is negative or NaN.
 * @example
 * ```ts
 * import { run, waitFor } from "skein";
 * await run((cx) => waitFor(cx, 1000, (cx) => cx.sleep(10)));
 * ```
 */
export function waitFor<T>(cx: Context, ms: number, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
  return cx.failAfter(ms, body);
}
