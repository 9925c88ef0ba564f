/**
 * The OS-signal capability of an adapter: what a runtime supplies so that
 * `src/signals` can offer `openSignalReceiver` (anyio's
 * `open_signal_receiver`, asyncio's `loop.add_signal_handler`).
 *
 * Contract (the adapter must keep all of it):
 * - `listen(signal, handler)` installs `handler` for the named signal
 *   (`"SIGINT"`, `"SIGTERM"`, `"SIGHUP"`, `"SIGUSR1"` ...) and returns a
 *   function that removes it; removing is idempotent.
 * - Several handlers for one signal each run on every delivery.
 * - While at least one handler is installed, the signal's default action
 *   (usually: end the process) does not happen; once the last is removed,
 *   the default action is back.
 * - While at least one handler is installed, the adapter keeps the process
 *   alive (Node's own signal watchers do not), so a task waiting for a signal
 *   is not cut short by the event loop running dry; once the last is
 *   removed it holds nothing.
 * - Handlers run on a later macrotask, never inside the OS signal handler.
 * - An unknown or uncatchable signal throws the runtime's error from `listen`
 *   (the neutral layer makes it a `RangeError` naming the argument, with the
 *   runtime's error as `cause`); never a handler that is silently never called.
 * - Where the runtime never delivers signals to the calling thread (a worker
 *   thread on Node and Bun), `listen` throws `UnsupportedError`, which the
 *   neutral layer passes on unchanged.
 *
 * @module
 */

/**
 * What an adapter with OS signals supplies (`Adapter.signals`). An adapter
 * without it (browsers) makes `openSignalReceiver` fail with
 * `UnsupportedError`.
 *
 * @example
 * ```ts
 * const remove = adapter.signals!.listen("SIGINT", () => console.log("interrupted"));
 * remove();
 * ```
 */
export interface SignalSupport {
  /** Installs `handler` for `signal`; returns the function that removes it. */
  listen(signal: string, handler: () => void): () => void;
}
