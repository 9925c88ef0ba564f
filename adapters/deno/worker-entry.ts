/**
 * The entry of every Deno worker started by `toThread`: it was spawned with
 * `new Worker()` from Deno's `node:worker_threads` (see `workers.ts`), so it
 * talks over `parentPort`; `Deno.exit()` in it reaches the parent as an
 * `exit` event.
 *
 * @module
 */

import { serveThreadWorker } from "../shared/worker-threads.ts";
import { denoAdapter } from "./adapter.ts";

serveThreadWorker(denoAdapter);
