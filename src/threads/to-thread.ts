/**
 * `toThread`: run a function on a worker thread, anyio's
 * `to_thread.run_sync` for JavaScript.
 *
 * Functions cannot be sent to a worker, so the unit is a *worker module*: a
 * module whose exported functions take a Skein context first. The main side
 * names the module once with {@link workerModule} (typed by the module's own
 * exports) and calls its functions by name; arguments and results travel by
 * structured clone (or are moved, with {@link transfer}).
 *
 * ```ts no-check
 * // hash.worker.ts, built to hash.worker.js
 * import type { Context } from "skein";
 * export async function sha(cx: Context, data: Uint8Array) { ... }
 *
 * // main.ts
 * import { run, toThread, workerModule } from "skein";
 * import type * as Hash from "./hash.worker.js"; // the types of hash.worker.ts
 * const hash = workerModule<typeof Hash>(new URL("./hash.worker.js", import.meta.url));
 * await run(async (cx) => {
 *   const digest = await toThread(cx, hash, "sha", bytes); // typed from the module
 * });
 * ```
 *
 * The URL is loaded by the runtime's own loader: a `.ts` URL works on
 * Node 24 / 22.18+, Deno and Bun (type stripping), not on Node 20 nor in
 * browsers; a `.js` URL (the worker built with the rest of the code) works
 * everywhere. See the guide, "Worker threads".
 *
 * The call is a checkpoint: if the caller's scope is cancelled, the worker
 * function's own context is cancelled too (its `cx.signal` aborts), and the
 * call throws `Cancelled` once the function has stopped, unless the function
 * still finished with a value: then the call returns it, as trio's, and the
 * caller's next checkpoint raises. A function that
 * ignores cancellation for `cancelGrace` ms has its worker retired (no new
 * call goes to it) and terminated as soon as that harms no other call: at
 * once if it runs nothing else (always so with the default limiter), else
 * when the calls sharing it have settled. A cancelled call never fails
 * another. A shielded caller is not cancelled. Errors thrown in the worker
 * arrive with their name, message, stack and cause; a worker that dies fails
 * the calls it was running with `WorkerCrashedError`.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { checkContext, checkDelay, checkFunction, describeValue } from "../core/validate.ts";
import type { Adapter } from "../core/adapter.ts";
import { type CallOptions, type Exposed, type Limiter, type WorkerKind, WorkerPool } from "./worker-pool.ts";

/** The functions of a worker module that `toThread` can call: those taking a context first. */
export type WorkerFunctions<M> = {
  [K in keyof M as M[K] extends (cx: Context, ...args: never[]) => unknown ? K : never]: M[K];
};

/**
 * The arguments of a worker function after its context.
 *
 * @example
 * ```ts
 * type A = ArgsOf<(cx: Context, n: number) => Promise<number>>; // [n: number]
 * ```
 */
export type ArgsOf<F> = F extends (cx: Context, ...args: infer A) => unknown ? A : never;

/**
 * The awaited result of a worker function.
 *
 * @example
 * ```ts
 * type R = ResultOf<(cx: Context) => Promise<string>>; // string
 * ```
 */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * Options of a {@link WorkerModule}.
 *
 * @example
 * ```ts
 * const hash = workerModule<typeof import("./hash.worker.ts")>(url, { cancelGrace: 200, idleTimeout: 5000 });
 * ```
 */
export interface WorkerModuleOptions {
  /** Bounds concurrent calls (default: one per hardware thread, per run and module). */
  limiter?: Limiter;
  /**
   * How long a cancelled call may keep running before its worker is retired
   * and terminated (ms, default 1000); a worker shared with other calls is
   * terminated only once they have settled.
   */
  cancelGrace?: number;
  /** How long an idle worker is kept for reuse (ms, default 10000). */
  idleTimeout?: number;
  /** Functions the worker may call back with `fromThread(cx, name, ...args)`. */
  expose?: Exposed;
}

/**
 * A worker module, named by URL and typed by its exports. It holds no
 * resources: each run starts (and ends) its own workers for it.
 *
 * @example
 * ```ts
 * const math = workerModule<typeof import("./math.worker.js")>(new URL("./math.worker.js", import.meta.url));
 * ```
 */
export class WorkerModule<M> {
  /** The module's URL as the worker imports it. */
  readonly url: string;
  /** @internal */ readonly _options: CallOptions;
  /** @internal Only for typing. */ declare readonly _type?: M;
  /** @internal The run-service key of this module's pool (`kind:url`), made once, and the kind it is for. */
  _poolKey: string | undefined = undefined;
  /** @internal */ _poolKind: string | undefined = undefined;

  /** @internal Use {@link workerModule}. */
  constructor(url: string, options: CallOptions) {
    this.url = url;
    this._options = options;
  }

  /**
   * The same module with other options (for example functions to expose to
   * `fromThread` for the calls made through it).
   *
   * @example
   * ```ts
   * await toThread(cx, math.with({ expose: { progress: async (cx, p: number) => bar.set(p) } }), "sum", 1e9);
   * ```
   */
  with(options: WorkerModuleOptions): WorkerModule<M> {
    return new WorkerModule<M>(this.url, { ...this._options, ...checkOptions(options) });
  }
}

function checkOptions(options: WorkerModuleOptions): CallOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  if (options.cancelGrace !== undefined) checkDelay("options.cancelGrace", options.cancelGrace);
  if (options.idleTimeout !== undefined) checkDelay("options.idleTimeout", options.idleTimeout);
  if (options.limiter !== undefined && typeof options.limiter?.acquireOnBehalfOf !== "function") {
    throw new TypeError(`options.limiter must be a CapacityLimiter, got ${describeValue(options.limiter)}`);
  }
  if (options.expose !== undefined) {
    for (const [name, fn] of Object.entries(options.expose)) checkFunction(`options.expose.${name}`, fn);
  }
  return options;
}

/**
 * Names a worker module for {@link toThread}. Pass the module's type for
 * typed calls.
 *
 * @typeParam M the module's type (`typeof import("./x.worker.js")`); without
 *   it any name may be called, untyped.
 * @throws {@link !TypeError} if `url` is neither a URL nor a string.
 * @example
 * ```ts
 * import type * as Math from "./math.worker.js"; // a .ts URL needs type stripping (not Node 20, not browsers)
 * const math = workerModule<typeof Math>(new URL("./math.worker.js", import.meta.url));
 * ```
 */
export function workerModule<M = Record<string, (cx: Context, ...args: never[]) => unknown>>(
  url: URL | string,
  options: WorkerModuleOptions = {},
): WorkerModule<M> {
  if (!(url instanceof URL) && typeof url !== "string") {
    throw new TypeError(`url must be a URL or a string, got ${describeValue(url)}`);
  }
  return new WorkerModule<M>(String(url), checkOptions(options));
}

/**
 * Runs the worker module's function `name` on a pooled worker with `args`,
 * and returns its result. A checkpoint; see the module text for
 * cancellation, errors and crashes.
 *
 * @throws {@link !TypeError} if `module` is not a WorkerModule or `name` not a string,
 *   and (as a rejection) if an argument cannot be cloned.
 * @throws {@link UnsupportedError} if the runtime's adapter has no workers.
 * @example
 * ```ts
 * const n = await toThread(cx, math, "fib", 35);
 * ```
 */
export function toThread<M, K extends keyof WorkerFunctions<M> & string>(
  cx: Context,
  module: WorkerModule<M>,
  name: K,
  ...args: ArgsOf<WorkerFunctions<M>[K]>
): Promise<ResultOf<WorkerFunctions<M>[K]>> {
  return callInPool(cx, "toThread", "skein.threads", module, name, args, threadKind) as Promise<ResultOf<WorkerFunctions<M>[K]>>;
}

/** The workers of `toThread`: the adapter's threads (one function, not a closure per call). */
function threadKind(adapter: Adapter): WorkerKind {
  return { call: "toThread", what: "worker", plural: "worker threads", support: adapter.workers, awaitTermination: false };
}

/**
 * The body of `toThread` and `toProcess`: checks the call's arguments, then
 * runs it in this run's pool of `kindOf(adapter)` workers for `module` (one
 * pool per run, key and module URL, made on first use). @internal
 */
export function callInPool(
  cx: Context,
  call: string,
  key: string,
  module: unknown,
  name: unknown,
  args: unknown[],
  kindOf: (adapter: Adapter) => WorkerKind,
): Promise<unknown> {
  checkContext(cx, call);
  if (!(module instanceof WorkerModule)) {
    throw new TypeError(`module must be a WorkerModule (from workerModule()), got ${describeValue(module)}`);
  }
  if (typeof name !== "string") throw new TypeError(`name must be a string, got ${describeValue(name)}`);
  const url = module.url;
  if (module._poolKind !== key) {
    module._poolKey = `${key}:${url}`;
    module._poolKind = key;
  }
  const pool = cx._task.runner.service(module._poolKey, (runner) => {
    const kind = kindOf(runner.adapter);
    return new WorkerPool(runner, url, Math.max(1, kind.support?.hardwareConcurrency() ?? 1), kind);
  });
  return pool.call(cx, name, args, module._options);
}
