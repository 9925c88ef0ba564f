/**
 * Web Streams interop, both ways: a `ReadableStream<Uint8Array>` or a
 * `WritableStream<Uint8Array>` as a Skein byte stream
 * ({@link fromReadableStream}, {@link fromWritableStream}), and a Skein
 * byte stream as a web stream ({@link toReadableStream},
 * {@link toWritableStream}), so `fetch` bodies, `CompressionStream`,
 * `TextDecoderStream` and every other web stream plug into Skein code and
 * back. Only the WHATWG streams API is used, which every runtime Skein
 * supports has, so there is no adapter code.
 *
 * ## Web stream as Skein stream
 *
 * - `receive` is pull-based: it calls `reader.read()` only when it has no
 *   bytes left over, so the web stream's own backpressure holds.
 * - Cancel safety: a cancelled `receive` does not abandon its read. The
 *   read's promise is kept and the next `receive` awaits it, so the chunk
 *   it brings is delivered, not dropped. Bytes of a chunk beyond `maxBytes`
 *   are kept for the next `receive` too.
 * - `send` waits while the writer reports backpressure (`desiredSize <= 0`
 *   with one of our writes still in flight) and then writes a copy of the
 *   bytes without awaiting the sink: "accepted" means queued within the
 *   writable's high-water mark, so memory stays bounded by it. (A writable
 *   whose high-water mark is 0 still moves: one write at a time.) A write
 *   that later fails breaks the stream: the next `send` throws
 *   `BrokenResourceError`.
 * - Errors of the web stream become `BrokenResourceError` with the web
 *   stream's error as `cause`; its end becomes `EndOfStream`; `close` on
 *   the Skein side cancels the reader (or closes the writer) and wakes a
 *   blocked call with `ClosedResourceError`.
 *
 * ## Skein stream as web stream
 *
 * - `toReadableStream` has a pull source with a high-water mark of 0
 *   chunks by default: it calls `receive` only when the consumer reads (or
 *   `pipeTo` has room), so a stalled consumer stalls the Skein sender.
 *   `toWritableStream` calls `send` for each chunk, one at a time.
 * - The web stream's callbacks run outside any Skein task. They call
 *   `receive(cx, ...)` / `send(cx, ...)` with the `cx` given here, so they
 *   block in that context's cancel scope: cancelling it errors the web
 *   stream with the `Cancelled` (at once, even with no read pending). The
 *   context must stay alive while the web stream is used: once its scope
 *   has ended, a read or write fails with `ClosedResourceError`. Create the
 *   web stream in the scope that consumes it, and cancel or finish it
 *   before that scope ends.
 * - Cancelling the `ReadableStream` (or aborting the `WritableStream`)
 *   closes the Skein stream; closing the `WritableStream` calls `sendEof`
 *   when the stream has one, else `close`.
 *
 * Costs: per `receive` that reads, one `reader.read()` and one `then`; per
 * `send`, one copy of the bytes, one `write` and one `then`; a blocked call
 * allocates a few promises. The web streams themselves cost what they cost.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkContext, checkCount, describeValue } from "../core/validate.ts";
import { step } from "../core/waiter-queue.ts";
import type { ByteReceiveStream, ByteSendStream, HalfCloseableStream } from "./byte-stream.ts";

const DEFAULT_MAX_BYTES = 65536;

function noop(): void {}

/** The part of a web stream reader used here (the runtimes' typings differ in the rest). */
interface Reader {
  read(): Promise<ReadResult>;
  cancel(reason?: unknown): Promise<void>;
}

/** A reader's `read()` result. */
interface ReadResult {
  readonly done: boolean;
  readonly value?: unknown;
}

/** The part of a web stream writer used here. */
interface Writer {
  readonly desiredSize: number | null;
  readonly ready: Promise<unknown>;
  readonly closed: Promise<unknown>;
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** What a read of the web stream brought: a chunk, the end, or an error. */
type ReadOutcome = { readonly ok: true; readonly result: ReadResult } | { readonly ok: false; readonly error: unknown };

function readOk(result: ReadResult): ReadOutcome {
  return { ok: true, result };
}

function readFailed(error: unknown): ReadOutcome {
  return { ok: false, error };
}


function checkWebStream(name: string, value: unknown, ctor: string, method: string): void {
  if (value === null || typeof value !== "object" || typeof (value as Record<string, unknown>)[method] !== "function") {
    throw new TypeError(`${name} must be a ${ctor}, got ${describeValue(value)}`);
  }
  if ((value as { locked?: unknown }).locked === true) throw new TypeError(`${name} is locked (another reader or writer holds it)`);
}

function checkSkeinStream(name: string, value: unknown, method: string, kind: string): void {
  if (value === null || typeof value !== "object" || typeof (value as Record<string, unknown>)[method] !== "function") {
    throw new TypeError(`${name} must be a ${kind}, got ${describeValue(value)}`);
  }
}

// ---------------------------------------------------------------------------
// ReadableStream -> ByteReceiveStream

class ReadableReceiveStream implements ByteReceiveStream {
  private readonly reader: Reader;
  /** The read in flight, kept across a cancelled receive. */
  private pending: Promise<ReadOutcome> | null = null;
  private leftover: Uint8Array | null = null;
  private ended = false;
  private failure: BrokenResourceError | null = null;
  private closed = false;
  private receiving = false;

  constructor(readable: ReadableStream<Uint8Array>) {
    this.reader = readable.getReader() as Reader;
  }

  async receive(cx: Context, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    checkContext(cx, "ReadableStream receive");
    checkCount("maxBytes", maxBytes, 1);
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    if (this.receiving) throw new BusyResourceError("another task is already receiving from this stream");
    cx.checkpointIfCancelled();
    this.receiving = true;
    try {
      if (this.leftover !== null) {
        // Served from the leftover, without a read: one of the run's steps
        // (see "Steps" in runner.ts), so a loop of them yields now and then.
        const wait = step(cx);
        if (wait !== undefined) {
          await wait;
          if (this.closed) throw new ClosedResourceError("the stream was closed while receiving");
        }
      }
      for (;;) {
        const left = this.leftover;
        if (left !== null) {
          if (left.length <= maxBytes) {
            this.leftover = null;
            return left;
          }
          this.leftover = left.subarray(maxBytes);
          return left.subarray(0, maxBytes);
        }
        if (this.failure !== null) throw this.failure;
        if (this.ended) throw new EndOfStream("the ReadableStream has ended");
        if (this.pending === null) this.pending = this.reader.read().then(readOk, readFailed);
        // Cancelled here: the read stays in `pending` for the next receive.
        const outcome = await cx.abandonOnCancel(this.pending);
        this.pending = null;
        if (this.closed) throw new ClosedResourceError("the stream was closed while receiving");
        if (!outcome.ok) {
          this.failure = new BrokenResourceError("the ReadableStream errored", { cause: outcome.error });
        } else if (outcome.result.done) {
          this.ended = true;
        } else {
          const value: unknown = outcome.result.value;
          if (!(value instanceof Uint8Array)) {
            this.failure = new BrokenResourceError(`the ReadableStream produced ${describeValue(value)}, expected Uint8Array chunks`);
          } else if (value.length > 0) {
            this.leftover = value;
          }
        }
      }
    } finally {
      this.receiving = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leftover = null;
    try {
      await this.reader.cancel();
    } catch {
      /* an errored stream: nothing left to release */
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Wraps a `ReadableStream<Uint8Array>` (a `fetch` body, a
 * `DecompressionStream`'s readable, a file) as a Skein byte receive
 * stream. It takes the stream's reader (the stream is locked from then on);
 * `close` cancels it. `receive` is pull-based and cancel-safe: a cancelled
 * receive leaves its read in flight for the next one.
 *
 * @param readable the stream to read; its chunks must be `Uint8Array`s.
 * @throws {@link !TypeError} if `readable` is not a `ReadableStream` or is locked.
 * @example
 * ```ts
 * import { fromReadableStream, run } from "skein";
 * await run(async (cx) => {
 *   const response = await cx.abandonOnCancel(fetch("https://example.com", { signal: cx.signal }));
 *   await using body = fromReadableStream(response.body!);
 *   const firstChunk = await body.receive(cx);
 * });
 * ```
 */
export function fromReadableStream(readable: ReadableStream<Uint8Array>): ByteReceiveStream {
  checkWebStream("readable", readable, "ReadableStream", "getReader");
  return new ReadableReceiveStream(readable);
}

// ---------------------------------------------------------------------------
// WritableStream -> ByteSendStream

/**
 * What {@link fromWritableStream} returns: a byte send stream with
 * `sendEof`, which closes the writable gracefully and waits until it has
 * taken every byte.
 *
 * @example
 * ```ts
 * const sink: WritableByteSendStream = fromWritableStream(compressor.writable);
 * await sink.send(cx, bytes);
 * await sink.sendEof(cx);
 * ```
 */
export interface WritableByteSendStream extends ByteSendStream {
  /**
   * Closes the writable (`writer.close()`): the bytes already sent are
   * delivered, then the end. Waits until the writable has processed them;
   * a checkpoint, and if cancelled the close still goes on. Later sends
   * throw `ClosedResourceError`; idempotent.
   *
   * @throws {@link ClosedResourceError} if this stream was closed.
   * @throws {@link BusyResourceError} if a send is in progress.
   * @throws {@link BrokenResourceError} if the writable errored.
   * @example
   * ```ts
   * await sink.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void>;
}

class WritableSendStream implements WritableByteSendStream {
  private readonly writer: Writer;
  /** Our writes the sink has not finished. */
  private inFlight = 0;
  /** Settles (never rejects) when the latest write settles. */
  private lastWrite: Promise<void> | null = null;
  private failure: unknown = null;
  private failed = false;
  private closed = false;
  private eofSent = false;
  private sending = false;
  private onClose: (() => void) | null = null;
  private closeSignal: Promise<void> | null = null;
  private readonly written = (): void => {
    this.inFlight--;
  };
  private readonly writeFailed = (error: unknown): void => {
    this.inFlight--;
    this.fail(error);
  };
  private readonly fail = (error: unknown): void => {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
  };

  constructor(writable: WritableStream<Uint8Array<ArrayBuffer>>) {
    this.writer = writable.getWriter() as Writer;
    this.writer.closed.then(noop, this.fail);
  }

  async send(cx: Context, bytes: Uint8Array): Promise<void> {
    checkContext(cx, "WritableStream send");
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`);
    this.checkOpen();
    if (this.sending) throw new BusyResourceError("another task is already sending on this stream");
    cx.checkpointIfCancelled();
    this.sending = true;
    let waited = false;
    try {
      for (;;) {
        this.checkBroken();
        const room = this.writer.desiredSize;
        if (room !== null && (room > 0 || this.inFlight === 0)) break;
        await cx.abandonOnCancel(this.roomOrClose(room === null));
        this.checkOpen();
        waited = true;
      }
      if (!waited) {
        // Room at once: one of the run's steps (see "Steps" in runner.ts),
        // so a loop of sends to a fast sink yields now and then.
        const wait = step(cx);
        if (wait !== undefined) {
          await wait;
          this.checkOpen();
          this.checkBroken();
        }
      }
      if (bytes.length === 0) return;
      this.inFlight++;
      this.lastWrite = this.writer.write(bytes.slice()).then(this.written, this.writeFailed);
    } finally {
      this.sending = false;
    }
  }

  async sendEof(cx: Context): Promise<void> {
    checkContext(cx, "WritableStream sendEof");
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    if (this.sending) throw new BusyResourceError("sendEof during a send on this stream");
    cx.checkpointIfCancelled();
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    if (!this.eofSent) {
      this.eofSent = true;
      this.checkBroken();
      await cx.abandonOnCancel(this.writer.close().then(noop, this.fail));
      this.checkBroken();
    }
    // A schedule point every time, also once the end was sent (trio's `send_eof`).
    if (runner.ticks === ticks) await runner.later(undefined, cx._task);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.onClose?.();
    // Graceful: what was sent is still delivered, then the end. Not awaited,
    // so a stalled consumer cannot make close hang.
    if (!this.eofSent && !this.failed) this.writer.close().then(noop, noop);
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedResourceError("the stream is closed");
    if (this.eofSent) throw new ClosedResourceError("the stream's sending side is closed (sendEof)");
  }

  private checkBroken(): void {
    if (this.failed) throw new BrokenResourceError("the WritableStream errored", { cause: this.failure });
  }

  /** Settles when the writer may have room, our latest write settled, the stream errored, or we were closed. */
  private roomOrClose(errored: boolean): Promise<unknown> {
    if (this.closeSignal === null) {
      this.closeSignal = new Promise<void>((resolve) => {
        this.onClose = resolve;
      });
    }
    const ready = this.writer.ready.then(noop, this.fail);
    if (errored) return ready;
    return Promise.race(this.lastWrite === null ? [ready, this.closeSignal] : [ready, this.lastWrite, this.closeSignal]);
  }
}

/**
 * Wraps a `WritableStream<Uint8Array>` (a `CompressionStream`'s writable,
 * a file, a request body) as a Skein byte send stream. It takes the
 * stream's writer (the stream is locked from then on). `send` waits while
 * the writable reports backpressure, then queues a copy of the bytes;
 * `sendEof` closes the writable and waits for it to finish; `close` starts
 * the same graceful close without waiting.
 *
 * @param writable the stream to write to.
 * @throws {@link !TypeError} if `writable` is not a `WritableStream` or is locked.
 * @example
 * ```ts
 * import { fromReadableStream, fromWritableStream, run } from "skein";
 * await run(async (cx) => {
 *   const gzip = new CompressionStream("gzip");
 *   const input = fromWritableStream(gzip.writable);
 *   await using output = fromReadableStream(gzip.readable);
 *   await input.send(cx, new TextEncoder().encode("hello"));
 *   await input.close();
 *   const compressed = await output.receive(cx);
 * });
 * ```
 */
export function fromWritableStream(writable: WritableStream<Uint8Array<ArrayBuffer>>): WritableByteSendStream {
  checkWebStream("writable", writable, "WritableStream", "getWriter");
  return new WritableSendStream(writable);
}

// ---------------------------------------------------------------------------
// Skein streams -> web streams

/**
 * Options of {@link toReadableStream}.
 *
 * @example
 * ```ts
 * const readable = toReadableStream(cx, stream, { maxBytes: 16384, highWaterMark: 1 });
 * ```
 */
export interface ToReadableStreamOptions {
  /** The `maxBytes` of each `receive` (65536 by default). */
  readonly maxBytes?: number;
  /** How many chunks the web stream may read ahead of its consumer (0 by default: only on demand). */
  readonly highWaterMark?: number;
}

/**
 * Options of {@link toWritableStream}.
 *
 * @example
 * ```ts
 * const writable = toWritableStream(cx, stream, { highWaterMark: 4 });
 * ```
 */
export interface ToWritableStreamOptions {
  /** How many chunks the web stream queues before it reports backpressure (1 by default). */
  readonly highWaterMark?: number;
}

function checkOptions(options: unknown): void {
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
}

/** Errors a web stream's controller with the reason of `cx`'s cancellation, unless detached first. */
class CancelLink {
  private signal: AbortSignal | null;
  private readonly controller: { error(reason: unknown): void };
  private readonly onAbort: () => void;

  constructor(cx: Context, controller: { error(reason: unknown): void }) {
    this.controller = controller;
    this.onAbort = () => {
      const signal = this.signal;
      if (signal === null) return;
      this.detach();
      this.controller.error(signal.reason);
    };
    const signal = cx.signal;
    this.signal = signal;
    if (signal.aborted) this.onAbort();
    else signal.addEventListener("abort", this.onAbort);
  }

  get live(): boolean {
    return this.signal !== null;
  }

  detach(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.signal = null;
  }
}

/**
 * Exposes a Skein byte receive stream as a `ReadableStream<Uint8Array>`
 * (typed with `ArrayBuffer`-backed chunks, as `pipeThrough` into the
 * built-in transforms wants; the chunks are those `receive` returns),
 * to `pipeThrough` a `DecompressionStream` or a `TextDecoderStream`, return
 * as a `Response` body, and so on. Pull-based: it calls
 * `receive(cx, maxBytes)` only when its consumer wants data (high-water
 * mark 0 by default), so backpressure reaches the Skein sender.
 *
 * The end of the Skein stream closes the web stream; any other error
 * errors it. Cancelling the web stream closes the Skein stream. Cancelling
 * `cx`'s scope errors the web stream with the `Cancelled`.
 *
 * The web stream's reads run outside any Skein task, in `cx`: keep `cx`'s
 * scope alive while the web stream is in use (afterwards a read fails with
 * `ClosedResourceError`).
 *
 * @param cx the context the reads run in.
 * @param receiveStream the Skein stream to read.
 * @param options `maxBytes` per read and the `highWaterMark` in chunks.
 * @throws {@link !TypeError} if `cx` is not a `Context` or `receiveStream` not a byte receive stream.
 * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1 or `highWaterMark` not one >= 0.
 * @example
 * ```ts
 * import { run, toReadableStream } from "skein";
 * import { memoryStreamOneWayPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [send, receive] = memoryStreamOneWayPair();
 *   await send.send(cx, new TextEncoder().encode("héllo"));
 *   await send.close();
 *   const text = await new Response(toReadableStream(cx, receive).pipeThrough(new TextDecoderStream())).text();
 *   console.log(text); // héllo
 * });
 * ```
 */
export function toReadableStream(
  cx: Context,
  receiveStream: ByteReceiveStream,
  options: ToReadableStreamOptions = {},
): ReadableStream<Uint8Array<ArrayBuffer>> {
  checkContext(cx, "toReadableStream");
  checkSkeinStream("receiveStream", receiveStream, "receive", "ByteReceiveStream");
  checkOptions(options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkCount("options.maxBytes", maxBytes, 1);
  const highWaterMark = options.highWaterMark ?? 0;
  checkCount("options.highWaterMark", highWaterMark, 0, true);
  let link: CancelLink | null = null;
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      start(controller) {
        link = new CancelLink(cx, controller);
      },
      async pull(controller) {
        let chunk: Uint8Array;
        try {
          chunk = await receiveStream.receive(cx, maxBytes);
        } catch (error) {
          if (!link!.live) return;
          link!.detach();
          if (error instanceof EndOfStream) controller.close();
          else controller.error(error);
          return;
        }
        if (link!.live) controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
      },
      async cancel() {
        link?.detach();
        await receiveStream.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark }),
  );
}

/**
 * Exposes a Skein byte send stream as a `WritableStream<Uint8Array>`, for
 * `pipeTo` from a `CompressionStream`'s readable, say. Each chunk is sent
 * with `send(cx, chunk)`, one at a time, so the web stream sees Skein's
 * backpressure. Closing the web stream calls `sendEof(cx)` if the stream
 * has one (a `HalfCloseableStream`), else `close()`; aborting it calls
 * `close()`. A failed send errors the web stream; cancelling `cx`'s scope
 * errors it with the `Cancelled`.
 *
 * The writes run outside any Skein task, in `cx`: keep `cx`'s scope alive
 * while the web stream is in use.
 *
 * @param cx the context the writes run in.
 * @param sendStream the Skein stream to write to.
 * @param options the `highWaterMark` in chunks (1 by default).
 * @throws {@link !TypeError} if `cx` is not a `Context` or `sendStream` not a byte send stream.
 * @throws {@link !RangeError} if `highWaterMark` is not a whole number >= 0.
 * @example
 * ```ts
 * import { run, toWritableStream } from "skein";
 * import { memoryStreamOneWayPair } from "skein/testing";
 * await run(async (cx) => {
 *   const [send, receive] = memoryStreamOneWayPair();
 *   await new Blob(["hello"]).stream().pipeTo(toWritableStream(cx, send));
 *   console.log(await receive.receive(cx)); // the bytes of "hello"
 * });
 * ```
 */
export function toWritableStream(cx: Context, sendStream: ByteSendStream, options: ToWritableStreamOptions = {}): WritableStream<Uint8Array> {
  checkContext(cx, "toWritableStream");
  checkSkeinStream("sendStream", sendStream, "send", "ByteSendStream");
  checkOptions(options);
  const highWaterMark = options.highWaterMark ?? 1;
  checkCount("options.highWaterMark", highWaterMark, 0, true);
  let link: CancelLink | null = null;
  return new WritableStream<Uint8Array>(
    {
      start(controller) {
        link = new CancelLink(cx, controller);
      },
      write(chunk) {
        return sendStream.send(cx, chunk);
      },
      async close() {
        link?.detach();
        const eof = (sendStream as Partial<HalfCloseableStream>).sendEof;
        if (typeof eof === "function") await eof.call(sendStream, cx);
        else await sendStream.close();
      },
      async abort() {
        link?.detach();
        await sendStream.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark }),
  );
}
