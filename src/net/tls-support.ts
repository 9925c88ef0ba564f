/**
 * The TLS capability of an adapter (`Adapter.tls`): what a runtime supplies
 * so that `src/net/tls.ts` can offer TLS clients (`connectTcp(..., { tls })`,
 * STARTTLS with `wrapTls`) and TLS listeners.
 *
 * It extends the networking contract of `net-support.ts` (plain promises,
 * the runtime's own errors, one read and one write in flight, backpressure,
 * `close` immediate and idempotent) with three operations:
 * - `startTls` runs a client handshake over a connected {@link RawSocket}
 *   that the same adapter made. From the call on, the adapter owns `raw`:
 *   on success the returned {@link RawTlsSocket} replaces it (closing one
 *   closes the TCP connection); on failure or abort the adapter closes it.
 *   The handshake verifies the server's chain against `ca` (or the
 *   runtime's roots) and its name against `serverName` unless `verify` is
 *   false. A rejection carries the runtime's error unchanged.
 * - `startTlsServer` runs a server handshake over a connected (usually
 *   accepted) {@link RawSocket} of the same adapter, with the same
 *   ownership rule (server-side STARTTLS); no client certificate is asked
 *   for. A rejection carries the runtime's error, or an `Error` saying the
 *   peer closed before the handshake was done.
 * - `listenTls` listens for TCP connections and hands out, from `accept`,
 *   sockets whose server handshake is DONE (a client whose handshake fails
 *   is dropped without reaching `accept`; a slow one does not hold up the
 *   others).
 *
 * The unencrypted stream the adapter gives is the application data: `read`
 * resolves `null` when the peer ended its sending side (a close_notify, or a
 * TCP end the runtime does not tell apart from one), `shutdown` sends
 * close_notify and then a TCP end while reading goes on (TLS 1.3 half-close).
 *
 * `close` is immediate for the caller (calls in flight settle soon, the
 * socket acts as closed at once), but the adapter may close the connection
 * gracefully behind it: close_notify and a TCP end, bytes still arriving
 * (TLS 1.3 session tickets) read and dropped until the peer ends, within a
 * bounded grace, holding nothing that keeps the process alive. A TLS client
 * whose socket is torn down at once, with the server's session tickets
 * unread, makes the kernel answer with a reset that costs the server the
 * bytes' end (ECONNRESET instead of end of stream). Unread application
 * bytes, or unwritten ones, still mean an immediate teardown, so a peer
 * sending to a closed stream sees it broken.
 *
 * @module
 */

import type { RawListener, RawSocket, RawTcpConnectOptions, RawTcpListenOptions } from "./net-support.ts";

/**
 * A connected TLS socket, as an adapter gives it: a {@link RawSocket} whose
 * bytes are the decrypted application data, plus the negotiated ALPN protocol.
 *
 * @example
 * ```ts
 * console.log(raw.alpnProtocol); // "h2", or null when none was negotiated
 * ```
 */
export interface RawTlsSocket extends RawSocket {
  /** The ALPN protocol both sides agreed on, or `null`. */
  readonly alpnProtocol: string | null;
}

/**
 * Options of a client handshake ({@link TlsSupport.startTls}).
 *
 * @example
 * ```ts
 * const o: RawTlsClientOptions = { serverName: "localhost", verify: true, alpnProtocols: ["h2"] };
 * ```
 */
export interface RawTlsClientOptions {
  /** The name sent as SNI and checked against the certificate (an IP literal is checked, not sent). */
  readonly serverName: string;
  /** Trusted CA certificates (PEM); the runtime's roots when omitted. */
  readonly ca?: readonly string[];
  /** Verify the chain and the name (true); false accepts any certificate. */
  readonly verify: boolean;
  /** ALPN protocols to offer, preferred first. */
  readonly alpnProtocols?: readonly string[];
  /**
   * False: a TCP end without close_notify, where the runtime reports it as
   * an error, is end of stream instead (`read` resolves `null`).
   */
  readonly standardCompatible?: boolean;
}

/**
 * Options of a TLS listener's server handshakes ({@link TlsSupport.listenTls}).
 *
 * @example
 * ```ts
 * const o: RawTlsServerOptions = { cert: certPem, key: keyPem, alpnProtocols: ["h2", "http/1.1"] };
 * ```
 */
export interface RawTlsServerOptions {
  /** The certificate chain (PEM), the server's own first. */
  readonly cert: string;
  /** Its private key (PEM). */
  readonly key: string;
  /** ALPN protocols the server accepts, preferred first. */
  readonly alpnProtocols?: readonly string[];
}

/**
 * What an adapter with TLS supplies (`Adapter.tls`). An adapter without it
 * (browsers) makes every TLS call fail with `UnsupportedError`.
 *
 * @example
 * ```ts
 * const raw = await adapter.net!.connectTcp({ host: "127.0.0.1", port: 443, noDelay: true }, signal);
 * const tlsRaw = await adapter.tls!.startTls(raw, { serverName: "localhost", verify: true }, signal);
 * ```
 */
export interface TlsSupport {
  /**
   * One TCP connection attempt whose socket `startTls` can upgrade with
   * `tls`; when omitted, `NetSupport.connectTcp` is used (for an adapter
   * whose TLS needs another kind of socket than its plain TCP; none does
   * today).
   */
  connectTcp?(options: RawTcpConnectOptions, tls: RawTlsClientOptions, signal: AbortSignal): Promise<RawSocket>;
  /** A client handshake over `raw` (owned by the call from now on; closed on failure or abort). */
  startTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket>;
  /** A server handshake over `raw` (owned by the call from now on; closed on failure or abort). */
  startTlsServer(raw: RawSocket, options: RawTlsServerOptions, signal: AbortSignal): Promise<RawTlsSocket>;
  /** Listens for TLS connections; `accept` hands out sockets whose handshake is done. */
  listenTls(tcp: RawTcpListenOptions, options: RawTlsServerOptions): Promise<RawListener>;
}
