/**
 * The byte streams of a child process's pipes: {@link ProcessReceiveStream}
 * (its stdout or stderr, read by the parent) and {@link ProcessSendStream}
 * (its stdin, written by the parent), built on the adapter's raw pipes.
 *
 * They keep the same rules as `SocketStream` (src/net/socket-stream.ts),
 * over the same pull contract, because they are built from the same two
 * halves in src/streams: `RawReceiver` (raw-receive.ts) for stdout
 * and stderr, `RawSender` (raw-send.ts) for stdin, whose headers
 * state the rules (one raw call in flight, never abandoned, so a cancelled
 * receive loses no bytes; bytes handed over synchronously; every receive a
 * schedule point; runtime errors remembered as `BrokenResourceError`
 * causes; end of output `EndOfStream` every time; use after `close`
 * `ClosedResourceError`, closing wakes a blocked task with it; a second
 * concurrent `receive` or `send` `BusyResourceError`). Here: the words of
 * the messages ("the stdout of pid 1234"), and closing.
 *
 * Closing the stdin stream ends it (the child reads end of file) once the
 * write in flight, if any, is done. Closing a read stream drops what is
 * buffered and the pipe. Each stream is one direction, so a failure breaks
 * only its own stream.
 *
 * Costs: those of the halves (a receive that finds bytes waiting allocates
 * only its result view; one that waits, a waiter and a promise plus the
 * adapter's read, of at least 64 KiB), plus one forwarding call.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { checkContext } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream, ReceiveIntoStream } from "../streams/byte-stream.ts";
import { DEFAULT_MAX_BYTES, RawReceiver, type RawReceiveWords } from "../streams/raw-receive.ts";
import { RawSender, type RawSendWords } from "../streams/raw-send.ts";
import type { RawReadPipe, RawWritePipe } from "./process-support.ts";

/** The words of a read pipe's messages ("receive on the closed stdout of pid 1234"). */
const RECEIVE_WORDS: RawReceiveWords = {
  blockedOn: "receive on the ",
  closedAtCall: (label) => `receive on the closed ${label}`,
  busy: (label) => `another task is already receiving from the ${label}`,
  closed: (label) => `the ${label} was closed`,
  broken: (label, message) => `reading the ${label} failed: ${message}`,
  eof: (label) => `end of stream: the ${label} was closed by the child`,
};

/** The words of the stdin pipe's messages. */
const SEND_WORDS: RawSendWords = {
  blockedOn: "send on the ",
  closedAtCall: (op, label) => `${op} on the closed ${label}`,
  busy: (label) => `another task is already sending on the ${label}`,
  afterEof: (label) => `send after the end of the ${label}`,
  closed: (label) => `the ${label} was closed`,
  broken: (label, message) => `writing to the ${label} failed: ${message}`,
};

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
export class ProcessReceiveStream implements ReceiveIntoStream {
  private readonly raw: RawReadPipe;
  /** "stdout of pid 1234": what a blocked task waits on. */
  private readonly label: string;
  private readonly rx: RawReceiver;

  /** @internal Made by `openProcess`. */
  constructor(raw: RawReadPipe, label: string) {
    this.raw = raw;
    this.label = label;
    this.rx = new RawReceiver(raw, label, RECEIVE_WORDS);
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
  receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "ProcessReceiveStream.receive");
    return this.rx.receive(cx, maxBytes);
  }

  /**
   * Waits for bytes, copies 1 to `buffer.length` of them into `buffer` from
   * its start and returns how many; a checkpoint, cancel-safe (a cancelled
   * call took nothing and wrote nothing into `buffer`). See
   * {@link ReceiveIntoStream}.
   *
   * @throws {@link !TypeError} if `buffer` is not a `Uint8Array`.
   * @throws {@link !RangeError} if `buffer` is empty.
   * @throws {@link EndOfStream} once the child closed the pipe (usually: exited) and every byte was received.
   * @throws {@link BrokenResourceError} if reading failed; `cause` is the runtime's error.
   * @throws {@link ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const buffer = new Uint8Array(4096);
   * const n = await proc.stdout!.receiveInto(cx, buffer);
   * ```
   */
  receiveInto(cx: Context, buffer: Uint8Array): Promise<number> {
    checkContext(cx, "ProcessReceiveStream.receiveInto");
    return this.rx.receiveInto(cx, buffer);
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
    if (!this.rx.closed) {
      this.raw.close();
      this.rx.close();
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
  private readonly tx: RawSender;

  /** @internal Made by `openProcess`. */
  constructor(raw: RawWritePipe, label: string) {
    this.raw = raw;
    this.label = label;
    this.tx = new RawSender(raw, label, SEND_WORDS);
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
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "ProcessSendStream.send");
    return this.tx.send(cx, bytes);
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
    if (!this.tx.closed) {
      this.raw.close();
      this.tx.close();
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
}
