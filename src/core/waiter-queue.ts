/**
 * Waiter queues, and the one sequence every blocking call follows.
 *
 * ## The queue
 *
 * Every primitive that makes tasks wait in line (locks, semaphores,
 * limiters, conditions, events, queues, streams) keeps them in a
 * {@link WaiterQueue}: an intrusive doubly linked list, threaded through
 * `prevInQueue`/`nextInQueue` fields of the waiters themselves (trio's
 * parking lot is an ordered dict for the same reason). A waiter cancelled
 * while queued unlinks itself at once, from its `onCancel` hook, so it and
 * everything it holds (its promise, the item a blocked `send` carries, the
 * borrower a limiter request names) can be collected as soon as the caller
 * lets go of it. An earlier version deleted lazily, skipping cancelled
 * waiters when they reached the front: a polling loop such as
 * `for (;;) await cx.moveOnAfter(1000, (cx) => shutdown.wait(cx))` on an
 * event never set then grew without bound (100k cancelled waits kept about
 * 130 MB alive).
 *
 * Costs: `push`, `shift` and `remove` are O(1) and allocate nothing (the
 * links live in the waiter); `size` is a field.
 *
 * Invariants:
 * - Every waiter in a queue is unsettled, and `queue` names the queue it is
 *   in (null when in none); a waiter is in at most one queue.
 * - `size` is the number of waiters linked in; they leave in the order they
 *   came, except for cancelled ones, which leave at once from anywhere.
 * - A waiter leaves a queue before it settles: the primitive takes it out
 *   (`shift`) and then wakes or fails it, and cancellation removes it in
 *   `onCancel`. So whatever `shift` returns is live and its `wake` succeeds:
 *   a resource handed to it is never lost.
 *
 * ## Blocking calls: `block`
 *
 * Every blocking method (`Event.wait`, `Lock.acquire`, `Semaphore.acquire`,
 * `CapacityLimiter.acquireOnBehalfOf`, `Condition.wait`, `Queue.put`/`get`/
 * `join`, a stream's `send`/`receive`) does its work through
 * {@link block}, with its own {@link BlockingOp} (a constant of its module,
 * so no closure is allocated per call). This is the rule they all follow,
 * which `cx.sleep` and `cx.checkpoint` follow as well:
 *
 * 1. Misuse is checked first, before anything else: a bad argument
 *    (`TypeError`/`RangeError` naming it), a `UsageError` (re-acquiring a
 *    lock you hold, a borrower asking twice), a `ClosedResourceError` (using
 *    a stream end you closed). Most methods above throw it synchronously,
 *    where the stack points at the bug; those written as async functions
 *    (`Condition.wait`/`waitFor`, and helpers such as `withLock` and `hold`)
 *    reject with it instead. Either way it is a bug to fix, not an outcome
 *    to handle.
 * 2. In a cancelled scope the call returns a promise rejected with
 *    `Cancelled` (a new error from its origin, `_raise()`), and does nothing
 *    else: nothing is taken, given or queued, even when the call could have
 *    completed at once. It never throws `Cancelled` synchronously.
 * 3. The fast path (`op.now`) completes the call at once when it can.
 *    What it throws (`EndOfStream`, `BrokenResourceError`) comes back as a
 *    rejected promise. Its result comes back after a schedule point when the
 *    op says so (`schedulePoint`: a lock, semaphore or limiter, as in
 *    trio and anyio: the call's work is done, and a cancellation during the
 *    yield does not undo it), and otherwise (a channel's `send`/`receive`,
 *    kept fast for producer/consumer pairs) as an already-resolved promise,
 *    the shared `RESOLVED` when it is `undefined`, unless the run has held
 *    the event loop too long, when it too waits for the tick
 *    ({@link completed}; see "Steps" in runner.ts).
 * 4. Otherwise `op.enqueue` makes a waiter, queues it (and does whatever
 *    starting to wait means, such as releasing a condition's lock), and the
 *    waiter is parked in the caller's cancel scope.
 *
 * So a blocking call always returns a promise, and every outcome other than
 * misuse, `Cancelled` included, arrives through it.
 *
 * @internal
 * @module
 */

import type { Context } from "./context.ts";
import { countStep } from "./runner.ts";
import { RESOLVED, Waiter } from "./waiter.ts";

/** A waiter that can sit in a {@link WaiterQueue}. @internal */
export class QueuedWaiter<T = void> extends Waiter<T> {
  // Assigned in the constructor, not class fields (see Waiter).
  declare queue: WaiterQueue<T> | null;
  declare prevInQueue: QueuedWaiter<T> | null;
  declare nextInQueue: QueuedWaiter<T> | null;

  constructor() {
    super();
    this.queue = null;
    this.prevInQueue = null;
    this.nextInQueue = null;
  }

  protected override onCancel(): void {
    this.queue?.remove(this);
  }

  /**
   * Wakes the waiter with `value` as `wake` does (it settles now), but its
   * task resumes a few microtask turns later, after the waker's next step:
   * a channel with a buffer wakes its receivers so, which lets a producer
   * run ahead into the buffer instead of the consumer parking for every item.
   */
  wakeSoon(value: T): boolean {
    return this.wake(Promise.resolve(value) as unknown as T);
  }
}

/** FIFO of {@link QueuedWaiter}s, an intrusive doubly linked list. @internal */
export class WaiterQueue<T = void> {
  size = 0;
  private first: QueuedWaiter<T> | null = null;
  private last: QueuedWaiter<T> | null = null;

  /** Appends `waiter` (not in any queue yet). */
  push(waiter: QueuedWaiter<T>): void {
    waiter.queue = this;
    const last = this.last;
    waiter.prevInQueue = last;
    if (last === null) this.first = waiter;
    else last.nextInQueue = waiter;
    this.last = waiter;
    this.size++;
  }

  /** Removes and returns the first waiter; the caller then wakes or fails it. */
  shift(): QueuedWaiter<T> | null {
    const waiter = this.first;
    if (waiter !== null) this.remove(waiter);
    return waiter;
  }

  /** The first waiter, left in place. */
  peek(): QueuedWaiter<T> | null {
    return this.first;
  }

  /** Unlinks `waiter`, which is in this queue. */
  remove(waiter: QueuedWaiter<T>): void {
    const prev = waiter.prevInQueue;
    const next = waiter.nextInQueue;
    if (prev === null) this.first = next;
    else prev.nextInQueue = next;
    if (next === null) this.last = prev;
    else next.prevInQueue = prev;
    waiter.prevInQueue = waiter.nextInQueue = null;
    waiter.queue = null;
    this.size--;
  }

  /** Wakes the first waiter with `value`; false if there is none. */
  wakeFirst(value: T): boolean {
    const waiter = this.shift();
    if (waiter === null) return false;
    waiter.wake(value);
    return true;
  }

  /** Wakes every waiter with `value`, in order. */
  wakeAll(value: T): void {
    for (let w = this.shift(); w !== null; w = this.shift()) w.wake(value);
  }

  /** Fails every waiter, each with its own error from `makeError`. */
  failAll(makeError: () => unknown): void {
    for (let w = this.shift(); w !== null; w = this.shift()) w.fail(makeError());
  }
}

/** What {@link BlockingOp.now} returns when the call has to wait. @internal */
export const MUST_WAIT: unique symbol = Symbol("must wait");

/**
 * One blocking operation of a primitive (`self`: the primitive, `arg`: the
 * call's argument, `T`: its result), written once as a module constant.
 * @internal
 */
export interface BlockingOp<S, A, T> {
  /** What instruments and the task tree say the task is blocked on (`"Event.wait"`). */
  readonly name: string;
  /** A longer description for the task tree (`"Lock.acquire (held by worker)"`), made afresh each time the tree is read, only in a tracked run. */
  describe?(self: S): string;
  /**
   * Whether a call that completes at once still yields to the event loop
   * (trio's `cancel_shielded_checkpoint` after `*_nowait`). Channels leave it
   * out and yield only when the run has held the event loop too long
   * (see "Steps" in runner.ts).
   */
  readonly schedulePoint?: true;
  /** Completes the call now and returns its result, or returns MUST_WAIT. May throw an outcome error. */
  now(self: S, cx: Context, arg: A): T | typeof MUST_WAIT;
  /** Makes the waiter and queues it; it is parked right after. */
  enqueue(self: S, cx: Context, arg: A): Waiter<T>;
}

/**
 * The result of a channel call that completed at once (rule 3): resolved
 * now, or after the run's tick once the run has held the event loop too long.
 * @internal
 */
export function completed<T>(cx: Context, value: T): Promise<T> {
  if (countStep() && cx._task.runner.held()) return cx._task.runner.later(value, cx._task);
  return value === undefined ? (RESOLVED as Promise<T>) : Promise.resolve(value);
}

/**
 * Counts one microtask step of the run, as {@link completed} does, for a
 * call that completes at once outside {@link block} (a stream wrapper
 * serving from its own buffer, a file operation): undefined, or the run's
 * tick when the event loop has been held too long, to await before going
 * on. So the call makes no promise on its fast path:
 * `const wait = step(cx); if (wait !== undefined) await wait;`.
 * @internal
 */
export function step(cx: Context): Promise<void> | undefined {
  return countStep() && cx._task.runner.held() ? cx._task.runner.later(undefined, cx._task) : undefined;
}

/** Runs a blocking call by the rule in the module text: cancelled, fast path, or park. @internal */
export function block<S, A, T>(op: BlockingOp<S, A, T>, self: S, cx: Context, arg: A): Promise<T> {
  const scope = cx.cancelScope;
  const origin = scope._origin;
  if (origin !== null) return Promise.reject(origin._raise());
  let result: T | typeof MUST_WAIT;
  try {
    result = op.now(self, cx, arg);
  } catch (error) {
    return Promise.reject(error);
  }
  if (result !== MUST_WAIT) return op.schedulePoint === true ? cx._task.runner.later(result, cx._task) : completed(cx, result);
  // Not cancelled (checked above, and nothing since ran user code), so the
  // waiter parks for real and will leave its queue through onCancel if need be.
  const parked = op.enqueue(self, cx, arg).park(scope);
  const instruments = cx._task.runner.instruments;
  if (instruments === null) return parked;
  const describe = op.describe;
  return describe === undefined
    ? instruments.block(cx._task, op.name, parked)
    : instruments.block(cx._task, describe(self), parked, () => describe(self));
}
