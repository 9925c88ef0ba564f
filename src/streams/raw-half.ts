/**
 * {@link RawHalf}: what the two halves of a byte stream over a raw runtime
 * object have in common (`RawReceiver` in raw-receive.ts, `RawSender` in
 * raw-send.ts): the remembered failure, the closed flag, the one waiter a
 * blocked receive or send parks, and the words of their messages.
 *
 * Invariants:
 * - **One failure per stream.** The first runtime error is kept
 *   (`failure`) and is the `cause` of every later `BrokenResourceError`; a
 *   half with a `peer` (a socket's other direction) records it there too,
 *   unless the peer has one already, so both halves report the same first
 *   error. A failure that arrives after `close` is dropped.
 * - **At most one waiter**, since a half refuses a second concurrent call
 *   (busy). It is parked directly in the caller's cancel scope (one async
 *   frame less than `parkWhereBlocked`), through the instruments' `block`
 *   when there are instruments, so the task tree shows the task blocked on
 *   "receive on tcp 127.0.0.1:5000" (the words' `blockedOn` and the label).
 *   Waking takes it out first, so a wake after the task left (cancelled)
 *   does nothing.
 * - Closing marks the half closed and wakes its waiter; the woken call sees
 *   `closed` and throws `ClosedResourceError`. A half never closes the raw
 *   object: the stream that owns both halves does.
 *
 * Costs: a wait allocates one waiter and its promise; messages are built
 * only when thrown, from one shared table of words per kind of stream.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError } from "../core/errors.ts";
import { Waiter } from "../core/waiter.ts";

/** A raw stream's first runtime error, kept for `BrokenResourceError`'s `cause`. @internal */
export interface RawFailure {
  readonly error: unknown;
}

/**
 * The words both halves' messages need, one shared table per kind of stream
 * (socket, pipe); `label` is the stream's ("tcp 127.0.0.1:5000", "stdout of
 * pid 1234"). @internal
 */
export interface RawHalfWords {
  /** What a blocked call waits on, before the label: "receive on ". */
  readonly blockedOn: string;
  /** The stream was closed while a call ran. */
  closed(label: string): string;
  /** A raw call failed with `message`. */
  broken(label: string, message: string): string;
}

/**
 * Who hears the outcome of a read started by `RawSocket.readTo`: the
 * callback form of `read`, for the receiving half (`RawReceiver`), which
 * implements it, so a runtime's data callback hands the bytes over directly
 * (no promise, no closure, no microtask in between).
 *
 * @example
 * ```ts
 * const target: RawReadTarget = {
 *   readDone: (chunk) => console.log(chunk === null ? "end of stream" : chunk.length),
 *   readFailed: (error) => console.error(error),
 * };
 * ```
 */
export interface RawReadTarget {
  /** The read took 1 to `maxBytes` bytes; `null` at end of stream. */
  readDone(chunk: Uint8Array | null): void;
  /** The read failed with the runtime's error. */
  readFailed(error: unknown): void;
}

/**
 * Who hears the end of a write started by `RawSocket.writeTo` that the
 * runtime could not take at once: the callback form of `write`, for the
 * sending half (`RawSender`), which implements it.
 *
 * @example
 * ```ts
 * const target: RawWriteTarget = {
 *   writeDone: () => console.log("every byte is with the OS"),
 *   writeFailed: (error) => console.error(error),
 * };
 * ```
 */
export interface RawWriteTarget {
  /** Every byte was handed to the operating system. */
  writeDone(): void;
  /** The write failed with the runtime's error. */
  writeFailed(error: unknown): void;
}

/** The message of a runtime error, for `BrokenResourceError`. @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The state and waiting shared by `RawReceiver` and `RawSender`; see the module comment. @internal */
export abstract class RawHalf<W extends RawHalfWords> {
  /** The first runtime error of this stream (this half's or its peer's). */
  failure: RawFailure | null = null;
  closed = false;
  /** The other half of the same stream, told of this half's failure. */
  peer: { failure: RawFailure | null } | null = null;
  protected readonly label: string;
  protected readonly words: W;
  private waiter: Waiter<void> | null = null;

  constructor(label: string, words: W) {
    this.label = label;
    this.words = words;
  }

  /** The `BrokenResourceError` for the remembered failure (which must be set). */
  broken(): BrokenResourceError {
    const error = this.failure!.error;
    return new BrokenResourceError(this.words.broken(this.label, messageOf(error)), { cause: error });
  }

  /**
   * Marks the half closed and wakes a blocked call (with
   * `ClosedResourceError`); the owner closes the raw object. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
  }

  /** Records `error` as the stream's failure unless closed or failed already. */
  protected fail(error: unknown): void {
    if (this.closed || this.failure !== null) return;
    const failure = { error };
    this.failure = failure;
    const peer = this.peer;
    if (peer !== null) peer.failure ??= failure;
  }

  /**
   * Parks the calling task until {@link RawHalf.wake}, blocked on the words'
   * `blockedOn` and the label. Arms the run's next tick first (unless
   * `arm` is false: a tick passed already during the caller's call), so a caller
   * can tell afterwards (`runner.ticks`) whether a macrotask passed while it
   * waited: a runtime may answer a read or write without one (Deno's ops
   * complete at once when the kernel can), and a receive or send must still
   * be a schedule point.
   */
  protected park(cx: Context, arm = true): Promise<void> {
    const waiter = new Waiter<void>();
    this.waiter = waiter;
    const runner = cx._task.runner;
    if (arm) runner.armTick();
    const parked = waiter.park(cx.cancelScope);
    const instruments = runner.instruments;
    return instruments === null ? parked : instruments.block(cx._task, this.words.blockedOn + this.label, parked);
  }

  /** Wakes the parked task, if any. */
  protected wake(): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }
}
