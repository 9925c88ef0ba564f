/**
 * Name lookups (`getaddrinfo`) through the adapter, cancellable, and the IP
 * literal test that lets `connectTcp` skip them.
 *
 * Costs: one adapter call per lookup; a cancelled lookup is abandoned (the
 * system resolver cannot be interrupted; its answer is dropped).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { checkContext, describeValue } from "../core/validate.ts";
import { awaitOwned, netOf } from "./await-raw.ts";
import type { ResolvedAddress } from "./net-support.ts";

/**
 * Options of {@link lookup}.
 *
 * @example
 * ```ts
 * const options: LookupOptions = { family: 6 };
 * ```
 */
export interface LookupOptions {
  /** 4 or 6 for one family only; 0 (the default) for both. */
  readonly family?: 0 | 4 | 6;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*(%[\w.-]+)?$/;

/**
 * The family of an IP address literal, or 0 if `host` is not one (then it is
 * a name to look up).
 *
 * @example
 * ```ts
 * ipFamily("127.0.0.1"); // 4
 * ipFamily("::1"); // 6
 * ipFamily("localhost"); // 0
 * ```
 */
export function ipFamily(host: string): 0 | 4 | 6 {
  if (IPV4.test(host)) return 4;
  if (IPV6.test(host) && host.split("::").length <= 2) return 6;
  return 0;
}

/** @internal Validates a host name or address argument. */
export function checkHost(name: string, host: unknown): asserts host is string {
  if (typeof host !== "string") throw new TypeError(`${name} must be a string, got ${describeValue(host)}`);
  if (host === "") throw new RangeError(`${name} must not be empty`);
}

/**
 * Resolves `host` to its addresses as the system resolver does
 * (`getaddrinfo`: the hosts file included), in the system's order; an IP
 * literal resolves to itself. A checkpoint; cancellable.
 *
 * @throws {@link !TypeError} if `host` is not a string, or `options.family` not 0, 4 or 6.
 * @throws {@link !RangeError} if `host` is empty.
 * @throws {@link UnsupportedError} if the runtime has no networking (browsers).
 * @throws {@link !Error} the runtime's own error (ENOTFOUND and the like) if the name does not resolve.
 * @example
 * ```ts
 * import { lookup, run } from "skein";
 * await run(async (cx) => {
 *   const addresses = await lookup(cx, "localhost");
 *   console.log(addresses); // [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }]
 * });
 * ```
 */
export function lookup(cx: Context, host: string, options: LookupOptions = {}): Promise<ResolvedAddress[]> {
  checkContext(cx, "lookup");
  checkHost("host", host);
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const family = options.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`options.family must be 0, 4 or 6, got ${describeValue(family)}`);
  const net = netOf(cx, "dns lookup");
  const literal = ipFamily(host);
  if (literal !== 0) {
    const origin = cx.cancelScope._origin;
    if (origin !== null) return Promise.reject(origin._raise());
    // No resolver needed: still a schedule point, as trio's getaddrinfo of a
    // numeric host (cancel-shielded: the answer is not undone by a cancel).
    return cx._task.runner.later(family === 0 || family === literal ? [{ address: host, family: literal }] : [], cx._task);
  }
  const controller = new AbortController();
  return awaitOwned(cx, `lookup ${host}`, net.lookup(host, family, controller.signal)).finally(() => controller.abort());
}
