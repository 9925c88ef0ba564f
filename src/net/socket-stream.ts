/**
 * `SocketStream`: a connected TCP or Unix socket as a Skein
 * {@link HalfCloseableStream}, built on the adapter's {@link RawSocket}
 * (anyio's `SocketStream`).
 *
 * The adapter's socket is a plain promise API with no notion of cancel
 * scopes; the two halves that make it cancel-safe and structured live in
 * src/streams: `RawReceiver` (raw-receive.ts) and `RawSender`
 * (raw-send.ts), whose headers state the rules (one raw call in flight,
 * never abandoned; bytes handed over synchronously; every receive a
 * schedule point; errors remembered as `BrokenResourceError` causes;
 * busy and closed rules). This class adds what is a socket's own:
 *
 * - **One failure for both directions.** The halves are each other's
 *   `peer`, so a failed read also breaks later sends and a failed write
 *   later receives (once the bytes already read are drained).
 * - **Closing** closes the socket at once and wakes the tasks blocked in
 *   either half with `ClosedResourceError`.
 * - **Handing over** (`_detach`, for `wrapTls`) only when nothing is in
 *   flight nor left unread.
 * - Messages and the task tree name the socket: "receive on tcp
 *   127.0.0.1:5000" (or "send on ...").
 *
 * Costs: those of the halves (a receive that finds bytes waiting allocates
 * nothing but its result view; one that waits, one waiter and one promise
 * plus the adapter's read, of at least 64 KiB; `receiveInto` copies into
 * the caller's buffer and, on adapters that read into a buffer, reuses one
 * scratch buffer per stream), plus one forwarding call.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../core/errors.ts";
import { checkContext } from "../core/validate.ts";
import type { HalfCloseableStream, ReceiveIntoStream } from "../streams/byte-stream.ts";
import { DEFAULT_MAX_BYTES, RawReceiver, type RawReceiveWords } from "../streams/raw-receive.ts";
import { RawSender, type RawSendWords } from "../streams/raw-send.ts";
import type { RawSocket, SocketAddress } from "./net-support.ts";

/** The words of a socket's receive messages ("receive on a closed tcp 127.0.0.1:5000 stream"). */
const RECEIVE_WORDS: RawReceiveWords = {
  blockedOn: "receive on ",
  closedAtCall: (label) => `receive on a closed ${label} stream`,
  busy: (label) => `another task is already receiving from this ${label} stream`,
  closed: (label) => `the ${label} stream was closed`,
  broken: (label, message) => `the ${label} connection is broken: ${message}`,
  eof: (label) => `end of stream: the peer of ${label} closed its sending side`,
};

/** The words of a socket's send messages. */
const SEND_WORDS: RawSendWords = {
  blockedOn: "send on ",
  closedAtCall: (op, label) => `${op} on a closed ${label} stream`,
  busy: (label) => `another task is already sending on this ${label} stream`,
  afterEof: (label) => `send after sendEof on this ${label} stream`,
  closed: (label) => `the ${label} stream was closed`,
  broken: (label, message) => `the ${label} connection is broken: ${message}`,
};

/**
 * Formats a socket address for messages: `127.0.0.1:80`, `[::1]:80`, or a
 * Unix path.
 *
 * @example
 * ```ts
 * formatAddress({ family: 6, host: "::1", port: 80 }); // "[::1]:80"
 * ```
 */
export function formatAddress(address: SocketAddress): string {
  if (address.family === "unix") return address.path === "" ? "(unnamed)" : address.path;
  return address.family === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * A connected stream socket (TCP or Unix) as a half-closeable byte stream.
 * Made by `connectTcp`, `connectUnix` and a listener's `accept`; see the
 * byte stream rules in {@link HalfCloseableStream}.
 *
 * @example
 * ```ts
 * import { connectTcp, run } from "skein";
 * await run(async (cx) => {
 *   await using stream = await connectTcp(cx, "example.com", 80);
 *   await stream.send(cx, new TextEncoder().encode("HEAD / HTTP/1.0\r\n\r\n"));
 *   await stream.sendEof(cx);
 *   console.log(new TextDecoder().decode(await stream.receive(cx)));
 * });
 * ```
 */
export class SocketStream implements HalfCloseableStream, ReceiveIntoStream {
  private readonly raw: RawSocket;
  /** "tcp 127.0.0.1:5000": what a blocked task waits on, for instruments and messages. */
  private readonly label: string;
  private readonly rx: RawReceiver;
  private readonly tx: RawSender;
  private closed = false;

  /** @internal Made by `connectTcp`, `connectUnix`, `wrapTls` and listeners. */
  constructor(raw: RawSocket, kind: "tcp" | "unix" | "tls") {
    this.raw = raw;
    const remote = raw.remoteAddress;
    const label = `${kind} ${formatAddress(remote.family === "unix" && remote.path === "" ? raw.localAddress : remote)}`;
    this.label = label;
    const rx = new RawReceiver(raw, label, RECEIVE_WORDS);
    const tx = new RawSender(raw, label, SEND_WORDS);
    rx.peer = tx;
    tx.peer = rx;
    this.rx = rx;
    this.tx = tx;
  }

  /**
   * This end's address.
   *
   * @example
   * ```ts
   * console.log(stream.localAddress); // { family: 4, host: "127.0.0.1", port: 53122 }
   * ```
   */
  get localAddress(): SocketAddress {
    return this.raw.localAddress;
  }

  /**
   * The peer's address.
   *
   * @example
   * ```ts
   * console.log(stream.remoteAddress); // { family: 4, host: "127.0.0.1", port: 8080 }
   * ```
   */
  get remoteAddress(): SocketAddress {
    return this.raw.remoteAddress;
  }

  /**
   * Waits for bytes and returns 1 to `maxBytes` of them (65536 by default);
   * a checkpoint, cancel-safe (a cancelled receive took nothing).
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link EndOfStream} once the peer closed its sending side and every byte was received.
   * @throws {@link BrokenResourceError} if the connection failed (reset by the peer, say); `cause` is the runtime's error.
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const chunk = await stream.receive(cx, 4096);
   * ```
   */
  receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "SocketStream.receive");
    return this.rx.receive(cx, maxBytes);
  }

  /**
   * Waits for bytes, copies 1 to `buffer.length` of them into `buffer` from
   * its start and returns how many (trio's `recv_into`); a checkpoint,
   * cancel-safe (a cancelled call took nothing and wrote nothing into
   * `buffer`). Bytes that do not fit stay for the next receive. For bulk
   * reads into one reused buffer: nothing is allocated per call, where
   * `receive` returns fresh bytes. See {@link ReceiveIntoStream}.
   *
   * @throws {@link !TypeError} if `buffer` is not a `Uint8Array`.
   * @throws {@link !RangeError} if `buffer` is empty.
   * @throws {@link EndOfStream} once the peer closed its sending side and every byte was received.
   * @throws {@link BrokenResourceError} if the connection failed (reset by the peer, say); `cause` is the runtime's error.
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const buffer = new Uint8Array(65536);
   * const n = await stream.receiveInto(cx, buffer);
   * await stream.send(cx, buffer.subarray(0, n));
   * ```
   */
  receiveInto(cx: Context, buffer: Uint8Array): Promise<number> {
    checkContext(cx, "SocketStream.receiveInto");
    return this.rx.receiveInto(cx, buffer);
  }

  /**
   * Sends every byte of `bytes`, returning once the runtime has handed them
   * to the operating system (so a `close` right after drops none); a
   * checkpoint. A
   * cancelled send may have delivered a prefix of `bytes`, and the runtime
   * may still read `bytes` until that write ends.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link BrokenResourceError} if the connection failed (the peer closed or reset it); `cause` is the runtime's error.
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting) or `sendEof` was called.
   * @throws {@link BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await stream.send(cx, new TextEncoder().encode("hello\n"));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "SocketStream.send");
    return this.tx.send(cx, bytes);
  }

  /**
   * Closes the sending side only (TCP half-close): the peer's `receive` ends
   * with `EndOfStream` after the bytes sent so far; this end can still
   * receive. Idempotent.
   *
   * @throws {@link BusyResourceError} if another task is sending.
   * @throws {@link ClosedResourceError} if the stream was closed.
   * @throws {@link BrokenResourceError} if the connection had failed; `cause` is the runtime's error.
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "SocketStream.sendEof");
    return this.tx.sendEof(cx);
  }

  /**
   * Closes the socket at once (both directions) and releases its handle;
   * blocked tasks wake with `ClosedResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.raw.close();
      this.rx.close();
      this.tx.close();
    }
    return Promise.resolve();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = await connectTcp(cx, "localhost", 8080);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal "tcp 127.0.0.1:5000", for messages. */
  get _label(): string {
    return this.label;
  }

  /** @internal For messages: "tcp 127.0.0.1:5000". */
  toString(): string {
    return `SocketStream(${this.label})`;
  }

  /**
   * Hands the raw socket over (to `wrapTls`) and leaves this stream closed
   * without closing the socket. Refused while a receive or send is running
   * or a raw call is in flight (a cancelled receive's read, say), and when
   * bytes were received but not consumed (they would belong to the TLS
   * stream, which cannot take them back).
   * @internal
   */
  _detach(what: string): RawSocket {
    const rx = this.rx;
    const tx = this.tx;
    if (this.closed) throw new ClosedResourceError(`${what} on a closed ${this.label} stream`);
    if (rx.receiving || tx.sending || rx.reading || tx.writing) {
      throw new BusyResourceError(`${what}: a receive or send is in progress on this ${this.label} stream`);
    }
    if (rx.failure !== null) throw rx.broken();
    if (rx.leftover !== null || rx.eof || tx.eofSent) {
      throw new BrokenResourceError(`${what}: this ${this.label} stream has unread bytes, or an end of stream was received or sent`);
    }
    this.closed = true;
    rx.close();
    tx.close();
    return this.raw;
  }
}
