/**
 * Object stream interfaces: anyio's `ObjectReceiveStream`,
 * `ObjectSendStream` and `ObjectStream`, camelCased and with Skein's
 * explicit context. An object stream moves whole items (messages, lines,
 * decoded frames) where a byte stream moves bytes.
 *
 * Types only; there is no base class. The memory object streams
 * (`createMemoryObjectStream`), the text streams and `StapledObjectStream`
 * implement them, so code written against these interfaces takes any of
 * them.
 *
 * The rules are those of the byte streams (see byte-stream.ts), item by
 * item: `receive` waits for the next item and is cancel-safe (a cancelled
 * receive took nothing); `send` returns once the item is accepted; once the
 * peer closed its sending side and every item was received, `receive`
 * throws `EndOfStream`; using a closed end throws `ClosedResourceError`;
 * sending to a peer that closed its receiving side throws
 * `BrokenResourceError`. `close` is idempotent and may be synchronous (the
 * memory streams close at once), so callers `await` it either way.
 *
 * Costs: none here (types only).
 *
 * @module
 */

import type { Context } from "../core/context.ts";

/**
 * The receiving end of an object stream (anyio's `ObjectReceiveStream`).
 *
 * @example
 * ```ts
 * import { EndOfStream, type Context, type ObjectReceiveStream } from "skein";
 * async function drain<T>(cx: Context, stream: ObjectReceiveStream<T>): Promise<T[]> {
 *   const items: T[] = [];
 *   try {
 *     for (;;) items.push(await stream.receive(cx));
 *   } catch (error) {
 *     if (!(error instanceof EndOfStream)) throw error;
 *   }
 *   return items;
 * }
 * ```
 */
export interface ObjectReceiveStream<T> extends AsyncDisposable {
  /**
   * Waits for the next item and returns it; a checkpoint, and cancel-safe.
   *
   * @throws {@link EndOfStream} once the peer closed its sending side and every item was received.
   * @throws {@link ClosedResourceError} if this end was closed.
   * @example
   * ```ts
   * const item = await stream.receive(cx);
   * ```
   */
  receive(cx: Context): Promise<T>;

  /**
   * Closes this end; idempotent. `await` it: it may be asynchronous.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): void | Promise<void>;
}

/**
 * The sending end of an object stream (anyio's `ObjectSendStream`).
 *
 * @example
 * ```ts
 * import type { Context, ObjectSendStream } from "skein";
 * async function sendAll<T>(cx: Context, stream: ObjectSendStream<T>, items: readonly T[]): Promise<void> {
 *   for (const item of items) await stream.send(cx, item);
 *   await stream.close();
 * }
 * ```
 */
export interface ObjectSendStream<T> extends AsyncDisposable {
  /**
   * Sends `item`, returning once it is accepted; a checkpoint.
   *
   * @throws {@link BrokenResourceError} if the peer closed its receiving side.
   * @throws {@link ClosedResourceError} if this end was closed.
   * @example
   * ```ts
   * await stream.send(cx, item);
   * ```
   */
  send(cx: Context, item: T): Promise<void>;

  /**
   * Closes this end (the peer sees the end of the stream); idempotent.
   * `await` it: it may be asynchronous.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): void | Promise<void>;
}

/**
 * A two-way object stream (anyio's `ObjectStream`): both ends in one object,
 * plus `sendEof` to close the sending side alone.
 *
 * @example
 * ```ts
 * import type { Context, ObjectStream } from "skein";
 * async function ask(cx: Context, stream: ObjectStream<string>): Promise<string> {
 *   await stream.send(cx, "question");
 *   await stream.sendEof(cx);
 *   return stream.receive(cx);
 * }
 * ```
 */
export interface ObjectStream<T> extends ObjectReceiveStream<T>, ObjectSendStream<T> {
  /**
   * Closes the sending side only; idempotent. Receiving goes on.
   *
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void>;

  /**
   * Closes both directions; idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): void | Promise<void>;
}
