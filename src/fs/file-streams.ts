/**
 * Files as byte streams (anyio's `FileReadStream` and `FileWriteStream`):
 * a file read or written through the same `ByteReceiveStream` /
 * `ByteSendStream` interface as a socket or a memory stream, so every
 * wrapper (buffered, text) and every piece of code written against streams
 * works on files.
 *
 * Invariants (the byte stream rules of `streams/byte-stream.ts`, and those
 * of `file-core.ts`):
 * - `receive` returns 1 to `maxBytes` bytes from the position and then
 *   `EndOfStream`, every time, at the end of the file.
 * - A `receive` or `send` checks for cancellation before it starts; once
 *   started it finishes, and its result is returned (a receive that
 *   returned took its bytes; nothing is read twice or lost).
 * - One `receive` (or `send`) at a time: a second concurrent one raises
 *   `BusyResourceError`. After `close()`, `ClosedResourceError`.
 *
 * Costs: a `receive` reads ahead (`READ_AHEAD`, 256 KiB, or `maxBytes` if
 * larger) and serves the next receives from that buffer without a runtime
 * call: per 64 KiB received, a quarter of a runtime read and of an
 * allocation. A chunk of at least 64 KiB is a view of the read-ahead
 * buffer (keeping one alive keeps at most 256 KiB); a smaller one is a
 * copy. Per `send`, one runtime write of the caller's bytes (not copied).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { ClosedResourceError, EndOfStream } from "../core/errors.ts";
import { checkContext, checkCount, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream } from "../streams/byte-stream.ts";
import { AsyncFile } from "./async-file.ts";
import { FileCore, flagsOf } from "./file-core.ts";
import { checkOptions, checkPath, filesOf } from "./operation.ts";

function checkFile(file: unknown): void {
  if (!(file instanceof AsyncFile)) throw new TypeError(`file must be an AsyncFile (from openFile), got ${describeValue(file)}`);
}

/**
 * Options of {@link FileReadStream.from}.
 *
 * @example
 * ```ts
 * const options: FileReadStreamOptions = { start: 1024 };
 * ```
 */
export interface FileReadStreamOptions {
  /** The byte offset to start reading at (default 0). */
  readonly start?: number;
}

/**
 * Options of {@link FileWriteStream.from}.
 *
 * @example
 * ```ts
 * const options: FileWriteStreamOptions = { append: true };
 * ```
 */
export interface FileWriteStreamOptions {
  /** Add to the end of an existing file instead of replacing it (default false). */
  readonly append?: boolean;
}

/** The TypeError for `new FileReadStream(x)` / `new FileWriteStream(x)` from user code. */
function internalConstructor(what: string, got: unknown): never {
  throw new TypeError(`new ${what}() is internal: use ${what}.fromFile(file) or ${what}.from(cx, path), got ${describeValue(got)}`);
}

/**
 * A file read as a byte stream. Make one with {@link FileReadStream.from}
 * (a path) or {@link FileReadStream.fromFile} (an open {@link AsyncFile}).
 *
 * @example Copy a file into any byte stream (a socket, a memory stream)
 * ```ts
 * import { EndOfStream, FileReadStream, type ByteSendStream, type Context } from "skein";
 * async function sendFile(cx: Context, path: string, out: ByteSendStream): Promise<void> {
 *   await using file = await FileReadStream.from(cx, path);
 *   for (;;) {
 *     try {
 *       await out.send(cx, await file.receive(cx));
 *     } catch (error) {
 *       if (error instanceof EndOfStream) return;
 *       throw error;
 *     }
 *   }
 * }
 * ```
 */
export class FileReadStream implements ByteReceiveStream {
  /** @internal */
  readonly _core: FileCore;

  /** @internal Made by `from` and `fromFile`; anything else (anyio's `FileReadStream(file)`, say) is a TypeError saying so. */
  constructor(core: FileCore) {
    if (!(core instanceof FileCore)) internalConstructor("FileReadStream", core);
    this._core = core;
  }

  /**
   * Opens the file at `path` for reading as a stream (anyio's
   * `FileReadStream.from_path`).
   *
   * @throws {@link !TypeError} if `path` is not a non-empty string or `options` is not an object.
   * @throws {@link !RangeError} if `options.start` is not a whole number >= 0.
   * @throws {@link FileNotFoundError} if there is no such file.
   * @throws {@link IsADirectoryError} if `path` is a directory.
   * @throws {@link UnsupportedError} on an adapter without files.
   * @example
   * ```ts
   * await using stream = await FileReadStream.from(cx, "/var/log/app.log", { start: 0 });
   * const chunk = await stream.receive(cx);
   * ```
   */
  static async from(cx: Context, path: string, options?: FileReadStreamOptions): Promise<FileReadStream> {
    checkContext(cx, "FileReadStream.from");
    checkPath("path", path);
    checkOptions("options", options);
    const start = options?.start ?? 0;
    checkCount("options.start", start, 0);
    const support = filesOf(cx, "FileReadStream.from");
    cx.checkpointIfCancelled();
    const core = await FileCore.open(cx, support, path, flagsOf("r")!, "open");
    core.moveTo(start);
    return new FileReadStream(core);
  }

  /**
   * Reads `file` as a stream from its position. The stream shares the file:
   * closing either closes both.
   *
   * @throws {@link !TypeError} if `file` is not an {@link AsyncFile}.
   * @throws {@link UsageError} if the file was not opened for reading.
   * @example
   * ```ts
   * const file = await openFile(cx, "data.bin");
   * await using stream = FileReadStream.fromFile(file);
   * ```
   */
  static fromFile(file: AsyncFile): FileReadStream {
    checkFile(file);
    file._core.checkReadable();
    return new FileReadStream(file._core);
  }

  /** The path the file was opened with. */
  get path(): string {
    return this._core.path;
  }

  /**
   * Returns the next 1 to `maxBytes` bytes of the file (65536 by default).
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 1.
   * @throws {@link EndOfStream} at the end of the file.
   * @throws {@link ClosedResourceError} if the stream is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @throws {@link FileSystemError} if the runtime fails (`cause`: its error).
   * @example
   * ```ts
   * const chunk = await stream.receive(cx, 4096);
   * ```
   */
  async receive(cx: Context, maxBytes = 65536): Promise<Uint8Array> {
    checkContext(cx, "FileReadStream.receive");
    if (maxBytes !== 65536) checkCount("maxBytes", maxBytes, 1);
    const chunk = await this._core.readSome(cx, maxBytes);
    if (chunk.length === 0) throw new EndOfStream(`end of the file ${JSON.stringify(this._core.path)}`);
    return chunk;
  }

  /**
   * Moves to byte `position` (from the start); the next `receive` reads
   * from there.
   *
   * @throws {@link !RangeError} if `position` is not a whole number >= 0.
   * @throws {@link ClosedResourceError} if the stream is closed.
   * @example
   * ```ts
   * await stream.seek(cx, 0); // read it again
   * ```
   */
  async seek(cx: Context, position: number): Promise<number> {
    checkContext(cx, "FileReadStream.seek");
    checkCount("position", position, 0);
    this._core.begin(cx);
    this._core.end();
    this._core.moveTo(position);
    return position;
  }

  /**
   * The byte offset the next `receive` reads from.
   *
   * @throws {@link ClosedResourceError} if the stream is closed.
   * @example
   * ```ts
   * console.log(stream.tell());
   * ```
   */
  tell(): number {
    if (this._core.closed) throw new ClosedResourceError(`the file ${JSON.stringify(this._core.path)} is closed`);
    return this._core.position;
  }

  /**
   * Closes the stream (and its file); idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this._core.close();
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// `for await (chunk of stream)` (anyio's byte stream iteration) says what to write instead.
refuseAsyncIteration(FileReadStream.prototype, "FileReadStream", "a loop over `await stream.receive(cx)` that ends at EndOfStream");

/**
 * A file written as a byte stream. Make one with
 * {@link FileWriteStream.from} (a path) or {@link FileWriteStream.fromFile}.
 *
 * @example
 * ```ts
 * import { FileWriteStream, run } from "skein";
 * await run(async (cx) => {
 *   await using out = await FileWriteStream.from(cx, "/tmp/out.bin");
 *   await out.send(cx, new Uint8Array([1, 2, 3]));
 * });
 * ```
 */
export class FileWriteStream implements ByteSendStream {
  /** @internal */
  readonly _core: FileCore;

  /** @internal Made by `from` and `fromFile`; anything else (anyio's `FileWriteStream(file)`, say) is a TypeError saying so. */
  constructor(core: FileCore) {
    if (!(core instanceof FileCore)) internalConstructor("FileWriteStream", core);
    this._core = core;
  }

  /**
   * Opens the file at `path` for writing as a stream (anyio's
   * `FileWriteStream.from_path`): created if missing, emptied first unless
   * `options.append`.
   *
   * @throws {@link !TypeError} if `path` is not a non-empty string or an option is of the wrong type.
   * @throws {@link FileNotFoundError} if its directory does not exist.
   * @throws {@link UnsupportedError} on an adapter without files.
   * @example
   * ```ts
   * await using log = await FileWriteStream.from(cx, "/tmp/app.log", { append: true });
   * await log.send(cx, new TextEncoder().encode("started\n"));
   * ```
   */
  static async from(cx: Context, path: string, options?: FileWriteStreamOptions): Promise<FileWriteStream> {
    checkContext(cx, "FileWriteStream.from");
    checkPath("path", path);
    checkOptions("options", options);
    const append = options?.append ?? false;
    if (typeof append !== "boolean") throw new TypeError(`options.append must be a boolean, got ${describeValue(append)}`);
    const support = filesOf(cx, "FileWriteStream.from");
    cx.checkpointIfCancelled();
    return new FileWriteStream(await FileCore.open(cx, support, path, flagsOf(append ? "a" : "w")!, "open"));
  }

  /**
   * Writes to `file` as a stream, from its position (or at its end in an
   * append mode). The stream shares the file: closing either closes both.
   *
   * @throws {@link !TypeError} if `file` is not an {@link AsyncFile}.
   * @throws {@link UsageError} if the file was not opened for writing.
   * @example
   * ```ts
   * const file = await openFile(cx, "data.bin", "r+");
   * await using stream = FileWriteStream.fromFile(file);
   * ```
   */
  static fromFile(file: AsyncFile): FileWriteStream {
    checkFile(file);
    file._core.checkWritable();
    return new FileWriteStream(file._core);
  }

  /** The path the file was opened with. */
  get path(): string {
    return this._core.path;
  }

  /**
   * Writes all of `bytes` to the file; returns once the runtime has them.
   *
   * @throws {@link !TypeError} if `bytes` is not a `Uint8Array`.
   * @throws {@link ClosedResourceError} if the stream is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is sending.
   * @throws {@link FileSystemError} if the runtime fails (`cause`: its error).
   * @example
   * ```ts
   * await stream.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  send(cx: Context, bytes: Uint8Array): Promise<void> {
    try {
      checkContext(cx, "FileWriteStream.send");
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new TypeError(`bytes must be a Uint8Array, got ${describeValue(bytes)}`));
    return this._core.write(cx, bytes, false);
  }

  /**
   * Closes the stream (and its file); idempotent.
   *
   * @example
   * ```ts
   * await stream.close();
   * ```
   */
  close(): Promise<void> {
    return this._core.close();
  }

  /** Closes the stream (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
