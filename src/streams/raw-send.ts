/**
 * `RawSender`: the sending half of a byte stream over a raw sink (an
 * adapter's socket or a child's stdin pipe), made cancel-safe and
 * structured. `SocketStream` (src/net/socket-stream.ts) and
 * `ProcessSendStream` (src/process/pipe-streams.ts) hold one each and
 * forward their `send` (and the socket its `sendEof`) to it; the words of
 * its messages come from the stream that holds it (`RawSendWords`).
 *
 * Invariants:
 * - **One raw write in flight, never abandoned.** A `send` starts one
 *   `sink.write` and waits for it (drain semantics: it returns once the
 *   runtime took every byte). A cancelled send leaves its write running,
 *   and the next `send` (or `sendEof`) waits for it first, so its bytes may
 *   have been delivered: a prefix of them, as the byte stream rules allow.
 *   The runtime may still read `bytes` of a cancelled send until that write
 *   ends.
 * - **Errors.** A runtime error on write is remembered (`failure`, shared
 *   with the `RawReceiver` of the same stream through `peer`); that
 *   send and every later one throws `BrokenResourceError` with it as
 *   `cause`. Use after `close` throws `ClosedResourceError`;
 *   closing wakes the blocked sender with it. A send after `sendEof` is
 *   `ClosedResourceError` too.
 * - **Busy.** A second concurrent send (or `sendEof` during a send) throws
 *   `BusyResourceError`.
 * - Blocking goes through a waiter parked (directly) in the caller's cancel
 *   scope, so instruments and the task tree see the task blocked on "send
 *   on tcp 127.0.0.1:5000" (the words' `blockedOn` and the label).
 *
 * The sender never closes its sink: the stream that owns it does.
 *
 * Costs: a send allocates its write's promise and callbacks, and one waiter
 * and one promise for the wait (two when a cancelled send's write is still
 * in flight).
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError } from "../core/errors.ts";
import { describeValue } from "../core/validate.ts";
import { Waiter } from "../core/waiter.ts";
import { messageOf, type RawFailure, type RawFailurePeer } from "./raw-receive.ts";

/** What a `RawSender` writes to (`RawSocket`, `RawWritePipe`). @internal */
export interface RawByteSink {
  /** Writes every byte; resolves when the runtime has taken them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends end of stream after pending writes (sockets only: `sendEof` needs it). */
  shutdown?(): Promise<void>;
}

/**
 * The words of a sender's messages, one shared table per kind of stream
 * (socket, pipe); `label` is the stream's. @internal
 */
export interface RawSendWords {
  /** What a blocked sender waits on, before the label: "send on ". */
  readonly blockedOn: string;
  /** `op` ("send", "sendEof") called on a closed stream. */
  closedAtCall(op: string, label: string): string;
  /** A second concurrent send. */
  busy(label: string): string;
  /** A send after `sendEof`. */
  afterEof(label: string): string;
  /** The stream was closed while a send waited. */
  closed(label: string): string;
  /** A write failed with `message`. */
  broken(label: string, message: string): string;
}

/** The sending half over a raw sink; see the module comment. @internal */
export class RawSender {
  /** A `sink.write` (or `shutdown`) is in flight. */
  writing = false;
  /** The first runtime error of this stream (either half). */
  failure: RawFailure | null = null;
  closed = false;
  /** A `send` or `sendEof` is running. */
  sending = false;
  /** `sendEof` was called (and got as far as the shutdown). */
  eofSent = false;
  /** The receiving half of the same stream, told of a write failure. */
  peer: RawFailurePeer | null = null;
  private readonly sink: RawByteSink;
  private readonly label: string;
  private readonly words: RawSendWords;
  private waiter: Waiter<void> | null = null;

  constructor(sink: RawByteSink, label: string, words: RawSendWords) {
    this.sink = sink;
    this.label = label;
    this.words = words;
  }

  /** Sends every byte of `bytes`, returning once the runtime has taken them; a checkpoint. */
  async send(cx: Context, bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`);
    if (this.closed) throw new ClosedResourceError(this.words.closedAtCall("send", this.label));
    if (this.sending) throw new BusyResourceError(this.words.busy(this.label));
    if (this.eofSent) throw new ClosedResourceError(this.words.afterEof(this.label));
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    try {
      await this.waitWritten(cx); // a cancelled send's write, if any
      if (this.failure !== null) throw this.broken();
      if (bytes.length === 0) return;
      this.writing = true;
      this.sink.write(bytes).then(
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
   * Sends end of stream through `sink.shutdown` after the write in flight,
   * if any; a checkpoint. Idempotent.
   */
  async sendEof(cx: Context): Promise<void> {
    if (this.closed) throw new ClosedResourceError(this.words.closedAtCall("sendEof", this.label));
    if (this.sending) throw new BusyResourceError(this.words.busy(this.label));
    if (this.eofSent) return;
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    try {
      await this.waitWritten(cx);
      if (this.failure !== null) throw this.broken();
      this.eofSent = true;
      this.writing = true;
      this.sink.shutdown!().then(
        () => this.wroteOk(),
        (error: unknown) => this.wroteFailed(error),
      );
      await this.waitWritten(cx);
      if (this.failure !== null) throw this.broken();
    } finally {
      this.sending = false;
    }
  }

  /** The `BrokenResourceError` for the remembered failure (which must be set). */
  broken(): BrokenResourceError {
    const error = this.failure!.error;
    return new BrokenResourceError(this.words.broken(this.label, messageOf(error)), { cause: error });
  }

  /**
   * Marks the half closed and wakes a blocked send (with
   * `ClosedResourceError`); the owner closes the sink. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
  }

  private wroteOk(): void {
    this.writing = false;
    this.wake();
  }

  private wroteFailed(error: unknown): void {
    this.writing = false;
    if (!this.closed && this.failure === null) {
      const failure = { error };
      this.failure = failure;
      if (this.peer !== null) this.peer.failure ??= failure;
    }
    this.wake();
  }

  /** Waits until no write is in flight (closing ends the wait with `ClosedResourceError`). */
  private async waitWritten(cx: Context): Promise<void> {
    for (;;) {
      if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
      if (!this.writing) return;
      const waiter = new Waiter<void>();
      this.waiter = waiter;
      const parked = waiter.park(cx.cancelScope);
      const instruments = cx._task.runner.instruments;
      await (instruments === null ? parked : instruments.block(cx._task, this.words.blockedOn + this.label, parked));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }
}
