/**
 * Files for Deno through its own stable APIs (`Deno.open`, `Deno.FsFile`,
 * `Deno.readDir`, `Deno.remove`, ...), which need no `node:` layer and no
 * unstable flag.
 *
 * `Deno.FsFile` has a cursor, not positional reads: each file remembers
 * where its cursor is and seeks only when the neutral layer asks for
 * another offset, so sequential reads and writes cost one call each.
 * Errors are Deno's own (`Deno.errors.NotFound`, ...), classified by their
 * `code` (`"ENOENT"`, ...), which Deno 2 sets on every I/O error.
 *
 * A directory opened for reading is refused at the open (`IsADirectory`,
 * a synchronous `statSync` of the open file, as Python's `open()` does),
 * and so is a directory given to `copyFile` (Deno's own error there has no
 * class).
 *
 * Costs: per sequential read or write, one Deno call; a seek when the
 * offset jumps. Per read-only open, one synchronous `fstat` more (~4 us).
 *
 * @module
 */

import type { DirEntry, FileErrorCode, FileInfo, FileSupport, RawDir, RawFile } from "../../src/fs/file-support.ts";
import { fileErrorCodeOf } from "../shared/file-error-codes.ts";

// The part of the `Deno` namespace used here, declared locally: this file is
// also compiled in the package's one d.ts program (Node + DOM types), where
// the `Deno` global is unknown. `deno check` sees the same shapes.
interface DenoFileInfo {
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  mtime: Date | null;
}
interface DenoFsFile {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  seek(offset: number, whence: 0): Promise<number>;
  truncate(len?: number): Promise<void>;
  stat(): Promise<DenoFileInfo>;
  statSync(): DenoFileInfo;
  sync(): Promise<void>;
  close(): void;
}
interface DenoDirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}
type ErrorClass = abstract new (...args: never[]) => Error;
interface DenoApi {
  open(path: string, options: { read: boolean; write: boolean; append: boolean; create: boolean; truncate: boolean; createNew: boolean }): Promise<DenoFsFile>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array, options: { append: boolean }): Promise<void>;
  stat(path: string): Promise<DenoFileInfo>;
  lstat(path: string): Promise<DenoFileInfo>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  readDir(path: string): AsyncIterable<DenoDirEntry>;
  remove(path: string, options: { recursive: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  makeTempDir(options: { prefix: string }): Promise<string>;
  errors: Record<"NotFound" | "AlreadyExists" | "PermissionDenied" | "NotCapable" | "NotADirectory" | "IsADirectory", ErrorClass>;
}
const deno = (): DenoApi => (globalThis as unknown as { Deno: DenoApi }).Deno;
/** `Deno.SeekMode.Start`. */
const SEEK_START = 0;

function info(s: DenoFileInfo): FileInfo {
  return { size: s.size, isFile: s.isFile, isDirectory: s.isDirectory, isSymlink: s.isSymlink, mtimeMs: s.mtime?.getTime() ?? null };
}

class DenoFile implements RawFile {
  /** Where the OS cursor is, or -1 when unknown (after an append). */
  private cursor = 0;

  constructor(private readonly file: DenoFsFile) {}

  private async moveTo(position: number): Promise<void> {
    if (position !== this.cursor) {
      await this.file.seek(position, SEEK_START);
      this.cursor = position;
    }
  }

  async read(buffer: Uint8Array, position: number): Promise<number> {
    if (position !== this.cursor) await this.moveTo(position);
    const n = (await this.file.read(buffer)) ?? 0;
    this.cursor += n;
    return n;
  }

  async write(bytes: Uint8Array, position: number | null): Promise<void> {
    if (position !== null && position !== this.cursor) await this.moveTo(position);
    let done = 0;
    while (done < bytes.length) done += await this.file.write(bytes.subarray(done));
    this.cursor = position === null ? -1 : position + done;
  }

  truncate(length: number): Promise<void> {
    return this.file.truncate(length);
  }

  async stat(): Promise<FileInfo> {
    return info(await this.file.stat());
  }

  sync(): Promise<void> {
    return this.file.sync();
  }

  close(): Promise<void> {
    this.file.close();
    return Promise.resolve();
  }
}

class DenoDir implements RawDir {
  private readonly iterator: AsyncIterator<DenoDirEntry>;

  constructor(path: string) {
    this.iterator = deno().readDir(path)[Symbol.asyncIterator]();
  }

  async next(): Promise<DirEntry | null> {
    const step = await this.iterator.next();
    if (step.done === true) return null;
    const e = step.value;
    return { name: e.name, isFile: e.isFile, isDirectory: e.isDirectory, isSymlink: e.isSymlink };
  }

  async close(): Promise<void> {
    try {
      await this.iterator.return?.();
    } catch {
      // Deno's listing rethrows the error that ended it (NotFound, ...); it is already released.
    }
  }
}

function errorCode(error: unknown): FileErrorCode | undefined {
  const code = fileErrorCodeOf(error);
  if (code !== undefined) return code;
  const errors = deno().errors;
  if (error instanceof errors.NotFound) return "ENOENT";
  if (error instanceof errors.AlreadyExists) return "EEXIST";
  if (error instanceof errors.PermissionDenied || error instanceof errors.NotCapable) return "EACCES";
  if (error instanceof errors.NotADirectory) return "ENOTDIR";
  if (error instanceof errors.IsADirectory) return "EISDIR";
  return undefined;
}

/** Deno's own error for a directory where a file was wanted, with `cause`. */
function isADirectory(call: string, path: string, cause?: unknown): Error {
  const IsADirectory = deno().errors.IsADirectory as unknown as new (message: string, options?: { cause?: unknown }) => Error;
  return new IsADirectory(`Is a directory (os error 21): ${call} '${path}'`, { cause });
}

/** Files for Deno. */
export const denoFiles: FileSupport = {
  open: async (path, flags) => {
    const file = await deno().open(path, {
      read: flags.read,
      write: flags.write,
      append: flags.append,
      create: flags.create,
      truncate: flags.truncate,
      createNew: flags.createNew,
    });
    // The OS opens a directory for reading; Python's open() refuses it at once, and so does Skein, with
    // the same synchronous fstat(2) as CPython's: on an open file it does no path lookup and no I/O,
    // ~4 us, where the async `stat()` costs ~40-70 us.
    if (!flags.write) {
      let isDirectory: boolean;
      try {
        isDirectory = file.statSync().isDirectory;
      } catch (error) {
        file.close();
        throw error;
      }
      if (isDirectory) {
        file.close();
        throw isADirectory("open", path);
      }
    }
    return new DenoFile(file);
  },
  readFile: (path) => deno().readFile(path),
  writeFile: (path, bytes, append) => deno().writeFile(path, bytes, { append }),
  stat: async (path, follow) => info(follow ? await deno().stat(path) : await deno().lstat(path)),
  mkdir: (path, recursive) => deno().mkdir(path, { recursive }),
  openDir: async (path) => {
    const dir = new DenoDir(path);
    return dir;
  },
  remove: (path, recursive) => deno().remove(path, { recursive }),
  rename: (from, to) => deno().rename(from, to),
  copyFile: async (from, to) => {
    try {
      await deno().copyFile(from, to);
    } catch (error) {
      // Deno reports a directory source with no error class or code: name it as Python's copyfile does.
      if (errorCode(error) === undefined && (await deno().stat(from).then((s) => s.isDirectory, () => false))) {
        throw isADirectory("copy", from, error);
      }
      throw error;
    }
  },
  makeTempDir: (prefix) => deno().makeTempDir({ prefix }),
  errorCode,
};
