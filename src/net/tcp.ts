/**
 * TCP: `connectTcp` (with RFC 8305 happy eyeballs) and `createTcpListener`,
 * on the adapter's networking (anyio's `connect_tcp` and
 * `create_tcp_listener`).
 *
 * ## Happy eyeballs
 *
 * The host is resolved to every address (an IP literal is used as is), the
 * addresses are interleaved by family (RFC 8305 section 4: the first
 * family first, then alternating, so a broken IPv6 path cannot hide a
 * working IPv4 one behind many IPv6 addresses), and attempts start one
 * after another in a task group: each next attempt starts after
 * `happyEyeballsDelay` ms, or as soon as the previous attempt failed,
 * whichever comes first. The first attempt to connect wins: the group's
 * scope is cancelled, which aborts the other attempts (their `AbortSignal`
 * reaches the adapter, which closes whatever they opened), and a loser that
 * connected anyway is closed. If every attempt failed, a {@link ConnectError}
 * names the host, the port and every address with its error.
 *
 * Invariant: exactly one socket comes out (the winner's), and it is closed
 * if the call itself is cancelled; no attempt outlives the call.
 *
 * Costs: one lookup, one task and one event per attempt.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { Cancelled } from "../core/errors.ts";
import { checkBoolean, checkContext, checkDelay, describeValue } from "../core/validate.ts";
import { Event } from "../sync/event.ts";
import { awaitOwned, netOf } from "./await-raw.ts";
import { ConnectError, type ConnectAttemptFailure } from "./connect-error.ts";
import { SocketListener } from "./listener.ts";
import { checkHost, ipFamily } from "./lookup.ts";
import type { RawSocket, ResolvedAddress } from "./net-support.ts";
import { SocketStream } from "./socket-stream.ts";
import { clientTlsOptions, handshake, serverTlsOptions, type TlsClientOptions, type TlsServerOptions, tlsOf } from "./tls.ts";
import type { TlsStream } from "./tls-stream.ts";

/**
 * Options of {@link connectTcp}.
 *
 * @example
 * ```ts
 * const options: ConnectTcpOptions = { happyEyeballsDelay: 100, noDelay: false };
 * ```
 */
export interface ConnectTcpOptions {
  /** A local address to bind before connecting. */
  readonly localHost?: string;
  /** How long (ms) an attempt gets before the next address is tried alongside it (250 by default). */
  readonly happyEyeballsDelay?: number;
  /** TCP_NODELAY: send small writes at once (true by default). */
  readonly noDelay?: boolean;
  /**
   * TLS over the connection, after TCP connected: `true` for the defaults
   * (verify the chain against the runtime's roots and the name against
   * `host`), or options; the result is then a `TlsStream`.
   */
  readonly tls?: true | TlsClientOptions;
}

/**
 * Options of {@link createTcpListener}.
 *
 * @example
 * ```ts
 * const options: TcpListenerOptions = { host: "127.0.0.1", port: 0 };
 * ```
 */
export interface TcpListenerOptions {
  /** The address to listen on; every interface when omitted. */
  readonly host?: string;
  /** The port; 0 (the default) lets the system pick one (read it from `listener.port`). */
  readonly port?: number;
  /** The length of the queue of connections not yet accepted. */
  readonly backlog?: number;
  /** SO_REUSEPORT, where the runtime supports it (else `UnsupportedError`). */
  readonly reusePort?: boolean;
  /** Serve TLS with this certificate and key: `accept` then hands out `TlsStream`s whose handshake is done. */
  readonly tls?: TlsServerOptions;
}

function checkPort(name: string, port: unknown, min: number): asserts port is number {
  if (typeof port !== "number") throw new TypeError(`${name} must be a number, got ${describeValue(port)}`);
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new RangeError(`${name} must be a whole number from ${min} to 65535, got ${describeValue(port)}`);
  }
}

function checkOptions(options: unknown): asserts options is object {
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
}

/**
 * Orders addresses as RFC 8305 section 4 asks: the first address's family
 * first, then alternating families, each family in the resolver's order.
 *
 * @example
 * ```ts
 * interleaveFamilies([{ address: "::1", family: 6 }, { address: "::2", family: 6 }, { address: "127.0.0.1", family: 4 }]);
 * // ::1, 127.0.0.1, ::2
 * ```
 */
export function interleaveFamilies(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
  if (addresses.length === 0) return [];
  const first = addresses[0]!.family;
  const same = addresses.filter((a) => a.family === first);
  const other = addresses.filter((a) => a.family !== first);
  const out: ResolvedAddress[] = [];
  for (let i = 0; i < same.length || i < other.length; i++) {
    if (i < same.length) out.push(same[i]!);
    if (i < other.length) out.push(other[i]!);
  }
  return out;
}

/**
 * Connects to `host` (a name or an IP literal) on `port`, trying every
 * address with RFC 8305 happy eyeballs (see the module text), and returns
 * the connected stream. A checkpoint; cancelling it aborts every attempt and
 * leaks no socket.
 *
 * @param options `localHost`, `happyEyeballsDelay` (ms, 250 by default), `noDelay` (true by default).
 * @throws {@link !TypeError} if `host` is not a string, `port` not a number, or an option has the wrong type.
 * @throws {@link !RangeError} if `host` is empty, `port` is not a whole number from 1 to 65535, or the delay is negative.
 * @throws {@link ConnectError} if no address connected (or the name resolved to none); it names every address tried.
 * @throws {@link UnsupportedError} if the runtime has no TCP (browsers).
 * @throws {@link !Error} the runtime's lookup error (ENOTFOUND and the like) if the name does not resolve.
 * @example
 * ```ts
 * import { connectTcp, run } from "skein";
 * await run(async (cx) => {
 *   await using stream = await connectTcp(cx, "localhost", 8080);
 *   await stream.send(cx, new TextEncoder().encode("ping\n"));
 * });
 * ```
 */
export function connectTcp(cx: Context, host: string, port: number, options: ConnectTcpOptions & { readonly tls: true | TlsClientOptions }): Promise<TlsStream>;
export function connectTcp(cx: Context, host: string, port: number, options?: ConnectTcpOptions): Promise<SocketStream>;
export async function connectTcp(cx: Context, host: string, port: number, options: ConnectTcpOptions = {}): Promise<SocketStream> {
  checkContext(cx, "connectTcp");
  checkHost("host", host);
  checkPort("port", port, 1);
  checkOptions(options);
  const tlsOptions = options.tls === undefined ? undefined : clientTlsOptions(options.tls, host);
  const delay = options.happyEyeballsDelay ?? 250;
  checkDelay("options.happyEyeballsDelay", delay);
  const noDelay = options.noDelay ?? true;
  checkBoolean("options.noDelay", noDelay);
  const localHost = options.localHost;
  if (localHost !== undefined) checkHost("options.localHost", localHost);
  const net = netOf(cx, "tcp");
  const tls = tlsOptions === undefined ? undefined : tlsOf(cx);

  let addresses: ResolvedAddress[];
  const literal = ipFamily(host);
  if (literal !== 0) addresses = [{ address: host, family: literal }];
  else {
    const controller = new AbortController();
    try {
      addresses = await awaitOwned(cx, `lookup ${host}`, net.lookup(host, 0, controller.signal));
    } finally {
      controller.abort();
    }
    if (localHost !== undefined) {
      const localFamily = ipFamily(localHost);
      if (localFamily !== 0) addresses = addresses.filter((a) => a.family === localFamily);
    }
  }
  addresses = interleaveFamilies(addresses);

  const failures: ConnectAttemptFailure[] = [];
  let winner: RawSocket | null = null;
  try {
    await cx.taskGroup(async (tg, cx) => {
      for (let i = 0; i < addresses.length; i++) {
        const address = addresses[i]!;
        const failed = new Event();
        tg.startSoon(
          { name: `connect ${address.address} port ${port}` },
          async (cx) => {
            const controller = new AbortController();
            const abort = () => controller.abort(cx.signal.reason);
            cx.signal.addEventListener("abort", abort);
            let raw: RawSocket;
            try {
              raw = await awaitOwned(
                cx,
                `connect tcp ${address.family === 6 ? `[${address.address}]` : address.address}:${port}`,
                tls?.connectTcp !== undefined
                  ? tls.connectTcp({ host: address.address, port, localHost, noDelay }, tlsOptions!, controller.signal)
                  : net.connectTcp({ host: address.address, port, localHost, noDelay }, controller.signal),
                (late) => late.close(),
              );
            } catch (error) {
              if (error instanceof Cancelled) throw error;
              failures.push({ address: address.address, error });
              failed.set();
              return;
            } finally {
              cx.signal.removeEventListener("abort", abort);
            }
            if (winner !== null) raw.close();
            else {
              winner = raw;
              tg.cancelScope.cancel("another address connected first");
            }
          },
        );
        if (i + 1 < addresses.length) await cx.moveOnAfter(delay, (cx) => failed.wait(cx));
      }
    });
  } catch (error) {
    (winner as RawSocket | null)?.close();
    throw error;
  }
  const raw = winner as RawSocket | null;
  if (raw === null) throw new ConnectError(host, port, failures);
  if (tls !== undefined) return handshake(cx, tls, raw, tlsOptions!, `${host} port ${port}`);
  return new SocketStream(raw, "tcp");
}

/**
 * Listens for TCP connections; returns the listener, with the port the
 * system picked when `port` was 0. Accept connections with
 * `listener.accept(cx)` or serve them with `listener.serve(cx, handler)`.
 * A checkpoint.
 *
 * @param options `host` (every interface by default), `port` (0 by default), `backlog`, `reusePort`.
 * @throws {@link !TypeError} if an option has the wrong type.
 * @throws {@link !RangeError} if `port` is not a whole number from 0 to 65535, `backlog` not a whole number >= 0, or `host` empty.
 * @throws {@link UnsupportedError} if the runtime has no TCP (browsers), or no `reusePort`.
 * @throws {@link !Error} the runtime's error (EADDRINUSE and the like) if it cannot listen.
 * @example
 * ```ts
 * import { createTcpListener, run } from "skein";
 * await run(async (cx) => {
 *   await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
 *   console.log("listening on port", listener.port);
 *   await listener.serve(cx, async (stream, cx) => {
 *     await stream.send(cx, await stream.receive(cx)); // echo one chunk
 *   });
 * });
 * ```
 */
export function createTcpListener(cx: Context, options: TcpListenerOptions & { readonly tls: TlsServerOptions }): Promise<SocketListener<TlsStream>>;
export function createTcpListener(cx: Context, options?: TcpListenerOptions): Promise<SocketListener>;
export async function createTcpListener(cx: Context, options: TcpListenerOptions = {}): Promise<SocketListener<SocketStream>> {
  checkContext(cx, "createTcpListener");
  checkOptions(options);
  const tlsOptions = options.tls === undefined ? undefined : serverTlsOptions(options.tls);
  const { host, backlog, reusePort } = options;
  const port = options.port === undefined ? 0 : options.port; // null is a wrong type, not "absent"
  if (host !== undefined) checkHost("options.host", host);
  checkPort("options.port", port, 0);
  if (backlog !== undefined) {
    if (typeof backlog !== "number") throw new TypeError(`options.backlog must be a number, got ${describeValue(backlog)}`);
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`options.backlog must be a whole number >= 0, got ${describeValue(backlog)}`);
  }
  if (reusePort !== undefined) checkBoolean("options.reusePort", reusePort);
  const net = netOf(cx, "tcp");
  const tls = tlsOptions === undefined ? undefined : tlsOf(cx);
  const origin = cx.cancelScope._origin;
  if (origin !== null) throw origin._raise();
  const tcp = { host, port, backlog, reusePort };
  const raw = await awaitOwned(
    cx,
    tls === undefined ? "listen tcp" : "listen tls",
    tls === undefined ? net.listenTcp(tcp) : tls.listenTls(tcp, tlsOptions!),
    (late) => late.close(),
  );
  return new SocketListener(raw, tls === undefined ? "tcp" : "tls");
}
