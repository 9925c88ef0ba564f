/**
 * Files through `node:fs`, for the Node and Bun adapters (Bun implements
 * `node:fs` natively).
 *
 * Reads and writes of an open file use the callback `fs.read`/`fs.write` on
 * the descriptor (positional: `pread`/`pwrite`), which cost less per call
 * than `FileHandle`'s promise methods; everything else uses
 * `node:fs/promises`. Errors are Node's own, classified by their `code`.
 *
 * A directory opened for reading is refused at the open (`EISDIR`, a
 * synchronous `fstat` of the new descriptor, as Python's `open()` does);
 * Bun's `ENOTSUP` for copying a directory is reported as `EISDIR`, as Node
 * does.
 *
 * Costs: per read or write, one promise and one callback; no copies. Per
 * read-only open, one synchronous `fstat` more (~1 us).
 *
 * @module
 */

import { close, constants, fstat, fstatSync, fsync, ftruncate, open, read, write } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DirEntry, FileInfo, FileSupport, RawDir, RawFile, RawOpenFlags } from "../../src/fs/file-support.ts";
import { codeOf, fileErrorCodeOf } from "./file-error-codes.ts";

interface NodeStats {
  size: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

function info(s: NodeStats): FileInfo {
  return { size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), isSymlink: s.isSymbolicLink(), mtimeMs: s.mtimeMs };
}

function openFlags(f: RawOpenFlags): number {
  let flags = f.read && f.write ? constants.O_RDWR : f.write ? constants.O_WRONLY : constants.O_RDONLY;
  if (f.create || f.createNew) flags |= constants.O_CREAT;
  if (f.createNew) flags |= constants.O_EXCL;
  if (f.truncate) flags |= constants.O_TRUNC;
  if (f.append) flags |= constants.O_APPEND;
  return flags;
}

/** Node's own error for a directory where a file was wanted (`code` "EISDIR"), with `cause`. */
function isADirectory(syscall: string, path: string, cause?: unknown): Error {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, ${syscall} '${path}'`, { cause }), { code: "EISDIR", syscall, path });
}

class NodeFile implements RawFile {
  constructor(private readonly fd: number) {}

  read(buffer: Uint8Array, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      read(this.fd, buffer, 0, buffer.length, position, (error, n) => (error ? reject(error) : resolve(n)));
    });
  }

  async write(bytes: Uint8Array, position: number | null): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const at = position === null ? null : position + done;
      done += await new Promise<number>((resolve, reject) => {
        write(this.fd, bytes, done, bytes.length - done, at, (error, n) => (error ? reject(error) : resolve(n)));
      });
    }
  }

  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) => ftruncate(this.fd, length, (error) => (error ? reject(error) : resolve())));
  }

  stat(): Promise<FileInfo> {
    return new Promise((resolve, reject) => fstat(this.fd, (error, s) => (error ? reject(error) : resolve(info(s)))));
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fsync(this.fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => close(this.fd, (error) => (error ? reject(error) : resolve())));
  }
}

class NodeDir implements RawDir {
  constructor(private readonly dir: import("node:fs").Dir) {}

  async next(): Promise<DirEntry | null> {
    const d = await this.dir.read();
    if (d === null) return null;
    return { name: d.name, isFile: d.isFile(), isDirectory: d.isDirectory(), isSymlink: d.isSymbolicLink() };
  }

  close(): Promise<void> {
    return this.dir.close();
  }
}

/** Files for runtimes with `node:fs` (Node, Bun). */
export const nodeFiles: FileSupport = {
  open: (path, flags) =>
    new Promise((resolve, reject) => {
      open(path, openFlags(flags), 0o666, (error, fd) => {
        if (error) return reject(error);
        if (flags.write) return resolve(new NodeFile(fd)); // open(2) refuses to write a directory itself
        // open(2) opens a directory for reading; Python's open() refuses it at once, and so does Skein,
        // with the same synchronous fstat(2) as CPython's: on an open descriptor it does no path
        // lookup and no I/O, ~1 us, where a callback fstat costs a thread-pool round trip (~20 us).
        let refused: unknown;
        try {
          if (!fstatSync(fd).isDirectory()) return resolve(new NodeFile(fd));
          refused = isADirectory("open", path);
        } catch (error) {
          refused = error;
        }
        close(fd, () => reject(refused));
      });
    }),
  readFile: async (path) => {
    const b = await fs.readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  writeFile: (path, bytes, append) => fs.writeFile(path, bytes, { flag: append ? "a" : "w" }),
  stat: async (path, follow) => info(follow ? await fs.stat(path) : await fs.lstat(path)),
  mkdir: async (path, recursive) => {
    await fs.mkdir(path, { recursive });
  },
  openDir: async (path) => new NodeDir(await fs.opendir(path)),
  remove: async (path, recursive) => {
    if (recursive) return fs.rm(path, { recursive: true });
    try {
      await fs.unlink(path);
    } catch (error) {
      // unlink(2) refuses a directory: EISDIR on Linux, EPERM on macOS.
      const code = codeOf(error);
      if (code !== "EISDIR" && code !== "EPERM") throw error;
      try {
        await fs.rmdir(path);
      } catch (second) {
        throw codeOf(second) === "ENOTDIR" ? error : second;
      }
    }
  },
  rename: (from, to) => fs.rename(from, to),
  copyFile: async (from, to) => {
    try {
      await fs.copyFile(from, to);
    } catch (error) {
      // Bun reports a directory source as ENOTSUP: name it as Node (and Python's copyfile) do.
      if (fileErrorCodeOf(error) === undefined && (await fs.stat(from).then((s) => s.isDirectory(), () => false))) {
        throw isADirectory("copyfile", from, error);
      }
      throw error;
    }
  },
  makeTempDir: (prefix) => fs.mkdtemp(join(tmpdir(), prefix)),
  errorCode: fileErrorCodeOf,
};
