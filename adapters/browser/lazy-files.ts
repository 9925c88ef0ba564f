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
 * `undefined`. Costs: one closure per method, once per page.
 *
 * @module
 */

import type { FileSupport } from "../../src/fs/file-support.ts";

let loaded: FileSupport | null = null;
let loading: Promise<FileSupport> | null = null;

function load(): Promise<FileSupport> {
  return (loading ??= import("./files.ts").then((m) => (loaded = m.opfsFiles)));
}

/** `files` for the browser adapter: OPFS, imported on first use. @internal */
export const lazyOpfsFiles: FileSupport = {
  open: async (path, flags) => (await load()).open(path, flags),
  readFile: async (path) => (await load()).readFile(path),
  writeFile: async (path, bytes, append) => (await load()).writeFile(path, bytes, append),
  stat: async (path, followSymlinks) => (await load()).stat(path, followSymlinks),
  mkdir: async (path, recursive) => (await load()).mkdir(path, recursive),
  openDir: async (path) => (await load()).openDir(path),
  remove: async (path, recursive) => (await load()).remove(path, recursive),
  rename: async (from, to) => (await load()).rename(from, to),
  copyFile: async (from, to) => (await load()).copyFile(from, to),
  makeTempDir: async (prefix) => (await load()).makeTempDir(prefix),
  errorCode: (error) => loaded?.errorCode(error),
};
