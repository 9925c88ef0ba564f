/**
 * Byte stream interfaces: the contract every byte transport in Skein keeps
 * (memory streams in `skein/testing` today; TCP, TLS and file streams
 * later), in the shape of anyio's `ByteReceiveStream`, `ByteSendStream` and
 * `ByteStream`, with trio's `HalfCloseableStream` for `sendEof`, camelCased
 * and with Skein's explicit context.
 *
 * These are types only; there is no base class. Wrappers (buffered, text,
 * TLS) are meant to be written against these interfaces, so that a
 * transport only implements the few methods below and every wrapper works
 * on it. `checkOneWayStream`, `checkTwoWayStream` and
 * `checkHalfCloseableStream` in `skein/testing` check an implementation
 * against the rules here.
 *
 * ## The rules every implementation keeps
 *
 * - **Pull-based receive.** `receive(cx, maxBytes)` returns the bytes that
 *   have arrived, at least 1 and at most `maxBytes` (65536 when omitted),
 *   waiting only while none have. Bytes arrive in the order they were sent,
 *   none lost, none repeated. `maxBytes` that is not a whole number >= 1 is
 *   a `RangeError`.
 * - **Cancel-safe receive.** A `receive` that throws `Cancelled` took
 *   nothing: the bytes it would have returned are returned by the next
 *   `receive`. (A `send` that throws `Cancelled` may have delivered a prefix
 *   of its bytes, as in trio and anyio; the stream stays usable.)
 * - **Send returns when the bytes are accepted**: handed to the peer, to a
 *   buffer, or to the operating system, never kept by the caller's array
 *   (an implementation that buffers copies it). Sending an empty array is
 *   allowed and delivers nothing.
 * - **End of stream.** Once the peer closed its sending side (`close` or
 *   `sendEof`) and every byte before it has been received, `receive` throws
 *   `EndOfStream`, every time it is called.
 * - **Broken.** A peer reset, or a `send` after the peer closed its
 *   receiving side, throws `BrokenResourceError` (possibly after a few
 *   sends that a buffer accepted).
 * - **Closed.** Using a stream (or, after `sendEof`, sending on it) after
 *   closing it locally throws `ClosedResourceError`. `close` is idempotent.
 *   Closing a stream while a task is blocked on it wakes that task with
 *   `ClosedResourceError`.
 * - **Busy.** A second concurrent `receive` on one stream, or a second
 *   concurrent `send` (or `sendEof` during a `send`), throws
 *   `BusyResourceError` at once: a bug to report, not contention to queue
 *   (use `ResourceGuard`).
 * - **Causes.** An error that reports a failure of the runtime (a socket
 *   error, say) keeps the runtime's original error as its `cause`.
 * - `send` and `receive` are checkpoints: in a cancelled scope they throw
 *   `Cancelled` and do nothing.
 *
 * Costs: none here (types only).
 *
 * @module
 */

import type { Context } from "../core/context.ts";

/**
 * The receiving end of a byte stream (anyio's `ByteReceiveStream`).
 *
 * @example
 * ```ts
 * import { EndOfStream, type ByteReceiveStream, type Context } from "skein";
 * async function readAll(cx: Context, stream: ByteReceiveStream): Promise<number> {
 *   let total = 0;
 *   try {
 *     for (;;) total += (await stream.receive(cx)).length;
 *   } catch (error) {
 *     if (!(error instanceof EndOfStream)) throw error;
 *   }
 *   return total;
 * }
 * ```
 */
export interface ByteReceiveStream extends AsyncDisposable {
  /**
   * Waits until bytes have arrived and returns between 1 and `maxBytes` of
   * them (65536 by default); a checkpoint, and cancel-safe (a cancelled
   * receive took nothing).
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link EndOfStream} once the peer has closed its sending side and every byte has been received.
   * @throws {@link BrokenResourceError} if the peer reset the stream.
   * @throws {@link ClosedResourceError} if this stream was closed (also when it is closed while waiting).
   * @throws {@link BusyResourceError} if another task is receiving from this stream.
   * @example
   * ```ts
   * const chunk = await stream.receive(cx, 1024);
   * ```
   */
  receive(cx: Context, maxBytes?: number): Promise<Uint8Array>;

  /**
   * Closes the stream and releases its resources; idempotent. Tasks blocked
   * on it wake with `ClosedResourceError`.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * The sending end of a byte stream (anyio's `ByteSendStream`).
 *
 * @example
 * ```ts
 * import type { ByteSendStream, Context } from "skein";
 * async function greet(cx: Context, stream: ByteSendStream): Promise<void> {
 *   await stream.send(cx, new TextEncoder().encode("hello\n"));
 *   await stream.close();
 * }
 * ```
 */
export interface ByteSendStream extends AsyncDisposable {
  /**
   * Sends `bytes`, returning once they are accepted (by the peer, a buffer
   * or the operating system); a checkpoint. A cancelled send may have
   * delivered a prefix of `bytes`.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link BrokenResourceError} if the peer closed its receiving side or reset the stream.
   * @throws {@link ClosedResourceError} if this stream was closed (also when it is closed while waiting) or `sendEof` was called.
   * @throws {@link BusyResourceError} if another task is sending on this stream.
   * @example
   * ```ts
   * await stream.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void>;

  /**
   * Closes the stream (the peer then sees end of stream) and releases its
   * resources; idempotent. Tasks blocked on it wake with
   * `ClosedResourceError`.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * A two-way byte stream (anyio's `ByteStream`, trio's `Stream`): both ends
 * in one object. `close` closes both directions.
 *
 * @example
 * ```ts
 * import type { ByteStream, Context } from "skein";
 * async function echoOnce(cx: Context, stream: ByteStream): Promise<void> {
 *   await stream.send(cx, await stream.receive(cx));
 * }
 * ```
 */
export interface ByteStream extends ByteReceiveStream, ByteSendStream {
  /**
   * Closes both directions; idempotent. Tasks blocked on it wake with
   * `ClosedResourceError`.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * A two-way byte stream whose sending side can be closed alone (trio's
 * `HalfCloseableStream`, anyio's `ByteStream.send_eof`): after `sendEof`
 * the peer's `receive` ends with `EndOfStream`, while this end can still
 * receive.
 *
 * @example
 * ```ts
 * import type { Context, HalfCloseableStream } from "skein";
 * async function request(cx: Context, stream: HalfCloseableStream, body: Uint8Array): Promise<Uint8Array> {
 *   await stream.send(cx, body);
 *   await stream.sendEof(cx); // the server reads to the end, then answers
 *   return stream.receive(cx);
 * }
 * ```
 */
export interface HalfCloseableStream extends ByteStream {
  /**
   * Closes the sending side only; idempotent. Later sends throw
   * `ClosedResourceError`; receiving goes on.
   *
   * @throws {@link BusyResourceError} if another task is sending on this stream.
   * @throws {@link ClosedResourceError} if the stream was closed.
   * @example
   * ```ts
   * await stream.sendEof(cx);
   * ```
   */
  sendEof(cx: Context): Promise<void>;
}

/**
 * A byte receive stream that can also receive into a buffer the caller owns
 * and reuses (trio's `socket.recv_into`; anyio has no such method):
 * {@link SocketStream} (TCP, Unix, TLS) and a child process's stdout and
 * stderr. A bulk reader that only looks at each chunk before the next
 * (hashing, counting, echoing, writing to a file) allocates nothing per
 * chunk this way, where `receive` must return fresh bytes the caller keeps.
 *
 * Only the streams that read from the runtime have it. Wrappers (buffered,
 * text, TLS over a memory stream, stapled) and memory streams do not: their
 * `receive` already hands over bytes they hold (often without a copy), so a
 * `receiveInto` would add a copy, not save an allocation. Use
 * `"receiveInto" in stream` to test for it.
 *
 * The rules are those of `receive` in {@link ByteReceiveStream}, plus: a
 * `receiveInto` writes into `buffer` only in the step that returns the
 * count, so a cancelled (or failed) one wrote nothing there, and the bytes
 * it would have copied go to the next `receive` or `receiveInto`.
 *
 * @example
 * ```ts
 * import { EndOfStream, type Context, type ReceiveIntoStream } from "skein";
 * async function countBytes(cx: Context, stream: ReceiveIntoStream): Promise<number> {
 *   const buffer = new Uint8Array(65536);
 *   let total = 0;
 *   try {
 *     for (;;) total += await stream.receiveInto(cx, buffer);
 *   } catch (error) {
 *     if (!(error instanceof EndOfStream)) throw error;
 *   }
 *   return total;
 * }
 * ```
 */
export interface ReceiveIntoStream extends ByteReceiveStream {
  /**
   * Waits until bytes have arrived, copies between 1 and `buffer.length` of
   * them into `buffer` from its start and returns how many; a checkpoint,
   * and cancel-safe (a cancelled call took nothing and wrote nothing into
   * `buffer`). Bytes that do not fit stay for the next call.
   *
   * @throws {@link !TypeError} if `buffer` is not a `Uint8Array`.
   * @throws {@link !RangeError} if `buffer` is empty.
   * @throws {@link EndOfStream} once the peer has closed its sending side and every byte has been received.
   * @throws {@link BrokenResourceError} if the peer reset the stream.
   * @throws {@link ClosedResourceError} if this stream was closed (also when it is closed while waiting).
   * @throws {@link BusyResourceError} if another task is receiving from this stream (`receive` or `receiveInto`).
   * @example
   * ```ts
   * const buffer = new Uint8Array(4096);
   * const n = await stream.receiveInto(cx, buffer);
   * console.log(buffer.subarray(0, n));
   * ```
   */
  receiveInto(cx: Context, buffer: Uint8Array): Promise<number>;
}
