/**
 * The entry of every Deno worker started by `toThread`: it was spawned with
 * `new Worker()` from Deno's `node:worker_threads` (see `workers.ts`), whose
 * workers are Web Workers underneath, so it talks through its global scope
 * (`postMessage` and the `message` event), which reach the parent's
 * `worker_threads` `Worker` as its `parentPort` would. That skips the
 * `parentPort` layer, which on Deno 2 posts through a slower op and walks
 * every message it receives for ports (about 10 µs a round trip).
 * `Deno.exit()` in it still reaches the parent as an `exit` event.
 *
 * @module
 */

import { serveWorker } from "../../src/threads/worker-server.ts";
import { denoAdapter } from "./adapter.ts";

serveWorker(
  {
    // No transfer list unless something is transferred: any second argument takes Deno's slower path.
    post: (message, transfer) =>
      transfer === undefined || transfer.length === 0 ? postMessage(message) : postMessage(message, transfer as Transferable[]),
    listen: (onMessage) => addEventListener("message", (event) => onMessage((event as MessageEvent).data)),
  },
  denoAdapter,
);
