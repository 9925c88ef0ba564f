/**
 * `run`: the entry point. It makes a runner for an adapter, opens the root
 * cancel scope, starts the root task with a context and waits for it.
 *
 * Because every task lives in a task group and a group waits for its tasks,
 * when `main` has settled every task of the run has ended; `run` then drops
 * the run's native timer, so the process can exit by itself.
 *
 * @module
 */

import type { Adapter } from "./adapter.ts";
import type { Clock } from "./clock.ts";
import { CancelScope, checkSignal } from "./cancel-scope.ts";
import { Cancelled } from "./errors.ts";
import type { Context } from "./context.ts";
import { groupOf, type Instrument, TaskView, viewOf } from "./instrument.ts";
import type { BlockingDetectorOptions } from "../tracking/blocking-detector.ts";
import { blockingDetectorOptions } from "./blocking-options.ts";
import { Runner } from "./runner.ts";
import { Task } from "./task.ts";
import { checkFunction, checkObject, checkOptional, isAsyncGenerator, mustBe, notGenerator } from "./validate.ts";

/**
 * Options for {@link run}.
 *
 * @example
 * ```ts
 * import { run } from "skein/core";
 * import { nodeAdapter } from "skein/node";
 * await run(async (cx) => {}, { adapter: nodeAdapter });
 * ```
 */
export interface RunOptions {
  /**
   * The runtime adapter. Required when importing from `skein/core`; the
   * `run` exported by `skein` (and `skein/node`, `skein/deno`, ...) defaults
   * to the adapter of its runtime.
   */
  adapter?: Adapter;
  /**
   * Where the run reads time and arms its timers. Default: the adapter (real
   * time). Tests pass a `MockClock` from `skein/testing` for virtual time.
   */
  clock?: Clock;
  /**
   * Instruments to call as the run goes (see {@link Instrument}). A run with
   * instruments is *tracked*: it keeps its live tasks for {@link taskTree}.
   */
  instruments?: readonly Instrument[];
  /** Keep the live task tree ({@link taskTree}) even without instruments. Default false. */
  trackTasks?: boolean;
  /**
   * Report every stretch longer than a threshold (default 100 ms) in which
   * the event loop did not get control back, with the task and the stack
   * where it yielded (asyncio's debug mode and `slow_callback_duration`).
   * `true` for the defaults (reports go to `console.warn`), or
   * `{ threshold, report }`. Makes the run tracked. See
   * {@link BlockingReport}.
   */
  detectBlocking?: boolean | BlockingDetectorOptions;
  /**
   * An `AbortSignal` that cancels the whole run when it aborts (at once if
   * it already has): `main` and every task see {@link Cancelled} (whose
   * `cause` is `signal.reason`) and run their `finally` blocks, then `run`
   * rejects with `signal.reason`, as `fetch` does. If `main` returns a value
   * anyway (it caught nothing and never reached a checkpoint), `run` returns it.
   * The listener is removed when the run ends.
   */
  signal?: AbortSignal;
}

/**
 * Runs `main(cx)` as the root task of a new Skein run and resolves with its
 * result (or rejects with its error) once every task has ended.
 *
 * This is the core `run`, which needs an explicit adapter; normally you
 * import `run` from `"skein"`, which picks your runtime's adapter.
 *
 * @throws {@link !TypeError} if `main` is not a function or no adapter is given.
 * @example
 * ```ts
 * import { run } from "skein";
 * const answer = await run(async (cx) => {
 *   await cx.sleep(10);
 *   return 42;
 * });
 * ```
 */
export function run<T>(main: (cx: Context) => T | PromiseLike<T>, options: RunOptions = {}): Promise<T> {
  checkFunction("main", main);
  checkObject(options);
  const adapter = options.adapter;
  if (adapter === undefined) {
    throw new TypeError(
      'options.adapter is required by the run() of "skein/core"; import run from "skein" to use your runtime\'s adapter',
    );
  }
  if (adapter === null || typeof adapter !== "object" || typeof adapter.now !== "function") {
    throw mustBe("options.adapter", "an Adapter", adapter);
  }
  const clock = options.clock ?? adapter;
  if (
    clock === null || typeof clock !== "object" || typeof clock.now !== "function" ||
    typeof clock.setTimer !== "function" || typeof clock.clearTimer !== "function"
  ) {
    throw mustBe("options.clock", "a Clock", clock);
  }
  const instruments = options.instruments ?? [];
  if (!Array.isArray(instruments) || instruments.some((i) => i === null || typeof i !== "object")) {
    throw mustBe("options.instruments", "an array of objects", instruments);
  }
  checkOptional("options.trackTasks", options.trackTasks, "boolean");
  checkSignal("options.signal", options.signal);
  const detect = blockingDetectorOptions(options.detectBlocking);
  const tracked = instruments.length > 0 || options.trackTasks === true || detect !== null;
  return runMain(adapter, clock, main, tracked ? [...instruments] : null, detect, options.signal);
}

async function runMain<T>(
  adapter: Adapter,
  clock: Clock,
  main: (cx: Context) => T | PromiseLike<T>,
  instruments: Instrument[] | null,
  detect: BlockingDetectorOptions | null,
  signal: AbortSignal | undefined,
): Promise<T> {
  const runner = new Runner(adapter, clock);
  if (instruments !== null) {
    // Loaded only by tracked runs, so that an untracked program does not carry them (issue 13).
    const { Instrumentation } = await import("../tracking/instrumentation.ts");
    // What it needs of modules loaded at start comes in `kit` (see instrumentation.ts).
    const kit = { _Cancelled: Cancelled, _TaskView: TaskView, _viewOf: viewOf, _groupOf: groupOf };
    runner.instruments = new Instrumentation(instruments, adapter, runner, kit, detect);
  }
  clock.attach?.(runner);
  try {
    return await runRoot(runner, main, signal);
  } catch (error) {
    // The root scope was cancelled by `signal`: reject with its reason, as fetch does.
    if (error instanceof Cancelled && error.scope?._byAbort === true && error.scope._parent === null) throw signal!.reason;
    throw error;
  } finally {
    runner.instruments?.detector?.close();
    clock.detach?.(runner);
  }
}

async function runRoot<T>(runner: Runner, main: (cx: Context) => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  const scope = new CancelScope({ signal });
  scope._enter(runner, null);
  const task = new Task("main", null, scope);
  const instruments = runner.instruments;
  instruments?.started(task);
  let failed = false;
  let outcome: unknown;
  try {
    const result = main(task);
    if (isAsyncGenerator(result)) throw notGenerator("main", main); // its body would never run
    return (outcome = await result) as T;
  } catch (error) {
    failed = true;
    outcome = error;
    throw error;
  } finally {
    instruments?.exited(task, failed, outcome);
    scope._exit();
    await runner.close();
  }
}

/**
 * Makes a `run` that defaults to `adapter` (an explicit `options.adapter`
 * still wins). Each runtime entry point exports one.
 *
 * @example
 * ```ts
 * import { bindRun } from "skein/core";
 * import { nodeAdapter } from "skein/node";
 * const runOnNode = bindRun(nodeAdapter);
 * await runOnNode(async (cx) => cx.sleep(1));
 * ```
 */
export function bindRun(adapter: Adapter): typeof run {
  return (main, options = {}) =>
    run(main, options !== null && typeof options === "object" && options.adapter === undefined ? { ...options, adapter } : options);
}
