/**
 * The Deno adapter: `performance.now()` for the clock, `setTimeout` for the
 * run's one native timer, and Deno's global `setImmediate` for the checkpoint
 * yield. (A `MessageChannel` would also be unclamped, but an open channel
 * keeps a Deno process alive, so a finished program would not exit.) Errors
 * with no caller go to the global `reportError`. Sockets: `Deno.connect` and
 * `Deno.listen` (see `net.ts`).
 *
 * @module
 */

import type { Adapter } from "../../src/core/adapter.ts";
import { followWithBound } from "../../src/core/task.ts";
import { nodeDatagrams } from "../shared/node-dgram.ts";
import { webTimers } from "../shared/web-timers.ts";
import { denoNet } from "./net.ts";
import { denoFiles } from "./files.ts";
import { denoProcesses } from "./process.ts";
import { processWorkers } from "../shared/process-workers.ts";
import { denoSignals } from "./signals.ts";
import { denoTls } from "./tls.ts";
import { denoWorkers } from "./workers.ts";

// Taken once at load, as the Node and Bun adapters take theirs from `node:timers`.
const nativeSetImmediate = setImmediate;

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/deno-process-worker.js.
const processEntry = new URL(
  import.meta.url.endsWith(".ts") ? "./process-worker-entry.ts" : "./deno-process-worker.js",
  import.meta.url,
);

/**
 * The adapter for Deno 2.
 *
 * @example
 * ```ts
 * import { run } from "skein/core";
 * import { denoAdapter } from "skein/deno";
 * await run(async (cx) => cx.sleep(1), { adapter: denoAdapter });
 * ```
 */
export const denoAdapter: Adapter = {
  name: "deno",
  ...webTimers,
  yieldMacrotask: (callback) => {
    nativeSetImmediate(callback);
  },
  reportError: (error) => {
    reportError(error);
  },
  workers: denoWorkers,
  processWorkers: processWorkers(processEntry, { checkClone: true }),
  datagrams: nodeDatagrams,
  net: denoNet,
  files: denoFiles,
  processes: denoProcesses,
  signals: denoSignals,
  tls: denoTls,
  _follow: followWithBound, // V8: bound functions are the cheaper way to follow a task body (see Adapter)
};
