/**
 * In-memory byte streams for tests, as `trio.testing`'s memory streams:
 * {@link MemorySendStream} and {@link MemoryReceiveStream} (each usable
 * alone, with hooks and test-side `getData`/`putData`), and the pairs built
 * from them: {@link memoryStreamOneWayPair}, {@link memoryStreamPair}
 * (two-way, {@link MemoryByteStream}), {@link lockstepStreamOneWayPair} and
 * {@link lockstepStreamPair}. They implement the byte stream interfaces of
 * `skein` and keep every rule written in `streams/byte-stream.ts`, so a
 * test can stand them in for a socket, and `checkOneWayStream` & co. pass
 * on them.
 *
 * One direction is one `BytePipe`: a queue of chunks (copies of what was
 * sent), a byte count, flags for "the sender finished" (`eof`) and "the
 * receiver is gone", and two `Event`s that blocked tasks wait on (replaced
 * by a fresh one each time they fire, so each wake-up is one-shot).
 * `maxBufferSize` bounds the buffer in bytes: a send waits while the buffer
 * holds that many (it then adds all its bytes, so the buffer may exceed the
 * bound by one chunk); `Infinity` (the default) never waits; `0` is
 * lockstep: a send adds its bytes to an empty buffer and returns only once
 * the receiver took them all.
 *
 * Invariants:
 * - Cancel safety: `receive` takes bytes out of the pipe only in the same
 *   synchronous step as it returns them, after its last `await`; a
 *   cancelled receive therefore took nothing.
 * - A cancelled lockstep send withdraws the bytes the receiver has not
 *   taken, so it delivered a prefix of them; a cancelled buffered send
 *   added nothing.
 * - Closing wakes the closing side's blocked tasks (`ClosedResourceError`)
 *   and the other side's (`EndOfStream` once drained, or
 *   `BrokenResourceError`); closing the receiving side drops the buffer.
 * - Concurrent sends, or concurrent receives, are refused with
 *   `BusyResourceError` by a `ResourceGuard`.
 *
 * Costs: written for clarity, not speed. Each `send` copies its bytes once;
 * `receive` is a checkpoint (it yields) and returns a view of the copy,
 * or a fresh array when it joins chunks; a wait allocates an `Event`.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, ClosedResourceError, EndOfStream, WouldBlock } from "../core/errors.ts";
import { checkContext, checkCount, describeValue } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream, HalfCloseableStream } from "../streams/byte-stream.ts";
import { Event } from "../sync/event.ts";
import { ResourceGuard } from "../sync/resource-guard.ts";

const DEFAULT_MAX_BYTES = 65536;
const EMPTY = new Uint8Array(0);

/**
 * A hook a memory stream calls: after each accepted send, at the start of
 * each receive (before it looks for bytes), or on close.
 *
 * @example
 * ```ts
 * const hook: MemoryStreamHook = async (cx) => { await cx.sleep(1); };
 * ```
 */
export type MemoryStreamHook = (cx: Context) => void | Promise<void>;

/**
 * Options of the memory stream pairs.
 *
 * @example
 * ```ts
 * const [s, r] = memoryStreamOneWayPair({ maxBufferSize: 1024 });
 * ```
 */
export interface MemoryStreamOptions {
  /**
   * How many buffered bytes make a `send` wait: `Infinity` (the default)
   * never waits, `0` is lockstep (a send returns once the receiver took its
   * bytes).
   */
  readonly maxBufferSize?: number;
}

/** One direction: the buffer, its end flags, and the events blocked tasks wait on. */
class BytePipe {
  chunks: Uint8Array[] = [];
  size = 0;
  /** The sending side finished: once drained, receivers get EndOfStream. */
  eof = false;
  /** The receiving side closed: senders get BrokenResourceError. */
  receiverGone = false;
  readable: Event = new Event();
  writable: Event = new Event();

  constructor(readonly maxBufferSize: number) {}

  hasRoom(): boolean {
    return this.size < Math.max(this.maxBufferSize, 1);
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.receiverGone) return;
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
    this.wakeReaders();
  }

  take(maxBytes: number): Uint8Array {
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length > maxBytes) {
      out = first.subarray(0, maxBytes);
      this.chunks[0] = first.subarray(maxBytes);
    } else {
      let n = 0;
      let count = 0;
      while (count < this.chunks.length && n + this.chunks[count]!.length <= maxBytes) n += this.chunks[count++]!.length;
      if (count === 1) out = first;
      else {
        out = new Uint8Array(n);
        for (let i = 0, at = 0; i < count; i++) {
          out.set(this.chunks[i]!, at);
          at += this.chunks[i]!.length;
        }
      }
      this.chunks.splice(0, count);
    }
    this.size -= out.length;
    this.wakeWriters();
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }

  wakeReaders(): void {
    const event = this.readable;
    if (event.statistics().waiting === 0) return;
    this.readable = new Event();
    event.set();
  }

  wakeWriters(): void {
    const event = this.writable;
    if (event.statistics().waiting === 0) return;
    this.writable = new Event();
    event.set();
  }
}

function checkMaxBufferSize(options: unknown): number {
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const max = (options as MemoryStreamOptions).maxBufferSize ?? Infinity;
  checkCount("options.maxBufferSize", max, 0, true);
  return max;
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`);
}

/**
 * The sending end of an in-memory byte stream, as trio's
 * `MemorySendStream`. Alone (`new MemorySendStream()`), a test reads what
 * was sent with {@link MemorySendStream.getData}; from a pair, the
 * matching {@link MemoryReceiveStream} receives it.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * import { MemorySendStream } from "skein/testing";
 * await run(async (cx) => {
 *   const stream = new MemorySendStream();
 *   await stream.send(cx, new Uint8Array([1, 2]));
 *   stream.getDataNowait(); // Uint8Array [1, 2]
 * });
 * ```
 */
export class MemorySendStream implements ByteSendStream {
  /** Called (and awaited) after each send's bytes were accepted; null for none. */
  sendHook: MemoryStreamHook | null = null;
  /** Called when the stream is closed (the first time); null for none. */
  closeHook: (() => void) | null = null;
  /** @internal */ _pipe: BytePipe;
  private closed = false;
  private eofSent = false;
  private readonly sending = new ResourceGuard("sending on");
  private readonly getting = new ResourceGuard("getting data from");

  /** @param options `maxBufferSize` (bytes, `Infinity` by default; `0`: lockstep, a send waits for `getData`). */
  constructor(options: MemoryStreamOptions = {}) {
    this._pipe = new BytePipe(checkMaxBufferSize(options));
  }

  /**
   * Sends `bytes` (copied), waiting while the buffer is full; a checkpoint.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link skein!BrokenResourceError} if the receiving end was closed.
   * @throws {@link skein!ClosedResourceError} if this stream was closed, or its EOF sent.
   * @throws {@link skein!BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await stream.send(cx, new TextEncoder().encode("ping"));
   * ```
   */
  async send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "MemorySendStream.send");
    checkBytes(bytes);
    this.checkOpen();
    const busy = this.sending.hold();
    try {
      await cx.checkpoint();
      const pipe = this._pipe;
      for (;;) {
        this.checkOpen();
        if (pipe.receiverGone) throw new BrokenResourceError("the receiving end is closed");
        if (pipe.hasRoom()) break;
        await pipe.writable.wait(cx);
      }
      pipe.push(bytes);
      if (pipe.maxBufferSize === 0) {
        try {
          while (pipe.size > 0) {
            this.checkOpen();
            await pipe.writable.wait(cx);
          }
        } catch (error) {
          pipe.clear(); // withdraw what the receiver has not taken
          throw error;
        }
        if (pipe.receiverGone) throw new BrokenResourceError("the receiving end is closed");
      }
      if (this.sendHook !== null) await this.sendHook(cx);
    } finally {
      busy[Symbol.dispose]();
    }
  }

  /** @internal Closes the sending direction only (a two-way stream's `sendEof`). */
  async _sendEof(cx: Context): Promise<void> {
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    const busy = this.sending.hold();
    try {
      await cx.checkpoint(); // a checkpoint every time, also once the end was sent (trio's send_eof)
      if (this.eofSent) return;
      this.eofSent = true;
      this._pipe.eof = true;
      this._pipe.wakeReaders();
    } finally {
      busy[Symbol.dispose]();
    }
  }

  /**
   * Closes the stream: the receiving end sees end of stream once drained; a
   * blocked send wakes with `ClosedResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const pipe = this._pipe;
      pipe.eof = true;
      pipe.wakeReaders();
      pipe.wakeWriters();
      this.closeHook?.();
    }
    return Promise.resolve();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = new MemorySendStream();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * The test side: waits until bytes were sent and returns up to
   * `maxBytes` of them, or an empty array once the stream is closed and
   * drained; a checkpoint.
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link skein!BusyResourceError} if another task is getting data.
   * @example
   * ```ts
   * const sent = await stream.getData(cx);
   * ```
   */
  async getData(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "MemoryReceiveStream.getData");
    checkCount("maxBytes", maxBytes, 1);
    const busy = this.getting.hold();
    try {
      await cx.checkpoint();
      const pipe = this._pipe;
      for (;;) {
        if (pipe.size > 0) return pipe.take(maxBytes);
        if (pipe.eof) return EMPTY;
        await pipe.readable.wait(cx);
      }
    } finally {
      busy[Symbol.dispose]();
    }
  }

  /**
   * The test side, without waiting: up to `maxBytes` of the bytes sent, or
   * an empty array once the stream is closed and drained.
   *
   * @throws {@link skein!WouldBlock} if nothing was sent and the stream is open.
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @example
   * ```ts
   * const sent = stream.getDataNowait(16);
   * ```
   */
  getDataNowait(maxBytes: number = DEFAULT_MAX_BYTES): Uint8Array {
    checkCount("maxBytes", maxBytes, 1);
    const pipe = this._pipe;
    if (pipe.size > 0) return pipe.take(maxBytes);
    if (pipe.eof) return EMPTY;
    throw new WouldBlock("no data was sent");
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    if (this.eofSent) throw new ClosedResourceError("the stream's sending side is closed (sendEof)");
  }
}

/**
 * The receiving end of an in-memory byte stream, as trio's
 * `MemoryReceiveStream`. Alone (`new MemoryReceiveStream()`), a test feeds
 * it with {@link MemoryReceiveStream.putData} and
 * {@link MemoryReceiveStream.putEof}; from a pair, the matching
 * {@link MemorySendStream} feeds it.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * import { MemoryReceiveStream } from "skein/testing";
 * await run(async (cx) => {
 *   const stream = new MemoryReceiveStream();
 *   stream.putData(new Uint8Array([7]));
 *   stream.putEof();
 *   await stream.receive(cx); // Uint8Array [7]
 * });
 * ```
 */
export class MemoryReceiveStream implements ByteReceiveStream {
  /** Called (and awaited) at the start of each receive, before it looks for bytes; null for none. */
  receiveHook: MemoryStreamHook | null = null;
  /** Called when the stream is closed (the first time); null for none. */
  closeHook: (() => void) | null = null;
  /** @internal */ _pipe: BytePipe;
  private closed = false;
  private readonly receiving = new ResourceGuard("receiving from");

  /** Makes a stream fed by {@link MemoryReceiveStream.putData}. */
  constructor() {
    this._pipe = new BytePipe(Infinity);
  }

  /**
   * Waits for bytes and returns 1 to `maxBytes` of them (65536 by default);
   * a checkpoint, cancel-safe.
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link skein!EndOfStream} once the sending side finished and every byte was received.
   * @throws {@link skein!ClosedResourceError} if this stream was closed (also while waiting).
   * @throws {@link skein!BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const chunk = await stream.receive(cx, 1024);
   * ```
   */
  async receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "MemoryReceiveStream.receive");
    checkCount("maxBytes", maxBytes, 1);
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    const busy = this.receiving.hold();
    try {
      await cx.checkpoint();
      if (this.receiveHook !== null) await this.receiveHook(cx);
      const pipe = this._pipe;
      for (;;) {
        if (this.closed) throw new ClosedResourceError("the stream was closed");
        // Taken and returned in one synchronous step: a cancelled receive took nothing.
        if (pipe.size > 0) return pipe.take(maxBytes);
        if (pipe.eof) throw new EndOfStream("the sending side is closed");
        await pipe.readable.wait(cx);
      }
    } finally {
      busy[Symbol.dispose]();
    }
  }

  /**
   * Closes the stream: the buffer is dropped, a blocked receive wakes with
   * `ClosedResourceError`, and the sending end's sends fail with
   * `BrokenResourceError`. Idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const pipe = this._pipe;
      pipe.receiverGone = true;
      pipe.clear();
      pipe.wakeReaders();
      pipe.wakeWriters();
      this.closeHook?.();
    }
    return Promise.resolve();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = new MemoryReceiveStream();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * The test side: makes `bytes` (copied) available to `receive`. Never
   * waits.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link skein!ClosedResourceError} after the end of stream was put, or once this stream was closed.
   * @example
   * ```ts
   * stream.putData(new TextEncoder().encode("hello"));
   * ```
   */
  putData(bytes: Uint8Array): void {
    checkBytes(bytes);
    if (this.closed) throw new ClosedResourceError("putData on a closed stream");
    if (this._pipe.eof) throw new ClosedResourceError("putData after the end of stream");
    this._pipe.push(bytes);
  }

  /**
   * The test side: ends the stream; once drained, `receive` throws
   * `EndOfStream`. Idempotent.
   *
   * @example
   * ```ts
   * stream.putEof();
   * ```
   */
  putEof(): void {
    this._pipe.eof = true;
    this._pipe.wakeReaders();
  }
}

/**
 * A two-way in-memory byte stream: a {@link MemorySendStream} and a
 * {@link MemoryReceiveStream} in one object, half-closeable. Made by
 * {@link memoryStreamPair} and {@link lockstepStreamPair}.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * import { memoryStreamPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [a, b] = memoryStreamPair();
 *   await a.send(cx, new Uint8Array([1]));
 *   await a.sendEof(cx);
 *   await b.receive(cx); // Uint8Array [1]
 * });
 * ```
 */
export class MemoryByteStream implements HalfCloseableStream {
  /**
   * @param sendStream the sending half.
   * @param receiveStream the receiving half.
   */
  constructor(
    readonly sendStream: MemorySendStream,
    readonly receiveStream: MemoryReceiveStream,
  ) {
    if (!(sendStream instanceof MemorySendStream)) throw new TypeError(`sendStream must be a MemorySendStream, got ${describeValue(sendStream)}`);
    if (!(receiveStream instanceof MemoryReceiveStream)) {
      throw new TypeError(`receiveStream must be a MemoryReceiveStream, got ${describeValue(receiveStream)}`);
    }
  }

  /**
   * Sends on the sending half; see {@link MemorySendStream.send}.
   *
   * @example
   * ```ts
   * await stream.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "MemoryByteStream.send");
    return this.sendStream.send(cx, bytes);
  }

  /**
   * Receives on the receiving half; see {@link MemoryReceiveStream.receive}.
   *
   * @example
   * ```ts
   * const chunk = await stream.receive(cx);
   * ```
   */
  receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    checkContext(cx, "MemoryByteStream.receive");
    return this.receiveStream.receive(cx, maxBytes);
  }

  /**
   * Closes the sending half only: the peer sees end of stream, later sends
   * throw `ClosedResourceError`, receiving goes on. Idempotent.
   *
   * @throws {@link skein!BusyResourceError} if another task is sending.
   * @throws {@link skein!ClosedResourceError} if the stream was closed.
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "MemoryByteStream.sendEof");
    return this.sendStream._sendEof(cx);
  }

  /**
   * Closes both halves. Idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  async close(): Promise<void> {
    await this.sendStream.close();
    await this.receiveStream.close();
  }

  /**
   * Closes both halves, for `await using`.
   *
   * @example
   * ```ts
   * await using stream = memoryStreamPair()[0];
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A send stream and a receive stream connected in memory, as trio's
 * `memory_stream_one_way_pair`. Sends never wait unless `maxBufferSize` is
 * given.
 *
 * @throws {@link !RangeError} if `options.maxBufferSize` is not a whole number >= 0 or Infinity.
 * @example
 * ```ts
 * import { run } from "skein";
 * import { memoryStreamOneWayPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [send, receive] = memoryStreamOneWayPair();
 *   await send.send(cx, new Uint8Array([1, 2, 3]));
 *   await send.close();
 *   await receive.receive(cx); // Uint8Array [1, 2, 3]
 * });
 * ```
 */
export function memoryStreamOneWayPair(options: MemoryStreamOptions = {}): [MemorySendStream, MemoryReceiveStream] {
  const send = new MemorySendStream(options);
  const receive = new MemoryReceiveStream();
  receive._pipe = send._pipe;
  return [send, receive];
}

/**
 * Two connected two-way in-memory streams, as trio's
 * `memory_stream_pair`: what one sends the other receives.
 *
 * @throws {@link !RangeError} if `options.maxBufferSize` is not a whole number >= 0 or Infinity.
 * @example
 * ```ts
 * import { run } from "skein";
 * import { memoryStreamPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [client, server] = memoryStreamPair();
 *   await client.send(cx, new Uint8Array([1]));
 *   await server.send(cx, await server.receive(cx));
 *   await client.receive(cx); // Uint8Array [1]
 * });
 * ```
 */
export function memoryStreamPair(options: MemoryStreamOptions = {}): [MemoryByteStream, MemoryByteStream] {
  const [sendA, receiveB] = memoryStreamOneWayPair(options);
  const [sendB, receiveA] = memoryStreamOneWayPair(options);
  return [new MemoryByteStream(sendA, receiveA), new MemoryByteStream(sendB, receiveB)];
}

/**
 * A one-way pair with no buffer, as trio's `lockstep_stream_one_way_pair`:
 * a send returns only once the receiver took all its bytes.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * import { lockstepStreamOneWayPair } from "skein/testing";
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const [send, receive] = lockstepStreamOneWayPair();
 *     tg.startSoon(async (cx) => { await receive.receive(cx); });
 *     await send.send(cx, new Uint8Array([1])); // returns once received
 *   }),
 * );
 * ```
 */
export function lockstepStreamOneWayPair(): [MemorySendStream, MemoryReceiveStream] {
  return memoryStreamOneWayPair({ maxBufferSize: 0 });
}

/**
 * Two connected two-way streams with no buffer, as trio's
 * `lockstep_stream_pair`: each send returns only once the peer took its
 * bytes. Handy as the "clogged" pair of the stream checkers.
 *
 * @example
 * ```ts
 * import { lockstepStreamPair } from "skein/testing";
 * const [a, b] = lockstepStreamPair();
 * ```
 */
export function lockstepStreamPair(): [MemoryByteStream, MemoryByteStream] {
  return memoryStreamPair({ maxBufferSize: 0 });
}
