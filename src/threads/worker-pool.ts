/**
 * Worker pools: the main side of `toThread` and `toProcess`.
 *
 * Each run keeps one pool per worker module and kind, as a run service (the
 * runner closes it when the run ends). A pool starts workers on demand (the
 * adapter's `workers.spawn()` for threads, `processWorkers.spawn()` for
 * child processes: the pool sees only a `WorkerPort` either way), reuses
 * idle ones, retires a worker idle for
 * `idleTimeout` ms (one sweep timer per pool, no timer per call), and
 * terminates every worker it started when the run ends, so a finished run
 * leaves no worker behind and the process exits by itself.
 *
 * How many calls run at once is bounded by a limiter: by default a
 * `CapacityLimiter` with one token per hardware thread (per run and module),
 * or one the user passes, shared with other work. Each call borrows on
 * behalf of its own token object, so one task may run several calls.
 *
 * Workers are capped at the hardware concurrency; calls beyond that share
 * the least busy worker (worker functions are async, so one worker serves
 * several calls at once, as tinypool's `concurrentTasksPerWorker` does). With
 * the default limiter (as many tokens as workers) calls never share a
 * worker; a wider limiter pipelines calls instead of starting more workers.
 *
 * Growth: a pool starts workers only for calls that keep the others busy.
 * A call takes an idle worker; the first call of an empty pool starts one;
 * otherwise, below the cap, the call waits in the pool's queue. A worker that
 * frees up takes the oldest waiting calls: one, or twice as many as last
 * time if its calls took less than GROW_DELAY (10 ms), so a burst of trivial
 * calls is served by the workers already there in a few round trips; a worker
 * that answers a call within GROW_DELAY of its last hand-out takes more at
 * once, without waiting to be idle, so its pipeline stays full. Only calls
 * made with a limiter of the caller's share a busy worker so: with the
 * pool's own limiter a worker runs one call at a time, as before. If calls
 * are still waiting at the growth check, GROW_DELAY after a call had to wait
 * (one check at a time), the workers have not kept up: the pool starts a worker for each waiting call,
 * up to the cap (past it they share the least busy). While the pool's only
 * workers are still loading, and for GROW_DELAY after one is ready, it does
 * not grow: they take the calls first. So 100 sequential or 32 simultaneous
 * trivial calls run on one worker on any machine, while 8 calls that each
 * take a while, or a steady load one worker cannot keep up with, get more
 * workers GROW_DELAY (plus the first worker's load) later than if each call
 * had started its own.
 *
 * A call's life: take a limiter token, check out a worker (idle, new, or the
 * least busy) and wait until its module is loaded, post `call`, wait for the
 * result, check the worker back in. If the caller's scope is cancelled, post
 * `cancel` and wait, shielded, up to `cancelGrace` ms for the function to
 * stop. If it does not, the call is *overdue*: its worker ignores
 * cancellation. Terminating that worker would also kill the other calls it
 * runs, so the rule is:
 *
 *   An overdue call retires its worker at once (it takes no new call) and
 *   waits; the worker is terminated as soon as every call still checked out
 *   on it is overdue, which is at once when the overdue call is alone on it,
 *   else when the others have settled or are overdue themselves.
 *
 * So a cancelled call costs its siblings nothing, and ends only once its
 * function has stopped (answered or been terminated): with the function's
 * value if it still finished with one (as trio's), else with `Cancelled`;
 * alone on its worker (always so with the default limiter) it waits at most
 * `cancelGrace`.
 *
 * Invariants (each tested in conformance/tests/thread.test.ts, the last also
 * as process exit on node, deno and bun in test/exit.test.ts):
 * - Every call settles: with its result, the error its function threw,
 *   `Cancelled` (its own caller was cancelled), or `WorkerCrashedError`, and
 *   the last only when its worker ended (crashed, exited) while the call was
 *   pending, never because the pool terminated it.
 * - A cancelled call never harms another: the pool terminates a worker only
 *   when it has no checked-out call that is not overdue (an idle worker, a
 *   worker whose module failed, a worker whose every call is overdue), and a
 *   caller cancelled while its worker loads simply checks it back in (the
 *   loading worker stays in the pool).
 * - A cancelled call returns only once its function has stopped in the
 *   worker: it answered, or its worker was terminated or died.
 *   For worker processes (`WorkerKind.awaitTermination`), a terminated
 *   worker's process has also been reaped by then: its pid is gone.
 * - Every checkout is checked in exactly once, on every path (result,
 *   error, cancellation while loading or running), so `active` counts the
 *   calls on a worker and an idle worker is retired after `idleTimeout`.
 * - A worker gets a call only once its module has loaded.
 * - A retired worker is out of the pool: no new call goes to it; it is
 *   terminated when its remaining calls are all overdue (or none).
 * - When a worker ends, however it ends, everything waiting on it settles at
 *   once: calls fail with `WorkerCrashedError` (overdue ones are woken and
 *   throw `Cancelled`), and so do callers waiting for its module.
 * - At the end of the run every worker still alive, in the pool or retired,
 *   is terminated.
 *
 * Messages to a worker go through its outbox: every `call` and `cancel`
 * queued before the next microtask checkpoint is posted in ONE postMessage
 * (an array when several), and the worker answers the same way, so calls
 * started together cost one post and one message event per side. An outbox
 * that cannot be cloned is re-posted message by message, and only the calls
 * whose arguments cannot be sent fail (with a `TypeError`). An outbox that
 * transfers anything is posted message by message from the start: a failed
 * post may have detached the buffers it was to move (Deno), which belong to
 * the other calls.
 *
 * Costs: a call allocates its waiter (which is also its limiter borrower);
 * its message is written straight into the outbox's wire array (no message
 * object), its arguments array is the caller's own; no timer and no
 * task unless functions are exposed (then one task group); a call that has
 * to wait for a worker also a queue waiter (and the pool arms its one growth
 * timer). Up
 * to `maxWorkers` workers are in the pool; retired workers still finishing
 * calls are outside that count, so while an overdue call waits for its
 * siblings the pool may run one more worker than the cap. Terminating a
 * worker stuck in a synchronous loop does not stop its thread on Deno (see
 * docs/runtimes.md).
 *
 * @internal
 * @module
 */

import type { WorkerPort, WorkerSupport } from "../core/adapter.ts";
import { CancelScope } from "../core/cancel-scope.ts";
import { CapacityLimiter } from "../sync/capacity-limiter.ts";
import type { Context } from "../core/context.ts";
import { Cancelled, UnsupportedError, WorkerCrashedError } from "../core/errors.ts";
import { Event } from "../sync/event.ts";
import type { Runner } from "../core/runner.ts";
import type { TaskGroup } from "../core/task-group.ts";
import type { TimerEntry } from "../core/timer-queue.ts";
import { blockedOn } from "../core/instrument.ts";
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
  /**
   * Gives back the token `borrower` holds. If it throws, the call throws
   * that error; if the call had failed already, both errors in one
   * `AggregateError`, the call's first.
   */
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

/**
 * How long calls wait for a busy worker to free up before the pool starts
 * more workers for them (ms): far longer than a trivial call's round trip
 * (tens of µs), far shorter than starting a worker (tens of ms).
 */
const GROW_DELAY = 10;

/** A call waiting for a worker (none idle, the pool below its cap): woken with the worker it is handed. */
class QueuedCall extends Waiter<PooledWorker> {
  constructor(
    private readonly queue: QueuedCall[],
    /** It may share a busy worker: its limiter is the caller's (with the pool's own, calls never share one). */
    readonly shares: boolean,
  ) {
    super();
  }
  protected override onCancel(): void {
    const i = this.queue.indexOf(this);
    if (i >= 0) this.queue.splice(i, 1);
  }
}

/** One call on a worker: woken with its result, failed with its error. */
class CallWaiter extends Waiter<unknown> {
  /** After the caller was cancelled: woken when the function has stopped (answered, or the worker ended). */
  confirm: Waiter<void> | null = null;
  /** The worker ignored this call's cancellation for the whole grace. */
  overdue = false;
  /** The function's value when it answered after the caller was cancelled: the call returns it, as trio's. */
  late: { value: unknown } | null = null;
  group: TaskGroup | null = null;
  expose: Exposed | undefined = undefined;
  /** The function called, for the task tree. */
  name = "";
}

class PooledWorker {
  /** Its module loaded: calls may be posted. */
  loaded = false;
  /** Out of the pool: no new call goes to it. */
  retired = false;
  /** Ended (crashed, exited or terminated); everything that waited on it has settled. */
  dead = false;
  /** The pool has called `port.terminate()`; what it returned. */
  terminated: Promise<void> | null = null;
  /** Calls checked out on this worker now (between checkout and checkin). */
  active = 0;
  /** Of those, calls whose cancellation it ignored past their grace. */
  overdue = 0;
  /** When it was last checked in (adapter clock). */
  idleSince = 0;
  /** When it last went from idle to busy, or was last handed queued calls (adapter clock). */
  busySince = 0;
  /** How many queued calls it takes when it frees up: doubled while its calls finish within GROW_DELAY, else 1. */
  quota = 1;
  /** How it ended, once `dead`. */
  endError: WorkerCrashedError | null = null;
  readonly calls = new Map<number, CallWaiter>();
  private readonly readyEvent = new Event();
  private readyError: unknown = undefined;
  /** `call` and `cancel` messages not posted yet, flushed once per microtask checkpoint. */
  private readonly outbox = new Outbox<ToWorker>(() => this.flush());
  private readonly onMessageFn = (message: FromWorker): void => this.onMessage(message);

  constructor(
    readonly pool: WorkerPool,
    readonly port: WorkerPort,
  ) {
    port.listen({
      // Several messages posted together arrive as one (see `send` and the wire format in worker-protocol).
      message: (data) => decode(data, this.onMessageFn),
      error: (error) => this.end(new WorkerCrashedError(`${pool.what} for ${pool.module} crashed: ${describe(error)}`, { cause: error })),
      exit: (code, signal) => this.end(new WorkerCrashedError(`${pool.what} for ${pool.module} ${exitText(code, signal)}`)),
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
        this.loaded = !this.dead;
        this.settleReady(undefined);
        // Loading is not slowness: the calls it takes count from now.
        this.busySince = this.pool.lastReady = this.pool.runner.clock.now();
        break;
      case "initFailed":
        this.settleReady(deserializeError(message.error));
        this.pool.retire(this);
        break;
      case "result": {
        const call = this.calls.get(message.id);
        if (call === undefined) break;
        this.calls.delete(message.id);
        const delivered = message.ok ? call.wake(message.value) : call.fail(deserializeError(message.error));
        if (!delivered) {
          if (message.ok) call.late = { value: message.value };
          call.confirm?.wake();
        }
        break;
      }
      case "callback":
        this.runCallback(message);
        break;
      case "exiting":
        this.end(new WorkerCrashedError(`${this.pool.what} for ${this.pool.module} ${exitText(message.code, undefined)}`));
        break;
    }
  }

  /**
   * Queues a message for the worker. Every message queued before the next
   * microtask checkpoint goes in ONE postMessage (an array when there are
   * several), so 64 calls started together cost one post and one message
   * event on each side instead of 64. Order is kept.
   */
  send(message: ToWorker, transfer: Transferable[] | undefined): void {
    this.outbox.push(message, transfer);
  }

  /** Queues a call without callbacks (what `send` does with a `call` message, without the message object). */
  sendCall(id: number, name: string, args: readonly unknown[], transfer: Transferable[] | undefined): void {
    this.outbox.pushCall(id, name, args, transfer);
  }

  /** Posts the outbox. If it cannot be cloned, posts each message alone and fails the calls whose arguments cannot be sent. */
  flush(): void {
    const box = this.outbox;
    const wire = box.take();
    if (wire === null) return;
    if (this.dead) return; // its calls have settled already
    const transfers = box.taken;
    if (transfers === null) {
      try {
        this.port.post(wire);
        return;
      } catch {
        // something in it cannot be sent: each message alone below
      }
    }
    // Each message alone, so only the calls whose arguments cannot be sent
    // fail. A batch that transfers anything is always sent so: a post that
    // fails may already have detached what it was to transfer (Deno), and
    // the other calls' buffers must go with their own calls.
    let i = 0;
    decode<ToWorker>(wire, (message) => this.postOne(message, transfers?.[i++]));
  }

  private postOne(message: ToWorker, transfer: Transferable[] | undefined): void {
    try {
      this.port.post(encode([message]), transfer);
    } catch (error) {
      if (message.t !== "call") throw error;
      const call = this.calls.get(message.id);
      if (call === undefined) return;
      this.calls.delete(message.id);
      const failure = new TypeError(`an argument of ${JSON.stringify(message.name)} cannot be sent to a worker: ${(error as Error).message}`, {
        cause: error,
      });
      if (!call.fail(failure)) call.confirm?.wake();
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
        if (error instanceof Cancelled) {
          // Cancelled with its call: answered all the same, so a worker waiting for it in a shield
          // is not left waiting until the grace period ends. There fromThread raises the Cancelled,
          // as trio's from_thread.run does in the thread: it belongs to the worker function, which
          // may catch it and still return a value the call then returns; so it is not raised here
          // too (the call's scope is cancelled all the same: the caller's next checkpoint raises).
          reply = { t: "reply", id: message.id, cb: message.cb, ok: false, cancelled: true };
        } else reply = { t: "reply", id: message.id, cb: message.cb, ok: false, error: serializeError(error) };
      }
      if (!this.dead) {
        this.flush();
        this.port.post(encode([reply]), transfer);
      }
    });
  }

  /**
   * The worker has ended, or the pool is terminating it: settle everything
   * that waits on it, at once and whoever ended it. Idempotent.
   */
  end(error: WorkerCrashedError): void {
    if (this.dead) return;
    this.dead = true;
    this.loaded = false;
    this.endError = error;
    this.settleReady(error);
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) if (!call.fail(error)) call.confirm?.wake();
    this.pool.retire(this);
  }
}

/** "exited with code 3", "was killed by SIGKILL", "exited". */
function exitText(code: number | undefined, signal: string | undefined): string {
  if (signal !== undefined) return `was killed by ${signal}`;
  return code === undefined || code === null ? "exited" : `exited with code ${code}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Which workers a pool runs: threads for `toThread`, child processes for `toProcess`. @internal */
export interface WorkerKind {
  /** The call, for messages and the task tree: `"toThread"` or `"toProcess"`. */
  readonly call: string;
  /** What one worker is called in messages: `"worker"`, `"worker process"`. */
  readonly what: string;
  /** What the adapter lacks when `support` is undefined: `"worker threads"`, `"worker processes"`. */
  readonly plural: string;
  /** The adapter's capability, if it has it. */
  readonly support: WorkerSupport | undefined;
  /**
   * `port.terminate()` resolves once the worker is surely gone (a child
   * process killed and reaped): an overdue call then returns only after
   * that, so its caller never sees the process still there. Not for
   * threads: a Deno thread stuck in a loop never finishes terminating.
   */
  readonly awaitTermination: boolean;
}

/** What `call` keeps as its failure while it has none (a thrown value may be anything, undefined included). */
const NO_FAILURE: unique symbol = Symbol("no failure");

/** One module's workers within one run. @internal */
export class WorkerPool implements TimerEntry {
  readonly module: string;
  /** What one worker is called in messages. */
  readonly what: string;
  readonly limiter: Limiter;
  /** Workers in the pool (not retired), busy or idle; at most `maxWorkers`. */
  private readonly all = new Set<PooledWorker>();
  /** Pool workers with no call, most recently checked in last. */
  private readonly idle: PooledWorker[] = [];
  /** Every worker not yet terminated: the pool's and retired ones finishing calls. */
  private readonly live = new Set<PooledWorker>();
  private nextId = 1;
  private idleTimeout = 10_000;
  // The pool is its own timer entry: one sweep retires every worker idle too
  // long, so a call costs no native timer of its own.
  deadline = Infinity;
  heapIndex = -1;
  timerSeq = 0;

  private readonly maxWorkers: number;
  /** Calls waiting for a worker, oldest first (see `pick`). */
  private readonly queue: QueuedCall[] = [];
  /** When a worker last finished loading (adapter clock). */
  lastReady = 0;
  /** The growth check: due GROW_DELAY after calls started waiting (see `grow`). */
  private readonly growth: TimerEntry = { deadline: Infinity, heapIndex: -1, timerSeq: 0, onTimer: () => this.grow() };

  constructor(
    readonly runner: Runner,
    module: string,
    slots: number,
    readonly kind: WorkerKind,
  ) {
    this.module = module;
    this.what = kind.what;
    this.maxWorkers = slots;
    this.limiter = new CapacityLimiter(slots);
  }

  async call(cx: Context, name: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const limiter = options.limiter ?? this.limiter;
    // The call's waiter is also its limiter borrower: one object less per call.
    const call = new CallWaiter();
    // A free token of a CapacityLimiter (the class itself: a subclass may
    // override acquiring) is taken without awaiting a resolved promise, which
    // is all its `acquireOnBehalfOf` would add; a cancelled caller, a full
    // limiter or another limiter go the usual way.
    if (
      Object.getPrototypeOf(limiter) !== CapacityLimiter.prototype ||
      cx.cancelScope._origin !== null ||
      (limiter as CapacityLimiter)._tryBorrow(call) !== undefined
    ) {
      await limiter.acquireOnBehalfOf(cx, call);
    }
    let failure: unknown = NO_FAILURE;
    try {
      const worker = this.pick() ?? (await this.wait(cx, options.limiter !== undefined));
      if (!worker.loaded) await this.whenLoaded(cx, worker, options);
      try {
        if (worker.endError !== null) throw worker.endError;
        const id = this.nextId++;
        this.post(worker, call, id, name, args, options.expose);
        if (options.expose !== undefined) {
          return await cx.taskGroup(async (tg, cx) => {
            call.group = tg; // fromThread callbacks run as tasks of this group
            try {
              return await this.await(cx, worker, id, call, options);
            } finally {
              // The function has ended: a callback still running is one it gave up on (its fromThread
              // was cancelled in the worker); nothing waits for it, so it must not keep the call open.
              tg.cancelScope.cancel(`${this.kind.call}: the worker function has returned`);
            }
          });
        }
        // What `this.await` does, inlined: one async frame per call instead of two.
        try {
          return await this.parked(cx, call);
        } catch (error) {
          if (error instanceof Cancelled) return await this.afterCancel(cx, worker, id, call, options, error);
          throw error;
        }
      } finally {
        this.checkin(worker, call.overdue, options.idleTimeout ?? 10_000);
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (failure === NO_FAILURE) limiter.releaseOnBehalfOf(call);
      else this.releaseAfterFailure(limiter, call, failure);
    }
  }

  /**
   * Gives the call's token back after the call failed. If that throws too,
   * neither error is lost: both leave in one `AggregateError`, the call's
   * first (trio raises the release error with the call's as its context);
   * after a `Cancelled`, the release error alone, as any error raised while
   * cancelled.
   */
  private releaseAfterFailure(limiter: Limiter, call: CallWaiter, failure: unknown): void {
    try {
      limiter.releaseOnBehalfOf(call);
    } catch (error) {
      if (failure instanceof Cancelled) throw error;
      throw new AggregateError([failure, error], `${this.kind.call}: the call failed, and then its limiter's releaseOnBehalfOf threw`);
    }
  }

  /** Waits until a checked-out worker's module is loaded; checks it back in if that fails. */
  private async whenLoaded(cx: Context, worker: PooledWorker, options: CallOptions): Promise<void> {
    try {
      await worker.ready(cx);
    } catch (error) {
      this.checkin(worker, false, options.idleTimeout ?? 10_000);
      throw error;
    }
  }

  /**
   * A worker for one more call, counted as active: an idle one; else the
   * first worker of an empty pool; else, in a full pool (`maxWorkers`), the
   * least busy; else `null`: the call waits (`wait`) for a worker to free up
   * or for the pool to grow (`grow`). So trivial calls never start workers
   * they do not need, and calls that keep workers busy start one each.
   */
  private pick(): PooledWorker | null {
    let worker = this.idle.pop();
    if (worker !== undefined) {
      worker.port.setIdle?.(false);
    } else if (this.all.size >= this.maxWorkers) {
      worker = this.leastBusy();
    } else if (this.all.size > 0) {
      return null;
    } else {
      worker = this.spawn();
    }
    if (worker.active++ === 0) worker.busySince = this.runner.clock.now();
    return worker;
  }

  private leastBusy(): PooledWorker {
    let worker: PooledWorker | undefined;
    for (const w of this.all) if (worker === undefined || w.active < worker.active) worker = w;
    return worker!;
  }

  private spawn(): PooledWorker {
    const workers = this.kind.support;
    if (workers === undefined) {
      throw new UnsupportedError(`${this.kind.call}: the ${this.runner.adapter.name} adapter has no ${this.kind.plural}`);
    }
    const worker = new PooledWorker(this, workers.spawn());
    this.all.add(worker);
    this.live.add(worker);
    return worker;
  }

  /** Queues the call until a worker frees up (`checkin`) or the pool grows (`grow`); returns the worker it is handed (counted active). */
  private wait(cx: Context, shares: boolean): Promise<PooledWorker> {
    const waiter = new QueuedCall(this.queue, shares);
    this.queue.push(waiter);
    if (this.growth.heapIndex < 0) {
      this.growth.deadline = this.runner.clock.now() + GROW_DELAY;
      this.runner.timers.schedule(this.growth);
    }
    return waiter.park(cx.cancelScope);
  }

  /** Hands `worker` (just freed up) queued calls: its quota, doubled if its last calls took less than GROW_DELAY. */
  private handOut(worker: PooledWorker, now: number): void {
    worker.quota = now - worker.busySince < GROW_DELAY ? Math.min(worker.quota * 2, 1 << 20) : 1;
    worker.busySince = now;
    for (let n = Math.min(worker.quota, this.queue.length); n > 0; n--) {
      if (worker.active > 0 && !this.queue[0]!.shares) break; // with the pool's own limiter, one call per worker
      worker.active++;
      this.queue.shift()!.wake(worker);
    }
  }

  /**
   * The growth check, GROW_DELAY after a call had to wait (armed by `wait`
   * when no check is due): calls are still waiting, so the workers there have not kept up
   * for GROW_DELAY (a burst of trivial calls is gone by then); start a
   * worker for each waiting call (up to `maxWorkers`; past it they share the
   * least busy). Not while the pool's only workers are still loading, nor
   * within GROW_DELAY of one finishing: they take the calls first.
   */
  private grow(): void {
    if (this.queue.length === 0) return;
    const now = this.runner.clock.now();
    let loading = this.all.size > 0;
    for (const w of this.all) if (w.loaded) loading = false;
    if (loading || now - this.lastReady < GROW_DELAY) {
      this.growth.deadline = Math.max(now, this.lastReady) + GROW_DELAY;
      this.runner.timers.schedule(this.growth);
      return;
    }
    while (this.queue.length > 0) {
      let worker: PooledWorker;
      try {
        worker = this.all.size < this.maxWorkers ? this.spawn() : this.leastBusy();
      } catch (error) {
        for (const q of this.queue.splice(0)) q.fail(error);
        return;
      }
      if (worker.active++ === 0) worker.busySince = now;
      this.queue.shift()!.wake(worker);
    }
  }

  /** Ends one checkout: an idle pool worker waits for reuse; a retired one may now be terminated. */
  private checkin(worker: PooledWorker, overdue: boolean, idleTimeout: number): void {
    worker.active--;
    if (overdue) worker.overdue--;
    if (worker.retired) {
      if (worker.active === worker.overdue) void this.terminate(worker);
      return;
    }
    if (worker.active > 0) {
      // Answering within GROW_DELAY of its last hand-out, it takes waiting calls at once: its pipeline stays full.
      if (this.queue.length > 0 && worker.loaded) {
        const now = this.runner.clock.now();
        if (now - worker.busySince < GROW_DELAY) this.handOut(worker, now);
      }
      return;
    }
    const now = this.runner.clock.now();
    if (this.queue.length > 0) {
      this.handOut(worker, now);
      return;
    }
    worker.port.setIdle?.(true);
    worker.idleSince = now;
    this.idle.push(worker);
    this.idleTimeout = idleTimeout;
    if (this.heapIndex < 0) {
      this.deadline = worker.idleSince + idleTimeout;
      this.runner.timers.schedule(this);
    }
  }

  /** The idle sweep: retire workers idle for `idleTimeout`, then re-arm for the next. */
  onTimer(): void {
    const now = this.runner.clock.now();
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

  /** Registers the call on its worker and queues its message (sent with the others of this microtask checkpoint). */
  private post(worker: PooledWorker, call: CallWaiter, id: number, name: string, args: unknown[], expose: Exposed | undefined): void {
    // `args` is the call's own rest array: transfer markers are unwrapped in place.
    let transfer: Transferable[] | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a !== null && typeof a === "object" && (a as Record<symbol, unknown>)[TRANSFER] === true) args[i] = unwrapTransfer(a, (transfer ??= []));
    }
    call.expose = expose;
    call.name = name;
    worker.calls.set(id, call);
    if (expose === undefined) worker.sendCall(id, name, args, transfer);
    else worker.send({ t: "call", id, name, args, callbacks: Object.keys(expose) }, transfer);
  }

  /** Parks the caller on its call's result (reported as blocked in a tracked run). */
  private parked(cx: Context, call: CallWaiter): Promise<unknown> {
    const parked = call.park(cx.cancelScope);
    return cx._task.runner.instruments === null ? parked : blockedOn(cx, `${this.kind.call} ${call.name} (${this.module.slice(this.module.lastIndexOf("/") + 1)})`, parked);
  }

  private async await(cx: Context, worker: PooledWorker, id: number, call: CallWaiter, options: CallOptions): Promise<unknown> {
    try {
      return await this.parked(cx, call);
    } catch (error) {
      if (error instanceof Cancelled) return await this.afterCancel(cx, worker, id, call, options, error);
      throw error;
    }
  }

  /**
   * The caller was cancelled while its call ran: stop the function and wait
   * for it. If it still finished with a value, the call returns that value
   * (trio: an operation that completed returns, the next checkpoint raises);
   * else it throws the `Cancelled`.
   */
  private async afterCancel(cx: Context, worker: PooledWorker, id: number, call: CallWaiter, options: CallOptions, error: Cancelled): Promise<unknown> {
    if (worker.calls.has(id)) await this.stopCall(cx, worker, id, call, options.cancelGrace ?? 1000);
    if (call.late !== null) return call.late.value;
    throw error;
  }

  /**
   * After the caller was cancelled: ask the worker to stop the call and wait,
   * shielded, until it has. Past `grace` the call is overdue: its worker is
   * retired and terminated once no other call on it could be harmed.
   */
  private async stopCall(cx: Context, worker: PooledWorker, id: number, call: CallWaiter, grace: number): Promise<void> {
    const confirm = (call.confirm = new Waiter<void>());
    worker.send({ t: "cancel", id }, undefined);
    const within = new CancelScope({ shield: true, deadline: this.runner.clock.now() + grace });
    await cx.withCancelScope(within, (cx) => confirm.park(cx.cancelScope));
    if (!worker.calls.has(id)) return; // the function stopped, or the worker ended
    call.overdue = true;
    worker.overdue++;
    const stopped = (call.confirm = new Waiter<void>());
    await cx.withCancelScope({ shield: true }, (cx) => {
      const parked = stopped.park(cx.cancelScope);
      this.retire(worker); // terminates it now if every call on it is overdue
      return parked;
    });
    if (this.kind.awaitTermination && worker.terminated !== null) {
      const reaped = new Waiter<void>();
      void worker.terminated.then(() => reaped.wake());
      await cx.withCancelScope({ shield: true }, (cx) => reaped.park(cx.cancelScope));
    }
  }

  /**
   * Takes a worker out of the pool (no new call goes to it) and terminates
   * it if nothing on it could be harmed: it has ended, or every call still
   * checked out on it is overdue.
   */
  retire(worker: PooledWorker): void {
    if (!worker.retired) {
      worker.retired = true;
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    }
    if (worker.dead || worker.active === worker.overdue) void this.terminate(worker);
  }

  /** Terminates a worker, first settling everything that waits on it. Idempotent. */
  private terminate(worker: PooledWorker): Promise<void> {
    if (worker.terminated !== null) return worker.terminated;
    worker.terminated = worker.port.terminate().catch(() => {});
    this.live.delete(worker);
    worker.end(new WorkerCrashedError(`${this.what} for ${this.module} was terminated`));
    return worker.terminated;
  }

  /** Terminates every worker still alive, in the pool or retired (end of the run). */
  async close(): Promise<void> {
    this.runner.timers.remove(this);
    this.runner.timers.remove(this.growth);
    await Promise.all([...this.live].map((w) => this.terminate(w)));
  }
}
