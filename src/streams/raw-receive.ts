/**
 * `RawReceiver`: the receiving half of a byte stream over a raw,
 * pull-based source (an adapter's socket or a child's stdout pipe), made
 * cancel-safe and structured. `SocketStream` (src/net/socket-stream.ts) and
 * `ProcessReceiveStream` (src/process/pipe-streams.ts) hold one each and
 * forward their `receive` to it; the words of its messages come from the
 * stream that holds it (`RawReceiveWords`), the rules from here.
 *
 * Invariants:
 * - **One raw read in flight, never abandoned.** A `receive` that must wait
 *   starts one `source.read` (unless one is already running) and parks a
 *   waiter in the caller's cancel scope. If the receive is cancelled, the
 *   read keeps running; when it resolves its bytes go to `leftover`, where
 *   the next `receive` finds them. So a cancelled receive loses no bytes.
 * - **Bytes are handed over synchronously.** A receive takes bytes out of
 *   `leftover` in the same synchronous step as it returns them, after its
 *   last `await`.
 * - **Every receive is a schedule point**, as in trio: one that finds bytes
 *   waiting takes a checkpoint first (one that waited for the source has
 *   yielded already), so a task draining a full buffer in small receives
 *   cannot starve the others.
 * - **Errors.** A runtime error on read is remembered (`failure`, shared
 *   with a `RawSender` of the same stream through `peer`: see raw-half.ts);
 *   that receive and every later one throws `BrokenResourceError` with it
 *   as `cause`, once `leftover` is drained. End of stream is remembered too
 *   (`EndOfStream` every time, once `leftover` is drained). Use after
 *   `close` throws `ClosedResourceError`; closing wakes
 *   the blocked receiver with it and drops `leftover`.
 * - **Busy.** A second concurrent receive throws `BusyResourceError`.
 * - Blocking goes through the one waiter of `RawHalf` (raw-half.ts), so
 *   cancellation, instruments and the task tree see the task blocked on
 *   "receive on tcp 127.0.0.1:5000".
 *
 * The receiver never closes its source: the stream that owns both does.
 *
 * Costs: a receive that finds bytes waiting allocates nothing but its result
 * view (and its checkpoint); one that waits allocates one waiter and one
 * promise (plus the source's read: nothing more when the source has
 * `readTo`, the callback form whose data callback calls `readDone` directly;
 * else a promise and two callbacks). Reads ask the source for at least
 * 64 KiB, so small `maxBytes` do not mean small system calls; the rest waits
 * in `leftover`. Fields, no closures, except the two callbacks of a
 * promise read.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkCount } from "../core/validate.ts";
import { RawHalf, type RawHalfWords, type RawReadTarget } from "./raw-half.ts";

/** How many bytes a receive returns at most when not told. @internal */
export const DEFAULT_MAX_BYTES = 65536;
/** The least a raw read asks for. @internal */
const READ_SIZE = 65536;

/** What a {@link RawReceiver} reads from (`RawSocket`, `RawReadPipe`). @internal */
export interface RawByteSource {
  /** Reads between 1 and `maxBytes` bytes; `null` at end of stream. */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /** Optional callback form of `read` (`RawSocket.readTo`): the outcome goes to `target`, maybe at once. */
  readTo?(maxBytes: number, target: RawReadTarget): void;
}

/** The words of a receiver's messages, one shared table per kind of stream. @internal */
export interface RawReceiveWords extends RawHalfWords {
  /** A receive called on a closed stream. */
  closedAtCall(label: string): string;
  /** A second concurrent receive. */
  busy(label: string): string;
  /** End of stream. */
  eof(label: string): string;
}

/** The receiving half over a raw source; see the module comment. @internal */
export class RawReceiver extends RawHalf<RawReceiveWords> implements RawReadTarget {
  /** Bytes read but not yet received. */
  leftover: Uint8Array | null = null;
  /** A `source.read` is in flight. */
  reading = false;
  /** The source reached end of stream. */
  eof = false;
  /** A `receive` is running. */
  receiving = false;
  private readonly source: RawByteSource;

  constructor(source: RawByteSource, label: string, words: RawReceiveWords) {
    super(label, words);
    this.source = source;
  }

  /** Waits for bytes and returns 1 to `maxBytes` of them; a checkpoint, cancel-safe. */
  async receive(cx: Context, maxBytes: number): Promise<Uint8Array> {
    checkCount("maxBytes", maxBytes, 1);
    if (this.closed) throw new ClosedResourceError(this.words.closedAtCall(this.label));
    if (this.receiving) throw new BusyResourceError(this.words.busy(this.label));
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.receiving = true;
    let waited = false;
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
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
        if (this.eof) throw new EndOfStream(this.words.eof(this.label));
        if (!this.reading) {
          this.startRead(maxBytes);
          if (!this.reading) continue; // `readTo` answered at once
        }
        await this.park(cx);
        waited = true;
      }
    } finally {
      this.receiving = false;
    }
  }

  /** Also drops the bytes read but not received. */
  override close(): void {
    this.leftover = null;
    super.close();
  }

  private startRead(maxBytes: number): void {
    this.reading = true;
    const source = this.source;
    const size = maxBytes > READ_SIZE ? maxBytes : READ_SIZE;
    // The callback form where the source has it: the runtime's data callback calls `readDone` directly.
    if (source.readTo !== undefined) source.readTo(size, this);
    else
      source.read(size).then(
        (chunk) => this.readDone(chunk),
        (error: unknown) => this.readFailed(error),
      );
  }

  /** The read in flight ended (`RawReadTarget`). @internal */
  readDone(chunk: Uint8Array | null): void {
    this.reading = false;
    if (this.closed) return;
    if (chunk === null) this.eof = true;
    else if (chunk.length > 0) this.leftover = chunk;
    this.wake();
  }

  /** The read in flight failed (`RawReadTarget`). @internal */
  readFailed(error: unknown): void {
    this.reading = false;
    this.fail(error);
    this.wake();
  }
}
