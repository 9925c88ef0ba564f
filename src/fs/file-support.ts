/**
 * The file capability of an adapter: what a runtime supplies so that
 * `src/fs` can offer files, directories and temporary directories on it.
 *
 * Like `NetSupport` and `DatagramSupport`, this is the low,
 * runtime-specific half: plain promises, no cancel scopes, no argument
 * checks, errors as the runtime throws them. The neutral layer (`src/fs`)
 * adds cancellation, the closed/busy rules, the file position and the
 * mapping of errors to named classes (through {@link FileSupport.errorCode},
 * so `src/` never needs to know a runtime's error names).
 *
 * Contract (the adapter must keep all of it):
 * - **Positional I/O.** `RawFile.read` and `RawFile.write` take the byte
 *   offset to use; the neutral layer keeps the file position. `write` with
 *   position `null` appends at the end. An adapter whose runtime only has a
 *   cursor (Deno's `FsFile`) seeks when the offset differs from its cursor.
 * - **Whole writes.** `write` writes every byte it is given before it
 *   resolves (a short write is retried by the adapter).
 * - **Paths** are the runtime's own: absolute or relative to the working
 *   directory on a server runtime; `/`-separated under the origin's private
 *   root on OPFS.
 * - **`close` is called once** per file and per directory reader, after every
 *   other call on it has settled.
 * - A call the runtime cannot do rejects with `UnsupportedError` naming it.
 *
 * @module
 */

/**
 * How a file is opened: the flags of `open(2)`, spelled as Deno spells them.
 * The neutral layer derives them from the mode string (`"r"`, `"w+"`, ...).
 *
 * @example
 * ```ts
 * const flags: RawOpenFlags = { read: true, write: true, append: false, create: true, truncate: true, createNew: false };
 * ```
 */
export interface RawOpenFlags {
  /** Open for reading. */
  readonly read: boolean;
  /** Open for writing. */
  readonly write: boolean;
  /** Every write goes to the end of the file. */
  readonly append: boolean;
  /** Create the file if it does not exist. */
  readonly create: boolean;
  /** Empty the file on opening. */
  readonly truncate: boolean;
  /** Create the file; fail (`EEXIST`) if it exists. */
  readonly createNew: boolean;
}

/**
 * What `stat` tells about a path or an open file.
 *
 * @example
 * ```ts
 * const info: FileInfo = { size: 3, isFile: true, isDirectory: false, isSymlink: false, mtimeMs: Date.now() };
 * ```
 */
export interface FileInfo {
  /** The size in bytes (for a file). */
  readonly size: number;
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
  /** A symbolic link (only from a stat that does not follow links). */
  readonly isSymlink: boolean;
  /** Last modification, in ms since the epoch, where the runtime knows it; else `null`. */
  readonly mtimeMs: number | null;
}

/**
 * One entry of a directory, as `readDir` gives it.
 *
 * @example
 * ```ts
 * const entry: DirEntry = { name: "notes.txt", isFile: true, isDirectory: false, isSymlink: false };
 * ```
 */
export interface DirEntry {
  /** The entry's name (no directory part). */
  readonly name: string;
  /** A regular file. */
  readonly isFile: boolean;
  /** A directory. */
  readonly isDirectory: boolean;
  /** A symbolic link. */
  readonly isSymlink: boolean;
}

/**
 * An open file, as an adapter gives it; see the module comment.
 *
 * @example
 * ```ts
 * const raw = await adapter.files!.open("/tmp/a.txt", flags);
 * const n = await raw.read(new Uint8Array(1024), 0); // 0 at end of file
 * await raw.close();
 * ```
 */
export interface RawFile {
  /** Reads into `buffer` from byte `position`; resolves to the count read (0 at end of file). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /** Writes all of `bytes` at `position` (`null`: at the end). */
  write(bytes: Uint8Array, position: number | null): Promise<void>;
  /** Sets the size to `length` bytes (cutting or zero-filling). */
  truncate(length: number): Promise<void>;
  /** Information about the open file. */
  stat(): Promise<FileInfo>;
  /** Flushes the file's data to storage. */
  sync(): Promise<void>;
  /** Closes the file. Called once. */
  close(): Promise<void>;
}

/**
 * An open directory listing, read one entry at a time.
 *
 * @example
 * ```ts
 * const dir = await adapter.files!.openDir("/tmp");
 * for (let e = await dir.next(); e !== null; e = await dir.next()) console.log(e.name);
 * await dir.close();
 * ```
 */
export interface RawDir {
  /** The next entry, or `null` after the last one. */
  next(): Promise<DirEntry | null>;
  /** Releases the listing. Called once. */
  close(): Promise<void>;
}

/**
 * The error kinds the neutral layer turns into named classes; the adapter's
 * {@link FileSupport.errorCode} says which one a runtime error is.
 *
 * @example
 * ```ts
 * const code: FileErrorCode = "ENOENT";
 * ```
 */
export type FileErrorCode = "ENOENT" | "EEXIST" | "EACCES" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY";

/**
 * What an adapter with files supplies (`Adapter.files`). Without it every
 * file call fails with `UnsupportedError`.
 *
 * @example
 * ```ts
 * const bytes = await adapter.files!.readFile("/etc/hostname");
 * ```
 */
export interface FileSupport {
  /** Opens `path` with `flags`. */
  open(path: string, flags: RawOpenFlags): Promise<RawFile>;
  /** The whole content of the file at `path`. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes `bytes` as the whole content of `path` (created if missing), or appends them. */
  writeFile(path: string, bytes: Uint8Array, append: boolean): Promise<void>;
  /** Information about `path`; a symlink is followed unless `followSymlinks` is false. */
  stat(path: string, followSymlinks: boolean): Promise<FileInfo>;
  /** Creates a directory (and its missing parents when `recursive`; then an existing directory is fine). */
  mkdir(path: string, recursive: boolean): Promise<void>;
  /** Opens a directory for listing. */
  openDir(path: string): Promise<RawDir>;
  /**
   * Removes a file, a symlink or an empty directory; with `recursive`, a
   * directory and everything in it.
   */
  remove(path: string, recursive: boolean): Promise<void>;
  /** Renames (moves) `from` to `to`, replacing a file at `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Copies the file `from` to `to`, replacing a file at `to`. */
  copyFile(from: string, to: string): Promise<void>;
  /** Creates a new, empty, uniquely named directory for temporary files; resolves to its path. */
  makeTempDir(prefix: string): Promise<string>;
  /** Which {@link FileErrorCode} the runtime error `error` is, or `undefined` for any other error. */
  errorCode(error: unknown): FileErrorCode | undefined;
}
