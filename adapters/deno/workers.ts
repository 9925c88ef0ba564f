/**
 * Worker threads on Deno: Deno's `node:worker_threads`, not its Web
 * `Worker`, because a terminated Web Worker stuck in a synchronous loop keeps
 * the Deno process alive forever (see `adapters/shared/worker-threads.ts`
 * and docs/runtimes.md). The worker runs this adapter's worker entry
 * (`worker-entry.ts`, built as `dist/deno-worker.js`).
 *
 * @module
 */

import type { WorkerSupport } from "../../src/core/adapter.ts";
import { threadWorkers } from "../shared/worker-threads.ts";

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/deno-worker.js.
const entry = new URL(import.meta.url.endsWith(".ts") ? "./worker-entry.ts" : "./deno-worker.js", import.meta.url);

/** Deno's `worker_threads` for {@link WorkerSupport}. @internal */
export const denoWorkers: WorkerSupport = threadWorkers(entry);
