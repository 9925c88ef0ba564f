/**
 * TLS clients and servers on the adapter's {@link TlsSupport}: the options of
 * `connectTcp(..., { tls })` and `createTcpListener(cx, { tls })`,
 * {@link wrapTls} (STARTTLS: upgrading a connected plain stream, client
 * side) and {@link TlsHandshakeError} (anyio's `TLSStream.wrap`,
 * `TLSListener` and `tls_standard_compatible`).
 *
 * Unlike anyio, which runs TLS itself over any byte stream with Python's
 * memory BIOs, Skein leaves TLS to the runtime (`node:tls`, `Deno.startTls`),
 * so only a socket stream made by the same adapter can be upgraded, and the
 * server side of STARTTLS is not offered.
 *
 * Invariants: verification (chain and hostname) is on unless `verify: false`
 * says otherwise; a handshake that fails or is cancelled closes the socket
 * (the adapter owns it from the start of the handshake), so nothing leaks;
 * a handshake failure is a {@link TlsHandshakeError} with the runtime's
 * error as `cause`, a cancellation stays `Cancelled`.
 *
 * Costs: one abort controller and one waiter per handshake.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, Cancelled, UnsupportedError } from "../core/errors.ts";
import { checkBoolean, describeValue } from "../core/validate.ts";
import { awaitOwned } from "./await-raw.ts";
import type { RawSocket } from "./net-support.ts";
import type { SocketStream } from "./socket-stream.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, TlsSupport } from "./tls-support.ts";
import { TlsStream } from "./tls-stream.ts";

/**
 * TLS options of a client: `connectTcp(..., { tls: options })` and
 * {@link wrapTls}.
 *
 * @example
 * ```ts
 * const options: TlsClientOptions = { ca: caPem, alpnProtocols: ["h2", "http/1.1"] };
 * ```
 */
export interface TlsClientOptions {
  /** The name to verify the certificate against and send as SNI: the host connected to by default. */
  readonly serverName?: string;
  /** Trusted CA certificates (PEM, one string or several) instead of the runtime's roots. */
  readonly ca?: string | readonly string[];
  /** Verify the chain and the name (true, the default); false accepts any certificate (tests only). */
  readonly verify?: boolean;
  /** ALPN protocols to offer, preferred first; read the outcome from `stream.alpnProtocol`. */
  readonly alpnProtocols?: readonly string[];
  /**
   * anyio's `tls_standard_compatible` (true by default): a peer that ends
   * the TCP connection without a TLS close_notify makes `receive` throw
   * `BrokenResourceError` where the runtime reports the truncation; false
   * makes it end with `EndOfStream`, as many HTTPS servers require. Where
   * the runtime does not tell the two apart (`node:tls`, so Node, Bun, and
   * TLS connections on Deno) every end is `EndOfStream`.
   */
  readonly standardCompatible?: boolean;
}

/**
 * TLS options of a listener: `createTcpListener(cx, { tls: options })`.
 *
 * @example
 * ```ts
 * const options: TlsServerOptions = { cert: certPem, key: keyPem, alpnProtocols: ["h2", "http/1.1"] };
 * ```
 */
export interface TlsServerOptions {
  /** The certificate chain (PEM), the server's own certificate first. */
  readonly cert: string;
  /** Its private key (PEM, unencrypted). */
  readonly key: string;
  /** ALPN protocols the server accepts, preferred first. */
  readonly alpnProtocols?: readonly string[];
}

/**
 * A TLS handshake failed: the server's certificate is not trusted, does not
 * name the host, the peer speaks no common protocol version or cipher, or
 * the connection broke during the handshake. `cause` is the runtime's error
 * (its `code`, such as `DEPTH_ZERO_SELF_SIGNED_CERT` or
 * `ERR_TLS_CERT_ALTNAME_INVALID` on `node:tls`, says which). A subclass of
 * `BrokenResourceError`, so code that handles broken connections handles it
 * too. The socket is closed.
 *
 * @example
 * ```ts
 * import { connectTcp, run, TlsHandshakeError } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await connectTcp(cx, "self-signed.badssl.com", 443, { tls: true });
 *   } catch (error) {
 *     if (error instanceof TlsHandshakeError) console.log("untrusted:", error.cause);
 *   }
 * });
 * ```
 */
export class TlsHandshakeError extends BrokenResourceError {
  constructor(message = "the TLS handshake failed", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TlsHandshakeError";
  }
}

/** The adapter's TLS, or `UnsupportedError` ("tls is not supported on the browser adapter"). @internal */
export function tlsOf(cx: Context): TlsSupport {
  const adapter = cx._task.runner.adapter;
  const tls = adapter.tls;
  if (tls === undefined || adapter.net === undefined) throw new UnsupportedError(`tls is not supported on the ${adapter.name} adapter`);
  return tls;
}

function checkPemList(name: string, value: unknown): readonly string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new TypeError(`${name} must be a PEM string or an array of them, got ${describeValue(value)}`);
}

function checkAlpn(name: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v.length > 0 && v.length < 256)) {
    throw new TypeError(`${name} must be an array of non-empty strings, got ${describeValue(value)}`);
  }
  return value as string[];
}

/**
 * Checks client TLS options (`true` means the defaults) and fills them in,
 * with `host` as the default server name. @internal
 */
export function clientTlsOptions(options: unknown, host: string, name = "options.tls"): RawTlsClientOptions & { standardCompatible: boolean } {
  if (options === true) return { serverName: host, verify: true, standardCompatible: true };
  if (options === null || typeof options !== "object") throw new TypeError(`${name} must be true or an object, got ${describeValue(options)}`);
  const o = options as TlsClientOptions;
  const serverName = o.serverName ?? host;
  if (typeof serverName !== "string" || serverName === "") {
    throw new TypeError(`${name}.serverName must be a non-empty string, got ${describeValue(serverName)}`);
  }
  const verify = o.verify ?? true;
  checkBoolean(`${name}.verify`, verify);
  const standardCompatible = o.standardCompatible ?? true;
  checkBoolean(`${name}.standardCompatible`, standardCompatible);
  const ca = o.ca === undefined ? undefined : checkPemList(`${name}.ca`, o.ca);
  const alpnProtocols = checkAlpn(`${name}.alpnProtocols`, o.alpnProtocols);
  return {
    serverName,
    verify,
    standardCompatible,
    ...(ca === undefined ? {} : { ca }),
    ...(alpnProtocols === undefined ? {} : { alpnProtocols }),
  };
}

/** Checks a listener's TLS options. @internal */
export function serverTlsOptions(options: unknown): RawTlsServerOptions {
  if (options === null || typeof options !== "object") throw new TypeError(`options.tls must be an object, got ${describeValue(options)}`);
  const o = options as TlsServerOptions;
  if (typeof o.cert !== "string") throw new TypeError(`options.tls.cert must be a PEM string, got ${describeValue(o.cert)}`);
  if (typeof o.key !== "string") throw new TypeError(`options.tls.key must be a PEM string, got ${describeValue(o.key)}`);
  const alpnProtocols = checkAlpn("options.tls.alpnProtocols", o.alpnProtocols);
  return { cert: o.cert, key: o.key, ...(alpnProtocols === undefined ? {} : { alpnProtocols }) };
}

/**
 * Runs a client handshake over `raw` (owned from now on: closed on failure
 * or cancellation) and returns the TLS stream. @internal
 */
export async function handshake(cx: Context, tls: TlsSupport, raw: RawSocket, options: RawTlsClientOptions, label: string): Promise<TlsStream> {
  const controller = new AbortController();
  try {
    const tlsRaw = await awaitOwned(cx, `tls handshake with ${label}`, tls.startTls(raw, options, controller.signal), (late) => late.close());
    return new TlsStream(tlsRaw);
  } catch (error) {
    if (error instanceof Cancelled || error instanceof UnsupportedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new TlsHandshakeError(`the TLS handshake with ${label} (server name ${options.serverName}) failed: ${message}`, { cause: error });
  } finally {
    controller.abort();
  }
}

/**
 * Upgrades a connected plain stream to TLS, as the client (STARTTLS: after
 * the plaintext part of a protocol such as SMTP, IMAP or PostgreSQL has
 * agreed to it). `stream` must have been made by `connectTcp` or a plain TCP
 * listener of the same run, with nothing in progress on it and no unread
 * bytes; it is closed for use (not disconnected) and the TLS stream takes
 * its connection over. A checkpoint; cancelling it closes the connection.
 *
 * @param options As for `connectTcp`'s `tls`; `serverName` defaults to the peer's IP address.
 * @throws {@link !TypeError} if an option has the wrong type.
 * @throws {@link TlsHandshakeError} if the handshake failed (untrusted certificate, name mismatch, ...); `cause` is the runtime's error; the connection is closed.
 * @throws {@link BusyResourceError} if a receive or send is in progress on `stream`.
 * @throws {@link BrokenResourceError} if `stream` has unread bytes or has seen an end of stream.
 * @throws {@link ClosedResourceError} if `stream` is closed.
 * @throws {@link UnsupportedError} if the runtime has no TLS (browsers), or cannot upgrade this stream (Bun: a connection accepted by a TCP listener; Deno: `verify: false` over a native connection).
 * @example
 * ```ts
 * import { connectTcp, run, wrapTls } from "skein";
 * await run(async (cx) => {
 *   const plain = await connectTcp(cx, "mail.example.com", 587);
 *   await plain.send(cx, new TextEncoder().encode("STARTTLS\r\n"));
 *   // ... read the server's "220 ready" reply, then:
 *   await using secure = await wrapTls(cx, plain, { serverName: "mail.example.com" });
 *   await secure.send(cx, new TextEncoder().encode("EHLO me\r\n"));
 * });
 * ```
 */
export async function wrapTls(cx: Context, stream: SocketStream, options: TlsClientOptions = {}): Promise<TlsStream> {
  const tls = tlsOf(cx);
  if (typeof (stream as { _detach?: unknown } | null)?._detach !== "function") {
    throw new TypeError(`stream must be a SocketStream, got ${describeValue(stream)}`);
  }
  const remote = stream.remoteAddress;
  const host = remote.family === "unix" ? "localhost" : remote.host;
  const raw = clientTlsOptions(options, host, "options");
  const origin = cx.cancelScope._origin;
  if (origin !== null) throw origin._raise();
  const socket = stream._detach("wrapTls");
  return handshake(cx, tls, socket, raw, stream._label);
}
