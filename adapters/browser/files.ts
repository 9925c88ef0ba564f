/**
 * Files in a browser, over the Origin Private File System (OPFS,
 * `navigator.storage.getDirectory()`): a private, per-origin tree that the
 * page can read and write without asking the user.
 *
 * Paths are `/`-separated and rooted at the origin's private root (a
 * leading `/` is optional; `.` and empty parts are ignored and `..` goes
 * up, never above the root). There are no symlinks and no permissions.
 *
 * How an open file works, on the main thread (where the synchronous access
 * handle does not exist):
 * - Reads slice the file's `File` snapshot (`getFile()`), cached until the
 *   next write.
 * - Writes go to one `FileSystemWritableFileStream` kept open across writes
 *   (`createWritable({ keepExistingData: true })`), positioned per write.
 *   Chromium copies the file into a swap file when a writable opens, and
 *   makes the writes visible when it closes, so the writable is closed
 *   (committed) before any read, stat or sync, and at close. A run of
 *   writes thus costs one copy; alternating writes and reads cost one per
 *   switch.
 *
 * Errors: OPFS's `DOMException`s (`NotFoundError`, `TypeMismatchError`,
 * `InvalidModificationError`, ...). Where the name alone does not say what
 * happened (a `TypeMismatchError` is "a file where a directory was wanted"
 * or the reverse), the call site records the kind for that very error
 * object, so `errorCode` can tell, and the error stays the browser's own.
 * Where `move()` is missing, `rename` copies and then removes the source
 * (not atomic, unlike `rename(2)`). Without OPFS at all, every call raises
 * `UnsupportedError`.
 *
 * @module
 */

import type { UnsupportedError } from "../../src/core/errors.ts";
import type { DirEntry, FileErrorCode, FileInfo, FileSupport, RawDir, RawFile, RawOpenFlags } from "../../src/fs/file-support.ts";

/** Kinds recorded by call sites for errors whose name is ambiguous. */
const kinds = new WeakMap<object, FileErrorCode>();

function tagged(error: unknown, code: FileErrorCode): unknown {
  if (error !== null && typeof error === "object") kinds.set(error, code);
  return error;
}

function named(error: unknown): string | undefined {
  return error instanceof DOMException || error instanceof Error ? error.name : undefined;
}

/** A new error of `code` for a condition OPFS does not report itself. */
function made(code: FileErrorCode, message: string): Error {
  return tagged(new DOMException(message, code === "ENOENT" ? "NotFoundError" : "InvalidModificationError"), code) as Error;
}

/**
 * `UnsupportedError`, passed by lazy-files.ts ({@link opfsFilesWith}) rather
 * than imported: a module imported both by this lazy chunk and by the start
 * path would make an app's bundler split it into a shared chunk, which
 * costs the minimal program ~0.1 KB min+gzip (issue 13).
 */
let Unsupported: typeof UnsupportedError;

let rootPromise: Promise<FileSystemDirectoryHandle> | null = null;
function root(): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<FileSystemDirectoryHandle> } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") {
    return Promise.reject(new Unsupported("files are not supported here: this browser has no origin private file system"));
  }
  rootPromise ??= storage.getDirectory();
  return rootPromise;
}

/** The parts of `path`, normalized. */
function partsOf(path: string): string[] {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

/** The directory at `parts` (created when `create`); a file on the way is `ENOTDIR`. */
async function dirAt(parts: readonly string[], create = false): Promise<FileSystemDirectoryHandle> {
  let dir = await root();
  for (const part of parts) {
    try {
      dir = await dir.getDirectoryHandle(part, { create });
    } catch (error) {
      throw named(error) === "TypeMismatchError" ? tagged(error, "ENOTDIR") : error;
    }
  }
  return dir;
}

/** The parent directory of `path` and the last name; the root itself has no name. */
async function parentOf(path: string, create = false): Promise<{ parent: FileSystemDirectoryHandle; name: string }> {
  const parts = partsOf(path);
  const name = parts.pop();
  if (name === undefined) throw made("EEXIST", "the root of the origin private file system");
  return { parent: await dirAt(parts, create), name };
}

/** The file handle at `path`; a directory there is `EISDIR`. */
async function fileAt(path: string, create = false): Promise<FileSystemFileHandle> {
  const { parent, name } = await parentOf(path);
  try {
    return await parent.getFileHandle(name, { create });
  } catch (error) {
    throw named(error) === "TypeMismatchError" ? tagged(error, "EISDIR") : error;
  }
}

/** Whatever is at `path`: a file or a directory handle. */
async function entryAt(path: string): Promise<FileSystemHandle> {
  const parts = partsOf(path);
  if (parts.length === 0) return root();
  const { parent, name } = await parentOf(path);
  try {
    return await parent.getFileHandle(name);
  } catch (error) {
    if (named(error) !== "TypeMismatchError") throw error;
    return parent.getDirectoryHandle(name);
  }
}

type WriteChunk = { type: "write"; position: number; data: Uint8Array<ArrayBuffer> } | { type: "truncate"; size: number };
interface Writable {
  write(chunk: WriteChunk | Blob): Promise<void>;
  close(): Promise<void>;
}
function writableOf(handle: FileSystemFileHandle, keepExistingData: boolean): Promise<Writable> {
  return handle.createWritable({ keepExistingData }) as unknown as Promise<Writable>;
}

/** A copy of `bytes` the writable may keep (OPFS wants an `ArrayBuffer`, not a shared one). */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

class OpfsFile implements RawFile {
  private snapshot: File | null = null;
  private writable: Writable | null = null;
  /** The size including uncommitted writes, once known. */
  private size = -1;

  constructor(private readonly handle: FileSystemFileHandle) {}

  private async commit(): Promise<void> {
    const w = this.writable;
    if (w !== null) {
      this.writable = null;
      this.snapshot = null;
      await w.close();
    }
  }

  private async file(): Promise<File> {
    await this.commit();
    this.snapshot ??= await this.handle.getFile();
    this.size = this.snapshot.size;
    return this.snapshot;
  }

  private async open(): Promise<Writable> {
    if (this.size < 0) await this.file();
    this.snapshot = null;
    this.writable ??= await writableOf(this.handle, true);
    return this.writable;
  }

  async read(buffer: Uint8Array, position: number): Promise<number> {
    const file = await this.file();
    if (position >= file.size) return 0;
    const data = new Uint8Array(await file.slice(position, position + buffer.length).arrayBuffer());
    buffer.set(data);
    return data.length;
  }

  async write(bytes: Uint8Array, position: number | null): Promise<void> {
    const w = await this.open();
    const at = position ?? this.size;
    await w.write({ type: "write", position: at, data: own(bytes) });
    this.size = Math.max(this.size, at + bytes.length);
  }

  async truncate(length: number): Promise<void> {
    const w = await this.open();
    await w.write({ type: "truncate", size: length });
    this.size = length;
  }

  async stat(): Promise<FileInfo> {
    const file = await this.file();
    return { size: file.size, isFile: true, isDirectory: false, isSymlink: false, mtimeMs: file.lastModified };
  }

  sync(): Promise<void> {
    return this.commit();
  }

  close(): Promise<void> {
    return this.commit();
  }
}

class OpfsDir implements RawDir {
  constructor(private readonly iterator: AsyncIterator<[string, FileSystemHandle]>) {}

  async next(): Promise<DirEntry | null> {
    const step = await this.iterator.next();
    if (step.done === true) return null;
    const [name, handle] = step.value;
    return { name, isFile: handle.kind === "file", isDirectory: handle.kind === "directory", isSymlink: false };
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

async function exists(parent: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await parent.getFileHandle(name);
    return true;
  } catch (error) {
    if (named(error) === "TypeMismatchError") return true;
    if (named(error) === "NotFoundError") return false;
    throw error;
  }
}

async function open(path: string, flags: RawOpenFlags): Promise<RawFile> {
  if (flags.createNew) {
    const { parent, name } = await parentOf(path);
    if (await exists(parent, name)) throw made("EEXIST", `${path} exists`);
  }
  const handle = await fileAt(path, flags.create || flags.createNew);
  if (flags.truncate) await (await writableOf(handle, false)).close();
  return new OpfsFile(handle);
}

async function mkdir(path: string, recursive: boolean): Promise<void> {
  const parts = partsOf(path);
  if (recursive) {
    const name = parts.pop();
    if (name === undefined) return;
    const parent = await dirAt(parts, true);
    try {
      await parent.getDirectoryHandle(name, { create: true });
    } catch (error) {
      throw named(error) === "TypeMismatchError" ? tagged(error, "EEXIST") : error;
    }
    return;
  }
  const { parent, name } = await parentOf(path);
  if (await exists(parent, name)) throw made("EEXIST", `${path} exists`);
  await parent.getDirectoryHandle(name, { create: true });
}

async function remove(path: string, recursive: boolean): Promise<void> {
  const { parent, name } = await parentOf(path);
  try {
    await parent.removeEntry(name, { recursive });
  } catch (error) {
    throw named(error) === "InvalidModificationError" ? tagged(error, "ENOTEMPTY") : error;
  }
}

async function copyFile(from: string, to: string): Promise<void> {
  const source = await (await fileAt(from)).getFile();
  const w = await writableOf(await fileAt(to, true), false);
  await w.write(source);
  await w.close();
}

interface Listable {
  entries(): AsyncIterator<[string, FileSystemHandle]>;
}

interface Movable {
  move?(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
}

async function rename(from: string, to: string): Promise<void> {
  const handle = await entryAt(from);
  const target = await parentOf(to);
  const move = (handle as Movable).move;
  if (typeof move === "function") {
    // Like rename(2): an existing file at `to` is replaced.
    const there = await target.parent.getFileHandle(target.name).then(
      () => true,
      () => false,
    );
    if (there && handle.kind === "file") await target.parent.removeEntry(target.name);
    return move.call(handle, target.parent, target.name);
  }
  if (handle.kind === "file") await copyFile(from, to);
  else await copyTree(handle as FileSystemDirectoryHandle, target.parent, target.name);
  await remove(from, true);
}

/** Copies the directory `source` to `name` in `parent` (which may hold an empty directory of that name). */
async function copyTree(source: FileSystemDirectoryHandle, parent: FileSystemDirectoryHandle, name: string): Promise<void> {
  if (await exists(parent, name)) {
    let dir: FileSystemDirectoryHandle;
    try {
      dir = await parent.getDirectoryHandle(name);
    } catch (error) {
      throw named(error) === "TypeMismatchError" ? tagged(error, "ENOTDIR") : error;
    }
    if ((await (dir as unknown as Listable).entries().next()).done !== true) throw made("ENOTEMPTY", `${name} is not empty`);
  }
  const target = await parent.getDirectoryHandle(name, { create: true });
  const entries = (source as unknown as Listable).entries();
  for (let step = await entries.next(); step.done !== true; step = await entries.next()) {
    const [child, handle] = step.value;
    if (handle.kind === "directory") await copyTree(handle as FileSystemDirectoryHandle, target, child);
    else {
      const w = await writableOf(await target.getFileHandle(child, { create: true }), false);
      await w.write(await (handle as FileSystemFileHandle).getFile());
      await w.close();
    }
  }
}

async function makeTempDir(prefix: string): Promise<string> {
  const dir = await root();
  for (;;) {
    const random = crypto.getRandomValues(new Uint8Array(6));
    const name = prefix + Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
    if (await exists(dir, name)) continue;
    await dir.getDirectoryHandle(name, { create: true });
    return `/${name}`;
  }
}

async function stat(path: string): Promise<FileInfo> {
  const handle = await entryAt(path);
  if (handle.kind === "directory") return { size: 0, isFile: false, isDirectory: true, isSymlink: false, mtimeMs: null };
  const file = await (handle as FileSystemFileHandle).getFile();
  return { size: file.size, isFile: true, isDirectory: false, isSymlink: false, mtimeMs: file.lastModified };
}

const DOM_CODES: Record<string, FileErrorCode> = {
  NotFoundError: "ENOENT",
  NotAllowedError: "EACCES",
  SecurityError: "EACCES",
  NoModificationAllowedError: "EACCES",
  TypeMismatchError: "ENOTDIR",
  InvalidModificationError: "ENOTEMPTY",
};

/**
 * Files over the origin private file system; `unsupported` is the
 * `UnsupportedError` class (see {@link Unsupported}).
 */
export function opfsFilesWith(unsupported: typeof UnsupportedError): FileSupport {
  Unsupported = unsupported;
  return opfsFiles;
}

const opfsFiles: FileSupport = {
  open,
  readFile: async (path) => new Uint8Array(await (await (await fileAt(path)).getFile()).arrayBuffer()),
  writeFile: async (path, bytes, append) => {
    const handle = await fileAt(path, true);
    const w = await writableOf(handle, append);
    const at = append ? (await handle.getFile()).size : 0;
    await w.write({ type: "write", position: at, data: own(bytes) });
    await w.close();
  },
  stat: (path) => stat(path),
  mkdir,
  openDir: async (path) => {
    const dir = (await dirAt(partsOf(path))) as unknown as Listable;
    return new OpfsDir(dir.entries());
  },
  remove,
  rename,
  copyFile,
  makeTempDir,
  errorCode: (error) => {
    if (error !== null && typeof error === "object") {
      const kind = kinds.get(error);
      if (kind !== undefined) return kind;
    }
    const name = named(error);
    return name === undefined ? undefined : DOM_CODES[name];
  },
};
