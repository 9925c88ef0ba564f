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
 *   with the `RawReceiver` of the same stream through `peer`: raw-half.ts); that
 *   send and every later one throws `BrokenResourceError` with it as
 *   `cause`. Use after `close` throws `ClosedResourceError`;
 *   closing wakes the blocked sender with it. A send after `sendEof` is
 *   `ClosedResourceError` too.
 * - **Busy.** A second concurrent send (or `sendEof` during a send) throws
 *   `BusyResourceError`.
 * - Blocking goes through the one waiter of `RawHalf` (raw-half.ts), so
 *   instruments and the task tree see the task blocked on "send on tcp
 *   127.0.0.1:5000".
 *
 * The sender never closes its sink: the stream that owns it does.
 *
 * - **Every send is a schedule point**, as in trio: cancellation is checked
 *   first, and a send returns on a checkpoint tick (`runner.ticks`) passed
 *   since it began, taking one after its write unless it waited across one
 *   (trio's `cancel_shielded_checkpoint`: the bytes are gone, so it does not
 *   raise `Cancelled` then). A send loop to a peer that keeps up cannot
 *   starve the other tasks or the run's timers. Over a sink whose writes
 *   may settle at once (`eager`: Deno) a send whose write did not end at
 *   once awaits the tick first and parks only if the write still runs.
 * - **Fast path.** When no write is in flight and the sink has `writeTo`
 *   (the callback form of `write`, `RawSocket.writeTo`) and takes every
 *   byte at once, `send` returns the run's shared tick promise: no async
 *   frame, waiter or callback of its own. Over an `eager` sink whose write
 *   did not end at once, `send` returns the tick promise chained to one
 *   handler made once per sender (`eagerTicked`): no async frame unless the
 *   write still runs after the tick.
 *
 * Costs: a send the sink takes at once allocates nothing of its own (the
 * tick promise is shared by every checkpoint of that macrotask); an eager
 * send whose write ends by the tick, one promise (the chained `then`); one
 * that must wait allocates an async frame,
 * one waiter and its promise (plus the sink's promise and two callbacks when
 * the sink has no `writeTo`); two waits when a cancelled send's write is
 * still in flight.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError } from "../core/errors.ts";
import { describeValue } from "../core/validate.ts";
import { RawHalf, type RawHalfWords, type RawWriteTarget } from "./raw-half.ts";

/** What a {@link RawSender} writes to (`RawSocket`, `RawWritePipe`). @internal */
export interface RawByteSink {
  /** Writes every byte; resolves when the runtime has taken them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Optional callback form of `write`: true if taken at once, else `target` hears the end (`RawSocket.writeTo`). */
  writeTo?(bytes: Uint8Array, target: RawWriteTarget): boolean;
  /** Sends end of stream after pending writes (sockets only: `sendEof` needs it). */
  shutdown?(): Promise<void>;
  /**
   * Optional: true if a write may settle without a macrotask passing (Deno's
   * ops complete at once when the kernel can). A send whose write did not
   * end at once then takes its schedule point before it parks, and by then
   * finds such a write ended: no waiter, no wake.
   */
  readonly eager?: boolean;
}

/** The words of a sender's messages, one shared table per kind of stream. @internal */
export interface RawSendWords extends RawHalfWords {
  /** `op` ("send", "sendEof") called on a closed stream. */
  closedAtCall(op: string, label: string): string;
  /** A second concurrent send. */
  busy(label: string): string;
  /** A send after `sendEof`. */
  afterEof(label: string): string;
}

/** The sending half over a raw sink; see the module comment. @internal */
export class RawSender extends RawHalf<RawSendWords> implements RawWriteTarget {
  /** A `sink.write` (or `shutdown`) is in flight. */
  writing = false;
  /** A `send` or `sendEof` is running. */
  sending = false;
  /** `sendEof` was called (and got as far as the shutdown). */
  eofSent = false;
  private readonly sink: RawByteSink;

  constructor(sink: RawByteSink, label: string, words: RawSendWords) {
    super(label, words);
    this.sink = sink;
  }

  /**
   * Sends every byte of `bytes`, returning once the runtime has taken them
   * and a checkpoint tick has passed; a checkpoint (cancellation is checked
   * first). When nothing is in flight and the sink takes every byte at once
   * (`writeTo` returns true), it returns the run's tick promise: no async
   * frame, no waiter, no callback.
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`));
    if (this.closed) return Promise.reject(new ClosedResourceError(this.words.closedAtCall("send", this.label)));
    if (this.sending) return Promise.reject(new BusyResourceError(this.words.busy(this.label)));
    if (this.eofSent) return Promise.reject(new ClosedResourceError(this.words.afterEof(this.label)));
    const origin = cx.cancelScope._origin;
    if (origin !== null) return Promise.reject(origin._raise());
    const sink = this.sink;
    if (this.writing || this.failure !== null || bytes.length === 0 || sink.writeTo === undefined) return this.sendSlow(cx, bytes, false);
    this.writing = true;
    if (sink.writeTo(bytes, this)) {
      this.writing = false;
      return this.failure === null ? cx._task.runner.later(undefined, cx._task) : Promise.reject(this.broken());
    }
    if (sink.eager === true && this.writing) {
      // The schedule point first, without an async frame: a write the
      // runtime takes at once (Deno, when the kernel can) has ended by the
      // tick, and the send returns then; one still running waits in `sendRest`.
      this.sending = true;
      this.eagerCx = cx;
      return cx._task.runner.later(undefined, cx._task).then((this.onEagerTick ??= () => this.eagerTicked()));
    }
    return this.sendSlow(cx, bytes, true);
  }

  /** The caller of an eager send waiting for its tick (`send`). */
  private eagerCx: Context | null = null;
  /** The handler of an eager send's tick (made by the first). */
  private onEagerTick: (() => Promise<void> | undefined) | null = null;

  /** An eager send's tick passed: done if its write ended, else waits for it (`sendRest`). */
  private eagerTicked(): Promise<void> | undefined {
    const cx = this.eagerCx!;
    this.eagerCx = null;
    if (this.writing && !this.closed) return this.sendRest(cx);
    this.sending = false;
    if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
    if (this.failure !== null) throw this.broken();
    return undefined;
  }

  /** The rest of an eager send whose write still runs after its tick (a tick passed: no schedule point owed). */
  private async sendRest(cx: Context): Promise<void> {
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
        if (!this.writing) break;
        await this.park(cx, false);
      }
      if (this.failure !== null) throw this.broken();
    } finally {
      this.sending = false;
    }
  }

  /** `send` when it must wait: for a cancelled send's write before starting ours, or for ours (`started`). */
  private async sendSlow(cx: Context, bytes: Uint8Array, started: boolean): Promise<void> {
    this.sending = true;
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    try {
      if (!started) {
        // Not started yet: wait for a cancelled send's write first.
        await this.waitWritten(cx);
        if (this.failure !== null) throw this.broken();
        if (bytes.length !== 0) this.start(bytes);
      }
      if (this.writing && this.sink.eager === true && runner.ticks === ticks) {
        // The schedule point first: a write the runtime takes at once (Deno,
        // when the kernel can) has ended by the tick, so the send returns
        // then, without parking (a write still running parks below, where
        // cancellation raises).
        await runner.later(undefined, cx._task);
      }
      // `waitWritten` inlined: one async frame less per send that waits.
      for (;;) {
        if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
        if (!this.writing) break;
        await this.park(cx, runner.ticks === ticks);
      }
      if (this.failure !== null) throw this.broken();
      // The bytes are taken: a schedule point that does not raise (no tick passed while waiting).
      if (runner.ticks === ticks) await runner.later(undefined, cx._task);
    } finally {
      this.sending = false;
    }
  }

  /**
   * Sends end of stream through `sink.shutdown` after the write in flight,
   * if any; a checkpoint. Idempotent: a later call sends nothing, but is a
   * checkpoint all the same (trio's `send_eof`).
   */
  async sendEof(cx: Context): Promise<void> {
    if (this.closed) throw new ClosedResourceError(this.words.closedAtCall("sendEof", this.label));
    if (this.sending) throw new BusyResourceError(this.words.busy(this.label));
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    try {
      if (!this.eofSent) {
        await this.waitWritten(cx);
        if (this.failure !== null) throw this.broken();
        this.eofSent = true;
        this.writing = true;
        this.track(this.sink.shutdown!());
        await this.waitWritten(cx);
        if (this.failure !== null) throw this.broken();
      }
      if (runner.ticks === ticks) await runner.later(undefined, cx._task);
    } finally {
      this.sending = false;
    }
  }

  /** Starts writing `bytes` (`writing` until it ends), through `writeTo` where the sink has it. */
  private start(bytes: Uint8Array): void {
    this.writing = true;
    const sink = this.sink;
    if (sink.writeTo === undefined) this.track(sink.write(bytes));
    else if (sink.writeTo(bytes, this)) this.writing = false;
  }

  /** Ends the write in flight (`writing`) when `write` settles. */
  private track(write: Promise<void>): void {
    write.then(
      () => this.writeDone(),
      (error: unknown) => this.writeFailed(error),
    );
  }

  /** The write in flight ended (`RawWriteTarget`). @internal */
  writeDone(): void {
    this.writing = false;
    this.wake();
  }

  /** The write in flight failed (`RawWriteTarget`). @internal */
  writeFailed(error: unknown): void {
    this.writing = false;
    this.fail(error);
    this.wake();
  }

  /** Waits until no write is in flight (closing ends the wait with `ClosedResourceError`). */
  private async waitWritten(cx: Context): Promise<void> {
    for (;;) {
      if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
      if (!this.writing) return;
      await this.park(cx);
    }
  }
}
