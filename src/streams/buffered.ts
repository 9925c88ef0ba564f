/**
 * Buffered byte streams: anyio's `BufferedByteReceiveStream` and
 * `BufferedByteStream` (anyio/streams/buffered.py). They wrap a byte stream
 * and add framing on top of its `receive`: `receiveExactly(cx, n)` for
 * length-prefixed protocols and `receiveUntil(cx, delimiter, maxBytes)` for
 * line- or delimiter-based ones (asyncio's `readexactly` / `readuntil`).
 *
 * Bytes read from the wrapped stream that a call did not return wait in a
 * buffer; every later call (plain `receive` included) is served from it
 * first.
 *
 * Invariants:
 * - Cancel safety: every chunk the wrapped stream returns is appended to the
 *   buffer in the same synchronous step as its `receive` returns, and a
 *   frame is taken out of the buffer only in the step that returns it. A
 *   cancelled (or failed) `receiveExactly` / `receiveUntil` therefore loses
 *   nothing: the partial frame stays in {@link BufferedByteReceiveStream.buffer}
 *   and the next call sees it.
 * - `IncompleteRead` (the wrapped stream ended mid-frame) and
 *   `DelimiterNotFound` (no delimiter within `maxBytes`) also leave the
 *   buffer as it was, every byte in it.
 * - One receiving call at a time: a second concurrent one is a
 *   `BusyResourceError`, as for every byte stream.
 * - `receiveUntil` returns the bytes before the delimiter, at most
 *   `maxBytes` of them, and drops the delimiter (anyio); a delimiter
 *   starting after `maxBytes` bytes is not looked for.
 *
 * Costs: the buffer is one growable array with a start offset (Python's
 * `bytearray`): appending copies a chunk once, the array doubles when full,
 * and consumed bytes are reclaimed by moving the live region to the front
 * when there is room, so n bytes arriving in any number of small chunks cost
 * O(n) copying in all, never O(n²). A returned frame is a fresh copy; a
 * `receive` with an empty buffer returns the wrapped stream's chunk as is.
 * `receiveUntil` scans each byte about once (it remembers how far it
 * searched). A call served from the buffer alone counts one of the run's
 * steps (runner.ts), so a loop of them still lets the event loop turn.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError, DelimiterNotFound, EndOfStream, IncompleteRead } from "../core/errors.ts";
import { checkContext, checkCount, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import { step } from "../core/waiter-queue.ts";
import type { ByteReceiveStream, HalfCloseableStream } from "./byte-stream.ts";

const DEFAULT_MAX_BYTES = 65536;
const EMPTY = new Uint8Array(0);

function checkBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${describeValue(value)}`);
}

/**
 * Wraps a byte receive stream with a buffer, adding
 * {@link BufferedByteReceiveStream.receiveExactly} and
 * {@link BufferedByteReceiveStream.receiveUntil} (anyio's
 * `BufferedByteReceiveStream`). It is itself a `ByteReceiveStream`.
 *
 * @example
 * ```ts
 * import { BufferedByteReceiveStream, type ByteReceiveStream, type Context } from "skein";
 * async function readLine(cx: Context, stream: ByteReceiveStream): Promise<string> {
 *   const buffered = new BufferedByteReceiveStream(stream);
 *   const line = await buffered.receiveUntil(cx, new Uint8Array([10]), 8192);
 *   return new TextDecoder().decode(line);
 * }
 * ```
 */
export class BufferedByteReceiveStream implements ByteReceiveStream {
  /** The wrapped stream. */
  readonly receiveStream: ByteReceiveStream;
  private buf: Uint8Array = EMPTY;
  private start = 0;
  private end = 0;
  private closed = false;
  private receiving = false;

  /**
   * @param receiveStream the byte stream to read from.
   * @throws {@link !TypeError} if `receiveStream` has no `receive` method.
   */
  constructor(receiveStream: ByteReceiveStream) {
    if (receiveStream === null || typeof receiveStream !== "object" || typeof receiveStream.receive !== "function") {
      throw new TypeError(`receiveStream must be a ByteReceiveStream, got ${describeValue(receiveStream)}`);
    }
    this.receiveStream = receiveStream;
  }

  /**
   * A copy of the bytes read from the wrapped stream and not yet returned.
   *
   * @example
   * ```ts
   * console.log(buffered.buffer.length, "bytes buffered");
   * ```
   */
  get buffer(): Uint8Array {
    return this.buf.slice(this.start, this.end);
  }

  /**
   * Appends `bytes` (copied) to the buffer, as if the wrapped stream had
   * returned them: for bytes read past a frame by other code, say, or a
   * protocol switch (anyio's `feed_data`).
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link ClosedResourceError} if this stream was closed.
   * @example
   * ```ts
   * buffered.feedData(new TextEncoder().encode("PING\r\n"));
   * ```
   */
  feedData(bytes: Uint8Array): void {
    checkBytes("bytes", bytes);
    if (this.closed) throw new ClosedResourceError("the buffered stream is closed");
    this.append(bytes, false);
  }

  /**
   * Returns 1 to `maxBytes` bytes (65536 by default): from the buffer if it
   * holds any (without waiting), else from the wrapped stream. A
   * checkpoint, cancel-safe.
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link EndOfStream} once the wrapped stream ended and the buffer is empty.
   * @throws {@link ClosedResourceError} if this stream was closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const chunk = await buffered.receive(cx, 1024);
   * ```
   */
  async receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "BufferedByteReceiveStream.receive");
    checkCount("maxBytes", maxBytes, 1);
    this.enter();
    try {
      if (this.end > this.start) {
        cx.checkpointIfCancelled();
        const wait = step(cx);
        if (wait !== undefined) await this.afterTick(wait);
        return this.take(Math.min(maxBytes, this.end - this.start), 0);
      }
      return await this.receiveStream.receive(cx, maxBytes);
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Returns exactly `n` bytes, reading from the wrapped stream until the
   * buffer holds that many. A checkpoint; cancel-safe: if cancelled, the
   * bytes read so far stay in the buffer.
   *
   * @throws {@link !RangeError} if `n` is not a whole number >= 0.
   * @throws {@link IncompleteRead} if the wrapped stream ended first (its `EndOfStream` is the `cause`; the partial frame stays buffered).
   * @throws {@link ClosedResourceError} if this stream was closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const header = await buffered.receiveExactly(cx, 4);
   * const length = new DataView(header.buffer, header.byteOffset).getUint32(0);
   * const body = await buffered.receiveExactly(cx, length);
   * ```
   */
  async receiveExactly(cx: Context, n: number): Promise<Uint8Array> {
    checkContext(cx, "BufferedByteReceiveStream.receiveExactly");
    checkCount("n", n, 0);
    this.enter();
    try {
      cx.checkpointIfCancelled();
      if (this.end - this.start >= n) {
        const wait = step(cx);
        if (wait !== undefined) await this.afterTick(wait);
      }
      while (this.end - this.start < n) {
        const chunk = await this.receiveMore(cx, n - (this.end - this.start));
        if (this.end === this.start && chunk.length === n) return chunk; // a whole frame in one chunk: no copy
        this.append(chunk, true);
      }
      return this.take(n, 0);
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Returns the bytes before the next `delimiter`, reading from the wrapped
   * stream until the buffer holds one, and drops the delimiter. The frame
   * may be at most `maxBytes` long. A checkpoint; cancel-safe: if
   * cancelled, the bytes read so far stay in the buffer.
   *
   * @param delimiter the bytes that end a frame (at least one).
   * @param maxBytes the longest frame accepted, without the delimiter.
   * @throws {@link !TypeError} if `delimiter` is not a `Uint8Array`.
   * @throws {@link !RangeError} if `delimiter` is empty or `maxBytes` is not a whole number >= 1.
   * @throws {@link DelimiterNotFound} if `maxBytes` bytes arrived with no delimiter after them (they stay buffered).
   * @throws {@link IncompleteRead} if the wrapped stream ended first (the partial frame stays buffered).
   * @throws {@link ClosedResourceError} if this stream was closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const line = await buffered.receiveUntil(cx, new TextEncoder().encode("\r\n"), 8192);
   * ```
   */
  async receiveUntil(cx: Context, delimiter: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    checkContext(cx, "BufferedByteReceiveStream.receiveUntil");
    checkBytes("delimiter", delimiter);
    if (delimiter.length === 0) throw new RangeError("delimiter must not be empty");
    checkCount("maxBytes", maxBytes, 1);
    this.enter();
    try {
      cx.checkpointIfCancelled();
      if (this.end > this.start) {
        const wait = step(cx);
        if (wait !== undefined) await this.afterTick(wait);
      }
      const d = delimiter.length;
      let from = 0; // every start before this was searched
      for (;;) {
        const size = this.end - this.start;
        const last = Math.min(size - d, maxBytes); // the last start worth trying
        if (last >= from) {
          const at = this.find(delimiter, from, last);
          if (at >= 0) return this.take(at, d);
          from = last + 1;
        }
        if (size >= maxBytes + d) {
          throw new DelimiterNotFound(`the delimiter was not found within ${maxBytes} bytes`);
        }
        this.append(await this.receiveMore(cx, DEFAULT_MAX_BYTES), true);
      }
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Closes the wrapped stream and this one; idempotent. A blocked receive
   * wakes with `ClosedResourceError`.
   *
   * @example
   * ```ts
   * await buffered.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buf = EMPTY;
    this.start = this.end = 0;
    await this.receiveStream.close();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using buffered = new BufferedByteReceiveStream(stream);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private enter(): void {
    if (this.closed) throw new ClosedResourceError("the buffered stream is closed");
    if (this.receiving) throw new BusyResourceError("another task is already receiving from this stream");
    this.receiving = true;
  }

  /**
   * Waits out `wait`, the run's tick: a call about to serve a frame from the
   * buffer, without the wrapped stream, is one of the run's steps (see
   * "Steps" in runner.ts), so a loop of them yields to the event loop now
   * and then. A close meanwhile is an error, as for any receive; the buffer
   * is otherwise as it was (this task holds the receiving flag).
   */
  private async afterTick(wait: Promise<void>): Promise<void> {
    await wait;
    if (this.closed) throw new ClosedResourceError("the buffered stream was closed while receiving");
  }

  /** Receives from the wrapped stream, turning its end into `IncompleteRead`. */
  private async receiveMore(cx: Context, maxBytes: number): Promise<Uint8Array> {
    try {
      return await this.receiveStream.receive(cx, maxBytes);
    } catch (error) {
      if (error instanceof EndOfStream) {
        throw new IncompleteRead(`the stream ended with ${this.end - this.start} bytes of a frame buffered`, { cause: error });
      }
      throw error;
    }
  }

  /** Appends `chunk`; an `owned` chunk may become the buffer itself. */
  private append(chunk: Uint8Array, owned: boolean): void {
    const n = chunk.length;
    if (n === 0) return;
    const size = this.end - this.start;
    if (size === 0 && owned) {
      this.buf = chunk;
      this.start = 0;
      this.end = n;
      return;
    }
    if (this.end + n > this.buf.length) {
      if (size + n <= this.buf.length && this.start >= size) {
        this.buf.copyWithin(0, this.start, this.end); // reclaim the consumed front
      } else {
        const bigger = new Uint8Array(Math.max(2 * this.buf.length, size + n, 1024));
        bigger.set(this.buf.subarray(this.start, this.end));
        this.buf = bigger;
      }
      this.start = 0;
      this.end = size;
    }
    this.buf.set(chunk, this.end);
    this.end += n;
  }

  /** Returns a copy of the first `n` buffered bytes and drops them and `skip` more. */
  private take(n: number, skip: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n + skip;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buf.length > 65536) this.buf = EMPTY; // do not hold on to a big frame's memory
    }
    return out;
  }

  /** The offset of `delimiter` starting in [from, last] of the buffered bytes, or -1. */
  private find(delimiter: Uint8Array, from: number, last: number): number {
    const buf = this.buf;
    const base = this.start;
    const first = delimiter[0]!;
    const d = delimiter.length;
    for (let i = base + from; i <= base + last; i++) {
      i = buf.indexOf(first, i);
      if (i < 0 || i > base + last) return -1;
      let k = 1;
      while (k < d && buf[i + k] === delimiter[k]) k++;
      if (k === d) return i - base;
    }
    return -1;
  }
}

/**
 * A two-way byte stream with a buffered receiving side (anyio's
 * `BufferedByteStream`): the framing calls of
 * {@link BufferedByteReceiveStream}, and `send` / `sendEof` passed through
 * to the wrapped stream.
 *
 * @example
 * ```ts
 * import { BufferedByteStream, type Context, type HalfCloseableStream } from "skein";
 * async function command(cx: Context, stream: HalfCloseableStream, line: string): Promise<Uint8Array> {
 *   const buffered = new BufferedByteStream(stream);
 *   await buffered.send(cx, new TextEncoder().encode(line + "\n"));
 *   return buffered.receiveUntil(cx, new Uint8Array([10]), 4096);
 * }
 * ```
 */
export class BufferedByteStream extends BufferedByteReceiveStream implements HalfCloseableStream {
  /** The wrapped stream. */
  readonly stream: HalfCloseableStream;

  /**
   * @param stream the two-way stream to wrap.
   * @throws {@link !TypeError} if `stream` lacks `receive`, `send` or `sendEof`.
   */
  constructor(stream: HalfCloseableStream) {
    super(stream);
    if (typeof stream.send !== "function" || typeof stream.sendEof !== "function") {
      throw new TypeError(`stream must be a HalfCloseableStream, got ${describeValue(stream)}`);
    }
    this.stream = stream;
  }

  /**
   * Sends on the wrapped stream; see `ByteSendStream.send`.
   *
   * @example
   * ```ts
   * await buffered.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "BufferedByteStream.send");
    return this.stream.send(cx, bytes);
  }

  /**
   * Closes the wrapped stream's sending side; see `HalfCloseableStream.sendEof`.
   *
   * @example
   * ```ts
   * await buffered.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "BufferedByteStream.sendEof");
    return this.stream.sendEof(cx);
  }
}

// `for await (x of stream)` says what to write instead (the receives need cx).
refuseAsyncIteration(BufferedByteReceiveStream.prototype, "BufferedByteReceiveStream", "a loop over `await stream.receive(cx)` that ends at an empty chunk");
