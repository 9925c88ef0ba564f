/**
 * The entry of every bun worker process started by `toProcess`: it was
 * forked by `adapters/shared/process-workers.ts` with an IPC channel, so it
 * serves calls over `process.send` / `process.on("message")` and exits
 * when the channel closes.
 *
 * @module
 */

import { serveProcessWorker } from "../shared/process-workers.ts";
import { bunAdapter } from "./adapter.ts";

serveProcessWorker(bunAdapter);
