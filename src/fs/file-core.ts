/**
 * What an open file is under `AsyncFile`, `FileReadStream` and
 * `FileWriteStream`: the adapter's raw file, the file position, and the
 * closed and busy rules.
 *
 * Invariants:
 * - **One operation at a time.** A file has one position, so a second call
 *   while one is in flight raises `BusyResourceError` at once (as a second
 *   concurrent `receive` on a stream does); use a `Lock` to share a file
 *   between tasks.
 * - **Operations finish** (see `operation.ts`): a cancellation never
 *   abandons a runtime call; the call checks for it before it starts.
 * - **Closing** is idempotent and eager: the file counts as closed at once
 *   (every later call raises `ClosedResourceError`); an operation in flight
 *   finishes in the runtime, its result is dropped and its caller gets
 *   `ClosedResourceError`; the runtime file is closed after it, never under
 *   it.
 * - An open file is a service of its run: the run closes it when it ends if
 *   the program did not, so no descriptor outlives the run.
 *
 * - **Read-ahead** (streams only): a stream's `receive` reads at least
 *   {@link READ_AHEAD} bytes and serves later receives from what is left,
 *   without a runtime call; any other operation (write, seek, truncate, a
 *   file read) drops it first, so a file shared by a stream and an
 *   `AsyncFile` stays consistent. (Another process changing the file sees
 *   the usual staleness of buffered reads.)
 *
 * Costs: per operation, one async frame and (for reads) the buffer it
 * returns; a stream's receive, a quarter of a runtime call and of a 256 KiB
 * allocation per 64 KiB; a `Set` entry per open file.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError, UsageError } from "../core/errors.ts";
import { blockedOn } from "../core/instrument.ts";
import type { Runner } from "../core/runner.ts";
import { step } from "../core/waiter-queue.ts";
import { fileError } from "./errors.ts";
import type { FileInfo, FileSupport, RawFile, RawOpenFlags } from "./file-support.ts";
import { settle } from "./operation.ts";

/**
 * How {@link openFile} opens a file, as in Python's `open()`:
 * - `"r"` read (the file must exist); `"r+"` read and write;
 * - `"w"` write, created or emptied; `"w+"` the same, also reading;
 * - `"a"` append, created if missing (every write goes to the end); `"a+"` the same, also reading;
 * - `"x"` write a new file (`FileExistsError` if it exists); `"x+"` the same, also reading.
 *
 * @example
 * ```ts
 * const mode: FileMode = "a";
 * ```
 */
export type FileMode = "r" | "r+" | "w" | "w+" | "a" | "a+" | "x" | "x+";

const FLAGS: Record<FileMode, RawOpenFlags> = {
  r: { read: true, write: false, append: false, create: false, truncate: false, createNew: false },
  "r+": { read: true, write: true, append: false, create: false, truncate: false, createNew: false },
  w: { read: false, write: true, append: false, create: true, truncate: true, createNew: false },
  "w+": { read: true, write: true, append: false, create: true, truncate: true, createNew: false },
  a: { read: false, write: true, append: true, create: true, truncate: false, createNew: false },
  "a+": { read: true, write: true, append: true, create: true, truncate: false, createNew: false },
  x: { read: false, write: true, append: false, create: false, truncate: false, createNew: true },
  "x+": { read: true, write: true, append: false, create: false, truncate: false, createNew: true },
};

/** The open flags of `mode`, or `undefined` for a string that is not a mode. @internal */
export function flagsOf(mode: string): RawOpenFlags | undefined {
  return Object.hasOwn(FLAGS, mode) ? FLAGS[mode as FileMode] : undefined;
}

/**
 * How much a stream reads at once (at least): four default receives, so a
 * stream makes a quarter of the runtime calls and allocations of a plain
 * read loop. @internal
 */
export const READ_AHEAD = 262144;

/**
 * The first `n` bytes of `buffer` for a caller to keep: a view when they are
 * at least a quarter of the read-ahead (so a kept chunk holds at most four
 * times its size alive), else a copy (a small chunk never pins a big buffer).
 */
function handOut(buffer: Uint8Array, n: number): Uint8Array {
  if (n * 4 < READ_AHEAD) return buffer.slice(0, n);
  return n === buffer.length ? buffer : buffer.subarray(0, n);
}

/** The run's open files, closed when the run ends: a run service. @internal */
class OpenFiles extends Set<FileCore> {
  async close(): Promise<void> {
    await Promise.all([...this].map((core) => core.close()));
  }
}
const OPEN_FILES = Symbol("open files");

/** An open file's state; see the module comment. @internal */
export class FileCore {
  /** The byte offset the next read or (non-append) write starts at. */
  position = 0;
  /**
   * Bytes of the file from `position` on, read ahead by a stream's
   * `readSome`; `null` when none. Every other operation drops it first.
   */
  private ahead: Uint8Array | null = null;
  private busy = false;
  closed = false;
  private closing: Promise<void> | null = null;
  /** The runtime call in flight, which `close` waits for. */
  private inflight: Promise<unknown> | null = null;
  private readonly open: OpenFiles;

  constructor(
    readonly support: FileSupport,
    readonly raw: RawFile,
    readonly path: string,
    readonly flags: RawOpenFlags,
    runner: Runner,
  ) {
    this.open = runner.service(OPEN_FILES, () => new OpenFiles());
    this.open.add(this);
  }

  /** Opens `path` with `flags` as one operation of `cx` (the caller checked for cancellation). */
  static async open(cx: Context, support: FileSupport, path: string, flags: RawOpenFlags, syscall: string): Promise<FileCore> {
    const raw = await settle(cx, support, syscall, path, support.open(path, flags));
    const core = new FileCore(support, raw, path, flags, cx._task.runner);
    if (flags.append) {
      try {
        core.position = (await settle(cx, support, "stat", path, raw.stat())).size;
      } catch (error) {
        await core.close();
        throw error;
      }
    }
    return core;
  }

  /** Starts an operation: the closed, busy and cancellation checks. Pair with {@link FileCore.end}. */
  begin(cx: Context): void {
    if (this.closed) throw new ClosedResourceError(`the file ${JSON.stringify(this.path)} is closed`);
    if (this.busy) throw new BusyResourceError(`another task is already using the file ${JSON.stringify(this.path)}`);
    cx.checkpointIfCancelled();
    this.busy = true;
  }

  /** Ends the operation {@link FileCore.begin} started. */
  end(): void {
    this.busy = false;
  }

  /** Awaits the runtime call `promise` to the end; `ClosedResourceError` if the file was closed meanwhile. */
  async call<T>(cx: Context, syscall: string, promise: Promise<T>): Promise<T> {
    this.inflight = promise;
    try {
      const value = await settle(cx, this.support, syscall, this.path, promise);
      if (this.closed) throw this.closedWhileBlocked();
      return value;
    } catch (error) {
      throw this.closed ? this.closedWhileBlocked(error) : error;
    } finally {
      this.inflight = null;
    }
  }

  /** The error for a file closed while a task was using it (`cause`: the runtime's error, if any). */
  closedWhileBlocked(cause?: unknown): ClosedResourceError {
    if (cause instanceof ClosedResourceError) return cause;
    return new ClosedResourceError(`the file ${JSON.stringify(this.path)} was closed while a task was using it`, { cause });
  }

  checkReadable(): void {
    if (!this.flags.read) throw new UsageError(`the file ${JSON.stringify(this.path)} was not opened for reading`);
  }

  checkWritable(): void {
    if (!this.flags.write) throw new UsageError(`the file ${JSON.stringify(this.path)} was not opened for writing`);
  }

  /**
   * Reads up to `max` bytes at the position for a stream: from the
   * read-ahead if it holds any, else with one runtime read of at least
   * {@link READ_AHEAD} bytes, keeping what is beyond `max` as the
   * read-ahead. Empty at end of file. The stream hot path: `begin`, `call`
   * and `settle` written out in one async frame.
   */
  async readSome(cx: Context, max: number): Promise<Uint8Array> {
    this.begin(cx);
    let ahead = this.ahead;
    if (ahead !== null) {
      // Served from the read-ahead, without the runtime: one of the run's
      // steps (runner.ts), so a loop of small receives yields now and then.
      const wait = step(cx);
      if (wait !== undefined) {
        await wait; // the file stays busy: nothing else moves the read-ahead
        if (this.closed) {
          this.busy = false;
          throw this.closedWhileBlocked();
        }
        ahead = this.ahead!;
      }
      this.busy = false;
      const n = Math.min(max, ahead.length);
      this.ahead = n === ahead.length ? null : ahead.subarray(n);
      this.position += n;
      return handOut(ahead, n);
    }
    const buffer = new Uint8Array(max < READ_AHEAD ? READ_AHEAD : max);
    const n = await this.rawRead(cx, buffer);
    const take = n < max ? n : max;
    if (n > take) this.ahead = buffer.subarray(take, n);
    this.position += take;
    return handOut(buffer, take);
  }

  /**
   * One runtime read into `buffer` at the position, as a blocking call of
   * `cx` ("read <path>"); ends the operation begun by `begin`.
   */
  private async rawRead(cx: Context, buffer: Uint8Array): Promise<number> {
    const promise = this.raw.read(buffer, this.position);
    this.inflight = promise;
    let n: number;
    try {
      n = await (cx._task.runner.instruments === null ? promise : blockedOn(cx, `read ${this.path}`, promise));
    } catch (error) {
      throw this.closed ? this.closedWhileBlocked(error) : fileError(this.support, error, "read", this.path);
    } finally {
      this.inflight = null;
      this.busy = false;
    }
    if (this.closed) throw this.closedWhileBlocked();
    return n;
  }

  /** Reads into `buffer` at the position (one runtime read); the count read, 0 at end of file. */
  async readInto(cx: Context, buffer: Uint8Array): Promise<number> {
    this.begin(cx);
    this.ahead = null;
    const n = await this.rawRead(cx, buffer);
    this.position += n;
    return n;
  }

  /** Moves the position (dropping the read-ahead, which belongs to the old one). */
  moveTo(position: number): void {
    this.ahead = null;
    this.position = position;
  }

  /** Reads `max` bytes at the position, fewer only at end of file; the rest of the file when `max` is undefined. */
  async readFully(cx: Context, max: number | undefined): Promise<Uint8Array> {
    this.begin(cx);
    this.ahead = null;
    try {
      const bytes = await this.call(cx, "read", this.readLoop(max));
      this.position += bytes.length;
      return bytes;
    } finally {
      this.busy = false;
    }
  }

  private async readLoop(max: number | undefined): Promise<Uint8Array> {
    let want = max ?? Math.max((await this.raw.stat()).size - this.position, 0);
    let buffer = new Uint8Array(want);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        if (max !== undefined) break;
        // The file may have grown since the stat: keep reading to its end.
        want = Math.max(65536, buffer.length);
        const bigger = new Uint8Array(buffer.length + want);
        bigger.set(buffer);
        buffer = bigger;
      }
      const n = await this.raw.read(buffer.subarray(filled), this.position + filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === buffer.length ? buffer : buffer.slice(0, filled);
  }

  /**
   * Writes all of `bytes`: at the position, or at the end in append mode.
   * With `track`, an append also moves the position to the new end (a stat).
   */
  async write(cx: Context, bytes: Uint8Array, track: boolean): Promise<void> {
    this.begin(cx);
    this.ahead = null;
    try {
      if (this.flags.append) {
        await this.call(cx, "write", this.raw.write(bytes, null));
        if (track) this.position = (await this.call(cx, "stat", this.raw.stat())).size;
      } else {
        await this.call(cx, "write", this.raw.write(bytes, this.position));
        this.position += bytes.length;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runs the runtime call `start()` as one operation, returning its result. */
  async run<T>(cx: Context, syscall: string, start: (raw: RawFile) => Promise<T>): Promise<T> {
    this.begin(cx);
    this.ahead = null;
    try {
      return await this.call(cx, syscall, start(this.raw));
    } finally {
      this.busy = false;
    }
  }

  /** The size of the file (for seeking from its end). */
  stat(cx: Context): Promise<FileInfo> {
    return this.run(cx, "stat", (raw) => raw.stat());
  }

  /** Closes at once for callers; closes the runtime file once the call in flight settled. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    this.open.delete(this);
    const inflight = this.inflight;
    const closeRaw = async (): Promise<void> => {
      if (inflight !== null) await inflight.then(undefined, () => undefined);
      try {
        await this.raw.close();
      } catch (error) {
        throw fileError(this.support, error, "close", this.path);
      }
    };
    this.closing = closeRaw();
    return this.closing;
  }
}
