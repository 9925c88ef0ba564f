/**
 * The entry of every Node worker started by `toThread`: it was spawned with
 * `new Worker()` from `node:worker_threads`, so it talks over `parentPort`.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";
import type { ToWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";
import { nodeAdapter } from "./adapter.ts";

const port = parentPort!;
serveWorker(
  {
    post: (message, transfer) => port.postMessage(message, transfer),
    listen: (onMessage) => port.on("message", (data: ToWorker) => onMessage(data)),
  },
  nodeAdapter,
);
