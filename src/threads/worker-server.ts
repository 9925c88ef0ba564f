/**
 * The worker side of `toThread`: what runs inside each worker.
 *
 * A runtime's worker entry (`adapters/<runtime>/worker-entry.ts`) knows how
 * it was spawned and hands this module a {@link ParentEndpoint}; nothing here
 * looks at globals. The server loads the user's worker module (`init`), then
 * runs each `call` as a task of one long-lived Skein run, so worker functions
 * use the whole Skein API (sleep, task groups, streams). Each call gets its
 * own cancel scope: a `cancel` message from the caller cancels it, so
 * cooperative code sees `Cancelled` and its `cx.signal` aborts.
 *
 * `fromThread(cx, name, ...args)` calls back into a function the caller
 * exposed for this call; which call a context belongs to travels in a
 * context variable, so concurrent calls in one worker never mix.
 *
 * Results go through an outbox: those ready before the next microtask
 * checkpoint are posted together (one array), and a result that cannot be
 * cloned is replaced by a `TypeError` for its call alone.
 *
 * @module
 */

import type { Adapter } from "../core/adapter.ts";
import { CancelScope } from "../core/cancel-scope.ts";
import type { Context } from "../core/context.ts";
import { ContextVar } from "../core/context-var.ts";
import { Cancelled, UsageError } from "../core/errors.ts";
import { scopeAbsorbs } from "../core/timeouts.ts";
import { run } from "../core/run.ts";
import type { TaskGroup } from "../core/task-group.ts";
import { describeValue } from "../core/validate.ts";
import { Waiter } from "../core/waiter.ts";
import {
  decode,
  deserializeError,
  encode,
  type FromWorker,
  Outbox,
  serializeError,
  type ToWorker,
  TRANSFER,
  unwrapTransfer,
} from "./worker-protocol.ts";

/** How a worker talks to the run that started it. @internal */
export interface ParentEndpoint {
  /** Posts what `encode` made of one or more messages. */
  post(data: unknown, transfer?: Transferable[]): void;
  /** `onMessage` gets what the parent posted; `decode` takes it apart. */
  listen(onMessage: (data: unknown) => void): void;
  /**
   * Optional: the worker has no call in flight and its results are posted.
   * The endpoint may then wait, briefly and only where that stalls nothing
   * else of the worker, for the parent's next message and hand it to the
   * listener synchronously, while `stillIdle()` holds (see
   * `adapters/shared/worker-threads.ts`).
   */
  idle?(stillIdle: () => boolean): void;
}

interface CallInfo {
  readonly server: WorkerServer;
  readonly id: number;
  readonly callbacks: readonly string[];
}

const currentCall = new ContextVar<CallInfo | null>("skein.workerCall", null);
const NO_CALLBACKS: readonly string[] = Object.freeze([]);

class WorkerServer {
  private module: Record<string, unknown> | null = null;
  private group: TaskGroup | null = null;
  private readonly early: ToWorker[] = [];
  private readonly calls = new Map<number, CancelScope>();
  private readonly callbacks = new Map<number, CallbackWaiter>();
  private nextCallback = 0;
  /** Results not posted yet: flushed once per microtask checkpoint, several in one array (see worker-protocol). */
  private readonly outbox = new Outbox<FromWorker>(() => this.flush());
  /** Per outbox message (same index): the function whose result it is (for the message if it cannot be sent). */
  private readonly outboxName: string[] = [];
  /** Calls received whose result is not queued yet (started or about to start). */
  private inFlight = 0;
  /** Nothing in flight and the module loaded: what the endpoint's `idle` waits on. */
  private readonly stillIdle = (): boolean => this.inFlight === 0 && this.module !== null;

  constructor(readonly parent: ParentEndpoint) {}

  /** Queues a result for the parent; every result queued before the next microtask checkpoint goes in one post. */
  private sendResult(message: FromWorker, transfer: Transferable[] | undefined, name: string): void {
    this.inFlight--;
    this.outbox.push(message, transfer);
    this.outboxName.push(name);
  }

  /** `sendResult` of a value (without the message object). */
  private sendValue(id: number, value: unknown, transfer: Transferable[] | undefined, name: string): void {
    this.inFlight--;
    this.outbox.pushResult(id, value, transfer);
    this.outboxName.push(name);
  }

  /** Posts the outbox; if it cannot be cloned, posts each result alone, replacing those that cannot be sent by an error. */
  flush(): void {
    const box = this.outbox;
    const wire = box.take();
    if (wire === null) return;
    const names = this.outboxName;
    const transfers = box.taken;
    let posted = false;
    if (transfers === null) {
      try {
        this.parent.post(wire);
        posted = true;
      } catch {
        // something in it cannot be sent: each result alone below
      }
    }
    try {
      if (!posted) {
        // Each result alone, replacing those that cannot be sent. A batch that
        // transfers anything is always sent so: a post that fails may already
        // have detached what it was to transfer (Deno).
        let i = 0;
        decode<FromWorker>(wire, (message) => this.postAlone(message, transfers?.[i], names[i++]!));
      }
    } finally {
      names.length = 0;
    }
    this.posted();
  }

  /** Posts one message; a result that cannot be sent is replaced by the error saying so. */
  private postAlone(message: FromWorker, transfer: Transferable[] | undefined, name: string): void {
    try {
      this.parent.post(encode([message]), transfer);
    } catch (error) {
      if (message.t !== "result") throw error;
      const value = message.ok ? message.value : undefined;
      const reason = new TypeError(
        `the result of ${JSON.stringify(name)} cannot be sent back from the worker (${describeValue(value)}): ${(error as Error).message}`,
        { cause: error },
      );
      this.parent.post({ t: "result", id: message.id, ok: false, error: serializeError(reason), cancelled: false });
    }
  }

  /** After results went out: with nothing left in flight, the endpoint may wait for the next call (`ParentEndpoint.idle`). */
  private posted(): void {
    if (this.inFlight === 0 && this.parent.idle !== undefined) this.parent.idle(this.stillIdle);
  }

  start(group: TaskGroup): void {
    this.group = group;
    for (const message of this.early.splice(0)) this.onMessage(message);
  }

  onMessage(message: ToWorker): void {
    if (this.group === null) {
      this.early.push(message);
      return;
    }
    switch (message.t) {
      case "init":
        this.group.startSoon(async () => this.init(message.module));
        break;
      case "call":
        this.inFlight++;
        this.group.startSoon({ name: `call ${message.name}` }, (cx) => this.call(cx, message));
        break;
      case "cancel":
        this.calls.get(message.id)?.cancel("cancelled by the caller");
        break;
      case "reply": {
        const waiter = this.callbacks.get(message.cb);
        this.callbacks.delete(message.cb);
        if (waiter === undefined) break;
        if (waiter.settled) {
          // Cancelled by the caller's `cancel`, which came first: the answer is for `awaitAnswer`.
          if (waiter.follow === null) waiter.late = message;
          else this.answer(waiter.follow, message);
        } else this.answer(waiter, message);
        break;
      }
    }
  }

  private async init(specifier: string): Promise<void> {
    try {
      const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
      this.module = module;
      this.parent.post({ t: "ready", exports: Object.keys(module).filter((k) => typeof module[k] === "function") });
    } catch (error) {
      this.parent.post({ t: "initFailed", error: serializeError(error) });
    }
  }

  private async call(cx: Context, message: Extract<ToWorker, { t: "call" }>): Promise<void> {
    const { id, name } = message;
    const fn = this.module?.[name];
    if (typeof fn !== "function") {
      const error = new TypeError(`the worker module exports no function named ${JSON.stringify(name)}`);
      this.sendResult({ t: "result", id, ok: false, error: serializeError(error), cancelled: false }, undefined, name);
      return;
    }
    const scope = new CancelScope();
    this.calls.set(id, scope);
    // A call without callbacks keeps the server's shared "no callbacks" info
    // (set once on the run's root, inherited by every call task): no Map copy per call.
    if (message.callbacks !== undefined) currentCall.set(cx, { server: this, id, callbacks: message.callbacks });
    // What `cx.withCancelScope(scope, fn)` does (`runInScope`), in this frame:
    // one async frame per call instead of two.
    scope._enter(cx._task.runner, cx.cancelScope);
    let value: unknown;
    let failed = false;
    try {
      value = await (fn as (cx: Context, ...a: unknown[]) => unknown)(cx._inScope(scope), ...message.args);
    } catch (error) {
      if (!scopeAbsorbs(scope, error)) {
        failed = true;
        value = error;
      }
    } finally {
      scope._exit();
      this.calls.delete(id);
    }
    if (failed) {
      this.sendResult({ t: "result", id, ok: false, error: serializeError(value), cancelled: value instanceof Cancelled }, undefined, name);
    } else if (scope._cancelledCaught) {
      this.sendResult({ t: "result", id, ok: false, error: serializeError(Cancelled._make("cancelled by the caller")), cancelled: true }, undefined, name);
    } else {
      let transfer: Transferable[] | undefined;
      if (value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[TRANSFER] === true) value = unwrapTransfer(value, (transfer = []));
      this.sendValue(id, value, transfer, name);
    }
  }

  callBack(cx: Context, call: CallInfo, name: string, args: unknown[]): Promise<unknown> {
    const cb = this.nextCallback++;
    const waiter = new CallbackWaiter(this.callbacks, cb, this.calls.get(call.id));
    const parked = waiter.park(cx.cancelScope);
    if (waiter.settled) return parked;
    this.callbacks.set(cb, waiter);
    const transfer: Transferable[] = [];
    const plain = args.map((a) => unwrapTransfer(a, transfer));
    try {
      this.flush(); // results queued before it go first
      this.parent.post({ t: "callback", id: call.id, cb, name, args: plain }, transfer);
    } catch (error) {
      waiter.fail(new TypeError(`an argument of fromThread ${JSON.stringify(name)} cannot be sent: ${(error as Error).message}`, { cause: error }));
    }
    return this.awaitAnswer(cx, waiter, parked);
  }

  /**
   * The callback's outcome. If the caller cancelled the call while the
   * callback ran, the caller's side answers it all the same (its value if it
   * finished, "cancelled" if it was cancelled with the call): that answer is
   * awaited, shielded, so a callback that ran to its end is not reported
   * cancelled (trio: the host task runs it; `from_thread.run_sync` does not
   * raise `Cancelled`) and a fromThread never has an effect it reports as not
   * having happened.
   */
  private async awaitAnswer(cx: Context, waiter: CallbackWaiter, parked: Promise<unknown>): Promise<unknown> {
    try {
      return await parked;
    } catch (error) {
      if (!(error instanceof Cancelled) || !waiter.answered) throw error;
      const follow = (waiter.follow = new Waiter<unknown>());
      if (waiter.late !== null) this.answer(follow, waiter.late);
      return await cx.withCancelScope({ shield: true }, (cx) => follow.park(cx.cancelScope));
    }
  }

  /** Settles `waiter` with a callback's reply. */
  private answer(waiter: Waiter<unknown>, message: Extract<ToWorker, { t: "reply" }>): void {
    if (message.ok) waiter.wake(message.value);
    else if (message.cancelled === true) {
      // The callback was cancelled with the call (trio's from_thread.run raises Cancelled then):
      // the call's scope, cancelled by the caller's `cancel` sent before this reply, absorbs it.
      waiter.fail(Cancelled._make("the caller was cancelled during this fromThread call", this.calls.get(message.id)));
    } else waiter.fail(deserializeError(message.error!));
  }
}

class CallbackWaiter extends Waiter<unknown> {
  /** Cancelled by the caller's cancel of the call: the caller's side still answers (see `awaitAnswer`). */
  answered = false;
  /** That answer, if it came before `awaitAnswer` waited for it. */
  late: Extract<ToWorker, { t: "reply" }> | null = null;
  /** What `awaitAnswer` waits on for that answer. */
  follow: Waiter<unknown> | null = null;

  constructor(
    private readonly table: Map<number, CallbackWaiter>,
    private readonly cb: number,
    /** The call's own scope, which only the caller's `cancel` cancels. */
    private readonly callScope: CancelScope | undefined,
  ) {
    super();
  }
  protected override onCancel(): void {
    // The caller's cancel reaches the callback on the caller's side too, which answers it;
    // a cancellation of the worker's own (an inner scope) leaves the answer unwanted.
    if (this.callScope?.cancelCalled === true) this.answered = true;
    else this.table.delete(this.cb);
  }
}

/**
 * Serves `toThread` calls in a worker. Called by each runtime's worker entry
 * with an endpoint built from how that entry was spawned. Returns a function
 * that posts the results still queued at once (for a worker about to close).
 * @internal
 */
export function serveWorker(parent: ParentEndpoint, adapter: Adapter): () => void {
  const server = new WorkerServer(parent);
  // Several messages posted together arrive as one (the wire format is in worker-protocol).
  const onMessage = (message: ToWorker): void => server.onMessage(message);
  parent.listen((data) => decode(data, onMessage));
  void run(
    (cx) => {
      currentCall.set(cx, { server, id: -1, callbacks: NO_CALLBACKS });
      return cx.taskGroup(async (tg, cx) => {
        server.start(tg);
        await cx.sleepForever();
      });
    },
    { adapter },
  );
  return () => server.flush();
}

/**
 * From a function running in a worker through `toThread`, calls a function
 * the caller exposed for this call (`workers.with({ expose })`) on the main
 * side, and returns its result. A checkpoint.
 *
 * @throws {@link UsageError} outside a `toThread` call.
 * @throws {@link !TypeError} if the caller exposed no function of that name.
 * @example
 * ```ts
 * // math.worker.ts
 * import { fromThread, type Context } from "skein";
 * export async function sum(cx: Context, n: number) {
 *   let total = 0;
 *   for (let i = 1; i <= n; i++) {
 *     total += i;
 *     if (i % 1_000_000 === 0) await fromThread(cx, "progress", i / n);
 *   }
 *   return total;
 * }
 * ```
 */
export function fromThread(cx: Context, name: string, ...args: unknown[]): Promise<unknown> {
  const call = currentCall.get(cx);
  if (call === null) {
    throw new UsageError("fromThread() works only inside a function that toThread() is running in a worker");
  }
  if (typeof name !== "string") throw new TypeError(`name must be a string, got ${describeValue(name)}`);
  if (!call.callbacks.includes(name)) {
    throw new TypeError(`the caller exposed no function named ${JSON.stringify(name)} (exposed: ${call.callbacks.join(", ") || "none"})`);
  }
  return call.server.callBack(cx, call, name, args);
}
