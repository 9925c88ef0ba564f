/**
 * The entry of every deno worker process started by `toProcess`: it was
 * forked by `adapters/shared/process-workers.ts` with an IPC channel, so it
 * serves calls over `process.send` / `process.on("message")` and exits
 * when the channel closes.
 *
 * @module
 */

import { serveProcessWorker } from "../shared/process-workers.ts";
import { denoAdapter } from "./adapter.ts";

// Deno's `process.send` does not throw for a message it cannot clone: check first.
serveProcessWorker(denoAdapter, { checkClone: true });
