/**
 * The entry of every worker started by `toThread` on deno: it was spawned as
 * a module Web Worker, so it talks through its global scope.
 *
 * @module
 */

import { serveWebWorker } from "../shared/web-workers.ts";
import { denoAdapter } from "./adapter.ts";

// Deno.exit() in a worker ends it without an event in the parent: report it first.
const deno = (globalThis as unknown as { Deno: { exit(code?: number): never } }).Deno;
const exit = deno.exit.bind(deno);
deno.exit = (code?: number): never => {
  (globalThis as unknown as { postMessage(m: unknown): void }).postMessage({ t: "exiting", code });
  return exit(code);
};

serveWebWorker(denoAdapter);
