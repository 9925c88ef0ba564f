/**
 * Worker threads on Node: `node:worker_threads` (the plumbing is shared with
 * Deno in `adapters/shared/worker-threads.ts`). The worker runs this
 * adapter's worker entry (`worker-entry.ts`, built as `dist/node-worker.js`).
 *
 * @module
 */

import type { WorkerSupport } from "../../src/core/adapter.ts";
import { threadWorkers } from "../shared/worker-threads.ts";

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/node-worker.js.
const entry = new URL(import.meta.url.endsWith(".ts") ? "./worker-entry.ts" : "./node-worker.js", import.meta.url);

/** `worker_threads` for {@link WorkerSupport}. @internal */
export const nodeWorkers: WorkerSupport = threadWorkers(entry, { idleWait: true });
