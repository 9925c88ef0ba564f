/**
 * Worker pools: the main side of `toThread`.
 *
 * Each run keeps one pool per worker module. A pool starts workers on demand
 * (the adapter's `workers.spawn()`), reuses idle ones, retires a worker idle
 * for `idleTimeout` ms, and terminates all of them when the run ends, so a
 * finished run leaves no worker behind and the process exits by itself.
 *
 * How many calls run at once is bounded by a limiter: by default a
 * `CapacityLimiter` with one token per hardware thread (per run and module),
 * or one the user passes, shared with other work. Each call borrows on
 * behalf of its own token object, so one task may run several calls.
 *
 * Workers are capped at the hardware concurrency; calls beyond that share
 * the least busy worker (worker functions are async, so one worker serves
 * several calls at once), so a generous limiter pipelines calls instead of
 * starting more workers.
 *
 * A call's life: take a slot, take or start a worker, post `call`, wait. If
 * the caller's scope is cancelled, post `cancel` and wait, shielded, at most
 * `cancelGrace` ms for the worker to stop; a worker that does not is
 * terminated and replaced. Either way the call then throws `Cancelled`, and
 * never returns while its worker still runs it. A worker that dies fails its
 * calls with `WorkerCrashedError`.
 *
 * @internal
 * @module
 */

import type { WorkerPort } from "../core/adapter.ts";
import { CancelScope } from "../core/cancel-scope.ts";
import { CapacityLimiter } from "../sync/capacity-limiter.ts";
import type { Context } from "../core/context.ts";
import { Cancelled, UnsupportedError, WorkerCrashedError } from "../core/errors.ts";
import { Event } from "../sync/event.ts";
import type { Runner } from "../core/runner.ts";
import type { TaskGroup } from "../core/task-group.ts";
import type { TimerEntry } from "../core/timer-queue.ts";
import { Waiter } from "../core/waiter.ts";
import {
  deserializeError,
  type FromWorker,
  serializeError,
  type ToWorker,
  unwrapTransfer,
} from "./worker-protocol.ts";

/**
 * A limiter `toThread` can borrow from, such as a `CapacityLimiter`.
 *
 * @example
 * ```ts
 * const math = workerModule<typeof Math>(url, { limiter: sharedLimiter });
 * ```
 */
export interface Limiter {
  /** Takes a token for `borrower`, waiting while none is free; a checkpoint. */
  acquireOnBehalfOf(cx: Context, borrower: object): Promise<void>;
  /** Gives back the token `borrower` holds. */
  releaseOnBehalfOf(borrower: object): void;
}

/**
 * Functions the caller exposes to `fromThread` for one call.
 *
 * @example
 * ```ts
 * const expose: Exposed = { progress: async (cx, fraction: number) => bar.set(fraction) };
 * ```
 */
export type Exposed = Record<string, (cx: Context, ...args: never[]) => unknown>;

/** Per-call and per-module options of `toThread`. @internal */
export interface CallOptions {
  limiter?: Limiter;
  cancelGrace?: number;
  idleTimeout?: number;
  expose?: Exposed;
}

class CallWaiter extends Waiter<unknown> {
  /** Woken when the worker answers after the caller was cancelled. */
  confirm: Waiter<void> | null = null;
  group: TaskGroup | null = null;
  expose: Exposed | undefined = undefined;
}

class PooledWorker {
  dead = false;
  /** Calls checked out on this worker now. */
  active = 0;
  /** When it was last checked in (adapter clock). */
  idleSince = 0;
  readonly calls = new Map<number, CallWaiter>();
  private readonly readyEvent = new Event();
  private readyError: unknown = undefined;

  constructor(
    readonly pool: WorkerPool,
    readonly port: WorkerPort,
  ) {
    port.listen({
      message: (data) => this.onMessage(data as FromWorker),
      error: (error) => this.crash(new WorkerCrashedError(`worker for ${pool.module} crashed: ${describe(error)}`, { cause: error })),
      exit: (code) => this.crash(new WorkerCrashedError(`worker for ${pool.module} exited${code === undefined ? "" : ` with code ${code}`}`)),
    });
    port.post({ t: "init", module: pool.module } satisfies ToWorker);
  }

  /** Waits until the module is loaded (several calls may wait for one worker). */
  async ready(cx: Context): Promise<void> {
    await this.readyEvent.wait(cx);
    if (this.readyError !== undefined) throw this.readyError;
  }

  private settleReady(error: unknown): void {
    if (this.readyEvent.isSet()) return;
    this.readyError = error;
    this.readyEvent.set();
  }

  private onMessage(message: FromWorker): void {
    switch (message.t) {
      case "ready":
        this.settleReady(undefined);
        break;
      case "initFailed":
        this.settleReady(deserializeError(message.error));
        this.pool.retire(this);
        break;
      case "result": {
        const call = this.calls.get(message.id);
        this.calls.delete(message.id);
        if (call === undefined) break;
        const delivered = message.ok ? call.wake(message.value) : call.fail(deserializeError(message.error));
        if (!delivered) call.confirm?.wake();
        break;
      }
      case "callback":
        this.runCallback(message);
        break;
      case "exiting":
        this.crash(new WorkerCrashedError(`worker for ${this.pool.module} exited${message.code === undefined ? "" : ` with code ${message.code}`}`));
        break;
    }
  }

  private runCallback(message: Extract<FromWorker, { t: "callback" }>): void {
    const call = this.calls.get(message.id);
    const fn = call?.expose?.[message.name];
    if (call === undefined || call.group === null || fn === undefined) return;
    call.group.startSoon(async (cx) => {
      let reply: ToWorker;
      const transfer: Transferable[] = [];
      try {
        const value = await (fn as (cx: Context, ...a: unknown[]) => unknown)(cx, ...message.args);
        reply = { t: "reply", id: message.id, cb: message.cb, ok: true, value: unwrapTransfer(value, transfer) };
      } catch (error) {
        if (error instanceof Cancelled) throw error;
        reply = { t: "reply", id: message.id, cb: message.cb, ok: false, error: serializeError(error) };
      }
      if (!this.dead) this.port.post(reply, transfer);
    });
  }

  crash(error: WorkerCrashedError): void {
    if (this.dead) return;
    this.dead = true;
    this.settleReady(error);
    for (const call of this.calls.values()) if (!call.fail(error)) call.confirm?.wake();
    this.calls.clear();
    this.pool.retire(this);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** One module's workers within one run. @internal */
export class WorkerPool implements TimerEntry {
  readonly module: string;
  readonly limiter: Limiter;
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private nextId = 1;
  private idleTimeout = 10_000;
  // The pool is its own timer entry: one sweep retires every worker idle too
  // long, so a call costs no native timer of its own.
  deadline = Infinity;
  heapIndex = -1;
  timerSeq = 0;

  private readonly maxWorkers: number;

  constructor(
    readonly runner: Runner,
    module: string,
    slots: number,
  ) {
    this.module = module;
    this.maxWorkers = slots;
    this.limiter = new CapacityLimiter(slots);
  }

  async call(cx: Context, name: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const limiter = options.limiter ?? this.limiter;
    const borrower = {};
    await limiter.acquireOnBehalfOf(cx, borrower);
    try {
      const worker = await this.checkout(cx);
      try {
        return await this.callOn(cx, worker, name, args, options);
      } finally {
        this.checkin(worker, options.idleTimeout ?? 10_000);
      }
    } finally {
      limiter.releaseOnBehalfOf(borrower);
    }
  }

  /**
   * A worker for one more call: an idle one, else a new one while there are
   * fewer than `maxWorkers`, else the least busy (worker functions are async,
   * so a worker runs several calls at once, as tinypool's
   * `concurrentTasksPerWorker` does).
   */
  private async checkout(cx: Context): Promise<PooledWorker> {
    for (let w = this.idle.pop(); w !== undefined; w = this.idle.pop()) {
      if (w.dead) continue;
      w.port.setIdle?.(false);
      w.active++;
      return w;
    }
    if (this.all.size >= this.maxWorkers) {
      let best: PooledWorker | undefined;
      for (const w of this.all) if (!w.dead && (best === undefined || w.active < best.active)) best = w;
      if (best !== undefined) {
        best.active++;
        await best.ready(cx);
        return best;
      }
    }
    const workers = this.runner.adapter.workers;
    if (workers === undefined) throw new UnsupportedError(`the ${this.runner.adapter.name} adapter has no worker threads`);
    const worker = new PooledWorker(this, workers.spawn());
    this.all.add(worker);
    worker.active++;
    try {
      await worker.ready(cx);
    } catch (error) {
      this.retire(worker);
      throw error;
    }
    return worker;
  }

  private checkin(worker: PooledWorker, idleTimeout: number): void {
    if (--worker.active > 0 || worker.dead || !this.all.has(worker)) return;
    worker.port.setIdle?.(true);
    worker.idleSince = this.runner.adapter.now();
    this.idle.push(worker);
    this.idleTimeout = idleTimeout;
    if (this.heapIndex < 0) {
      this.deadline = worker.idleSince + idleTimeout;
      this.runner.timers.schedule(this);
    }
  }

  /** The idle sweep: retire workers idle for `idleTimeout`, then re-arm for the next. */
  onTimer(): void {
    const now = this.runner.adapter.now();
    let next = Infinity;
    for (const w of [...this.idle]) {
      if (now - w.idleSince >= this.idleTimeout) this.retire(w);
      else next = Math.min(next, w.idleSince + this.idleTimeout);
    }
    if (next !== Infinity) {
      this.deadline = next;
      this.runner.timers.schedule(this);
    }
  }

  private async callOn(cx: Context, worker: PooledWorker, name: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const id = this.nextId++;
    const transfer: Transferable[] = [];
    const plain = args.map((a) => unwrapTransfer(a, transfer));
    const call = new CallWaiter();
    call.expose = options.expose;
    const message: ToWorker = { t: "call", id, name, args: plain, callbacks: Object.keys(options.expose ?? {}) };
    try {
      worker.port.post(message, transfer);
    } catch (error) {
      throw new TypeError(`an argument of ${JSON.stringify(name)} cannot be sent to a worker: ${(error as Error).message}`, {
        cause: error,
      });
    }
    worker.calls.set(id, call);
    if (options.expose === undefined) return this.await(cx, worker, id, call, options);
    return cx.taskGroup(async (tg, cx) => {
      call.group = tg; // fromThread callbacks run as tasks of this group
      return this.await(cx, worker, id, call, options);
    });
  }

  private async await(cx: Context, worker: PooledWorker, id: number, call: CallWaiter, options: CallOptions): Promise<unknown> {
    try {
      return await call.park(cx.cancelScope);
    } catch (error) {
      if (error instanceof Cancelled && worker.calls.has(id)) await this.stopCall(cx, worker, id, call, options);
      throw error;
    }
  }

  /** After the caller was cancelled: ask the worker to stop, then wait a bounded time. */
  private async stopCall(cx: Context, worker: PooledWorker, id: number, call: CallWaiter, options: CallOptions): Promise<void> {
    const confirm = (call.confirm = new Waiter<void>());
    worker.port.post({ t: "cancel", id } satisfies ToWorker);
    const grace = new CancelScope({ shield: true, deadline: this.runner.adapter.now() + (options.cancelGrace ?? 1000) });
    await cx.withCancelScope(grace, (cx) => confirm.park(cx.cancelScope));
    if (grace.cancelledCaught) {
      worker.crash(new WorkerCrashedError(`worker for ${this.module} ignored cancellation for ${options.cancelGrace ?? 1000} ms and was terminated`));
      await worker.port.terminate();
    }
  }

  /** Drops a worker from the pool and terminates it. */
  retire(worker: PooledWorker): void {
    if (!this.all.delete(worker)) return;
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    worker.dead = true;
    void worker.port.terminate().catch(() => {});
  }

  /** Terminates every worker (end of the run). */
  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    this.runner.timers.remove(this);
    await Promise.all(
      workers.map((w) => {
        w.dead = true;
        return w.port.terminate().catch(() => {});
      }),
    );
  }
}
