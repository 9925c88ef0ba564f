/**
 * Path-level file operations, in the spirit of anyio's `Path` and Deno's
 * `Deno.*` calls: whole-file reads and writes, stat, directories, removal,
 * renaming, copying and temporary directories.
 *
 * Each function is one operation (see `operation.ts`): it checks for
 * cancellation before it starts (in a cancelled scope it raises `Cancelled`
 * and does nothing), and once started it finishes and returns its result;
 * `Cancelled` is then raised at the next checkpoint.
 *
 * **What a cancelled `writeFile` leaves.** `writeFile` writes the path in
 * place, in one runtime call that Skein never abandons: cancelled before it
 * starts, the file is untouched; cancelled while it runs, the whole content
 * is written and `Cancelled` comes at the next checkpoint. Skein never
 * leaves it half-written. (A crash of the process or a runtime failure, a
 * full disk say, can; to replace a file atomically, write a temporary file
 * next to it and `rename` it over the old one.)
 *
 * **Temporary directories.** `withTempDir` removes its directory and
 * everything in it when the body ends, however it ends (returns, throws, is
 * cancelled); the removal itself runs even in a cancelled scope.
 *
 * Costs: one runtime call per function (a `readDir` iteration: one per
 * entry, batched by the runtime where it can); no copies beyond the
 * runtime's.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { checkContext, checkFunction, describeValue } from "../core/validate.ts";
import { toBytes } from "./async-file.ts";
import { FileNotFoundError, FileSystemError, NotADirectoryError } from "./errors.ts";
import type { DirEntry, FileInfo, FileSupport } from "./file-support.ts";
import { checkOptions, checkPath, filesOf, settle } from "./operation.ts";

const decoder = new TextDecoder();

function checkFlag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** Checks `cx` for cancellation, then runs the runtime call `start(support)` as one operation. */
async function op<T>(cx: Context, call: string, path: string, start: (support: FileSupport) => Promise<T>): Promise<T> {
  const support = filesOf(cx, call);
  cx.checkpointIfCancelled();
  return settle(cx, support, call, path, start(support));
}

/**
 * The whole content of the file at `path`.
 *
 * @throws {@link !TypeError} if `path` is not a non-empty string.
 * @throws {@link FileNotFoundError} if there is no such file.
 * @throws {@link IsADirectoryError} if `path` is a directory.
 * @throws {@link UnsupportedError} on an adapter without files.
 * @example
 * ```ts
 * const bytes = await readFile(cx, "/tmp/data.bin");
 * ```
 */
export async function readFile(cx: Context, path: string): Promise<Uint8Array> {
  checkContext(cx, "readFile");
  checkPath("path", path);
  return op(cx, "readFile", path, (s) => s.readFile(path));
}

/**
 * The content of the file at `path`, decoded as UTF-8 (invalid bytes
 * become U+FFFD).
 *
 * @throws {@link FileNotFoundError} if there is no such file.
 * @example
 * ```ts
 * const config = JSON.parse(await readTextFile(cx, "config.json"));
 * ```
 */
export async function readTextFile(cx: Context, path: string): Promise<string> {
  checkContext(cx, "readTextFile");
  checkPath("path", path);
  return decoder.decode(await op(cx, "readTextFile", path, (s) => s.readFile(path)));
}

/**
 * Options of {@link writeFile} and {@link writeTextFile}.
 *
 * @example
 * ```ts
 * const options: WriteFileOptions = { append: true };
 * ```
 */
export interface WriteFileOptions {
  /** Add to the end of the file instead of replacing its content (default false). */
  readonly append?: boolean;
}

/**
 * Writes `data` (a string as UTF-8) as the whole content of the file at
 * `path`, creating it if missing, or appends it with `append`. See the
 * module comment for what a cancelled `writeFile` leaves: never a partial
 * write of Skein's making.
 *
 * @throws {@link !TypeError} if `path` is not a non-empty string, `data` is neither bytes nor a string, or an option is of the wrong type.
 * @throws {@link FileNotFoundError} if the directory does not exist.
 * @throws {@link IsADirectoryError} if `path` is a directory.
 * @throws {@link PermissionDeniedError} if the runtime refuses.
 * @example
 * ```ts
 * await writeFile(cx, "/tmp/data.bin", new Uint8Array([1, 2, 3]));
 * await writeFile(cx, "/tmp/log.txt", "one more line\n", { append: true });
 * ```
 */
export async function writeFile(cx: Context, path: string, data: Uint8Array | string, options?: WriteFileOptions): Promise<void> {
  checkContext(cx, "writeFile");
  checkPath("path", path);
  const bytes = toBytes("data", data);
  checkOptions("options", options);
  const append = checkFlag("options.append", options?.append);
  return op(cx, "writeFile", path, (s) => s.writeFile(path, bytes, append));
}

/**
 * Writes `text` as UTF-8 to the file at `path`; see {@link writeFile}.
 *
 * @throws {@link !TypeError} if `text` is not a string.
 * @example
 * ```ts
 * await writeTextFile(cx, "hello.txt", "hello\n");
 * ```
 */
export async function writeTextFile(cx: Context, path: string, text: string, options?: WriteFileOptions): Promise<void> {
  checkContext(cx, "writeTextFile");
  if (typeof text !== "string") throw new TypeError(`text must be a string, got ${describeValue(text)}`);
  return writeFile(cx, path, text, options);
}

/**
 * Options of {@link stat}.
 *
 * @example
 * ```ts
 * const options: StatOptions = { followSymlinks: false };
 * ```
 */
export interface StatOptions {
  /** Describe the target of a symlink rather than the link (default true). */
  readonly followSymlinks?: boolean;
}

/**
 * Information about `path`: size, kind, modification time.
 *
 * @throws {@link FileNotFoundError} if there is no such path.
 * @example
 * ```ts
 * const info = await stat(cx, "/tmp");
 * console.log(info.isDirectory); // true
 * ```
 */
export async function stat(cx: Context, path: string, options?: StatOptions): Promise<FileInfo> {
  checkContext(cx, "stat");
  checkPath("path", path);
  checkOptions("options", options);
  const follow = options?.followSymlinks === undefined ? true : checkFlag("options.followSymlinks", options.followSymlinks);
  return op(cx, "stat", path, (s) => s.stat(path, follow));
}

/**
 * Whether `path` exists (a file, a directory, anything), following
 * symlinks as Python's `Path.exists()` and `os.path.exists` do: a dangling
 * link or a loop of links does not exist (`stat(cx, path, { followSymlinks:
 * false })` sees the link itself). A path whose directory part is a file
 * does not exist; other failures (permissions) are raised.
 *
 * @example
 * ```ts
 * if (!(await exists(cx, "cache"))) await mkdir(cx, "cache");
 * ```
 */
export async function exists(cx: Context, path: string): Promise<boolean> {
  checkContext(cx, "exists");
  checkPath("path", path);
  try {
    await op(cx, "exists", path, (s) => s.stat(path, true));
    return true;
  } catch (error) {
    if (error instanceof FileNotFoundError || error instanceof NotADirectoryError) return false;
    if (error instanceof FileSystemError && error.code === "ELOOP") return false;
    throw error;
  }
}

/**
 * Options of {@link mkdir}.
 *
 * @example
 * ```ts
 * const options: MkdirOptions = { recursive: true };
 * ```
 */
export interface MkdirOptions {
  /** Create missing parents too, and accept an existing directory (default false). */
  readonly recursive?: boolean;
}

/**
 * Creates the directory `path`; with `recursive`, also its missing
 * parents, and an existing directory is fine.
 *
 * @throws {@link FileExistsError} if `path` exists (without `recursive`; with it, if it is not a directory).
 * @throws {@link FileNotFoundError} if the parent does not exist (without `recursive`).
 * @throws {@link NotADirectoryError} if a part of the path is a file.
 * @example
 * ```ts
 * await mkdir(cx, "/tmp/a/b/c", { recursive: true });
 * ```
 */
export async function mkdir(cx: Context, path: string, options?: MkdirOptions): Promise<void> {
  checkContext(cx, "mkdir");
  checkPath("path", path);
  checkOptions("options", options);
  const recursive = checkFlag("options.recursive", options?.recursive);
  return op(cx, "mkdir", path, (s) => s.mkdir(path, recursive));
}

/**
 * The entries of the directory `path`, as an async iterator (in the
 * runtime's order, without `.` and `..`). Each step is an operation: it
 * checks for cancellation first. The directory is released when the loop
 * ends (finished, `break`, or an error); an iterator dropped half-way
 * without `return()` holds it until the runtime collects it.
 *
 * @throws {@link !TypeError} at once if `path` is not a non-empty string.
 * @throws {@link UnsupportedError} at once on an adapter without files.
 * @throws {@link FileNotFoundError} from the first step if there is no such directory.
 * @throws {@link NotADirectoryError} from the first step if `path` is a file.
 * @example
 * ```ts
 * for await (const entry of readDir(cx, "/tmp")) {
 *   if (entry.isFile) console.log(entry.name);
 * }
 * ```
 */
export function readDir(cx: Context, path: string): AsyncGenerator<DirEntry, void, undefined> {
  checkContext(cx, "readDir");
  checkPath("path", path);
  return entries(cx, filesOf(cx, "readDir"), path);
}

async function* entries(cx: Context, support: FileSupport, path: string): AsyncGenerator<DirEntry, void, undefined> {
  cx.checkpointIfCancelled();
  const dir = await settle(cx, support, "readDir", path, support.openDir(path));
  try {
    for (;;) {
      cx.checkpointIfCancelled();
      const entry = await settle(cx, support, "readDir", path, dir.next());
      if (entry === null) return;
      yield entry;
    }
  } finally {
    await dir.close();
  }
}

/**
 * Options of {@link rm}.
 *
 * @example
 * ```ts
 * const options: RmOptions = { recursive: true, force: true };
 * ```
 */
export interface RmOptions {
  /** Remove a directory and everything in it (default false: only a file or an empty directory). */
  readonly recursive?: boolean;
  /** A missing `path` is not an error (default false). */
  readonly force?: boolean;
}

/**
 * Removes the file, symlink or empty directory `path`; with `recursive`, a
 * directory and everything in it.
 *
 * @throws {@link FileNotFoundError} if there is no such path (unless `force`).
 * @throws {@link DirectoryNotEmptyError} for a non-empty directory without `recursive`.
 * @example
 * ```ts
 * await rm(cx, "/tmp/build", { recursive: true, force: true });
 * ```
 */
export async function rm(cx: Context, path: string, options?: RmOptions): Promise<void> {
  checkContext(cx, "rm");
  checkPath("path", path);
  checkOptions("options", options);
  const recursive = checkFlag("options.recursive", options?.recursive);
  const force = checkFlag("options.force", options?.force);
  try {
    await op(cx, "rm", path, (s) => s.remove(path, recursive));
  } catch (error) {
    if (!(force && error instanceof FileNotFoundError)) throw error;
  }
}

/**
 * Renames (moves) `from` to `to`. A file already at `to` is replaced.
 *
 * @throws {@link FileNotFoundError} if `from` (or the directory of `to`) does not exist.
 * @example
 * ```ts
 * await writeFile(cx, "data.json.tmp", json);
 * await rename(cx, "data.json.tmp", "data.json"); // atomic replacement
 * ```
 */
export async function rename(cx: Context, from: string, to: string): Promise<void> {
  checkContext(cx, "rename");
  checkPath("from", from);
  checkPath("to", to);
  return op(cx, "rename", from, (s) => s.rename(from, to));
}

/**
 * Copies the file `from` to `to`. A file already at `to` is replaced.
 *
 * @throws {@link FileNotFoundError} if `from` (or the directory of `to`) does not exist.
 * @throws {@link IsADirectoryError} if `from` is a directory.
 * @example
 * ```ts
 * await copyFile(cx, "config.json", "config.json.bak");
 * ```
 */
export async function copyFile(cx: Context, from: string, to: string): Promise<void> {
  checkContext(cx, "copyFile");
  checkPath("from", from);
  checkPath("to", to);
  return op(cx, "copyFile", from, (s) => s.copyFile(from, to));
}

/**
 * Options of {@link withTempDir} and {@link makeTempDir}.
 *
 * @example
 * ```ts
 * const options: TempDirOptions = { prefix: "build-" };
 * ```
 */
export interface TempDirOptions {
  /** The start of the directory's name (default `"skein-"`). */
  readonly prefix?: string;
}

function prefixOf(options: TempDirOptions | undefined): string {
  checkOptions("options", options);
  const prefix = options?.prefix ?? "skein-";
  if (typeof prefix !== "string") throw new TypeError(`options.prefix must be a string, got ${describeValue(prefix)}`);
  if (prefix.includes("/") || prefix.includes("\\") || prefix.includes("\0")) {
    throw new TypeError(`options.prefix must not contain a path separator or NUL, got ${describeValue(prefix)}`);
  }
  return prefix;
}

/**
 * Creates a new, empty, uniquely named directory for temporary files (in
 * the system's temporary directory; at the OPFS root in a browser) and
 * returns its path. Removing it is the caller's job: prefer
 * {@link withTempDir}.
 *
 * @example
 * ```ts
 * const dir = await makeTempDir(cx, { prefix: "job-" });
 * ```
 */
export async function makeTempDir(cx: Context, options?: TempDirOptions): Promise<string> {
  checkContext(cx, "makeTempDir");
  const prefix = prefixOf(options);
  return op(cx, "makeTempDir", prefix, (s) => s.makeTempDir(prefix));
}

/**
 * Runs `body(dir, cx)` with a new temporary directory `dir`, and removes
 * the directory with everything in it when the body ends, whether it
 * returns, throws or is cancelled (the removal runs even in a cancelled
 * scope). Returns the body's result.
 *
 * @throws {@link !TypeError} if `body` is not a function.
 * @throws {@link FileSystemError} if the directory cannot be made, or cannot be removed after a body that succeeded.
 * @example
 * ```ts
 * import { run, withTempDir, writeTextFile, readTextFile } from "skein";
 * await run((cx) =>
 *   withTempDir(cx, async (dir, cx) => {
 *     await writeTextFile(cx, `${dir}/scratch.txt`, "temporary");
 *     return readTextFile(cx, `${dir}/scratch.txt`);
 *   }),
 * ); // the directory is gone here
 * ```
 */
export async function withTempDir<T>(
  cx: Context,
  body: (dir: string, cx: Context) => T | PromiseLike<T>,
  options?: TempDirOptions,
): Promise<T> {
  checkContext(cx, "withTempDir");
  checkFunction("body", body);
  const prefix = prefixOf(options);
  const support = filesOf(cx, "withTempDir");
  cx.checkpointIfCancelled();
  const dir = await settle(cx, support, "makeTempDir", prefix, support.makeTempDir(prefix));
  let result: T;
  try {
    result = await body(dir, cx);
  } catch (error) {
    await settle(cx, support, "rm", dir, support.remove(dir, true)).catch(() => undefined);
    throw error;
  }
  await settle(cx, support, "rm", dir, support.remove(dir, true));
  return result;
}
