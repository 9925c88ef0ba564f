/**
 * `TlsStream`: a TLS connection as a Skein byte stream, a
 * {@link SocketStream} over the adapter's {@link RawTlsSocket} (anyio's
 * `TLSStream`). Everything a `SocketStream` promises holds (cancel-safe
 * `receive`, busy and closed errors, the runtime's error as `cause`); this
 * class adds what the handshake negotiated.
 *
 * Ends: `sendEof` sends close_notify and ends the TCP sending side while
 * receiving goes on (a TLS 1.3 half-close; anyio raises
 * `NotImplementedError` there, Skein's runtimes all support it). The peer's
 * close_notify, or a TCP end without one (see `standardCompatible` in
 * `TlsClientOptions`), ends `receive` with `EndOfStream`. `close` closes at
 * once, without waiting for a close_notify to be acknowledged.
 *
 * Costs: one field on top of a `SocketStream`.
 *
 * @module
 */

import type { RawTlsSocket } from "./tls-support.ts";
import { SocketStream } from "./socket-stream.ts";

/**
 * A TLS connection: a {@link SocketStream} of the decrypted bytes, with the
 * negotiated ALPN protocol. Made by `connectTcp(..., { tls })`, `wrapTls`
 * and the `accept` of a TLS listener (`createTcpListener(cx, { tls })`).
 *
 * @example
 * ```ts
 * import { connectTcp, run } from "skein";
 * await run(async (cx) => {
 *   await using stream = await connectTcp(cx, "example.com", 443, { tls: { alpnProtocols: ["http/1.1"] } });
 *   console.log(stream.alpnProtocol); // "http/1.1"
 * });
 * ```
 */
export class TlsStream extends SocketStream {
  /**
   * The ALPN protocol both sides agreed on during the handshake, or `null`
   * if none was (one side offered none, or they share none).
   *
   * @example
   * ```ts
   * if (stream.alpnProtocol === "h2") console.log("speaking HTTP/2");
   * ```
   */
  readonly alpnProtocol: string | null;

  /** @internal Made by `connectTcp`, `wrapTls` and TLS listeners. */
  constructor(raw: RawTlsSocket) {
    super(raw, "tls");
    this.alpnProtocol = raw.alpnProtocol;
  }
}
