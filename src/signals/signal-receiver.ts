/**
 * `openSignalReceiver`: receive OS signals (SIGINT, SIGTERM, SIGHUP,
 * SIGUSR1 ...) as values, in a scope (anyio's and trio's
 * `open_signal_receiver`, asyncio's `loop.add_signal_handler`).
 *
 * Invariants:
 * - **Scoped.** Handlers are installed when the scope opens and removed when
 *   its body ends, however it ends; after the last receiver of a signal is
 *   gone, the signal's default action (usually: the process ends) is back.
 * - **Every receiver sees every signal.** Each open receiver installs its own
 *   handlers, so several receivers at once each get each delivery.
 * - **Coalesced, like trio.** A signal that arrives while the same signal is
 *   already pending in this receiver is not queued twice; distinct signals
 *   keep their order. So the pending list is bounded by the number of
 *   signals listened to, whatever the rate of delivery.
 * - **Keeps the process alive.** While the scope is open, the adapter holds
 *   the process alive (Node's own signal watchers do not), so a task waiting
 *   in `receive` is not cut short by an empty event loop.
 * - `receive` is a checkpoint and cancel-safe (a cancelled receive took
 *   nothing); one receiving task at a time (`BusyResourceError`); after the
 *   scope, `receive` raises `ClosedResourceError`.
 *
 * Costs: one runtime listener per signal per receiver; one waiter per
 * `receive` that has to wait.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError, UnsupportedError } from "../core/errors.ts";
import { checkContext, checkFunction, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";

const SIGNAL_NAME = /^SIG[A-Z0-9]+$/;
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/**
 * The receiving end of {@link openSignalReceiver}: the signals delivered
 * while its scope is open, by name.
 *
 * @example
 * ```ts
 * import { openSignalReceiver, run } from "skein";
 * await run((cx) =>
 *   openSignalReceiver(cx, ["SIGHUP"], async (signals, cx) => {
 *     for await (const name of signals.iterate(cx)) console.log("reloading on", name);
 *   }),
 * );
 * ```
 */
export class SignalReceiver {
  private readonly pending: string[] = [];
  private waiter: Waiter<void> | null = null;
  private receiving = false;
  private closed = false;

  /** @internal Made by `openSignalReceiver`. */
  constructor() {}

  /**
   * Waits for the next signal and returns its name (`"SIGINT"`); a
   * checkpoint, cancel-safe.
   *
   * @throws {@link ClosedResourceError} after the receiver's scope ended.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const name = await signals.receive(cx);
   * ```
   */
  async receive(cx: Context): Promise<string> {
    checkContext(cx, "SignalReceiver.receive");
    if (this.closed) throw new ClosedResourceError("receive on a signal receiver whose scope has ended");
    if (this.receiving) throw new BusyResourceError("another task is already receiving from this signal receiver");
    cx.checkpointIfCancelled();
    this.receiving = true;
    try {
      if (this.pending.length > 0) {
        // A signal ready: a checkpoint all the same, as trio's (it stays
        // pending if this one is cancelled).
        await cx.checkpoint();
        if (this.closed) throw new ClosedResourceError("the signal receiver's scope has ended");
      }
      while (this.pending.length === 0) {
        const waiter = new Waiter<void>();
        this.waiter = waiter;
        const parked = parkWhereBlocked(waiter, cx.cancelScope);
        const instruments = cx._task.runner.instruments;
        await (instruments === null ? parked : instruments.block(cx._task, "receive on a signal receiver", parked));
        if (this.closed) throw new ClosedResourceError("the signal receiver's scope has ended");
      }
      return this.pending.shift()!;
    } finally {
      this.receiving = false;
    }
  }

  /**
   * The signals as an async iterable, for `for await`; it runs until the
   * loop is left or the task is cancelled.
   *
   * @example
   * ```ts
   * for await (const name of signals.iterate(cx)) {
   *   if (name === "SIGTERM") break;
   * }
   * ```
   */
  async *iterate(cx: Context): AsyncGenerator<string, void, undefined> {
    for (;;) yield await this.receive(cx);
  }

  /** @internal Called by the runtime's handler. */
  _deliver(signal: string): void {
    if (this.closed || this.pending.includes(signal)) return;
    this.pending.push(signal);
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }

  /** @internal Called when the scope ends. */
  _close(): void {
    this.closed = true;
    this.pending.length = 0;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }
}

/**
 * Installs handlers for `signals` and runs `body(receiver, cx)` with a
 * receiver of the signals delivered meanwhile; the handlers are removed when
 * `body` ends (the default action of each signal is then back). Returns what
 * `body` returns. While a handler is installed the signal no longer ends the
 * process: the program decides.
 *
 * @param signals Names such as `"SIGINT"`, `"SIGTERM"`, `"SIGHUP"`, `"SIGUSR1"` (not SIGKILL or SIGSTOP).
 * @throws {@link UnsupportedError} on a runtime without OS signals (browsers).
 * @throws {@link !TypeError} if `signals` is not an array of signal names, or `body` not a function.
 * @throws {@link !RangeError} if `signals` is empty, names SIGKILL or SIGSTOP, or
 *   names a signal the runtime does not know or cannot listen to (the handlers
 *   already installed are removed again; the runtime's error is the `cause`).
 * @example Graceful shutdown on the first Ctrl-C
 * ```ts
 * import { openSignalReceiver, run } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg) => {
 *     tg.startSoon((cx) => serve(cx));
 *     await openSignalReceiver(cx, ["SIGINT", "SIGTERM"], async (signals, cx) => {
 *       console.log("got", await signals.receive(cx));
 *       tg.cancelScope.cancel(); // every `finally` in serve() runs
 *     });
 *   }),
 * );
 * ```
 */
export async function openSignalReceiver<T>(
  cx: Context,
  signals: readonly string[],
  body: (receiver: SignalReceiver, cx: Context) => T | PromiseLike<T>,
): Promise<T> {
  if (!Array.isArray(signals)) throw new TypeError(`signals must be an array of signal names, got ${describeValue(signals)}`);
  if (signals.length === 0) throw new RangeError("signals must name at least one signal");
  for (let i = 0; i < signals.length; i++) {
    const name: unknown = signals[i];
    if (typeof name !== "string" || !SIGNAL_NAME.test(name)) {
      throw new TypeError(`signals[${i}] must be a signal name such as "SIGINT", got ${describeValue(name)}`);
    }
    if (UNCATCHABLE.has(name)) throw new RangeError(`signals[${i}] is ${name}, which cannot be caught`);
  }
  checkFunction("body", body);
  const runner = cx._task.runner;
  const support = runner.adapter.signals;
  if (support === undefined) throw new UnsupportedError(`OS signals are not supported on the ${runner.adapter.name} adapter`);
  cx.checkpointIfCancelled();
  const receiver = new SignalReceiver();
  const removers: (() => void)[] = [];
  try {
    for (let i = 0; i < signals.length; i++) {
      const name = signals[i]!;
      if (signals.indexOf(name) < i) continue; // named twice: listened to once
      try {
        removers.push(support.listen(name, () => receiver._deliver(name)));
      } catch (error) {
        if (error instanceof UnsupportedError) throw error;
        throw new RangeError(`signals[${i}] is ${name}, which the ${runner.adapter.name} adapter cannot listen to`, { cause: error });
      }
    }
    return await body(receiver, cx);
  } finally {
    receiver._close();
    for (const remove of removers) remove();
  }
}

// `for await (x of stream)` says what to write instead (the receives need cx).
refuseAsyncIteration(SignalReceiver.prototype, "SignalReceiver", "`for await (const name of signals.iterate(cx))`");
