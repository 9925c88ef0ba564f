/**
 * An open file (anyio's `AsyncFile`, the `aiofiles` file object): read,
 * write, seek, truncate, stat and close, each a Skein operation of the
 * calling context, and `await using` to close it.
 *
 * Invariants (see `file-core.ts` and `operation.ts`): one operation at a
 * time per file (`BusyResourceError` otherwise); every operation checks for
 * cancellation before it starts and, once started, finishes and returns its
 * result (`Cancelled` comes at the next checkpoint); after `close()` every
 * call raises `ClosedResourceError`; the run closes a file the program left
 * open.
 *
 * Costs: per call, one runtime call (two for an append that reports its
 * position; `read` without a count adds a stat) and one async frame.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { ClosedResourceError } from "../core/errors.ts";
import { checkContext, checkCount, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import { step } from "../core/waiter-queue.ts";
import { FileCore, type FileMode, flagsOf } from "./file-core.ts";
import type { FileInfo } from "./file-support.ts";
import { checkPath, filesOf } from "./operation.ts";

const encoder = new TextEncoder();

/**
 * Where {@link AsyncFile.seek} counts from: the start of the file, the
 * current position, or the end.
 *
 * @example
 * ```ts
 * const whence: SeekWhence = "end";
 * ```
 */
export type SeekWhence = "start" | "current" | "end";

/** Throws unless `value` is a `Uint8Array` or a string. @internal */
export function toBytes(name: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return encoder.encode(value);
  throw new TypeError(`${name} must be a Uint8Array or a string, got ${describeValue(value)}`);
}

/**
 * An open file. Make one with {@link openFile}; close it with `close()` or
 * `await using`.
 *
 * @example
 * ```ts
 * import { openFile, run } from "skein";
 * await run(async (cx) => {
 *   await using file = await openFile(cx, "/tmp/log.txt", "a+");
 *   await file.write(cx, "one more line\n");
 *   await file.seek(cx, 0);
 *   console.log(new TextDecoder().decode(await file.read(cx)));
 * });
 * ```
 */
export class AsyncFile implements AsyncDisposable {
  /** @internal */
  readonly _core: FileCore;

  /** @internal */
  constructor(
    core: FileCore,
    /** The mode it was opened with. */
    readonly mode: FileMode,
  ) {
    this._core = core;
  }

  /** The path it was opened with. */
  get path(): string {
    return this._core.path;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this._core.closed;
  }

  /**
   * Reads from the position: `maxBytes` bytes (fewer only at the end of the
   * file), or, without `maxBytes`, everything to the end. Returns an empty
   * array at the end of the file. Moves the position past what it read.
   *
   * @throws {@link !RangeError} if `maxBytes` is not a whole number >= 0.
   * @throws {@link UsageError} if the file was not opened for reading.
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is using the file.
   * @throws {@link FileSystemError} if the runtime fails (`cause`: its error).
   * @example
   * ```ts
   * const header = await file.read(cx, 16);
   * const rest = await file.read(cx);
   * ```
   */
  async read(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    checkContext(cx, "AsyncFile.read");
    if (maxBytes !== undefined) checkCount("maxBytes", maxBytes, 0);
    this._core.checkReadable();
    return this._core.readFully(cx, maxBytes);
  }

  /**
   * Reads from the position into `buffer` (one runtime read, no
   * allocation: the loop for big files that need not keep their chunks)
   * and moves the position past what it read. Returns the count read: at
   * most `buffer.length`, 0 at the end of the file (or for an empty
   * `buffer`). Like the other operations it finishes once started; a
   * cancelled caller still gets its count.
   *
   * @throws {@link !TypeError} if `buffer` is not a `Uint8Array`.
   * @throws {@link UsageError} if the file was not opened for reading.
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is using the file.
   * @example
   * ```ts
   * const buffer = new Uint8Array(65536);
   * let total = 0;
   * for (let n = await file.readInto(cx, buffer); n > 0; n = await file.readInto(cx, buffer)) total += n;
   * ```
   */
  async readInto(cx: Context, buffer: Uint8Array): Promise<number> {
    checkContext(cx, "AsyncFile.readInto");
    if (!(buffer instanceof Uint8Array)) throw new TypeError(`buffer must be a Uint8Array, got ${describeValue(buffer)}`);
    this._core.checkReadable();
    return this._core.readInto(cx, buffer);
  }

  /**
   * Reads from the position to the end of the file (the same as `read(cx)`).
   *
   * @example
   * ```ts
   * const all = await file.readAll(cx);
   * ```
   */
  readAll(cx: Context): Promise<Uint8Array> {
    checkContext(cx, "AsyncFile.readAll");
    return this.read(cx);
  }

  /**
   * Writes all of `data` (a string is written as UTF-8) at the position and
   * moves the position past it; in an append mode (`"a"`, `"a+"`) it goes
   * to the end of the file and the position moves to the new end.
   *
   * @throws {@link !TypeError} if `data` is neither a `Uint8Array` nor a string.
   * @throws {@link UsageError} if the file was not opened for writing.
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is using the file.
   * @throws {@link FileSystemError} if the runtime fails (`cause`: its error).
   * @example
   * ```ts
   * await file.write(cx, "hello\n");
   * await file.write(cx, new Uint8Array([0xff]));
   * ```
   */
  async write(cx: Context, data: Uint8Array | string): Promise<void> {
    checkContext(cx, "AsyncFile.write");
    const bytes = toBytes("data", data);
    this._core.checkWritable();
    return this._core.write(cx, bytes, true);
  }

  /**
   * Moves the position to `offset` counted from `whence` (`"start"` by
   * default) and returns the new position. Seeking past the end is allowed:
   * a later write leaves a gap of zeros.
   *
   * @throws {@link !TypeError} if `offset` is not a number or `whence` is not a {@link SeekWhence}.
   * @throws {@link !RangeError} if `offset` is not a whole number or the new position would be negative.
   * @throws {@link ClosedResourceError} if the file is closed.
   * @example
   * ```ts
   * const size = await file.seek(cx, 0, "end");
   * await file.seek(cx, -4, "current");
   * ```
   */
  async seek(cx: Context, offset: number, whence: SeekWhence = "start"): Promise<number> {
    checkContext(cx, "AsyncFile.seek");
    if (typeof offset !== "number") throw new TypeError(`offset must be a number, got ${describeValue(offset)}`);
    if (!Number.isSafeInteger(offset)) throw new RangeError(`offset must be a whole number, got ${offset}`);
    if (whence !== "start" && whence !== "current" && whence !== "end") {
      throw new TypeError(`whence must be "start", "current" or "end", got ${describeValue(whence)}`);
    }
    const core = this._core;
    let base: number;
    if (whence === "end") base = (await core.stat(cx)).size;
    else {
      core.begin(cx);
      core.end();
      // No runtime call: one of the run's steps (runner.ts), as a read served
      // from the read-ahead, so a loop of seeks lets the event loop turn.
      const wait = step(cx);
      if (wait !== undefined) {
        await wait;
        if (core.closed) throw core.closedWhileBlocked();
      }
      base = whence === "start" ? 0 : core.position;
    }
    const position = base + offset;
    if (position < 0) throw new RangeError(`seek to ${offset} from ${whence} would move before the start of the file (position ${position})`);
    core.moveTo(position);
    return position;
  }

  /**
   * The position: where the next read (or non-append write) starts.
   *
   * @throws {@link ClosedResourceError} if the file is closed.
   * @example
   * ```ts
   * await file.write(cx, "abc");
   * console.log(file.tell()); // 3
   * ```
   */
  tell(): number {
    if (this._core.closed) throw new ClosedResourceError(`the file ${JSON.stringify(this._core.path)} is closed`);
    return this._core.position;
  }

  /**
   * Sets the size of the file to `size` bytes (default: the position),
   * cutting it or extending it with zeros. The position does not move.
   *
   * @throws {@link !RangeError} if `size` is not a whole number >= 0.
   * @throws {@link UsageError} if the file was not opened for writing.
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @example
   * ```ts
   * await file.truncate(cx, 0); // empty it
   * ```
   */
  async truncate(cx: Context, size?: number): Promise<void> {
    checkContext(cx, "AsyncFile.truncate");
    if (size !== undefined) checkCount("size", size, 0);
    this._core.checkWritable();
    return this._core.run(cx, "truncate", (raw) => raw.truncate(size ?? this._core.position));
  }

  /**
   * Information about the open file (its size, its kind, when it changed).
   *
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @example
   * ```ts
   * console.log((await file.stat(cx)).size);
   * ```
   */
  stat(cx: Context): Promise<FileInfo> {
    checkContext(cx, "AsyncFile.stat");
    return this._core.stat(cx);
  }

  /**
   * Flushes what was written to storage (`fsync`; on OPFS, commits the
   * pending writes).
   *
   * @throws {@link ClosedResourceError} if the file is (or gets) closed.
   * @example
   * ```ts
   * await file.write(cx, record);
   * await file.sync(cx);
   * ```
   */
  sync(cx: Context): Promise<void> {
    checkContext(cx, "AsyncFile.sync");
    return this._core.run(cx, "sync", (raw) => raw.sync());
  }

  /**
   * Closes the file; idempotent. Every later call raises
   * `ClosedResourceError`; an operation in flight finishes in the runtime,
   * and its caller gets `ClosedResourceError`.
   *
   * @example
   * ```ts
   * await file.close();
   * ```
   */
  close(): Promise<void> {
    return this._core.close();
  }

  /** Closes the file (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// `for await (line of file)` (trio's and anyio's line iteration) says what to write instead.
refuseAsyncIteration(AsyncFile.prototype, "AsyncFile", "a loop over `await file.read(cx, n)` that ends at an empty chunk");

/**
 * Opens the file at `path` (Python's `open()`, anyio's `open_file`); see
 * {@link FileMode} for the modes (default `"r"`). Close it with `close()` or
 * `await using`; the run closes it at the latest.
 *
 * On a browser the path is `/`-separated, under the origin private file
 * system (OPFS).
 *
 * @throws {@link !TypeError} if `path` is not a non-empty string.
 * @throws {@link !RangeError} if `mode` is not a {@link FileMode}.
 * @throws {@link UnsupportedError} on an adapter without files.
 * @throws {@link FileNotFoundError} if the file (or its directory) does not exist and the mode does not create it.
 * @throws {@link FileExistsError} with mode `"x"`/`"x+"` if the file exists.
 * @throws {@link IsADirectoryError} if `path` is a directory.
 * @throws {@link PermissionDeniedError} if the runtime refuses.
 * @example
 * ```ts
 * import { openFile, run } from "skein";
 * await run(async (cx) => {
 *   await using file = await openFile(cx, "/tmp/data.bin", "w+");
 *   await file.write(cx, new Uint8Array([1, 2, 3]));
 *   await file.seek(cx, 0);
 *   console.log(await file.read(cx)); // Uint8Array [1, 2, 3]
 * });
 * ```
 */
export async function openFile(cx: Context, path: string, mode: FileMode = "r"): Promise<AsyncFile> {
  checkContext(cx, "openFile");
  checkPath("path", path);
  const flags = typeof mode === "string" ? flagsOf(mode) : undefined;
  if (flags === undefined) {
    throw new RangeError(`mode must be one of "r", "r+", "w", "w+", "a", "a+", "x", "x+", got ${describeValue(mode)}`);
  }
  const support = filesOf(cx, "openFile");
  cx.checkpointIfCancelled();
  return new AsyncFile(await FileCore.open(cx, support, path, flags, "open"), mode);
}
