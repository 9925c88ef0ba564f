/**
 * Stapled streams: anyio's `StapledByteStream` and `StapledObjectStream`
 * (anyio/streams/stapled.py). One send stream and one receive stream,
 * usually unrelated (two pipes, a memory stream each way), presented as one
 * two-way stream.
 *
 * Invariants:
 * - `send` and `receive` go to their half unchanged (errors included), so
 *   every rule of the halves holds for the whole.
 * - `sendEof` ends the send half: with the half's own `sendEof` when it
 *   has one (trio's `StapledStream`: one end of a two-way stream stays
 *   open), else by closing it (anyio). The peer of that half sees the end
 *   of the stream; receiving goes on. It is refused with
 *   `BusyResourceError` while a `send` is in progress, like a transport's
 *   own `sendEof`, so a half-closed stream never has a send racing its end.
 * - `close` closes both halves, the send half first; both are attempted
 *   even if the first throws. One error is rethrown as itself; two leave
 *   together in one `AggregateError` (trio chains the second to the
 *   first), so neither is lost.
 *
 * Costs: one async frame per `send` (for the busy flag); `receive` is a
 * direct call.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError } from "../core/errors.ts";
import { checkContext, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream, HalfCloseableStream } from "./byte-stream.ts";
import type { ObjectReceiveStream, ObjectSendStream, ObjectStream } from "./object-stream.ts";

function checkHalf(name: string, value: unknown, method: string): void {
  if (value === null || typeof value !== "object" || typeof (value as Record<string, unknown>)[method] !== "function") {
    throw new TypeError(`${name} must be a stream with a ${method} method, got ${describeValue(value)}`);
  }
}

/** Closes `a` then `b`, both even if `a` throws; one error as itself, two in one `AggregateError`. */
async function closeBoth(a: { close(): void | Promise<void> }, b: { close(): void | Promise<void> }): Promise<void> {
  const errors: unknown[] = [];
  for (const half of [a, b]) {
    try {
      await half.close();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length === 2) throw new AggregateError(errors, "both halves of the stapled stream failed to close");
}

/** The state both stapled streams keep: the busy flag that makes `sendEof` refuse to race a `send`. */
class SendHalf {
  private sending = false;
  private eofSent = false;
  private closed = false;

  constructor(
    readonly stream: { send(cx: Context, item: never): Promise<void>; close(): void | Promise<void>; sendEof?: unknown },
  ) {}

  async send(cx: Context, item: unknown): Promise<void> {
    if (this.sending) throw new BusyResourceError("another task is already sending on this stream");
    this.sending = true;
    try {
      await (this.stream.send as (cx: Context, item: unknown) => Promise<void>)(cx, item);
    } finally {
      this.sending = false;
    }
  }

  async sendEof(cx: Context): Promise<void> {
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    if (this.sending) throw new BusyResourceError("sendEof during a send on this stream");
    cx.checkpointIfCancelled();
    // A schedule point every time, also once the end was sent (trio's
    // `send_eof`, whose stapled form closes the send stream: a checkpoint).
    this.sending = true;
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    try {
      const stream = this.stream;
      if (typeof stream.sendEof === "function") {
        // The half ends its own direction (a checkpoint of its own, idempotent).
        await (stream.sendEof as (cx: Context) => Promise<void>).call(stream, cx);
      } else if (!this.eofSent) {
        this.eofSent = true;
        await stream.close();
      }
      if (runner.ticks === ticks) await runner.later(undefined, cx._task);
    } finally {
      this.sending = false;
    }
  }

  close(other: { close(): void | Promise<void> }): Promise<void> {
    this.closed = true;
    return closeBoth(this.stream, other);
  }
}

/**
 * One send stream and one receive stream as one half-closeable byte stream
 * (anyio's `StapledByteStream`). `sendEof` ends the send half (its own
 * `sendEof` if it has one, else `close`); `close` closes both.
 *
 * @example
 * ```ts
 * import { run, StapledByteStream } from "skein";
 * import { memoryStreamOneWayPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [toPeer, fromUs] = memoryStreamOneWayPair();
 *   const [toUs, fromPeer] = memoryStreamOneWayPair();
 *   await using stream = new StapledByteStream(toPeer, fromPeer);
 *   await stream.send(cx, new Uint8Array([1]));
 *   await fromUs.receive(cx); // Uint8Array [1]
 *   await toUs.close();
 * });
 * ```
 */
export class StapledByteStream implements HalfCloseableStream {
  /** The send half. */
  readonly sendStream: ByteSendStream;
  private readonly half: SendHalf;
  /** The receive half. */
  readonly receiveStream: ByteReceiveStream;

  /**
   * @param sendStream the half `send` and `sendEof` use.
   * @param receiveStream the half `receive` uses.
   * @throws {@link !TypeError} if either is not a stream of the right kind.
   */
  constructor(sendStream: ByteSendStream, receiveStream: ByteReceiveStream) {
    checkHalf("sendStream", sendStream, "send");
    checkHalf("receiveStream", receiveStream, "receive");
    this.sendStream = sendStream;
    this.receiveStream = receiveStream;
    this.half = new SendHalf(sendStream);
  }

  /**
   * Sends on the send half.
   *
   * @throws {@link BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await stream.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "StapledByteStream.send");
    return this.half.send(cx, bytes);
  }

  /**
   * Receives from the receive half.
   *
   * @example
   * ```ts
   * const chunk = await stream.receive(cx);
   * ```
   */
  receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    checkContext(cx, "StapledByteStream.receive");
    return this.receiveStream.receive(cx, maxBytes);
  }

  /**
   * Ends the send half (the peer sees the end of the stream): calls the
   * half's own `sendEof` if it has one, else closes it; idempotent.
   *
   * @throws {@link BusyResourceError} if a send is in progress.
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "StapledByteStream.sendEof");
    return this.half.sendEof(cx);
  }

  /**
   * Closes both halves (both are attempted; two errors leave in one `AggregateError`).
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this.half.close(this.receiveStream);
  }

  /**
   * Closes both halves, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = new StapledByteStream(byteSend, byteReceive);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * One object send stream and one object receive stream as one object
 * stream (anyio's `StapledObjectStream`). `sendEof` ends the send half (its
 * own `sendEof` if it has one, else `close`); `close` closes both.
 *
 * @example
 * ```ts
 * import { createMemoryObjectStream, run, StapledObjectStream } from "skein";
 * await run(async (cx) => {
 *   const [send, receive] = createMemoryObjectStream<string>(1);
 *   const loopback = new StapledObjectStream(send, receive);
 *   await loopback.send(cx, "ping");
 *   console.log(await loopback.receive(cx)); // ping
 *   await loopback.close();
 * });
 * ```
 */
export class StapledObjectStream<T> implements ObjectStream<T> {
  /** The send half. */
  readonly sendStream: ObjectSendStream<T>;
  private readonly half: SendHalf;
  /** The receive half. */
  readonly receiveStream: ObjectReceiveStream<T>;

  /**
   * @param sendStream the half `send` and `sendEof` use.
   * @param receiveStream the half `receive` uses.
   * @throws {@link !TypeError} if either is not a stream of the right kind.
   */
  constructor(sendStream: ObjectSendStream<T>, receiveStream: ObjectReceiveStream<T>) {
    checkHalf("sendStream", sendStream, "send");
    checkHalf("receiveStream", receiveStream, "receive");
    this.sendStream = sendStream;
    this.receiveStream = receiveStream;
    this.half = new SendHalf(sendStream);
  }

  /**
   * Sends `item` on the send half.
   *
   * @throws {@link BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await stream.send(cx, item);
   * ```
   */
  send(cx: Context, item: T): Promise<void> {
    checkContext(cx, "StapledObjectStream.send");
    return this.half.send(cx, item);
  }

  /**
   * Receives from the receive half.
   *
   * @example
   * ```ts
   * const item = await stream.receive(cx);
   * ```
   */
  receive(cx: Context): Promise<T> {
    checkContext(cx, "StapledObjectStream.receive");
    return this.receiveStream.receive(cx);
  }

  /**
   * Ends the send half: calls its own `sendEof` if it has one, else closes
   * it; idempotent.
   *
   * @throws {@link BusyResourceError} if a send is in progress.
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "StapledObjectStream.sendEof");
    return this.half.sendEof(cx);
  }

  /**
   * Closes both halves (both are attempted; two errors leave in one `AggregateError`).
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this.half.close(this.receiveStream);
  }

  /**
   * Closes both halves, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = new StapledObjectStream(send, receive);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// `for await (x of stream)` says what to write instead (the receives need cx).
refuseAsyncIteration(StapledObjectStream.prototype, "StapledObjectStream", "a loop over `await stream.receive(cx)` that ends at EndOfStream");
