/**
 * The errno-style `code` of a runtime's file error (`error.code`, as Node,
 * Bun and Deno 2 set it) mapped to Skein's {@link FileErrorCode}, shared by
 * the Node/Bun (`node-files.ts`) and Deno (`deno/files.ts`) file adapters.
 *
 * Invariants: only the table's own keys map (a `code` such as "toString"
 * maps to nothing); `EPERM` is `EACCES`, Node's `ERR_FS_EISDIR` is
 * `EISDIR`. No runtime module is imported, so any adapter can use it.
 *
 * Costs: one property lookup.
 *
 * @module
 */

import type { FileErrorCode } from "../../src/fs/file-support.ts";

const CODES: Record<string, FileErrorCode> = {
  ENOENT: "ENOENT",
  EEXIST: "EEXIST",
  EACCES: "EACCES",
  EPERM: "EACCES",
  ENOTDIR: "ENOTDIR",
  EISDIR: "EISDIR",
  ERR_FS_EISDIR: "EISDIR",
  ENOTEMPTY: "ENOTEMPTY",
};

/**
 * The runtime error's `code` as a string, or `undefined`.
 *
 * @example
 * ```ts
 * codeOf(Object.assign(new Error("x"), { code: "EPERM" })); // "EPERM"
 * ```
 */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * The {@link FileErrorCode} of a runtime error with an errno-style `code`,
 * or `undefined` when it has none Skein names.
 *
 * @example
 * ```ts
 * fileErrorCodeOf(Object.assign(new Error("x"), { code: "EPERM" })); // "EACCES"
 * ```
 */
export function fileErrorCodeOf(error: unknown): FileErrorCode | undefined {
  const code = codeOf(error);
  return code !== undefined && Object.hasOwn(CODES, code) ? CODES[code] : undefined;
}
