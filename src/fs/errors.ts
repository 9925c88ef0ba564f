/**
 * The errors of file operations: one base class, {@link FileSystemError},
 * and a named subclass for each failure a program commonly handles, the
 * same on every runtime (Python's `FileNotFoundError` family).
 *
 * Invariants:
 * - Every failure of a runtime file call reaches the caller as a
 *   `FileSystemError` (or a subclass) carrying the `path`, the Skein
 *   operation (`syscall`, such as `"open"` or `"readFile"`), the error
 *   `code` where one is known (`"ENOENT"`, ...), and the runtime's own error
 *   as `cause`. `UnsupportedError` and Skein's own errors pass unchanged.
 * - Which subclass is chosen is the adapter's call (`FileSupport.errorCode`),
 *   so no runtime's error names appear in `src/`.
 *
 * Costs: one error object per failure.
 *
 * @module
 */

import { SkeinError } from "../core/errors.ts";
import type { FileErrorCode, FileSupport } from "./file-support.ts";

/**
 * The base class of the errors of file operations. Catch it to handle any
 * failure of the file system; catch a subclass for one kind.
 *
 * @example
 * ```ts
 * import { FileSystemError, readFile } from "skein";
 * try {
 *   await readFile(cx, "/etc/shadow");
 * } catch (error) {
 *   if (error instanceof FileSystemError) console.log(error.code, error.syscall, error.path, error.cause);
 * }
 * ```
 */
export class FileSystemError extends SkeinError {
  /** The path the operation was on (the first one, for `rename` and `copyFile`). */
  readonly path: string;
  /** The Skein operation that failed, such as `"open"`, `"readFile"` or `"mkdir"`. */
  readonly syscall: string;
  /** The error code (`"ENOENT"`, `"EIO"`, ...) where the runtime gave one; else `undefined`. */
  readonly code: string | undefined;

  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = "FileSystemError";
    this.path = details.path;
    this.syscall = details.syscall;
    this.code = details.code;
  }
}

/**
 * The path (or a directory on it) does not exist (`ENOENT`; Deno's
 * `NotFound`; OPFS's `NotFoundError`).
 *
 * @example
 * ```ts
 * import { FileNotFoundError, readTextFile } from "skein";
 * const config = await readTextFile(cx, "config.json").catch((e) => {
 *   if (e instanceof FileNotFoundError) return "{}";
 *   throw e;
 * });
 * ```
 */
export class FileNotFoundError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "FileNotFoundError";
  }
}

/**
 * The path exists and the operation needed it not to (`EEXIST`): opening
 * with mode `"x"`, `mkdir` without `recursive`.
 *
 * @example
 * ```ts
 * import { FileExistsError, openFile } from "skein";
 * try {
 *   await using lock = await openFile(cx, "app.lock", "x");
 * } catch (e) {
 *   if (e instanceof FileExistsError) console.log("already running");
 * }
 * ```
 */
export class FileExistsError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "FileExistsError";
  }
}

/**
 * The operation is not permitted (`EACCES`, `EPERM`; Deno's
 * `PermissionDenied` and `NotCapable`; a `NotAllowedError` in a browser).
 *
 * @example
 * ```ts
 * import { PermissionDeniedError, writeTextFile } from "skein";
 * await writeTextFile(cx, "/etc/motd", "hi").catch((e) => {
 *   if (e instanceof PermissionDeniedError) console.log("not allowed");
 * });
 * ```
 */
export class PermissionDeniedError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "PermissionDeniedError";
  }
}

/**
 * A part of the path that must be a directory is not one (`ENOTDIR`), or a
 * directory operation was given a file.
 *
 * @example
 * ```ts
 * import { NotADirectoryError, readDir } from "skein";
 * try {
 *   for await (const entry of readDir(cx, "notes.txt")) console.log(entry.name);
 * } catch (e) {
 *   if (e instanceof NotADirectoryError) console.log("a file, not a directory");
 * }
 * ```
 */
export class NotADirectoryError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "NotADirectoryError";
  }
}

/**
 * A file operation was given a directory (`EISDIR`): reading a directory as
 * a file, opening one for writing.
 *
 * @example
 * ```ts
 * import { IsADirectoryError, readFile } from "skein";
 * await readFile(cx, "/tmp").catch((e) => console.log(e instanceof IsADirectoryError)); // true
 * ```
 */
export class IsADirectoryError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "IsADirectoryError";
  }
}

/**
 * A directory to remove (without `recursive`) or to replace is not empty
 * (`ENOTEMPTY`).
 *
 * @example
 * ```ts
 * import { DirectoryNotEmptyError, rm } from "skein";
 * await rm(cx, "build").catch((e) => {
 *   if (e instanceof DirectoryNotEmptyError) return rm(cx, "build", { recursive: true });
 *   throw e;
 * });
 * ```
 */
export class DirectoryNotEmptyError extends FileSystemError {
  constructor(message: string, details: { path: string; syscall: string; code?: string | undefined; cause?: unknown }) {
    super(message, details);
    this.name = "DirectoryNotEmptyError";
  }
}

const CLASSES: Record<FileErrorCode, typeof FileSystemError> = {
  ENOENT: FileNotFoundError,
  EEXIST: FileExistsError,
  EACCES: PermissionDeniedError,
  ENOTDIR: NotADirectoryError,
  EISDIR: IsADirectoryError,
  ENOTEMPTY: DirectoryNotEmptyError,
};

const WHAT: Record<FileErrorCode, string> = {
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  EACCES: "permission denied",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOTEMPTY: "directory not empty",
};

/**
 * Turns the runtime error `error` of `syscall` on `path` into the matching
 * {@link FileSystemError}; Skein's own errors pass unchanged. @internal
 */
export function fileError(support: FileSupport, error: unknown, syscall: string, path: string): unknown {
  if (error instanceof SkeinError) return error;
  const kind = support.errorCode(error);
  const raw = (error as { code?: unknown } | null)?.code;
  const code = kind ?? (typeof raw === "string" ? raw : undefined);
  const detail = kind !== undefined ? WHAT[kind] : error instanceof Error ? error.message : String(error);
  const message = `${syscall} ${JSON.stringify(path)}: ${detail}`;
  const Class = kind !== undefined ? CLASSES[kind] : FileSystemError;
  return new Class(message, { path, syscall, code, cause: error });
}
