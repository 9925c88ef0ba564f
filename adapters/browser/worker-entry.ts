/**
 * The entry of every worker started by `toThread` on browser: it was spawned as
 * a module Web Worker, so it talks through its global scope.
 *
 * @module
 */

import { serveWebWorker } from "../shared/serve-web-worker.ts";
import { browserAdapter } from "./adapter.ts";

serveWebWorker(browserAdapter);
