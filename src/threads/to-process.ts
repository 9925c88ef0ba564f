/**
 * `toProcess`: run a function in a worker *process*, anyio's
 * `to_process.run_sync` for JavaScript.
 *
 * The same worker modules, typing and calls as `toThread` (see
 * `to-thread.ts`): `toProcess(cx, module, "fn", ...args)`. The difference is
 * where the function runs: in a child process of the same runtime (node
 * starts node, deno starts deno, bun starts bun), started by the adapter's
 * `processWorkers` and spoken to over its IPC channel with structured clone
 * (so a `Uint8Array` or a `Map` arrives as itself; `transfer()` lists are
 * ignored, everything is copied). Use it over `toThread` for work that needs
 * its own heap, may crash in native code, or must be killable at once: a
 * process that ignores cancellation is killed (SIGKILL) after `cancelGrace`
 * and is gone, where a thread stuck in a synchronous loop may keep spinning
 * (Deno). The price is a slower start (a whole runtime, tens of ms) and a
 * copy of every argument and result through a pipe.
 *
 * It lives here, next to `toThread`, because it is `toThread` with another
 * kind of worker: the same pool (`worker-pool.ts`), protocol and server; the
 * `src/process/` directory is about running commands.
 *
 * Invariants, kept by the pool (see `worker-pool.ts`): at most one process
 * per hardware thread per run and module; a call whose process dies fails
 * with `WorkerCrashedError` naming the exit code or signal, and the next
 * call gets a fresh process; an idle process is reaped after `idleTimeout`;
 * when the run ends every process it started has been killed and reaped.
 * The child exits by itself when its IPC channel closes (its parent died),
 * so no orphan is left behind. An idle process does not keep its parent's
 * event loop alive.
 *
 * Costs: per call, the pool's own (a waiter, a limiter borrower) plus one
 * serialized message each way; per process, a runtime's start-up and
 * memory.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { type ArgsOf, callInPool, type ResultOf, type WorkerFunctions, type WorkerModule } from "./to-thread.ts";

/**
 * Runs the worker module's function `name` in a pooled worker process (a
 * child process of the same runtime) with `args`, and returns its result.
 * The module is the same kind {@link toThread} takes, named with
 * `workerModule()`; its options (`limiter`, `cancelGrace`, `idleTimeout`,
 * `expose` for `fromThread`) mean the same. A checkpoint: when the caller
 * is cancelled the function's context is cancelled, and a process that has
 * not stopped `cancelGrace` ms later is killed.
 *
 * @throws {@link !TypeError} if `module` is not a WorkerModule or `name` not a string,
 *   and (as a rejection) if an argument cannot be cloned.
 * @throws {@link UnsupportedError} if the runtime's adapter has no worker processes
 *   (browsers).
 * @throws {@link WorkerCrashedError} if the process running the call died (its
 *   exit code or signal in the message).
 * @example
 * ```ts
 * import { run, toProcess, workerModule } from "skein";
 * import type * as Math from "./math.worker.ts";
 * const math = workerModule<typeof Math>(new URL("./math.worker.ts", import.meta.url));
 * await run(async (cx) => {
 *   const n = await toProcess(cx, math, "fib", 35); // in a child process
 * });
 * ```
 */
export function toProcess<M, K extends keyof WorkerFunctions<M> & string>(
  cx: Context,
  module: WorkerModule<M>,
  name: K,
  ...args: ArgsOf<WorkerFunctions<M>[K]>
): Promise<ResultOf<WorkerFunctions<M>[K]>> {
  return callInPool(cx, "toProcess", "skein.processes", module, name, args, (adapter) => ({
    call: "toProcess",
    what: "worker process",
    plural: "worker processes",
    support: adapter.processWorkers,
    awaitTermination: true,
  })) as Promise<ResultOf<WorkerFunctions<M>[K]>>;
}
