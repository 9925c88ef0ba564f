/**
 * Waiters: how a task blocks at a checkpoint.
 *
 * Every blocking Skein operation (sleep, awaiting a foreign promise, and later
 * locks, events and channels) parks a {@link Waiter} on the cancel scope of
 * the calling context. The waiter ends in exactly one way:
 * - `wake(value)`: the thing it waited for happened;
 * - `fail(error)`: the thing it waited for failed;
 * - cancellation: the scope became cancelled; the scope calls
 *   `cancelWith(origin)`, which first runs `onCancel()` (so a queue can drop
 *   the waiter, a timer can be removed) and then rejects with a new
 *   `Cancelled` from the cancellation's origin.
 *
 * Invariants:
 * - A waiter settles at most once; later wake/fail/cancel calls return false
 *   and change nothing, so a resource handed to a waiter is never also handed
 *   to its canceller, and nothing is lost or duplicated.
 * - While unsettled, a waiter is linked into exactly one scope's waiter list;
 *   once settled it is unlinked.
 * - Parking in a scope that is already cancelled does not park: it returns a
 *   rejected promise (the checkpoint raises) and `onCancel` is not called.
 *
 * Subclasses (a sleeping waiter, a lock's queued acquirer) add fields rather
 * than closures, so the hot path allocates the waiter, its promise and the
 * promise's two resolving functions; `park` passes one shared executor, so
 * no closure (nor its context) is made per park. A blocked task keeps only
 * the resolve function: a failure or cancellation resolves the promise with
 * a value that rejects it at once ({@link Rejection}), or that
 * {@link parkWhereBlocked} throws from ({@link Failure}). Per blocked task
 * (an `Event.wait`, node 24) that is one closure, 56 bytes, and one field
 * fewer than keeping the reject function too; the price is a throw (about
 * 0.4 us on V8, 1 us on JavaScriptCore) when a waiter parked by `block`
 * fails or is cancelled.
 *
 * @internal
 * @module
 */

import { CancelScope } from "./cancel-scope.ts";
import { countStep } from "./runner.ts";
import type { TimerEntry, TimerQueue } from "./timer-queue.ts";

/** An already-resolved promise, returned by fast paths that did not need to wait. @internal */
export const RESOLVED: Promise<void> = Promise.resolve();

let capturedResolve: ((value: never) => void) | null = null;
/** `park`'s executor: keeps the resolve function; the reject function is left to the collector. */
function captureResolve(resolve: (value: never) => void): void {
  capturedResolve = resolve;
}

/**
 * What a failed or cancelled waiter awaited by {@link parkWhereBlocked}
 * (`raiseWhereBlocked`) resolves with: a plain value, which
 * `parkWhereBlocked` throws from, in the same microtask and without the
 * cost of a {@link Rejection}'s throw (a sleep's cancellation, the most
 * common one).
 */
class Failure {
  declare readonly _error: unknown;
  constructor(error: unknown) {
    this._error = error;
  }
}

/**
 * What a failed or cancelled waiter resolves its promise with, so that the
 * waiter needs no reject function: reading its `then` throws the error, and
 * a promise resolved with a value whose `then` cannot be read rejects with
 * what was thrown, at once (ECMAScript's promise resolve functions, step
 * "If then is an abrupt completion"): the same microtask as a reject
 * function, and nothing is reported as unhandled (the promise is awaited).
 * A thenable whose `then` rejects, or a rejected promise, would be adopted
 * one or two microtasks later, and a cancellation would then reach its task
 * after a wake that came after it. (Throwing costs about 0.4 us on V8 and
 * more on JavaScriptCore, on this failure path only; a waiter awaited by
 * {@link parkWhereBlocked} resolves with a plain {@link Failure} instead.)
 */
class Rejection extends Failure {
  get then(): never {
    throw this._error;
  }
}

/** What a cancel scope keeps in its list of parked waiters. @internal */
export interface Parked {
  prevParked: Parked | null;
  nextParked: Parked | null;
  parkedIn: CancelScope | null;
  cancelWith(origin: CancelScope): void;
}

/** A task blocked until woken, failed or cancelled. @internal */
export class Waiter<T = void> implements Parked {
  // Fields declared, assigned in the constructor (not class fields: see Context).
  declare prevParked: Parked | null;
  declare nextParked: Parked | null;
  declare parkedIn: CancelScope | null;
  /**
   * Fail and cancel with a {@link Failure} (a cancellation's carrying its
   * origin), for {@link parkWhereBlocked} to raise. Not a field: `false` on the prototype, made an own property only
   * by `parkWhereBlocked` (a sleep declares it), so a queued waiter (locks,
   * events, channels: most blocked tasks) carries one field fewer (8 bytes
   * on node; 112 -> 80 on JavaScriptCore, whose objects grow in steps).
   */
  declare raiseWhereBlocked: boolean;
  /**
   * The promise's resolve function; undefined until it parks (settling a
   * waiter that never parked is a bug: calling undefined throws), null once it
   * has settled: the settled flag, kept in this field rather than one of its
   * own (a field is 8 bytes on node, for every blocked task). No reject
   * function: failing resolves with a {@link Rejection}, so a blocked task
   * keeps one resolving function (a closure: 56 bytes on node) fewer.
   */
  private declare resolveFn: ((value: T | Rejection | Failure) => void) | null | undefined;

  constructor() {
    this.prevParked = null;
    this.nextParked = null;
    this.parkedIn = null;
    this.resolveFn = undefined;
  }

  /** True once the waiter has settled (woken, failed, cancelled, or parked in a cancelled scope). */
  get settled(): boolean {
    return this.resolveFn === null;
  }

  /** Parks on `scope`; the promise settles when the waiter does. */
  park(scope: CancelScope): Promise<T> {
    const origin = scope._origin;
    if (origin !== null) {
      this.resolveFn = null;
      return Promise.reject(origin._raise());
    }
    scope._addParked(this);
    // One shared executor, not a closure per park: it hands the resolve
    // function over through a module variable, read back at once.
    // (Not `Promise.withResolvers`: 16 bytes fewer per blocked task on
    // JavaScriptCore, but it made park + wake about 2x slower on V8.)
    const promise = new Promise<T>(captureResolve);
    this.resolveFn = capturedResolve as (value: T | Rejection | Failure) => void;
    capturedResolve = null;
    return promise;
  }

  /**
   * Resolves the waiter. Returns false if it had already settled. Its task
   * resumes in a microtask, or after the run's tick when the run has held
   * the event loop too long (see "Steps" in runner.ts): settled now either way.
   */
  wake(value: T): boolean {
    const resolve = this.resolveFn;
    if (resolve === null) return false;
    this.resolveFn = null;
    const scope = this.parkedIn;
    if (scope !== null) {
      scope._removeParked(this);
      const runner = scope._runner;
      if (countStep() && runner !== null && runner.held()) {
        resolve!(runner.later(value) as unknown as T); // adopted: settles after the tick
        return true;
      }
    }
    resolve!(value);
    return true;
  }

  /** Rejects the waiter with `error`. Returns false if it had already settled. */
  fail(error: unknown): boolean {
    const resolve = this.resolveFn;
    if (resolve === null) return false;
    this.resolveFn = null;
    this.parkedIn?._removeParked(this);
    resolve!(this.raiseWhereBlocked ? new Failure(error) : new Rejection(error));
    return true;
  }

  /** Called by the scope (already unlinked) when it is cancelled. */
  cancelWith(origin: CancelScope): void {
    const resolve = this.resolveFn;
    if (resolve === null) return;
    this.resolveFn = null;
    this.onCancel();
    resolve!(this.raiseWhereBlocked ? new Failure(origin) : new Rejection(origin._raise()));
  }

  /** Hook for subclasses: undo whatever waiting registered elsewhere. */
  protected onCancel(): void {}
}

Waiter.prototype.raiseWhereBlocked = false;

/** A waiter that also wakes at a point in time. @internal */
export class SleepWaiter extends Waiter<void> implements TimerEntry {
  // Fields assigned in the constructor, not class fields (see Waiter).
  declare deadline: number;
  declare heapIndex: number;
  declare timerSeq: number;
  private declare readonly timers: TimerQueue;

  constructor(timers: TimerQueue, deadline: number) {
    super();
    // Always parked through `parkWhereBlocked`: an own field, so setting it there adds no property.
    this.raiseWhereBlocked = true;
    this.deadline = deadline;
    this.heapIndex = -1;
    this.timerSeq = 0;
    this.timers = timers;
  }

  override park(scope: CancelScope): Promise<void> {
    const promise = super.park(scope);
    if (!this.settled) this.timers.schedule(this);
    return promise;
  }

  onTimer(): void {
    this.wake();
  }

  protected override onCancel(): void {
    this.timers.remove(this);
  }
}

/**
 * Parks `waiter` on `scope` and awaits it here, so that when a cancellation
 * wakes it the `Cancelled` is made in the blocked task's own async frame:
 * its stack shows where the task was blocked, not the code that cancelled.
 * Costs one async frame, so it is used by the context's own blocking calls
 * (sleeps, `abandonOnCancel`), whose wait dominates that cost. @internal
 */
export async function parkWhereBlocked<T>(waiter: Waiter<T>, scope: CancelScope): Promise<T> {
  waiter.raiseWhereBlocked = true;
  // Rejects only when parked in a scope already cancelled (with its Cancelled).
  const value: T | Failure = await waiter.park(scope);
  if (!(value instanceof Failure)) {
    // A sleep is trio's `with move_on_at(deadline): sleep_forever()`: when it
    // ends, its own scope's Cancelled goes on to any enclosing scope that is
    // cancelled by the time this frame resumes (a deadline due in the same
    // timer batch, even one queued after the sleep), so the task does not go on.
    const origin = scope._origin;
    if (origin !== null && waiter instanceof SleepWaiter) throw origin._raise();
    return value;
  }
  const error = value._error;
  throw error instanceof CancelScope ? error._raise() : error;
}
