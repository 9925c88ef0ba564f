/**
 * Cancel scopes: trio's cancellation model.
 *
 * A cancel scope delimits a region of code that can be cancelled as a unit,
 * explicitly (`cancel()`) or when its `deadline` passes. Scopes nest: every
 * task group, `moveOnAfter`, `failAfter` and `withCancelScope` opens one inside
 * the scope of the context that opened it, and `run` opens the root.
 *
 * Cancellation is cooperative and level-triggered. A scope is *effectively
 * cancelled* when it, or an ancestor up to the nearest shield, has been
 * cancelled. From then on, every checkpoint taken by a context of that scope
 * throws {@link Cancelled}, again and again, until the scope exits; code that
 * swallows one `Cancelled` meets another at its next checkpoint. Tasks blocked
 * in the scope are woken with `Cancelled` at once, and the scope's `signal`
 * aborts at the same moment, so `fetch` and other Web APIs stop as well.
 *
 * Each `Cancelled` names its *origin*: the innermost scope, from the one it was
 * raised in up to the nearest shield, whose `cancel` was called. When it
 * propagates out of its origin, that scope absorbs it (`cancelledCaught`
 * becomes true) and execution continues after the scope. Every other scope
 * lets it pass.
 *
 * A shielded scope is not affected by the cancellation or the deadlines of
 * its ancestors, but it is by its own.
 *
 * Invariants:
 * - `_origin` is `this` if `cancelCalled`, else (if not shielded) the parent's
 *   `_origin`, else null. It is pushed down eagerly whenever it changes, so a
 *   checkpoint tests one field and never walks the tree.
 * - A scope is entered at most once and exits in the reverse order of entry.
 * - While active it is linked into its parent's child list, its deadline (if
 *   finite and not yet cancelled) is in the run's timer queue, and every
 *   waiter parked in it is in its waiter list. After exit it holds none.
 *
 * @module
 */

import { Cancelled, UsageError } from "./errors.ts";
import type { Runner } from "./runner.ts";
import type { TimerEntry } from "./timer-queue.ts";
import { checkBoolean, checkTime, describeValue } from "./validate.ts";
import type { Parked } from "./waiter.ts";

/**
 * Options for a new {@link CancelScope}.
 *
 * @example
 * ```ts
 * import { CancelScope } from "skein";
 * const scope = new CancelScope({ shield: true });
 * ```
 */
export interface CancelScopeOptions {
  /** Absolute deadline on the run's clock (`cx.currentTime()`), in ms. Default `Infinity`. */
  deadline?: number;
  /** Whether the scope ignores the cancellation of its ancestors. Default `false`. */
  shield?: boolean;
}

const UNENTERED = 0;
const ACTIVE = 1;
const EXITED = 2;

/** The reason recorded when a deadline cancels a scope. */
export const DEADLINE_REASON = "deadline exceeded";

class DeadlineTimer implements TimerEntry {
  deadline = Infinity;
  heapIndex = -1;
  timerSeq = 0;
  constructor(readonly scope: CancelScope) {}
  onTimer(): void {
    this.scope._deadlineReached();
  }
}

/**
 * A region of code that can be cancelled as a unit. Open one with
 * `cx.withCancelScope(scope, body)` (or through `moveOnAfter`, `failAfter`,
 * `taskGroup`); inside, `cx.cancelScope` is the innermost scope.
 *
 * @example Cancel a region from another task
 * ```ts
 * import { run, CancelScope } from "skein";
 * await run(async (cx) => {
 *   const scope = new CancelScope();
 *   await cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => {
 *       await cx.sleep(10);
 *       scope.cancel("enough");
 *     });
 *     await cx.withCancelScope(scope, (cx) => cx.sleepForever());
 *   });
 *   console.log(scope.cancelCalled, scope.cancelledCaught); // true true
 * });
 * ```
 */
export class CancelScope {
  /** @internal */ _deadline: number;
  /** @internal */ _shield: boolean;
  /** @internal */ _cancelCalled = false;
  /** @internal */ _cancelledCaught = false;
  /** @internal */ _byDeadline = false;
  /** @internal */ _reason: string | undefined = undefined;
  /** @internal */ _state = UNENTERED;
  /** @internal */ _runner: Runner | null = null;
  /** @internal */ _parent: CancelScope | null = null;
  /** @internal */ _firstChild: CancelScope | null = null;
  /** @internal */ _prevSibling: CancelScope | null = null;
  /** @internal */ _nextSibling: CancelScope | null = null;
  /** @internal */ _firstParked: Parked | null = null;
  /** @internal The scope whose cancellation reaches this one, or null. */
  _origin: CancelScope | null = null;
  /** @internal */ _controller: AbortController | null = null;
  /** @internal */ _error: Cancelled | null = null;
  /** @internal */ _timer: DeadlineTimer | null = null;

  /**
   * Creates a scope, not yet entered.
   *
   * @param options deadline (absolute, ms on the run's clock) and shield.
   * @throws {TypeError} if an option has the wrong type.
   * @throws {RangeError} if `deadline` is NaN.
   */
  constructor(options: CancelScopeOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    }
    const { deadline = Infinity, shield = false } = options;
    checkTime("options.deadline", deadline);
    checkBoolean("options.shield", shield);
    this._deadline = deadline;
    this._shield = shield;
  }

  /**
   * Cancels the scope: from now until it exits, every checkpoint inside throws
   * {@link Cancelled}, blocked tasks inside wake with it, and `signal`
   * aborts. Idempotent; the first reason is kept. Cancelling a scope before
   * it is entered takes effect on entry; after it exited, it has no effect.
   *
   * @example
   * ```ts
   * await cx.withCancelScope({}, async (cx) => {
   *   cx.cancelScope.cancel("not needed");
   *   await cx.sleep(1000); // throws Cancelled at once; the scope absorbs it
   * });
   * ```
   */
  cancel(reason?: string): void {
    if (reason !== undefined && typeof reason !== "string") {
      throw new TypeError(`reason must be a string or undefined, got ${describeValue(reason)}`);
    }
    if (this._cancelCalled) return;
    this._cancelCalled = true;
    this._reason = reason;
    if (this._timer !== null) this._runner?.timers.remove(this._timer);
    if (this._state === ACTIVE) refresh(this);
  }

  /** Whether `cancel()` was called or the deadline passed. */
  get cancelCalled(): boolean {
    return this._cancelCalled;
  }

  /** Whether this scope absorbed a {@link Cancelled} on its way out. */
  get cancelledCaught(): boolean {
    return this._cancelledCaught;
  }

  /** The reason given to `cancel()`, `"deadline exceeded"`, or undefined. */
  get cancelReason(): string | undefined {
    return this._reason;
  }

  /**
   * The absolute deadline in ms on the run's clock; `Infinity` for none.
   * Setting it reschedules (or, if already past, cancels) at once; moving it
   * later after it passed does not undo the cancellation.
   *
   * @example
   * ```ts
   * await cx.moveOnAfter(1000, async (cx) => {
   *   cx.cancelScope.deadline = cx.currentTime() + 10; // earlier than planned
   *   await cx.sleepForever();
   * });
   * ```
   */
  get deadline(): number {
    return this._deadline;
  }

  /** Sets the absolute deadline (ms); `Infinity` removes it. @throws {RangeError} if NaN. */
  set deadline(value: number) {
    checkTime("deadline", value);
    this._deadline = value;
    if (this._state === ACTIVE) this._syncTimer();
  }

  /**
   * Whether outer cancellation and outer deadlines are kept out. Can be
   * changed while active; un-shielding inside a cancelled parent cancels.
   *
   * @example Clean-up that must finish even when cancelled
   * ```ts
   * try {
   *   await cx.sleepForever();
   * } finally {
   *   await cx.withCancelScope({ shield: true }, (cx) => cx.sleep(5)); // runs in full
   * }
   * ```
   */
  get shield(): boolean {
    return this._shield;
  }

  /** Shields or un-shields the scope. @throws {TypeError} if not a boolean. */
  set shield(value: boolean) {
    checkBoolean("shield", value);
    if (this._shield === value) return;
    this._shield = value;
    if (this._state === ACTIVE) refresh(this);
  }

  /**
   * An `AbortSignal` that aborts when this scope becomes effectively
   * cancelled (by itself or an unshielded ancestor). Its `reason` is the
   * {@link Cancelled} error, so an aborted `fetch` rejects with `Cancelled`
   * and the scope absorbs it. Usually read as `cx.signal`.
   *
   * @example
   * ```ts
   * const response = await fetch(url, { signal: cx.signal });
   * ```
   */
  get signal(): AbortSignal {
    let controller = this._controller;
    if (controller === null) {
      controller = this._controller = new AbortController();
      if (this._origin !== null) controller.abort(this._origin._cancelledError());
    }
    return controller.signal;
  }

  /** @internal The error raised for cancellations that originate here. */
  _cancelledError(): Cancelled {
    return (this._error ??= new Cancelled(this._reason, this));
  }

  /** @internal Effective deadline: the earliest deadline up to the nearest shield. */
  _effectiveDeadline(): number {
    if (this._origin !== null) return -Infinity;
    let deadline = Infinity;
    for (let s: CancelScope | null = this; s !== null; s = s._parent) {
      if (s._deadline < deadline) deadline = s._deadline;
      if (s._shield) break;
    }
    return deadline;
  }

  /** @internal */
  _checkUnentered(): void {
    if (this._state !== UNENTERED) {
      throw new UsageError("a cancel scope can be entered only once; create a new CancelScope");
    }
  }

  /** @internal */
  _enter(runner: Runner, parent: CancelScope | null): void {
    this._checkUnentered();
    this._state = ACTIVE;
    this._runner = runner;
    this._parent = parent;
    if (parent !== null) {
      const first = parent._firstChild;
      this._nextSibling = first;
      if (first !== null) first._prevSibling = this;
      parent._firstChild = this;
    }
    if (this._deadline !== Infinity) this._syncTimer();
    refresh(this);
  }

  /** @internal */
  _exit(): void {
    this._state = EXITED;
    const parent = this._parent;
    if (parent !== null) {
      if (this._prevSibling !== null) this._prevSibling._nextSibling = this._nextSibling;
      else parent._firstChild = this._nextSibling;
      if (this._nextSibling !== null) this._nextSibling._prevSibling = this._prevSibling;
      this._prevSibling = this._nextSibling = null;
    }
    if (this._timer !== null) this._runner!.timers.remove(this._timer);
  }

  /** @internal */
  _syncTimer(): void {
    if (this._cancelCalled) return;
    const runner = this._runner!;
    const timer = (this._timer ??= new DeadlineTimer(this));
    if (this._deadline === Infinity) {
      runner.timers.remove(timer);
    } else if (this._deadline <= runner.adapter.now()) {
      this._deadlineReached();
    } else {
      timer.deadline = this._deadline;
      runner.timers.schedule(timer);
    }
  }

  /** @internal */
  _deadlineReached(): void {
    if (this._cancelCalled || this._state !== ACTIVE) return;
    this._byDeadline = true;
    this.cancel(DEADLINE_REASON);
  }

  /** @internal */
  _addParked(waiter: Parked): void {
    waiter.parkedIn = this;
    const first = this._firstParked;
    waiter.nextParked = first;
    if (first !== null) first.prevParked = waiter;
    this._firstParked = waiter;
  }

  /** @internal */
  _removeParked(waiter: Parked): void {
    if (waiter.prevParked !== null) waiter.prevParked.nextParked = waiter.nextParked;
    else this._firstParked = waiter.nextParked;
    if (waiter.nextParked !== null) waiter.nextParked.prevParked = waiter.prevParked;
    waiter.prevParked = waiter.nextParked = null;
    waiter.parkedIn = null;
  }

  /** @internal Wakes parked waiters and aborts the signal, once newly cancelled. */
  _notifyCancelled(): void {
    const origin = this._origin;
    if (origin === null) return;
    const error = origin._cancelledError();
    let waiter = this._firstParked;
    this._firstParked = null;
    while (waiter !== null) {
      const next = waiter.nextParked;
      waiter.prevParked = waiter.nextParked = null;
      waiter.parkedIn = null;
      waiter.cancelWith(error);
      waiter = next;
    }
    const controller = this._controller;
    if (controller !== null && !controller.signal.aborted) controller.abort(error);
  }
}

/**
 * Recomputes `_origin` for `start` and its subtree after a change (cancel,
 * shield, entry), then wakes what became cancelled. State changes first and
 * notifications after, because abort listeners run user code synchronously.
 */
function refresh(start: CancelScope): void {
  const woken: CancelScope[] = [];
  update(start, woken);
  for (const scope of woken) scope._notifyCancelled();
}

function update(scope: CancelScope, woken: CancelScope[]): void {
  const parent = scope._parent;
  const origin = scope._cancelCalled ? scope : scope._shield || parent === null ? null : parent._origin;
  if (origin === scope._origin) return;
  const was = scope._origin;
  scope._origin = origin;
  if (was === null) woken.push(scope);
  else if (origin === null && scope._controller?.signal.aborted) scope._controller = null; // un-cancelled by a shield: a fresh signal
  for (let child = scope._firstChild; child !== null; child = child._nextSibling) update(child, woken);
}
