/**
 * The Bun adapter: `performance.now()` for the clock, `setTimeout` for the
 * run's one native timer, `setImmediate` for the checkpoint yield (Bun has it
 * natively and it is not clamped), and the global `reportError` for errors
 * that have no caller. Sockets and lookups (`net`) are in `net.ts`.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Adapter } from "../../src/core/adapter.ts";
import { nodeDatagrams } from "../shared/node-dgram.ts";
import { webTimers } from "../shared/web-timers.ts";
import { bunTls } from "./tls.ts";
import { bunFollow } from "./follow.ts";
import { webWorkers, workerEntry } from "../shared/web-workers.ts";
import { processWorkers } from "../shared/process-workers.ts";
import { nodeSignals } from "../shared/node-signals.ts";
import { bunNet } from "./net.ts";
import { bunFiles } from "./files.ts";
import { bunProcesses } from "./process.ts";

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/bun-process-worker.js.
const processEntry = new URL(
  import.meta.url.endsWith(".ts") ? "./process-worker-entry.ts" : "./bun-process-worker.js",
  import.meta.url,
);

/**
 * The adapter for Bun.
 *
 * @example
 * ```ts
 * import { run } from "skein/core";
 * import { bunAdapter } from "skein/bun";
 * await run(async (cx) => cx.sleep(1), { adapter: bunAdapter });
 * ```
 */
export const bunAdapter: Adapter = {
  name: "bun",
  ...webTimers,
  yieldMacrotask: (callback) => {
    setImmediate(callback);
  },
  reportError: (error) => {
    queueMicrotask(() => {
      throw error;
    });
  },
  workers: webWorkers(workerEntry(import.meta.url, "bun"), { closeEvent: true }),
  processWorkers: processWorkers(processEntry),
  datagrams: nodeDatagrams,
  net: bunNet,
  files: bunFiles,
  processes: bunProcesses,
  signals: nodeSignals,
  tls: bunTls,
  // JavaScriptCore: a task whose body did not block is followed without closures (see follow.ts).
  ...(bunFollow === undefined ? {} : { _follow: bunFollow }),
};
