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
 * in the order they checkpointed (round-robin fairness). `ticks` counts the
 * ticks taken: an operation that must be a schedule point whatever its wait
 * (a byte stream's receive or send, whose runtime may answer without a
 * macrotask passing) arms the tick before it waits (`armTick`, no promise)
 * and takes one after only if none passed meanwhile.
 *
 * Steps: a task resumed by a wake (`Waiter.wake`) or by a blocking call that
 * completed at once (waiter-queue.ts) runs on in a microtask, without the
 * event loop turning. A chain of such steps (a producer and consumer on a
 * memory stream, two tasks passing events back and forth, a loop on a
 * buffered stream) could go on forever, and the run's timers, I/O and every
 * other macrotask would wait: `moveOnAfter` around it never fired. So
 * `countStep()` counts them, and every {@link STEP_CHECK} steps the
 * runner reads the adapter's clock: once the event loop has been held for
 * {@link HOLD_MS} since the last tick, every step waits for the next tick
 * (`later`) until it has passed. A busy channel pays one clock read per
 * STEP_CHECK items and one tick per HOLD_MS; a deadline is late by at most
 * about HOLD_MS plus STEP_CHECK steps.
 *
 * Services: whatever lives as long as the run and must be shut down with it
 * (worker pools today; sockets, processes and signal handlers later)
 * registers here under a key of its own, made on first use. The runner knows
 * nothing of what a service is: at the end of the run it closes every
 * service, newest first, and waits for all of them before it drops the
 * native timer.
 *
 * Clock: time is read, and the one wake-up armed, through `clock` (the
 * adapter unless `run` was given one). For clocks that watch the run (a mock
 * clock's autojump), `activity` and `busy` tell whether any task is runnable;
 * `activity` is bumped once per tick, per batch of spawns and per woken
 * waiter, so spawn and checkpoint pay nothing per task.
 *
 * Instruments: `instruments` is null unless the run is tracked (given
 * instruments, or `trackTasks`); spawn, the start loop, task exit,
 * checkpoints and the park paths test that one field and nothing more
 * (see instrument.ts).
 *
 * Spawn queue: `startSoon` appends the task and, if none is pending, queues one
 * microtask that begins every queued task in order. Tasks therefore begin
 * after the spawner reaches its next `await`, in the order they were started.
 *
 * @internal
 * @module
 */

import type { Adapter } from "./adapter.ts";
import type { Clock, ClockRun } from "./clock.ts";
import type { Follow, Task } from "./task.ts";
import { ClosedResourceError } from "./errors.ts";
import type { TaskView } from "./instrument.ts";
import type { Instrumentation } from "../tracking/instrumentation.ts";
import { TimerQueue } from "./timer-queue.ts";

/**
 * Something that lives as long as a run and is closed when it ends.
 *
 * @internal
 */
export interface RunService {
  /** Releases what the service holds; the run waits for the promise. */
  close(): void | Promise<void>;
}

/** Steps between two readings of the clock (see "Steps" in the module text). */
const STEP_CHECK = 128;
/** How long, in ms, a chain of steps may hold the event loop before steps wait for a tick. */
const HOLD_MS = 1;

/**
 * Steps since the clock was last read, and the time of the last tick, for
 * the thread: every run in it shares one event loop, so any run's tick
 * ends a chain (see "Steps" in the module text).
 */
let steps = 0;
let tickedAt = 0;

/** Counts a step; true every {@link STEP_CHECK} steps, when the caller must ask its runner's `held()`. @internal */
export function countStep(): boolean {
  return ++steps >= STEP_CHECK;
}

/** Largest chunk of the ready queue: 8 KiB of pointers, a small young array. */
const READY_CHUNK = 1024;

/** One run's scheduler state. @internal */
export class Runner implements ClockRun {
  declare readonly adapter: Adapter;
  /** Where the run reads time and arms its wake-up: the adapter unless `run` was given a clock. */
  declare readonly clock: Clock;
  declare readonly timers: TimerQueue;
  /**
   * Changes whenever a task may have become runnable (a waiter woken or
   * cancelled, a tick taken, a batch of tasks begun): one increment, never
   * per spawn or per checkpoint. Read by clocks and `waitAllTasksBlocked`.
   */
  activity = 0;
  /**
   * The run's instruments and live-task bookkeeping, or null for an
   * untracked run: the one field the hot paths test.
   */
  instruments: Instrumentation | null = null;
  /** Task views handed out (`cx.currentTask()`, instruments), made on first use. */
  views: WeakMap<Task, TaskView> | null = null;
  /** Checkpoint ticks taken so far in this run. */
  ticks = 0;
  private tickPromise: Promise<void> | null = null;
  private tickResolve: (() => void) | null = null;
  /** The tick's native callback is scheduled. */
  private tickArmed = false;
  private readonly flushTick = (): void => {
    const resolve = this.tickResolve;
    this.tickPromise = null;
    this.tickResolve = null;
    this.tickArmed = false;
    steps = 0;
    tickedAt = this.adapter.now();
    this.ticks++;
    this.activity++;
    if (resolve !== null) resolve();
  };
  /**
   * Tasks waiting to begin: `ready` takes new tasks (`readyCount` of its
   * slots are used) and, once full, joins `readyChunks`, the full chunks in
   * order. Chunks, each made at its final size (16 slots, doubling up to
   * {@link READY_CHUNK}), rather than one array grown by `push`: a burst of
   * 100k spawns grew one array past the young generation (into large-object
   * space, where every store of a new task pays the old-to-new write
   * barrier), and each growth copied it and left the old copy as garbage
   * (16 bytes per spawn in all). A slot is cleared when its task begins.
   */
  private readyChunks: (Task | undefined)[][] = [];
  private ready: (Task | undefined)[] = [];
  private readyCount = 0;
  private readyQueued = false;
  private readonly flushReady = (): void => {
    this.activity++;
    // Tasks started while flushing are appended and begun in this same loop.
    const instruments = this.instruments;
    const chunks = this.readyChunks;
    for (let c = 0; ; c++) {
      const ready = c < chunks.length ? chunks[c]! : this.ready;
      // The current chunk may fill up (and join `readyChunks`) while it is read.
      for (let i = 0; i < (ready === this.ready ? this.readyCount : ready.length); i++) {
        const task = ready[i]!;
        ready[i] = undefined;
        instruments?.started(task);
        task.begin();
      }
      if (ready === this.ready) break;
    }
    if (chunks.length !== 0) this.readyChunks = [];
    this.readyCount = 0;
    this.readyQueued = false;
    instruments?.settled();
  };

  /** How tasks follow their bodies' results where the adapter says (`Adapter._follow`); null: two closures. */
  declare readonly _follow: Follow | null;

  constructor(adapter: Adapter, clock: Clock = adapter) {
    this.adapter = adapter;
    this._follow = adapter._follow ?? null;
    this.clock = clock;
    this.timers = new TimerQueue(adapter, clock);
  }

  /** True while a checkpoint tick or a task start is pending: some task is runnable. */
  get busy(): boolean {
    return this.tickPromise !== null || this.readyQueued;
  }

  /** The deadline of the run's next timer (run's clock), or `Infinity`. */
  nextDeadline(): number {
    return this.timers.nextDeadline();
  }

  /** A promise that resolves on the next macrotask, shared by all callers until then. */
  tick(): Promise<void> {
    let promise = this.tickPromise;
    if (promise === null) {
      promise = this.tickPromise = new Promise<void>((resolve) => {
        this.tickResolve = resolve;
      });
      this.armTick();
    }
    return promise;
  }

  /**
   * Asked when {@link countStep} says so: true when the event loop has been
   * held too long and the step must wait for this run's tick (see "Steps" in
   * the module text).
   */
  held(): boolean {
    if (this.adapter.now() - tickedAt >= HOLD_MS) return true; // every step asks until a tick
    steps = 0;
    return false;
  }

  /**
   * `value` once the next tick has passed: a schedule point taken outside
   * `cx.checkpoint()` (the fast path of a lock, semaphore, limiter or set
   * event, as trio's; a group's end; a step of a run that held the event
   * loop too long). The shared tick itself when `value` is undefined and the
   * run untracked. In a tracked run it is reported to the instruments as
   * `task`'s checkpoint and resumption, as `cx.checkpoint()` is (their idle
   * check counts on every resumption being reported); with `task` null, the
   * one who awaits it reports it (a woken waiter's `block`).
   */
  later<T>(value: T, task: Task | null = null): Promise<T> {
    const tick = this.tick();
    const instruments = this.instruments;
    if (instruments !== null && task !== null) {
      instruments.checkpoint(task);
      return tick.then(() => (instruments.resumed(task), value));
    }
    return value === undefined ? (tick as Promise<T>) : tick.then(() => value);
  }

  /** Schedules the next tick (bumping `ticks`) unless it is scheduled already; allocates nothing. */
  armTick(): void {
    if (!this.tickArmed) {
      this.tickArmed = true;
      this.adapter.yieldMacrotask(this.flushTick);
    }
  }

  /** Queues `task` to begin on the next microtask. */
  spawn(task: Task): void {
    this.instruments?.spawned(task);
    let ready = this.ready;
    if (this.readyCount === ready.length) {
      if (ready.length !== 0) this.readyChunks.push(ready);
      ready = this.ready = new Array<Task | undefined>(ready.length === 0 ? 16 : Math.min(ready.length * 2, READY_CHUNK));
      this.readyCount = 0;
    }
    ready[this.readyCount++] = task;
    if (!this.readyQueued) {
      this.readyQueued = true;
      queueMicrotask(this.flushReady);
    }
  }

  private services: Map<unknown, RunService> | null = null;
  /** True once the run has ended; no service can be added after. */
  closed = false;

  /**
   * The run's service under `key`, made by `make` on first use. Throws if
   * the run has ended (a context kept past its run).
   */
  service<S extends RunService>(key: unknown, make: (runner: Runner) => S): S {
    const services = (this.services ??= new Map());
    let service = services.get(key) as S | undefined;
    if (service === undefined) {
      if (this.closed) throw new ClosedResourceError("this run has ended; its context can no longer be used");
      service = make(this);
      services.set(key, service);
    }
    return service;
  }

  /** Closes every service, newest first, then releases the native timer. */
  async close(): Promise<void> {
    this.closed = true;
    const services = this.services;
    this.services = null;
    if (services !== null) {
      const all = [...services.values()].reverse();
      await Promise.all(all.map((s) => s.close()));
    }
    this.timers.close();
  }
}
