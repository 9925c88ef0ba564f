/**
 * The entry of every worker started by `toThread` on deno: it was spawned as
 * a module Web Worker, so it talks through its global scope.
 *
 * Type-checked with Deno's `deno.worker` lib (`adapters/deno/check.worker.jsonc`).
 *
 * @module
 */

import type { FromWorker } from "../../src/threads/worker-protocol.ts";
import { serveWebWorker } from "../shared/serve-web-worker.ts";
import { denoAdapter } from "./adapter.ts";

// Deno.exit() in a worker ends it without an event in the parent: report it first.
// Deno's types declare `exit` as a namespace function, which TypeScript will not
// let us assign; this view of the namespace can.
const deno: { exit(code?: number): never } = Deno;
const exit = deno.exit.bind(deno);
deno.exit = (code?: number): never => {
  const exiting: FromWorker = { t: "exiting", code };
  postMessage(exiting);
  return exit(code);
};

serveWebWorker(denoAdapter);
