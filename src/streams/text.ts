/**
 * Text streams: anyio's `TextReceiveStream`, `TextSendStream` and
 * `TextStream` (anyio/streams/text.py). They turn a byte stream into an
 * object stream of strings: receiving decodes with a streaming
 * `TextDecoder`, sending encodes with `TextEncoder` (UTF-8).
 *
 * Invariants:
 * - A character split across chunks decodes right: the decoder runs with
 *   `stream: true` and keeps the bytes of an incomplete sequence until the
 *   rest arrives. A chunk that completes no character is not returned as an
 *   empty string; `receive` reads on.
 * - Cancel safety: a chunk the byte stream returned is fed to the decoder in
 *   the same synchronous step, and the text it completes is returned in that
 *   step; a cancelled `receive` therefore loses nothing (incomplete bytes
 *   wait in the decoder).
 * - At the end of the byte stream the decoder is flushed once: with
 *   `fatal: true` an incomplete sequence there (or invalid bytes anywhere) is
 *   a `TypeError` whose `cause` is the decoder's error; without it they
 *   decode as U+FFFD. After the flush, `receive` throws `EndOfStream`.
 *
 * Costs: one decoder (or encoder) per stream; each received chunk is decoded
 * once, each sent string encoded into one fresh array.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { EndOfStream } from "../core/errors.ts";
import { checkContext, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream, HalfCloseableStream } from "./byte-stream.ts";
import type { ObjectReceiveStream, ObjectSendStream, ObjectStream } from "./object-stream.ts";

/**
 * Options of {@link TextReceiveStream} and {@link TextStream}.
 *
 * @example
 * ```ts
 * const options: TextStreamOptions = { encoding: "utf-8", fatal: true };
 * ```
 */
export interface TextStreamOptions {
  /** The encoding of received bytes, any `TextDecoder` label ("utf-8" by default). Sending is always UTF-8. */
  readonly encoding?: string;
  /** Throw on invalid bytes instead of decoding them as U+FFFD (anyio's `errors="strict"`); false by default. */
  readonly fatal?: boolean;
}

function checkOptions(options: unknown): { encoding: string; fatal: boolean } {
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const { encoding = "utf-8", fatal = false } = options as TextStreamOptions;
  if (typeof encoding !== "string") throw new TypeError(`options.encoding must be a string, got ${describeValue(encoding)}`);
  if (typeof fatal !== "boolean") throw new TypeError(`options.fatal must be a boolean, got ${describeValue(fatal)}`);
  return { encoding, fatal };
}

/** The part of `TextDecoder` used here (the runtimes' typings differ in the rest). */
interface Decoder {
  readonly encoding: string;
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

function makeDecoder(options: unknown): Decoder {
  const { encoding, fatal } = checkOptions(options);
  try {
    return new TextDecoder(encoding as ConstructorParameters<typeof TextDecoder>[0], { fatal }) as Decoder;
  } catch (error) {
    throw new RangeError(`options.encoding must be an encoding TextDecoder knows, got ${describeValue(encoding)}`, { cause: error });
  }
}

function checkStream(name: string, value: unknown, methods: readonly string[], kind: string): void {
  if (value === null || typeof value !== "object" || methods.some((m) => typeof (value as Record<string, unknown>)[m] !== "function")) {
    throw new TypeError(`${name} must be a ${kind}, got ${describeValue(value)}`);
  }
}

function decode(decoder: Decoder, bytes: Uint8Array | undefined): string {
  try {
    return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
  } catch (error) {
    throw new TypeError(`the received bytes are not valid ${decoder.encoding}`, { cause: error });
  }
}

/** Receives one non-empty string (or the decoder's last words) from `stream`. */
async function receiveText(cx: Context, stream: ByteReceiveStream, state: { decoder: Decoder; flushed: boolean }): Promise<string> {
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx);
    } catch (error) {
      if (error instanceof EndOfStream && !state.flushed) {
        state.flushed = true;
        const rest = decode(state.decoder, undefined);
        if (rest.length > 0) return rest;
      }
      throw error;
    }
    const text = decode(state.decoder, chunk);
    if (text.length > 0) return text;
  }
}

/**
 * Decodes a byte receive stream into strings (anyio's `TextReceiveStream`);
 * an `ObjectReceiveStream<string>`. Each `receive` returns the text of one
 * or more chunks, never an empty string.
 *
 * @example
 * ```ts
 * import { type ByteReceiveStream, type Context, TextReceiveStream } from "skein";
 * async function readText(cx: Context, bytes: ByteReceiveStream): Promise<string> {
 *   const text = new TextReceiveStream(bytes);
 *   return text.receive(cx);
 * }
 * ```
 */
export class TextReceiveStream implements ObjectReceiveStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: ByteReceiveStream;
  private readonly state: { decoder: Decoder; flushed: boolean };

  /**
   * @param transportStream the byte stream to decode.
   * @param options `encoding` ("utf-8" by default) and `fatal` (false by default).
   * @throws {@link !TypeError} if `transportStream` is not a byte receive stream, or an option has the wrong type.
   * @throws {@link !RangeError} if `options.encoding` is not an encoding `TextDecoder` knows.
   */
  constructor(transportStream: ByteReceiveStream, options: TextStreamOptions = {}) {
    checkStream("transportStream", transportStream, ["receive", "close"], "ByteReceiveStream");
    this.transportStream = transportStream;
    this.state = { decoder: makeDecoder(options), flushed: false };
  }

  /**
   * The decoder's encoding name ("utf-8", say).
   *
   * @example
   * ```ts
   * console.log(text.encoding);
   * ```
   */
  get encoding(): string {
    return this.state.decoder.encoding;
  }

  /**
   * Receives the next piece of text; a checkpoint, cancel-safe.
   *
   * @throws {@link EndOfStream} once the byte stream ended and the decoder was flushed.
   * @throws {@link !TypeError} with `fatal: true`, on bytes that are not valid in the encoding (the decoder's error is the `cause`).
   * @throws {@link ClosedResourceError}, {@link BusyResourceError} or {@link BrokenResourceError} from the byte stream.
   * @example
   * ```ts
   * const text = await stream.receive(cx);
   * ```
   */
  receive(cx: Context): Promise<string> {
    checkContext(cx, "TextReceiveStream.receive");
    return receiveText(cx, this.transportStream, this.state);
  }

  /**
   * Closes the byte stream; idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this.transportStream.close();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using text = new TextReceiveStream(byteStream);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Encodes strings as UTF-8 onto a byte send stream (anyio's
 * `TextSendStream`); an `ObjectSendStream<string>`.
 *
 * @example
 * ```ts
 * import { type ByteSendStream, type Context, TextSendStream } from "skein";
 * async function hello(cx: Context, bytes: ByteSendStream): Promise<void> {
 *   await new TextSendStream(bytes).send(cx, "héllo\n");
 * }
 * ```
 */
export class TextSendStream implements ObjectSendStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: ByteSendStream;
  private readonly encoder = new TextEncoder();

  /**
   * @param transportStream the byte stream to write to.
   * @throws {@link !TypeError} if `transportStream` is not a byte send stream.
   */
  constructor(transportStream: ByteSendStream) {
    checkStream("transportStream", transportStream, ["send", "close"], "ByteSendStream");
    this.transportStream = transportStream;
  }

  /**
   * Encodes `text` as UTF-8 and sends it; a checkpoint.
   *
   * @throws {@link !TypeError} if `text` is not a string.
   * @throws {@link ClosedResourceError}, {@link BusyResourceError} or {@link BrokenResourceError} from the byte stream.
   * @example
   * ```ts
   * await stream.send(cx, "hello\n");
   * ```
   */
  send(cx: Context, text: string): Promise<void> {
    checkContext(cx, "TextSendStream.send");
    if (typeof text !== "string") return Promise.reject(new TypeError(`text must be a string, got ${describeValue(text)}`));
    return this.transportStream.send(cx, this.encoder.encode(text));
  }

  /**
   * Closes the byte stream; idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this.transportStream.close();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using text = new TextSendStream(byteStream);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A two-way text stream over a half-closeable byte stream (anyio's
 * `TextStream`): receives as {@link TextReceiveStream}, sends as
 * {@link TextSendStream}; an `ObjectStream<string>`.
 *
 * @example
 * ```ts
 * import { type Context, type HalfCloseableStream, TextStream } from "skein";
 * async function chat(cx: Context, bytes: HalfCloseableStream): Promise<string> {
 *   const text = new TextStream(bytes);
 *   await text.send(cx, "hi\n");
 *   return text.receive(cx);
 * }
 * ```
 */
export class TextStream implements ObjectStream<string> {
  /** The wrapped byte stream. */
  readonly transportStream: HalfCloseableStream;
  private readonly state: { decoder: Decoder; flushed: boolean };
  private readonly encoder = new TextEncoder();

  /**
   * @param transportStream the two-way byte stream.
   * @param options `encoding` of received bytes ("utf-8" by default) and `fatal` (false by default).
   * @throws {@link !TypeError} if `transportStream` is not a half-closeable byte stream, or an option has the wrong type.
   * @throws {@link !RangeError} if `options.encoding` is not an encoding `TextDecoder` knows.
   */
  constructor(transportStream: HalfCloseableStream, options: TextStreamOptions = {}) {
    checkStream("transportStream", transportStream, ["receive", "send", "sendEof", "close"], "HalfCloseableStream");
    this.transportStream = transportStream;
    this.state = { decoder: makeDecoder(options), flushed: false };
  }

  /**
   * The decoder's encoding name.
   *
   * @example
   * ```ts
   * console.log(text.encoding); // "utf-8"
   * ```
   */
  get encoding(): string {
    return this.state.decoder.encoding;
  }

  /**
   * Receives the next piece of text; see {@link TextReceiveStream.receive}.
   *
   * @example
   * ```ts
   * const text = await stream.receive(cx);
   * ```
   */
  receive(cx: Context): Promise<string> {
    checkContext(cx, "TextStream.receive");
    return receiveText(cx, this.transportStream, this.state);
  }

  /**
   * Sends `text` as UTF-8; see {@link TextSendStream.send}.
   *
   * @throws {@link !TypeError} if `text` is not a string.
   * @example
   * ```ts
   * await stream.send(cx, "hello\n");
   * ```
   */
  send(cx: Context, text: string): Promise<void> {
    checkContext(cx, "TextStream.send");
    if (typeof text !== "string") return Promise.reject(new TypeError(`text must be a string, got ${describeValue(text)}`));
    return this.transportStream.send(cx, this.encoder.encode(text));
  }

  /**
   * Closes the byte stream's sending side; receiving goes on.
   *
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void> {
    checkContext(cx, "TextStream.sendEof");
    return this.transportStream.sendEof(cx);
  }

  /**
   * Closes the byte stream; idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this.transportStream.close();
  }

  /**
   * Closes the stream, for `await using`.
   *
   * @example
   * ```ts
   * await using text = new TextStream(byteStream);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// `for await (x of stream)` says what to write instead (the receives need cx).
refuseAsyncIteration(TextReceiveStream.prototype, "TextReceiveStream", "a loop over `await stream.receive(cx)` that ends at EndOfStream");
refuseAsyncIteration(TextStream.prototype, "TextStream", "a loop over `await stream.receive(cx)` that ends at EndOfStream");
