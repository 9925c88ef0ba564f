/**
 * TLS clients and servers on the adapter's {@link TlsSupport}: the options of
 * `connectTcp(..., { tls })` and `createTcpListener(cx, { tls })`,
 * {@link wrapTls} (STARTTLS: upgrading a connected plain stream, as the
 * client or, with `{ server }`, as the server) and {@link TlsHandshakeError}
 * (anyio's `TLSStream.wrap(server_side=...)`, `TLSListener` and
 * `tls_standard_compatible`).
 *
 * Unlike anyio, which runs TLS itself over any byte stream with Python's
 * memory BIOs, Skein leaves TLS to the runtime (`node:tls`, `Deno.startTls`,
 * Bun's `upgradeTLS`), so only a socket stream made by the same adapter can
 * be upgraded.
 *
 * Invariants: verification (chain and hostname) is on unless `verify: false`
 * says otherwise; a handshake that fails or is cancelled closes the socket
 * (the adapter owns it from the start of the handshake), so nothing leaks;
 * a handshake failure is a {@link TlsHandshakeError} with the runtime's
 * error as `cause`, a cancellation stays `Cancelled`.
 *
 * Costs: one abort controller, one closure and one waiter per handshake.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, Cancelled, UnsupportedError } from "../core/errors.ts";
import { checkBoolean, describeValue } from "../core/validate.ts";
import { awaitOwned } from "./await-raw.ts";
import type { RawSocket } from "./net-support.ts";
import type { SocketStream } from "./socket-stream.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "./tls-support.ts";
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

/** Checks a listener's (or a server-side `wrapTls`'s) TLS options. @internal */
export function serverTlsOptions(options: unknown, name = "options.tls"): RawTlsServerOptions {
  if (options === null || typeof options !== "object") throw new TypeError(`${name} must be an object, got ${describeValue(options)}`);
  const o = options as TlsServerOptions;
  if (typeof o.cert !== "string") throw new TypeError(`${name}.cert must be a PEM string, got ${describeValue(o.cert)}`);
  if (typeof o.key !== "string") throw new TypeError(`${name}.key must be a PEM string, got ${describeValue(o.key)}`);
  const alpnProtocols = checkAlpn(`${name}.alpnProtocols`, o.alpnProtocols);
  return { cert: o.cert, key: o.key, ...(alpnProtocols === undefined ? {} : { alpnProtocols }) };
}

/**
 * Runs a client handshake over `raw` (owned from now on: closed on failure
 * or cancellation) and returns the TLS stream. @internal
 */
export function handshake(cx: Context, tls: TlsSupport, raw: RawSocket, options: RawTlsClientOptions, label: string): Promise<TlsStream> {
  return runHandshake(cx, label, (signal) => tls.startTls(raw, options, signal), `the TLS handshake with ${label} (server name ${options.serverName})`);
}

/** A handshake (client or server) the adapter runs: cancellable, its failures made {@link TlsHandshakeError}s. */
async function runHandshake(cx: Context, label: string, start: (signal: AbortSignal) => Promise<RawTlsSocket>, what: string): Promise<TlsStream> {
  const controller = new AbortController();
  try {
    const tlsRaw = await awaitOwned(cx, `tls handshake with ${label}`, start(controller.signal), (late) => late.close());
    return new TlsStream(tlsRaw);
  } catch (error) {
    if (error instanceof Cancelled || error instanceof UnsupportedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new TlsHandshakeError(`${what} failed: ${message}`, { cause: error });
  } finally {
    controller.abort();
  }
}

/**
 * The server side of {@link wrapTls}: `{ server: { cert, key } }` upgrades
 * the stream as the TLS server (server-side STARTTLS, anyio's
 * `TLSStream.wrap(stream, server_side=True)`). The client options cannot be
 * mixed in (the type says so, and so does a `TypeError` at the call).
 *
 * @example
 * ```ts
 * const options: TlsWrapServerOptions = { server: { cert: certPem, key: keyPem, alpnProtocols: ["imap"] } };
 * ```
 */
export interface TlsWrapServerOptions {
  /** The server's certificate, key and ALPN protocols, as for a TLS listener. */
  readonly server: TlsServerOptions;
  /** Client only: not allowed with `server`. */
  readonly serverName?: never;
  /** Client only: not allowed with `server`. */
  readonly ca?: never;
  /** Client only: not allowed with `server`. */
  readonly verify?: never;
  /** Client only (the server's are `server.alpnProtocols`): not allowed with `server`. */
  readonly alpnProtocols?: never;
  /** Client only: not allowed with `server`. */
  readonly standardCompatible?: never;
}

/**
 * The client side of {@link wrapTls}: the options of `connectTcp`'s `tls`,
 * with no `server`.
 *
 * @example
 * ```ts
 * const options: TlsWrapClientOptions = { serverName: "mail.example.com" };
 * ```
 */
export interface TlsWrapClientOptions extends TlsClientOptions {
  /** Only in the server form ({@link TlsWrapServerOptions}). */
  readonly server?: undefined;
}

/**
 * The options of {@link wrapTls}: client options ({@link TlsWrapClientOptions},
 * the default) or `{ server }` ({@link TlsWrapServerOptions}), never both.
 *
 * @example
 * ```ts
 * const asClient: TlsWrapOptions = { ca: caPem };
 * const asServer: TlsWrapOptions = { server: { cert: certPem, key: keyPem } };
 * ```
 */
export type TlsWrapOptions = TlsWrapClientOptions | TlsWrapServerOptions;

const CLIENT_ONLY = ["serverName", "ca", "verify", "alpnProtocols", "standardCompatible"] as const;

/**
 * Upgrades a connected plain stream to TLS (STARTTLS: after the plaintext
 * part of a protocol such as SMTP, IMAP or PostgreSQL has agreed to it), as
 * the client, or as the server with `{ server: { cert, key } }`. `stream`
 * must have been made by `connectTcp` or a plain TCP listener of the same
 * run, with nothing in progress on it and no unread bytes; it is closed for
 * use (not disconnected) and the TLS stream takes its connection over. A
 * checkpoint; cancelling it closes the connection.
 *
 * The server side asks for no client certificate. A peer that does not
 * answer with a TLS handshake (it sends plain text, or closes) fails it with
 * {@link TlsHandshakeError}; one that sends nothing keeps it waiting, so put
 * a timeout around it.
 *
 * @param options As for `connectTcp`'s `tls` (`serverName` defaults to the peer's IP address); or `{ server }`, as for a TLS listener's `tls`.
 * @throws {@link !TypeError} if an option has the wrong type, or client options are mixed with `server`.
 * @throws {@link TlsHandshakeError} if the handshake failed (untrusted certificate, name mismatch, a peer that is not speaking TLS, ...); `cause` is the runtime's error; the connection is closed.
 * @throws {@link BusyResourceError} if a receive or send is in progress on `stream`.
 * @throws {@link BrokenResourceError} if `stream` has unread bytes or has seen an end of stream.
 * @throws {@link ClosedResourceError} if `stream` is closed.
 * @throws {@link UnsupportedError} if the runtime has no TLS (browsers), or cannot upgrade this stream (Bun: as the client, a connection accepted by a TCP listener).
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
 * @example
 * ```ts
 * import { createTcpListener, run, wrapTls } from "skein";
 * await run(async (cx) => {
 *   await using listener = await createTcpListener(cx, { port: 2525 });
 *   const plain = await listener.accept(cx);
 *   // ... read the client's "STARTTLS\r\n", answer "220 ready\r\n", then:
 *   await using secure = await wrapTls(cx, plain, { server: { cert: certPem, key: keyPem } });
 *   console.log(await secure.receive(cx)); // the client's first command, decrypted
 * });
 * ```
 */
export async function wrapTls(cx: Context, stream: SocketStream, options: TlsWrapOptions = {}): Promise<TlsStream> {
  const tls = tlsOf(cx);
  if (typeof (stream as { _detach?: unknown } | null)?._detach !== "function") {
    throw new TypeError(`stream must be a SocketStream, got ${describeValue(stream)}`);
  }
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const label = stream._label;
  if (options.server !== undefined) {
    const mixed = CLIENT_ONLY.find((key) => options[key] !== undefined);
    if (mixed !== undefined) throw new TypeError(`options.${mixed} is a client option: it cannot be combined with options.server`);
    const raw = serverTlsOptions(options.server, "options.server");
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    const socket = stream._detach("wrapTls");
    return runHandshake(cx, label, (signal) => tls.startTlsServer(socket, raw, signal), `the TLS handshake (as the server) with ${label}`);
  }
  const remote = stream.remoteAddress;
  const host = remote.family === "unix" ? "localhost" : remote.host;
  const raw = clientTlsOptions(options, host, "options");
  const origin = cx.cancelScope._origin;
  if (origin !== null) throw origin._raise();
  const socket = stream._detach("wrapTls");
  return handshake(cx, tls, socket, raw, label);
}
