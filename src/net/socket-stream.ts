/**
 * `SocketStream`: a connected TCP or Unix socket as a Skein
 * {@link HalfCloseableStream}, built on the adapter's {@link RawSocket}
 * (anyio's `SocketStream`).
 *
 * The adapter's socket is a plain promise API with no notion of cancel
 * scopes; this class makes it cancel-safe and structured:
 *
 * - **One raw call in flight, never abandoned.** A `receive` that must wait
 *   starts one `raw.read` (unless one is already running) and parks a waiter
 *   in the caller's cancel scope. If the receive is cancelled, the read keeps
 *   running; when it resolves its bytes go to `leftover`, where the next
 *   `receive` finds them. So a cancelled receive loses no bytes. Writes work
 *   the same way: a cancelled `send` leaves its write running, and the next
 *   `send` (or `sendEof`) waits for it first (so its bytes may have been
 *   delivered: a prefix of them, as the byte stream rules allow). The
 *   runtime may still read `bytes` of a cancelled send until that write ends.
 * - **Bytes are handed over synchronously.** A receive takes bytes out of
 *   `leftover` in the same synchronous step as it returns them, after its
 *   last `await`.
 * - **Every receive is a schedule point**, as in trio: one that finds bytes
 *   waiting takes a checkpoint first (one that waits for the adapter has
 *   yielded already), so a task draining a full buffer in small receives
 *   cannot starve the others.
 * - **Errors.** A runtime error on read or write is remembered (`failure`);
 *   that receive or send and every later one throws `BrokenResourceError`
 *   with it as `cause`. End of stream is remembered too (`EndOfStream` every
 *   time, once `leftover` is drained). Local use after `close` throws
 *   `ClosedResourceError`; closing wakes blocked tasks with it.
 * - **Busy.** A second concurrent receive, or send (or `sendEof` during a
 *   send), throws `BusyResourceError`.
 * - Blocking goes through a waiter parked in the caller's cancel scope, so
 *   cancellation, instruments and the task tree see the task blocked on
 *   "receive on tcp 127.0.0.1:5000" (or "send on ...").
 *
 * Costs: a receive that finds bytes waiting allocates nothing but its
 * result view; one that waits allocates one waiter and one promise (plus the
 * adapter's read). Reads ask the adapter for at least 64 KiB, so small
 * `maxBytes` do not mean small system calls; the rest waits in `leftover`.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkCount, describeValue } from "../core/validate.ts";
import { Waiter } from "../core/waiter.ts";
import type { HalfCloseableStream } from "../streams/byte-stream.ts";
import type { RawSocket, SocketAddress } from "./net-support.ts";

const DEFAULT_MAX_BYTES = 65536;
const READ_SIZE = 65536;

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
export class SocketStream implements HalfCloseableStream {
  private readonly raw: RawSocket;
  /** "tcp 127.0.0.1:5000": what a blocked task waits on, for instruments and messages. */
  private readonly label: string;
  private leftover: Uint8Array | null = null;
  private reading = false;
  private writing = false;
  private eof = false;
  private failure: { error: unknown } | null = null;
  private closed = false;
  private eofSent = false;
  private receiving = false;
  private sending = false;
  private readWaiter: Waiter<void> | null = null;
  private writeWaiter: Waiter<void> | null = null;

  /** @internal Made by `connectTcp`, `connectUnix`, `wrapTls` and listeners. */
  constructor(raw: RawSocket, kind: "tcp" | "unix" | "tls") {
    this.raw = raw;
    const remote = raw.remoteAddress;
    this.label = `${kind} ${formatAddress(remote.family === "unix" && remote.path === "" ? raw.localAddress : remote)}`;
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
  async receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkCount("maxBytes", maxBytes, 1);
    if (this.closed) throw new ClosedResourceError(`receive on a closed ${this.label} stream`);
    if (this.receiving) throw new BusyResourceError(`another task is already receiving from this ${this.label} stream`);
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.receiving = true;
    let waited = false;
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(`the ${this.label} stream was closed`);
        const leftover = this.leftover;
        if (leftover !== null) {
          if (!waited) {
            // Bytes are already here: still a schedule point (as in trio), so
            // a task draining a full buffer in small receives lets others run.
            waited = true;
            await cx.checkpoint();
            continue;
          }
          if (leftover.length <= maxBytes) {
            this.leftover = null;
            return leftover;
          }
          this.leftover = leftover.subarray(maxBytes);
          return leftover.subarray(0, maxBytes);
        }
        if (this.failure !== null) throw this.broken();
        if (this.eof) throw new EndOfStream(`end of stream: the peer of ${this.label} closed its sending side`);
        if (!this.reading) this.startRead(maxBytes);
        const waiter = new Waiter<void>();
        this.readWaiter = waiter;
        await this.park(cx, waiter, "receive on ");
        waited = true;
      }
    } finally {
      this.receiving = false;
    }
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
  async send(cx: Context, bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`);
    this.checkSendable();
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    try {
      await this.waitWritten(cx); // a cancelled send's write, if any
      if (this.failure !== null) throw this.broken();
      if (bytes.length === 0) return;
      this.startWrite(bytes);
      await this.waitWritten(cx);
      if (this.failure !== null) throw this.broken();
    } finally {
      this.sending = false;
    }
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
  async sendEof(cx: Context): Promise<void> {
    if (this.closed) throw new ClosedResourceError(`sendEof on a closed ${this.label} stream`);
    if (this.sending) throw new BusyResourceError(`another task is already sending on this ${this.label} stream`);
    if (this.eofSent) return;
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    try {
      await this.waitWritten(cx);
      if (this.failure !== null) throw this.broken();
      this.eofSent = true;
      this.writing = true;
      this.raw.shutdown().then(
        () => this.wroteOk(),
        (error: unknown) => this.wroteFailed(error),
      );
      await this.waitWritten(cx);
      if (this.failure !== null) throw this.broken();
    } finally {
      this.sending = false;
    }
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
      this.leftover = null;
      this.raw.close();
      this.wakeReader();
      this.wakeWriter();
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
    if (this.closed) throw new ClosedResourceError(`${what} on a closed ${this.label} stream`);
    if (this.receiving || this.sending || this.reading || this.writing) {
      throw new BusyResourceError(`${what}: a receive or send is in progress on this ${this.label} stream`);
    }
    if (this.failure !== null) throw this.broken();
    if (this.leftover !== null || this.eof || this.eofSent) {
      throw new BrokenResourceError(`${what}: this ${this.label} stream has unread bytes, or an end of stream was received or sent`);
    }
    this.closed = true;
    return this.raw;
  }

  private checkSendable(): void {
    if (this.closed) throw new ClosedResourceError(`send on a closed ${this.label} stream`);
    if (this.sending) throw new BusyResourceError(`another task is already sending on this ${this.label} stream`);
    if (this.eofSent) throw new ClosedResourceError(`send after sendEof on this ${this.label} stream`);
  }

  private broken(): BrokenResourceError {
    const error = this.failure!.error;
    return new BrokenResourceError(`the ${this.label} connection is broken: ${messageOf(error)}`, { cause: error });
  }

  private startRead(maxBytes: number): void {
    this.reading = true;
    this.raw.read(maxBytes > READ_SIZE ? maxBytes : READ_SIZE).then(
      (chunk) => this.readDone(chunk),
      (error: unknown) => this.readFailed(error),
    );
  }

  private readDone(chunk: Uint8Array | null): void {
    this.reading = false;
    if (this.closed) return;
    if (chunk === null) this.eof = true;
    else if (chunk.length > 0) this.leftover = chunk;
    this.wakeReader();
  }

  private readFailed(error: unknown): void {
    this.reading = false;
    if (this.closed) return;
    this.failure ??= { error };
    this.wakeReader();
  }

  private startWrite(bytes: Uint8Array): void {
    this.writing = true;
    this.raw.write(bytes).then(
      () => this.wroteOk(),
      (error: unknown) => this.wroteFailed(error),
    );
  }

  private wroteOk(): void {
    this.writing = false;
    this.wakeWriter();
  }

  private wroteFailed(error: unknown): void {
    this.writing = false;
    if (!this.closed) this.failure ??= { error };
    this.wakeWriter();
  }

  /** Waits until no write is in flight (the stream's own closing ends the wait with ClosedResourceError). */
  private async waitWritten(cx: Context): Promise<void> {
    for (;;) {
      if (this.closed) throw new ClosedResourceError(`the ${this.label} stream was closed`);
      if (!this.writing) return;
      const waiter = new Waiter<void>();
      this.writeWaiter = waiter;
      await this.park(cx, waiter, "send on ");
    }
  }

  private park(cx: Context, waiter: Waiter<void>, what: string): Promise<void> {
    const parked = waiter.park(cx.cancelScope);
    const instruments = cx._task.runner.instruments;
    return instruments === null ? parked : instruments.block(cx._task, what + this.label, parked);
  }

  private wakeReader(): void {
    const waiter = this.readWaiter;
    if (waiter !== null) {
      this.readWaiter = null;
      waiter.wake();
    }
  }

  private wakeWriter(): void {
    const waiter = this.writeWaiter;
    if (waiter !== null) {
      this.writeWaiter = null;
      waiter.wake();
    }
  }
}
