/**
 * The byte streams of a child process's pipes: {@link ProcessReceiveStream}
 * (its stdout or stderr, read by the parent) and {@link ProcessSendStream}
 * (its stdin, written by the parent), built on the adapter's raw pipes.
 *
 * They keep the same rules as `SocketStream` (src/net/socket-stream.ts),
 * over the same pull contract:
 *
 * - **One raw call in flight, never abandoned.** A `receive` that must wait
 *   starts one `pipe.read` (unless one is already running) and parks a
 *   waiter in the caller's cancel scope. If the receive is cancelled, the
 *   read keeps running; its bytes go to `leftover`, where the next `receive`
 *   finds them: a cancelled receive loses no bytes. A cancelled `send`
 *   leaves its write running; the next `send` (or `close`) waits for it.
 * - **Bytes are handed over synchronously**, after the receive's last
 *   `await`.
 * - **Errors.** A runtime error is remembered; that call and every later one
 *   throws `BrokenResourceError` with it as `cause`. End of output is
 *   `EndOfStream`, every time. Use after `close` throws
 *   `ClosedResourceError`, and closing wakes a blocked task with it.
 * - **Busy.** A second concurrent `receive`, or `send`, throws
 *   `BusyResourceError`.
 *
 * Closing the stdin stream ends it (the child reads end of file) once the
 * write in flight, if any, is done. Closing a read stream drops what is
 * buffered and the pipe.
 *
 * Costs: a receive that finds bytes waiting allocates only its result view;
 * one that waits allocates a waiter and a promise (plus the adapter's read).
 * Reads ask the adapter for at least 64 KiB.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkCount, describeValue } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";
import type { ByteReceiveStream, ByteSendStream } from "../streams/byte-stream.ts";
import type { RawReadPipe, RawWritePipe } from "./process-support.ts";

const DEFAULT_MAX_BYTES = 65536;
const READ_SIZE = 65536;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function park(cx: Context, waiter: Waiter<void>, what: string): Promise<void> {
  const parked = parkWhereBlocked(waiter, cx.cancelScope);
  const instruments = cx._task.runner.instruments;
  return instruments === null ? parked : instruments.block(cx._task, what, parked);
}

/**
 * A child's stdout or stderr as a byte receive stream (see the byte stream
 * rules in {@link ByteReceiveStream}). Made by `openProcess`.
 *
 * @example
 * ```ts
 * import { openProcess, run } from "skein";
 * await run(async (cx) => {
 *   await using proc = await openProcess(cx, ["ls", "-l"]);
 *   for (;;) {
 *     const chunk = await proc.stdout!.receive(cx).catch(() => null);
 *     if (chunk === null) break;
 *     console.log(chunk.length);
 *   }
 * });
 * ```
 */
export class ProcessReceiveStream implements ByteReceiveStream {
  private readonly raw: RawReadPipe;
  /** "stdout of pid 1234": what a blocked task waits on. */
  private readonly label: string;
  private leftover: Uint8Array | null = null;
  private reading = false;
  private eof = false;
  private failure: { error: unknown } | null = null;
  private closed = false;
  private receiving = false;
  private waiter: Waiter<void> | null = null;

  /** @internal Made by `openProcess`. */
  constructor(raw: RawReadPipe, label: string) {
    this.raw = raw;
    this.label = label;
  }

  /**
   * Waits for bytes and returns 1 to `maxBytes` of them (65536 by default);
   * a checkpoint, cancel-safe (a cancelled receive took nothing).
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link EndOfStream} once the child closed the pipe (usually: exited) and every byte was received.
   * @throws {@link BrokenResourceError} if reading failed; `cause` is the runtime's error.
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const chunk = await proc.stdout!.receive(cx, 4096);
   * ```
   */
  async receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkCount("maxBytes", maxBytes, 1);
    if (this.closed) throw new ClosedResourceError(`receive on the closed ${this.label}`);
    if (this.receiving) throw new BusyResourceError(`another task is already receiving from the ${this.label}`);
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.receiving = true;
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(`the ${this.label} was closed`);
        const leftover = this.leftover;
        if (leftover !== null) {
          if (leftover.length <= maxBytes) {
            this.leftover = null;
            return leftover;
          }
          this.leftover = leftover.subarray(maxBytes);
          return leftover.subarray(0, maxBytes);
        }
        if (this.failure !== null) {
          const error = this.failure.error;
          throw new BrokenResourceError(`reading the ${this.label} failed: ${messageOf(error)}`, { cause: error });
        }
        if (this.eof) throw new EndOfStream(`end of stream: the ${this.label} was closed by the child`);
        if (!this.reading) this.startRead(maxBytes);
        const waiter = new Waiter<void>();
        this.waiter = waiter;
        await park(cx, waiter, "receive on the " + this.label);
      }
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Closes the pipe at once, dropping unread bytes; a blocked `receive`
   * wakes with `ClosedResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await proc.stdout!.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.leftover = null;
      this.raw.close();
      this.wake();
    }
    return Promise.resolve();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using out = proc.stdout!;
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal For messages. */
  toString(): string {
    return `ProcessReceiveStream(${this.label})`;
  }

  private startRead(maxBytes: number): void {
    this.reading = true;
    this.raw.read(maxBytes > READ_SIZE ? maxBytes : READ_SIZE).then(
      (chunk) => {
        this.reading = false;
        if (this.closed) return;
        if (chunk === null) this.eof = true;
        else if (chunk.length > 0) this.leftover = chunk;
        this.wake();
      },
      (error: unknown) => {
        this.reading = false;
        if (this.closed) return;
        this.failure ??= { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }
}

/**
 * A child's stdin as a byte send stream (see the byte stream rules in
 * {@link ByteSendStream}); closing it sends end of file. Made by
 * `openProcess`.
 *
 * @example
 * ```ts
 * import { openProcess, run } from "skein";
 * await run(async (cx) => {
 *   await using proc = await openProcess(cx, ["cat"]);
 *   await proc.stdin!.send(cx, new TextEncoder().encode("hello\n"));
 *   await proc.stdin!.close(); // cat sees end of file and exits
 *   await proc.wait(cx);
 * });
 * ```
 */
export class ProcessSendStream implements ByteSendStream {
  private readonly raw: RawWritePipe;
  private readonly label: string;
  private writing = false;
  private failure: { error: unknown } | null = null;
  private closed = false;
  private sending = false;
  private waiter: Waiter<void> | null = null;

  /** @internal Made by `openProcess`. */
  constructor(raw: RawWritePipe, label: string) {
    this.raw = raw;
    this.label = label;
  }

  /**
   * Sends every byte of `bytes`, returning once the runtime has taken them;
   * a checkpoint. A cancelled send may have delivered a prefix of `bytes`,
   * and the runtime may still read `bytes` until that write ends.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link BrokenResourceError} if the child no longer reads its stdin (it closed it or exited); `cause` is the runtime's error (`EPIPE`).
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await proc.stdin!.send(cx, new TextEncoder().encode("line\n"));
   * ```
   */
  async send(cx: Context, bytes: Uint8Array): Promise<void> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`);
    if (this.closed) throw new ClosedResourceError(`send on the closed ${this.label}`);
    if (this.sending) throw new BusyResourceError(`another task is already sending on the ${this.label}`);
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.sending = true;
    try {
      await this.waitWritten(cx); // a cancelled send's write, if any
      this.checkBroken();
      if (bytes.length === 0) return;
      this.writing = true;
      this.raw.write(bytes).then(
        () => this.written(null),
        (error: unknown) => this.written({ error }),
      );
      await this.waitWritten(cx);
      this.checkBroken();
    } finally {
      this.sending = false;
    }
  }

  /**
   * Ends the child's stdin (it reads end of file after the bytes sent so
   * far, including those of a cancelled send still in flight); a blocked
   * `send` wakes with `ClosedResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await proc.stdin!.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.raw.close();
      this.wake();
    }
    return Promise.resolve();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using input = proc.stdin!;
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal For messages. */
  toString(): string {
    return `ProcessSendStream(${this.label})`;
  }

  private checkBroken(): void {
    if (this.failure === null) return;
    const error = this.failure.error;
    throw new BrokenResourceError(`writing to the ${this.label} failed: ${messageOf(error)}`, { cause: error });
  }

  private written(failure: { error: unknown } | null): void {
    this.writing = false;
    if (failure !== null && !this.closed) this.failure ??= failure;
    this.wake();
  }

  private async waitWritten(cx: Context): Promise<void> {
    for (;;) {
      if (this.closed) throw new ClosedResourceError(`the ${this.label} was closed`);
      if (!this.writing) return;
      const waiter = new Waiter<void>();
      this.waiter = waiter;
      await park(cx, waiter, "send on the " + this.label);
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
