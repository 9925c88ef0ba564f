/**
 * Running a body inside a cancel scope, and the timeouts built on it:
 * `moveOnAfter`/`moveOnAt` (give up quietly) and `failAfter`/`failAt` (give
 * up with {@link TimeoutError}).
 *
 * Every scope body runs through {@link runInScope}, which keeps the one rule
 * of absorption (trio's): a {@link Cancelled} leaving the body is swallowed
 * here only if this scope is cancelled and no enclosing cancellation is
 * visible to it (the scope is its own origin, see cancel-scope.ts); any other
 * error, and any other `Cancelled`, propagates unchanged.
 *
 * @module
 */

import { CancelScope, checkSignal, scopeAbsorbs } from "./cancel-scope.ts";
import type { Context } from "./context.ts";
import { type Cancelled, TimeoutError } from "./errors.ts";
import { checkContext, checkObject, checkOptional } from "./validate.ts";

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
    if (scopeAbsorbs(scope, error)) return undefined;
    throw error;
  } finally {
    scope._exit();
  }
}

/** The rule of absorption (cancel-scope.ts), for the worker side of `toThread`. @internal */
export { scopeAbsorbs };

/**
 * Options for `moveOnAfter`/`moveOnAt`.
 *
 * @example
 * ```ts
 * await cx.moveOnAfter(100, (cx) => flush(cx), { shield: true });
 * ```
 */
export interface MoveOnOptions {
  /** Shield the body from outer cancellation (its own deadline still applies). Default false. */
  shield?: boolean;
  /**
   * An `AbortSignal` that cancels the body when it aborts (at once if it
   * already has), like the deadline: `moveOnAfter` then reports
   * `cancelled: true`; `failAfter` rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

/**
 * Options for `failAfter`/`failAt`.
 *
 * @example
 * ```ts
 * await cx.failAfter(100, (cx) => slowLookup(cx), { message: "DNS lookup took too long" });
 * ```
 */
export interface FailOptions extends MoveOnOptions {
  /** The message of the {@link TimeoutError} (default: "deadline exceeded (at … ms on the run's clock)"). */
  message?: string;
}

/** @internal Validates moveOn/fail options. */
export function checkTimeoutOptions(options: FailOptions): void {
  checkObject(options);
  checkOptional("options.shield", options.shield, "boolean");
  checkSignal("options.signal", options.signal);
  checkOptional("options.message", options.message, "string");
}

/** @internal */
export async function moveOnAt<T>(
  cx: Context,
  deadline: number,
  body: (cx: Context) => T | PromiseLike<T>,
  options: MoveOnOptions = {},
): Promise<MoveOnResult<T>> {
  const scope = new CancelScope({ deadline, shield: options.shield, signal: options.signal });
  // Absorbed means runInScope returned undefined: one object for both outcomes.
  const value = await runInScope(cx, scope, body);
  return { cancelled: scope._cancelledCaught, value, scope } as MoveOnResult<T>;
}

/** @internal */
export async function failAt<T>(
  cx: Context,
  deadline: number,
  body: (cx: Context) => T | PromiseLike<T>,
  options: FailOptions = {},
): Promise<T> {
  const scope = new CancelScope({ deadline, shield: options.shield, signal: options.signal });
  const value = await runInScope(cx, scope, body);
  if (scope._cancelledCaught && scope._byDeadline) {
    throw new TimeoutError(options.message ?? `deadline exceeded (at ${deadline.toFixed(1)} ms on the run's clock)`);
  }
  if (scope._cancelledCaught && scope._byAbort) throw options.signal!.reason;
  // Cancelled by hand (`cx.cancelScope.cancel()` in the body): trio's
  // fail_after raises TooSlowError for any cancellation it caught, and there
  // is no value to return, so the same error (the type stays `Promise<T>`).
  if (scope._cancelledCaught) throw new TimeoutError(options.message ?? "the failAfter scope was cancelled before its body returned");
  return value as T;
}

/**
 * `asyncio.wait_for` under its asyncio name: runs `body` with a deadline `ms`
 * from now and throws {@link TimeoutError} if it passes. The same as
 * `cx.failAfter(ms, body)`.
 *
 * @throws {@link !RangeError} if `ms` is negative or NaN.
 * @example
 * ```ts
 * import { run, waitFor } from "skein";
 * await run((cx) => waitFor(cx, 1000, (cx) => cx.sleep(10)));
 * ```
 */
export function waitFor<T>(cx: Context, ms: number, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
  checkContext(cx, "waitFor");
  return cx.failAfter(ms, body);
}
