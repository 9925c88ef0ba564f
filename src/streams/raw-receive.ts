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
 * - **Every receive is a schedule point**, as in trio: unless a checkpoint
 *   tick passed while it waited (`runner.ticks`; a wait arms the tick), it
 *   takes a checkpoint before it takes bytes, so a task draining a full
 *   buffer in small receives, or reading from a runtime that answers reads
 *   at once (Deno, when the kernel has the bytes), cannot starve the others
 *   or the run's timers. Over such a source (`eager`) a receive that starts
 *   a read takes that checkpoint first, and by then finds the read's bytes:
 *   it parks only if the read is still running after the tick.
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
 * - **`receiveInto` writes only when it returns.** It copies bytes into the
 *   caller's buffer in the same synchronous step as it returns their count;
 *   a raw read never targets the caller's buffer (a cancelled call's read
 *   goes on, and would write into a buffer the caller has reused). When the
 *   source can read into a buffer (`readInto`), the receiver reads into its
 *   own `scratch`, reused from read to read, and `leftover` is then a view
 *   of it (`borrowed`): `receiveInto` copies out of it, a plain `receive`
 *   returns a copy (the caller must own what it gets), and no read starts
 *   while `leftover` is set, so the scratch is never overwritten unread.
 *
 * The receiver never closes its source: the stream that owns both does.
 *
 * Costs: a receive that finds bytes waiting allocates nothing but its result
 * view (and its checkpoint); one that waits allocates one waiter and one
 * promise (plus the source's read: nothing more when the source has
 * `readTo`, the callback form whose data callback calls `readDone` directly;
 * else a promise and two callbacks). Reads ask the source for at least
 * 64 KiB, so small `maxBytes` do not mean small system calls; the rest waits
 * in `leftover`. A `receiveInto` allocates no bytes once the scratch exists
 * (64 KiB, grown to 256 KiB by reads that fill it, or the caller's buffer
 * size up to 1 MiB; kept until `close`) and copies each byte once: a bulk
 * transfer takes one read per four 64 KiB receives. The scratch sits 2 KiB
 * into a 4 KiB longer allocation, away from 4K aliasing with a caller's
 * buffer allocated next to it. Over a source without `readInto` it copies
 * out of the source's chunk. Fields, no closures, except the two callbacks
 * of a promise read (made once per receiver for `readInto`).
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkCount, describeValue } from "../core/validate.ts";
import { RawHalf, type RawHalfWords, type RawReadTarget } from "./raw-half.ts";

/** How many bytes a receive returns at most when not told. @internal */
export const DEFAULT_MAX_BYTES = 65536;
/** The least a raw read asks for. @internal */
const READ_SIZE = 65536;
/** The largest scratch a `receiveInto` makes (a bigger caller buffer is filled up to this). */
const MAX_SCRATCH = 1048576;
/**
 * How large the scratch grows once reads fill it (from {@link READ_SIZE},
 * four times at each full read): 256 KiB, so a bulk transfer takes one
 * read, a promise round trip through the runtime, per four 64 KiB receives.
 */
const READ_AHEAD = 262144;
/**
 * The scratch sits this far into an allocation {@link SCRATCH_PAD} bytes
 * longer than it. A caller's buffer allocated right before or after it then
 * starts about 2 KiB away from it modulo 4 KiB: `set` between buffers whose
 * addresses differ by 1 to 31 bytes modulo 4096 (two same-size buffers
 * allocated back to back by glibc's malloc) runs 10-20 times slower on some
 * x86 machines (4K aliasing of `rep movsb`).
 */
const SCRATCH_OFFSET = 2048;
const SCRATCH_PAD = 4096;

/** What a {@link RawReceiver} reads from (`RawSocket`, `RawReadPipe`). @internal */
export interface RawByteSource {
  /** Reads between 1 and `maxBytes` bytes; `null` at end of stream. */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /** Optional callback form of `read` (`RawSocket.readTo`): the outcome goes to `target`, maybe at once. */
  readTo?(maxBytes: number, target: RawReadTarget): void;
  /**
   * Optional: reads between 1 and `buffer.length` bytes into `buffer` from
   * its start and returns their count; `null` at end of stream. `buffer`
   * belongs to the receiver, which reuses it once it has taken the bytes:
   * the source must not keep it after the promise settles.
   */
  readInto?(buffer: Uint8Array): Promise<number | null>;
  /**
   * Optional: true if a read may settle without a macrotask passing (Deno's
   * ops complete at once when the kernel can). A receive then takes its
   * schedule point before it parks, and by then finds the bytes of such a
   * read: no waiter, no wake.
   */
  readonly eager?: boolean;
}

/**
 * Throws unless `buffer` is a non-empty `Uint8Array` (the argument of a
 * `receiveInto`). @internal
 */
export function checkReceiveBuffer(buffer: unknown): asserts buffer is Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new TypeError(`buffer must be a Uint8Array, got ${describeValue(buffer)}`);
  if (buffer.length === 0) throw new RangeError("buffer must have a length >= 1, got 0");
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
  /** `leftover` is a view of `scratch` (a plain receive must copy it). */
  borrowed = false;
  /** The buffer `source.readInto` fills, reused; made by the first `receiveInto`. */
  private scratch: Uint8Array | null = null;
  /** The least size of the next scratch: {@link READ_SIZE}, four times more at each read that fills it, up to {@link READ_AHEAD}. */
  private scratchSize = READ_SIZE;
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
  receive(cx: Context, maxBytes: number): Promise<Uint8Array> {
    return this.take(cx, maxBytes, false) as Promise<Uint8Array>;
  }

  /**
   * Waits for bytes, copies 1 to `buffer.length` of them into `buffer` from
   * its start and returns their count; a checkpoint, cancel-safe (a
   * cancelled call took nothing and wrote nothing into `buffer`).
   */
  receiveInto(cx: Context, buffer: Uint8Array): Promise<number> {
    return this.take(cx, buffer, true) as Promise<number>;
  }

  /**
   * The body of both: waits until bytes are here (a schedule point either
   * way), then takes up to `arg` bytes (`maxBytes`), returned as owned
   * bytes; or, when `copy`, up to `arg.length` (the buffer), copied into it
   * and counted.
   */
  private async take(cx: Context, arg: number | Uint8Array, copy: boolean): Promise<Uint8Array | number> {
    // The argument checks reject, as an `async` receive always did.
    let into: Uint8Array | null = null;
    if (copy) checkReceiveBuffer((into = arg as Uint8Array));
    else checkCount("maxBytes", arg, 1);
    const size = into === null ? (arg as number) : into.length;
    if (this.closed) throw new ClosedResourceError(this.words.closedAtCall(this.label));
    if (this.receiving) throw new BusyResourceError(this.words.busy(this.label));
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.receiving = true;
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(this.words.closed(this.label));
        const leftover = this.leftover;
        if (leftover !== null) {
          if (runner.ticks === ticks) {
            // No macrotask passed (the bytes were here, or the runtime
            // answered at once): still a schedule point, as in trio.
            await cx._tickStart();
            cx._tickEnd();
            continue;
          }
          const whole = leftover.length <= size;
          this.leftover = whole ? null : leftover.subarray(size);
          if (into !== null) {
            into.set(whole ? leftover : leftover.subarray(0, size));
            return whole ? leftover.length : size;
          }
          if (whole) return this.borrowed ? leftover.slice() : leftover;
          return this.borrowed ? leftover.slice(0, size) : leftover.subarray(0, size);
        }
        if (this.failure !== null) throw this.broken();
        if (this.eof) throw new EndOfStream(this.words.eof(this.label));
        if (!this.reading) {
          if (into !== null && this.source.readInto !== undefined) this.startReadInto(size);
          else this.startRead(size);
          if (!this.reading) continue; // `readTo` answered at once
        }
        if (this.source.eager === true && runner.ticks === ticks) {
          // The schedule point first: a read the runtime answers at once
          // (Deno, when the kernel has the bytes) has landed in `leftover`
          // by the tick, so the receive takes it then, without parking.
          await cx._tickStart();
          cx._tickEnd();
          continue;
        }
        await this.park(cx, runner.ticks === ticks);
      }
    } finally {
      this.receiving = false;
    }
  }

  /** Also drops the bytes read but not received. */
  override close(): void {
    this.leftover = null;
    this.scratch = null;
    super.close();
  }

  /**
   * Starts `source.readInto` on the scratch (free: nothing is left over and
   * no read runs), made or grown first to `size` (the caller's buffer) or
   * {@link RawReceiver.scratchSize}, whichever is more, up to
   * {@link MAX_SCRATCH}.
   */
  private startReadInto(size: number): void {
    this.reading = true;
    const least = this.scratchSize;
    if (size < least) size = least;
    else if (size > MAX_SCRATCH) size = MAX_SCRATCH;
    let scratch = this.scratch;
    if (scratch === null || scratch.length < size) {
      scratch = this.scratch = new Uint8Array(size + SCRATCH_PAD).subarray(SCRATCH_OFFSET, SCRATCH_OFFSET + size);
    }
    // The two handlers are made by the first `receiveInto`, then reused.
    this.source.readInto!(scratch).then((this.onReadInto ??= (n) => this.readIntoDone(n)), (this.onReadFailed ??= (error) => this.readFailed(error)));
  }

  /** The handlers of `source.readInto`'s promise (made once, by the first). */
  private onReadInto: ((n: number | null) => void) | null = null;
  private onReadFailed: ((error: unknown) => void) | null = null;

  /** `source.readInto` settled with `n`. */
  private readIntoDone(n: number | null): void {
    this.reading = false;
    if (this.closed) return;
    if (n === null) this.eof = true;
    else if (n > 0) {
      const scratch = this.scratch!;
      // A read that filled the scratch: the next one is larger, up to READ_AHEAD.
      if (n === scratch.length && n < READ_AHEAD && n >= this.scratchSize) this.scratchSize = n * 4 < READ_AHEAD ? n * 4 : READ_AHEAD;
      this.leftover = scratch.subarray(0, n);
      this.borrowed = true;
    }
    this.wake();
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
    else if (chunk.length > 0) {
      this.leftover = chunk;
      this.borrowed = false;
    }
    this.wake();
  }

  /** The read in flight failed (`RawReadTarget`). @internal */
  readFailed(error: unknown): void {
    this.reading = false;
    this.fail(error);
    this.wake();
  }
}
