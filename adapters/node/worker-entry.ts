/**
 * The entry of every Node worker started by `toThread`: it was spawned with
 * `new Worker()` from `node:worker_threads`, so it talks over `parentPort`.
 *
 * @module
 */

import { serveThreadWorker } from "../shared/worker-threads.ts";
import { nodeAdapter } from "./adapter.ts";

serveThreadWorker(nodeAdapter);
