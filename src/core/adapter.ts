/**
 * The adapter interface: everything the core needs from a runtime.
 *
 * Skein's core (`src/`) never imports a runtime module and never sniffs the
 * runtime. Whatever differs between Node, Deno, Bun and browsers (the clock,
 * native timers, the macrotask yield, error reporting; later workers, sockets,
 * processes, files and signals) reaches the core through one object that
 * implements {@link Adapter}. Each folder under `adapters/` provides one.
 *
 * Invariants the core relies on:
 * - `now()` is monotonic and in milliseconds.
 * - `setTimer` callbacks run on a later macrotask, never synchronously.
 * - `yieldMacrotask` runs its callback after pending I/O and timers had a
 *   chance to run, and is not clamped (never a nested `setTimeout(0)`).
 * - A run that has finished holds no native timer or handle, so a process
 *   exits by itself.
 *
 * @module
 */

import type { FileSupport } from "../fs/file-support.ts";
import type { DatagramSupport } from "../net/datagram-support.ts";
import type { NetSupport } from "../net/net-support.ts";
import type { ProcessSupport } from "../process/process-support.ts";
import type { SignalSupport } from "../signals/signal-support.ts";
import type { TlsSupport } from "../net/tls-support.ts";
import type { Follow } from "./task.ts";

/**
 * An opaque native timer handle, as returned by {@link Adapter.setTimer}.
 *
 * @example
 * ```ts
 * const handle: TimerHandle = adapter.setTimer(() => {}, 10);
 * adapter.clearTimer(handle);
 * ```
 */
export type TimerHandle = unknown;

/**
 * What a runtime supplies to the core. Pass one as `run(main, { adapter })` to
 * choose a runtime explicitly; a plain `import { run } from "skein"` picks the
 * right one through package export conditions.
 *
 * @example A custom adapter wrapping the Node one, counting native timers
 * ```ts
 * import { run, nodeAdapter, type Adapter } from "skein/node";
 *
 * let timers = 0;
 * const counting: Adapter = {
 *   ...nodeAdapter,
 *   setTimer(callback, delay) {
 *     timers++;
 *     return nodeAdapter.setTimer(callback, delay);
 *   },
 * };
 * await run(async (cx) => cx.sleep(10), { adapter: counting });
 * console.log(timers); // 1
 * ```
 */
export interface Adapter {
  /** A short name for the runtime, such as `"node"` or `"browser"`. */
  readonly name: string;
  /** Monotonic time in milliseconds (usually `performance.now()`). */
  now(): number;
  /** Calls `callback` once after about `delay` milliseconds. */
  setTimer(callback: () => void, delay: number): TimerHandle;
  /** Cancels a timer made by {@link Adapter.setTimer}. */
  clearTimer(handle: TimerHandle): void;
  /** Calls `callback` on a later macrotask, after pending I/O. */
  yieldMacrotask(callback: () => void): void;
  /** Reports an error that has no caller to go to (the runtime's uncaught-error path). */
  reportError(error: unknown): void;
  /**
   * Worker threads, for `toThread`. An adapter without them makes
   * `toThread` fail with `UnsupportedError`.
   */
  readonly workers?: WorkerSupport;
  /**
   * Worker processes, for `toProcess`: the same {@link WorkerSupport}, whose
   * `spawn()` starts a child process of the same runtime running the
   * adapter's process worker entry, talking over IPC. An adapter without
   * them makes `toProcess` fail with `UnsupportedError`.
   */
  readonly processWorkers?: WorkerSupport;
  /**
   * Sockets and name lookups, for `src/net`. An adapter without them (the
   * browser's) makes every socket call fail with `UnsupportedError`.
   */
  readonly net?: NetSupport;
  /**
   * UDP sockets, for `src/net/udp.ts`. An adapter without them (the
   * browser's) makes every UDP call fail with `UnsupportedError`.
   */
  readonly datagrams?: DatagramSupport;
  /**
   * Files and directories, for `src/fs`. An adapter without them makes
   * every file call fail with `UnsupportedError`.
   */
  readonly files?: FileSupport;
  /** Child processes, for `src/process`; without it, `UnsupportedError`. */
  readonly processes?: ProcessSupport;
  /** OS signal handlers, for `src/signals`; without it, `UnsupportedError`. */
  readonly signals?: SignalSupport;
  /**
   * TLS clients and listeners, for `src/net/tls.ts`. An adapter without
   * them (the browser's) makes every TLS call fail with `UnsupportedError`.
   */
  readonly tls?: TlsSupport;
  /**
   * How the core follows what a task's function returned until it settles
   * (see `Follow` in src/core/task.ts): two closures when absent; bound
   * functions on V8 (`followWithBound`: 56 bytes less per task, and fewer
   * bytes to collect after a burst of spawns; on JavaScriptCore they cost 80
   * bytes more and spawn 1.5x slower); on Bun, handlers shared by every task
   * whose body did not block, and one closure for both outcomes for one
   * that did (adapters/bun/follow.ts). A tuning hint: every
   * form ends the task at the same microtask. Lives in the adapter so a
   * bundle carries only its own runtime's form.
   * @internal
   */
  readonly _follow?: Follow;
}

/**
 * An object a worker message moves instead of copying: an `ArrayBuffer`, a
 * `MessagePort`, a stream, ... (what the DOM lib calls `Transferable`). It is
 * typed as `object` so that the published declarations do not need the DOM lib
 * (a server project has only `@types/node`); `postMessage` checks the objects.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(16);
 * const list: TransferableObject[] = [bytes.buffer];
 * ```
 */
export type TransferableObject = object;

/**
 * How an adapter starts workers. `spawn` starts the adapter's own worker
 * entry, which then loads the user's worker module; the entry, not a guess
 * from globals, decides how the worker talks to its parent.
 *
 * @example
 * ```ts
 * const port = adapter.workers!.spawn();
 * port.listen({ message: (m) => console.log(m), error: console.error, exit: () => {} });
 * port.post({ t: "init", module: "file:///app/math.worker.js" });
 * ```
 */
export interface WorkerSupport {
  /** Starts a worker running the adapter's worker entry. */
  spawn(): WorkerPort;
  /** How many workers may usefully run at once (the CPU count). */
  hardwareConcurrency(): number;
}

/**
 * The main side's handle on one worker.
 *
 * @example
 * ```ts
 * port.post({ t: "cancel", id: 3 });
 * await port.terminate();
 * ```
 */
export interface WorkerPort {
  /** Sends a message (structured clone), moving the objects in `transfer`. */
  post(message: unknown, transfer?: TransferableObject[]): void;
  /** Sets the callbacks; called once, before the first message. */
  listen(handlers: WorkerPortHandlers): void;
  /** Stops the worker at once. */
  terminate(): Promise<void>;
  /** Lets the process exit while this worker is idle (Node, Deno, Bun); optional. */
  setIdle?(idle: boolean): void;
}

/**
 * Callbacks a {@link WorkerPort} calls.
 *
 * @example
 * ```ts
 * port.listen({ message: onMessage, error: onCrash, exit: onExit });
 * ```
 */
export interface WorkerPortHandlers {
  /** A message from the worker. */
  message(data: unknown): void;
  /** The worker failed outside any call (uncaught error, out of memory). */
  error(error: unknown): void;
  /**
   * The worker ended (exit code where the runtime has one; for a worker
   * process killed by a signal, the signal's name).
   */
  exit(code: number | undefined, signal?: string): void;
}
