/**
 * The Node.js adapter: `performance.now()` for the clock, `setTimeout` for the
 * run's one native timer, `setImmediate` for the checkpoint yield (it runs
 * after pending I/O callbacks and is not clamped), and `process.nextTick` to
 * rethrow errors that have no caller, so they reach `uncaughtException`;
 * `worker_threads` for `toThread`, forked child processes for `toProcess`; `node:net` and `node:dns` for sockets.
 *
 * @module
 */

import process from "node:process";
import { setImmediate } from "node:timers";
import type { Adapter } from "../../src/core/adapter.ts";
import { followWithBound } from "../../src/core/task.ts";
import { nodeDatagrams } from "../shared/node-dgram.ts";
import { webTimers } from "../shared/web-timers.ts";
import { nodeStyleTls } from "../shared/node-tls.ts";
import { nodeNet } from "./net.ts";
import { nodeFiles } from "./files.ts";
import { nodeProcesses } from "./process.ts";
import { processWorkers } from "../shared/process-workers.ts";
import { nodeSignals } from "../shared/node-signals.ts";
import { nodeWorkers } from "./workers.ts";

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/node-process-worker.js.
const processEntry = new URL(
  import.meta.url.endsWith(".ts") ? "./process-worker-entry.ts" : "./node-process-worker.js",
  import.meta.url,
);

/**
 * The adapter for Node.js (18+; tested on 20, 22, 24).
 *
 * @example
 * ```ts
 * import { run } from "skein/core";
 * import { nodeAdapter } from "skein/node";
 * await run(async (cx) => cx.sleep(1), { adapter: nodeAdapter });
 * ```
 */
export const nodeAdapter: Adapter = {
  name: "node",
  ...webTimers,
  yieldMacrotask: (callback) => {
    setImmediate(callback);
  },
  reportError: (error) => {
    process.nextTick(() => {
      throw error;
    });
  },
  workers: nodeWorkers,
  processWorkers: processWorkers(processEntry),
  datagrams: nodeDatagrams,
  net: nodeNet,
  files: nodeFiles,
  processes: nodeProcesses,
  signals: nodeSignals,
  tls: nodeStyleTls,
  _follow: followWithBound, // V8: bound functions are the cheaper way to follow a task body (see Adapter)
};
