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

import type { WorkerPort } from "./adapter.ts";
import { CancelScope } from "./cancel-scope.ts";
import { CapacityLimiter } from "./capacity-limiter.ts";
import type { Context } from "./context.ts";
import { Cancelled, UnsupportedError, WorkerCrashedError } from "./errors.ts";
import type { Runner } from "./runner.ts";
import type { TaskGroup } from "./task-group.ts";
import type { TimerEntry } from "./timer-queue.ts";
import { Waiter } from "./waiter.ts";
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

class PooledWorker implements TimerEntry {
  deadline = Infinity;
  heapIndex = -1;
  timerSeq = 0;
  dead = false;
  readonly calls = new Map<number, CallWaiter>();
  private readyWaiter: Waiter<void> | null = new Waiter<void>();
  private readyError: unknown = undefined;
  private readyDone = false;

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

  /** Waits until the module is loaded. */
  ready(cx: Context): Promise<void> {
    if (this.readyDone) return this.readyError === undefined ? Promise.resolve() : Promise.reject(this.readyError);
    return this.readyWaiter!.park(cx.cancelScope);
  }

  onTimer(): void {
    this.pool.retire(this);
  }

  private settleReady(error: unknown): void {
    if (this.readyDone) return;
    this.readyDone = true;
    this.readyError = error;
    const w = this.readyWaiter!;
    this.readyWaiter = null;
    if (error === undefined) w.wake();
    else w.fail(error);
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
export class WorkerPool {
  readonly module: string;
  readonly limiter: Limiter;
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private nextId = 1;

  constructor(
    readonly runner: Runner,
    module: string,
    slots: number,
  ) {
    this.module = module;
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

  private async checkout(cx: Context): Promise<PooledWorker> {
    for (let w = this.idle.pop(); w !== undefined; w = this.idle.pop()) {
      if (w.dead) continue;
      this.runner.timers.remove(w);
      w.port.setIdle?.(false);
      return w;
    }
    const workers = this.runner.adapter.workers;
    if (workers === undefined) throw new UnsupportedError(`the ${this.runner.adapter.name} adapter has no worker threads`);
    const worker = new PooledWorker(this, workers.spawn());
    this.all.add(worker);
    try {
      await worker.ready(cx);
    } catch (error) {
      this.retire(worker);
      throw error;
    }
    return worker;
  }

  private checkin(worker: PooledWorker, idleTimeout: number): void {
    if (worker.dead || !this.all.has(worker)) return;
    worker.port.setIdle?.(true);
    this.idle.push(worker);
    worker.deadline = this.runner.adapter.now() + idleTimeout;
    this.runner.timers.schedule(worker);
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
    return cx.taskGroup(async (tg, cx) => {
      call.group = tg; // fromThread callbacks run as tasks of this group
      try {
        return await call.park(cx.cancelScope);
      } catch (error) {
        if (error instanceof Cancelled && worker.calls.has(id)) await this.stopCall(cx, worker, id, call, options);
        throw error;
      }
    });
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
    this.runner.timers.remove(worker);
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
    await Promise.all(
      workers.map((w) => {
        w.dead = true;
        this.runner.timers.remove(w);
        return w.port.terminate().catch(() => {});
      }),
    );
  }
}
