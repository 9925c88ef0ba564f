/**
 * Worker threads on Node: `node:worker_threads`. The worker runs this
 * adapter's worker entry (`worker-entry.ts`, built as `dist/node-worker.js`),
 * which serves `toThread` calls over `parentPort`. An idle worker is unref'd
 * so it never keeps the process alive; a busy one is ref'd.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import { type Transferable as NodeTransferable, Worker } from "node:worker_threads";
import type { WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";

// Running from source (`.ts`) the entry is a sibling file; from the build it is dist/node-worker.js.
const entry = new URL(import.meta.url.endsWith(".ts") ? "./worker-entry.ts" : "./node-worker.js", import.meta.url);

/** `worker_threads` for {@link WorkerSupport}. @internal */
export const nodeWorkers: WorkerSupport = {
  hardwareConcurrency: () => availableParallelism(),
  spawn(): WorkerPort {
    const worker = new Worker(entry);
    return {
      // On Node, `transfer` holds Node transferables (src's `Transferable` is declared as Node's in
      // this project, see globals.d.ts). The cast is for the d.ts build and the API docs, which
      // compile all adapters in one program with the DOM lib, where it is the DOM's type.
      post: (message, transfer) => worker.postMessage(message, transfer as readonly NodeTransferable[] | undefined),
      listen(handlers) {
        worker.on("message", handlers.message);
        worker.on("error", handlers.error);
        worker.on("exit", handlers.exit);
      },
      terminate: async () => {
        await worker.terminate();
      },
      setIdle: (idle) => (idle ? worker.unref() : worker.ref()),
    };
  },
};
