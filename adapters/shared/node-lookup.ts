/**
 * Name lookups through `node:dns`'s `lookup` (getaddrinfo: the hosts file
 * included, every address, in the system's order), for the Node, Deno and
 * Bun adapters. `Deno.resolveDns` is a DNS client, not getaddrinfo (no hosts
 * file), so Deno uses its `node:dns` too.
 *
 * `node:dns` is loaded on the first lookup, not with the adapter: every
 * worker loads the adapter as well, and Deno's Node compatibility modules
 * are not free. getaddrinfo cannot be interrupted: an abort rejects at once
 * and the answer, when it comes, is dropped.
 *
 * @module
 */

import type { ResolvedAddress } from "../../src/net/net-support.ts";

let dnsModule: Promise<typeof import("node:dns")> | null = null;

/**
 * `NetSupport.lookup` on `node:dns`.
 *
 * @example
 * ```ts
 * const addresses = await nodeLookup("localhost", 0, AbortSignal.timeout(1000));
 * ```
 */
export function nodeLookup(host: string, family: 0 | 4 | 6, signal: AbortSignal): Promise<ResolvedAddress[]> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason ?? new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    (dnsModule ??= import("node:dns")).then(
      (dns) =>
        dns.lookup(host, { all: true, family, verbatim: true }, (error, addresses) => {
          signal.removeEventListener("abort", onAbort);
          if (error) reject(error);
          else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
        }),
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
