/**
 * The browser adapter's `files`, loaded on first use: a stub whose async
 * methods import the OPFS implementation (`files.ts`, about 5.5 KB
 * minified) the first time one is called, then forward to it. A page that
 * never touches a file never loads it (issue 13: the minimal program).
 *
 * Invariants: the module is imported at most once (one shared promise);
 * every method but `errorCode` is async anyway, so the stub changes no
 * result, only adds a few microtasks before the first call.
 * `errorCode` is synchronous: before the module has loaded, no OPFS call
 * has run, so no error can be one of its own and the answer is
 * `undefined`. Costs: one closure per method, once per page; per call, one more
 * promise.
 *
 * @module
 */

import { UnsupportedError } from "../../src/core/errors.ts";
import type { FileSupport } from "../../src/fs/file-support.ts";

let loaded: FileSupport | null = null;
let loading: Promise<FileSupport> | null = null;

function load(): Promise<FileSupport> {
  return (loading ??= import("./files.ts").then((m) => (loaded = m.opfsFilesWith(UnsupportedError))));
}

/** The async methods of {@link FileSupport}, each forwarded to the loaded implementation. */
const methods = ["open", "readFile", "writeFile", "stat", "mkdir", "openDir", "remove", "rename", "copyFile", "makeTempDir"] as const;

/** `files` for the browser adapter: OPFS, imported on first use. @internal */
export const lazyOpfsFiles: FileSupport = {
  ...(Object.fromEntries(
    methods.map((name) => [name, async (...args: unknown[]) => ((await load())[name] as (...a: unknown[]) => unknown)(...args)]),
  ) as Omit<FileSupport, "errorCode">),
  errorCode: (error) => loaded?.errorCode(error),
};
