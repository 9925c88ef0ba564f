/**
 * Internal glue between `src/net` and the adapter's networking: finding the
 * adapter's {@link NetSupport} (or failing with `UnsupportedError` naming the
 * capability and the adapter), and awaiting an adapter promise that hands
 * over a resource, cancellably and without leaking it.
 *
 * Invariant kept by {@link awaitOwned}: the resource an adapter promise
 * resolves with is owned by exactly one party. If the waiting task took it,
 * the caller owns it; if the wait had already ended (cancelled) when it
 * arrived, `dispose` releases it at once. So a connection that completes
 * just as its attempt is cancelled is closed, not leaked.
 *
 * Costs: one waiter and one promise per call.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { UnsupportedError } from "../core/errors.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";
import type { NetSupport } from "./net-support.ts";

/** The adapter's networking, or `UnsupportedError` ("tcp is not supported on the browser adapter"). @internal */
export function netOf(cx: Context, capability: string): NetSupport {
  const adapter = cx._task.runner.adapter;
  const net = adapter.net;
  if (net === undefined) throw new UnsupportedError(`${capability} is not supported on the ${adapter.name} adapter`);
  return net;
}

/**
 * Awaits `promise` as a checkpoint blocked on `what`; a value that arrives
 * after the wait was cancelled is passed to `dispose`. @internal
 */
export function awaitOwned<T>(cx: Context, what: string, promise: Promise<T>, dispose?: (value: T) => void): Promise<T> {
  const waiter = new Waiter<T>();
  const parked = parkWhereBlocked(waiter, cx.cancelScope);
  promise.then(
    (value) => {
      if (!waiter.wake(value) && dispose !== undefined) dispose(value);
    },
    (error: unknown) => {
      waiter.fail(error);
    },
  );
  const instruments = cx._task.runner.instruments;
  return instruments === null ? parked : instruments.block(cx._task, what, parked);
}
