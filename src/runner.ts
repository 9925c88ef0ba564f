/**
 * The runner: the state of one `run()` call.
 *
 * It owns the adapter, the timer queue (one native timer for every sleep and
 * deadline of the run), the checkpoint tick and the queue of tasks waiting to
 * begin.
 *
 * Checkpoint tick: every checkpoint taken during one macrotask awaits the same
 * promise, resolved by one `adapter.yieldMacrotask` call, so a thousand tasks
 * checkpointing together cost one native callback and one promise, and resume
 * in the order they checkpointed (round-robin fairness).
 *
 * Worker pools: `toThread` keeps one pool per worker module here, so the
 * run's workers end with the run.
 *
 * Spawn queue: `startSoon` appends the task and, if none is pending, queues one
 * microtask that begins every queued task in order. Tasks therefore begin
 * after the spawner reaches its next `await`, in the order they were started.
 *
 * @internal
 * @module
 */

import type { Adapter } from "./adapter.ts";
import type { Task } from "./task.ts";
import { TimerQueue } from "./timer-queue.ts";
import { WorkerPool } from "./worker-pool.ts";

/** One run's scheduler state. @internal */
export class Runner {
  readonly adapter: Adapter;
  readonly timers: TimerQueue;
  private tickPromise: Promise<void> | null = null;
  private tickResolve: (() => void) | null = null;
  private readonly ready: Task[] = [];
  private readyQueued = false;
  private readonly flushTick = (): void => {
    const resolve = this.tickResolve!;
    this.tickPromise = null;
    this.tickResolve = null;
    resolve();
  };
  private readonly flushReady = (): void => {
    const ready = this.ready;
    // Tasks started while flushing are appended and begun in this same loop.
    for (let i = 0; i < ready.length; i++) ready[i]!.begin();
    ready.length = 0;
    this.readyQueued = false;
  };

  constructor(adapter: Adapter) {
    this.adapter = adapter;
    this.timers = new TimerQueue(adapter);
  }

  /** A promise that resolves on the next macrotask, shared by all callers until then. */
  tick(): Promise<void> {
    let promise = this.tickPromise;
    if (promise === null) {
      promise = this.tickPromise = new Promise<void>((resolve) => {
        this.tickResolve = resolve;
      });
      this.adapter.yieldMacrotask(this.flushTick);
    }
    return promise;
  }

  /** Queues `task` to begin on the next microtask. */
  spawn(task: Task): void {
    this.ready.push(task);
    if (!this.readyQueued) {
      this.readyQueued = true;
      queueMicrotask(this.flushReady);
    }
  }

  private pools: Map<string, WorkerPool> | null = null;

  /** The run's pool for a worker module, made on first use. */
  workerPool(module: string): WorkerPool {
    const pools = (this.pools ??= new Map());
    let pool = pools.get(module);
    if (pool === undefined) {
      const slots = this.adapter.workers?.hardwareConcurrency() ?? 1;
      pool = new WorkerPool(this, module, Math.max(1, slots));
      pools.set(module, pool);
    }
    return pool;
  }

  /** Terminates the run's workers and releases the native timer. */
  async close(): Promise<void> {
    if (this.pools !== null) {
      const pools = [...this.pools.values()];
      this.pools = null;
      await Promise.all(pools.map((p) => p.close()));
    }
    this.timers.close();
  }
}
