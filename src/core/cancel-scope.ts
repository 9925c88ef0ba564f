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
 * Delivery, as in trio: a cancellation belongs to the *outermost* cancelled
 * scope visible from where it is raised (walking out from the scope, up to
 * the nearest shield). That scope is its origin: a `Cancelled` leaving a
 * scope is absorbed there (`cancelledCaught` becomes true, execution
 * continues after the scope) exactly when the scope is its own origin, that
 * is, it was cancelled and no enclosing cancellation is visible to it. Every
 * other scope lets it pass, so when an outer and an inner scope are both
 * cancelled, no code between the inner and the outer exit runs. Absorption
 * looks at the scopes' state when the error arrives, not at which scope made
 * the error, so a `Cancelled` raised before an outer scope was cancelled is
 * still carried out to that outer scope.
 *
 * A shielded scope is not affected by the cancellation or the deadlines of
 * its ancestors, but it is by its own.
 *
 * Every raise makes a new `Cancelled`, as trio does, so each error's stack
 * shows where its task was when it was cancelled; a scope's `signal` aborts
 * with one error of its own. Cost: capturing a stack takes a few
 * microseconds (1.5-3 µs measured on Node 24), paid once per task woken by a
 * cancellation and per raise at a checkpoint, never on the uncancelled path;
 * cancelling 10k sleeping tasks went from about 1 µs to about 5 µs per task
 * when errors stopped being shared.
 *
 * Deadlines are absolute times on the run's clock, or relative
 * (`relativeDeadline`): counted from the moment the scope is entered.
 *
 * External cancellation: a scope made with `{ signal }` (an `AbortSignal`
 * from elsewhere: a request's, a test's) is cancelled when the signal
 * aborts, with the reason `"aborted by signal"`; every `Cancelled` it raises
 * has `signal.reason` as its `cause`. An already-aborted signal cancels the
 * scope on entry. The scope listens only while it is active: it adds one
 * `abort` listener (an object, no closure) on entry and removes it on exit,
 * so any number of scopes may come and go on one long-lived signal.
 *
 * A context is usable only while its scope is active: once a scope has exited
 * (its body returned, its group ended, its run ended) every blocking call
 * through a context of it raises {@link ClosedResourceError}, and a call still
 * blocked in it when it exits (only code outside its tasks can be: a web
 * stream's pull in a captured context) wakes with that error. This costs the
 * hot paths nothing: an exited scope's `_origin` is a marker whose raise makes
 * that error, so checkpoints still test one field.
 *
 * Invariants:
 * - `_origin` is, for an active scope, the parent's `_origin` if that is
 *   non-null and the scope is not shielded, else `this` if `cancelCalled`,
 *   else null; for an exited scope, the exit marker. It is pushed down
 *   eagerly whenever it changes, so a checkpoint tests one field and never
 *   walks the tree.
 * - A scope is entered at most once and exits in the reverse order of entry.
 * - While active it is linked into its parent's child list, its deadline (if
 *   finite and not yet cancelled) is in the run's timer queue, and every
 *   waiter parked in it is in its waiter list. After exit it holds none.
 *
 * @module
 */

import { Cancelled, ClosedResourceError, UsageError } from "./errors.ts";
import type { Runner } from "./runner.ts";
import type { TimerEntry } from "./timer-queue.ts";
import { checkBoolean, checkDelay, checkObject, checkTime, mustBe } from "./validate.ts";
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
  /**
   * Deadline in ms counted from the moment the scope is entered (trio's
   * `relative_deadline`). Give `deadline` or `relativeDeadline`, not both.
   */
  relativeDeadline?: number;
  /** Whether the scope ignores the cancellation of its ancestors. Default `false`. */
  shield?: boolean;
  /**
   * An `AbortSignal` that cancels the scope when it aborts (at once on entry
   * if it already has). The reason is `"aborted by signal"` and each
   * {@link Cancelled} raised for it has `signal.reason` as its `cause`.
   */
  signal?: AbortSignal;
}

/** The reason recorded when an `AbortSignal` cancels a scope. */
export const SIGNAL_REASON = "aborted by signal";

/** The scope's `abort` listener (an EventListenerObject: no closure per scope). */
class SignalLink {
  // Fields, not parameter properties: esbuild emits a parameter property's
  // field declaration unmangled, so a `_x` one would cost its name twice.
  declare _scope: CancelScope;
  declare _signal: AbortSignal;
  constructor(scope: CancelScope, signal: AbortSignal) {
    this._scope = scope;
    this._signal = signal;
  }
  handleEvent(): void {
    this._scope._cancelBy(true);
  }
}

/** Throws unless `value` is undefined or an AbortSignal. @internal */
export function checkSignal(name: string, value: unknown): asserts value is AbortSignal | undefined {
  if (value === undefined) return;
  if (
    value === null || typeof value !== "object" || typeof (value as AbortSignal).aborted !== "boolean" ||
    typeof (value as AbortSignal).addEventListener !== "function"
  ) {
    throw mustBe(name, "an AbortSignal", value);
  }
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
  declare _scope: CancelScope;
  constructor(scope: CancelScope) {
    this._scope = scope;
  }
  onTimer(): void {
    this._scope._cancelBy(false);
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
  /** @internal */ declare _deadline: number;
  /** @internal Relative deadline of an unentered scope; Infinity when absolute. */ declare _relative: number;
  /** @internal */ declare _shield: boolean;
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
  /** @internal */ _timer: DeadlineTimer | null = null;
  /** @internal The `{ signal }` option, and its listener while active. */ _signal: SignalLink | null = null;
  /** @internal Cancelled by the signal: `signal.reason`, the cause of every Cancelled raised. */ _byAbort = false;

  /**
   * Creates a scope, not yet entered.
   *
   * @param options deadline (absolute, ms on the run's clock) or
   *   relativeDeadline (ms from entry), shield, and signal (an AbortSignal
   *   that cancels the scope when it aborts).
   * @throws {@link !TypeError} if an option has the wrong type, or both deadlines are given.
   * @throws {@link !RangeError} if `deadline` is NaN, or `relativeDeadline` negative or NaN.
   */
  constructor(options: CancelScopeOptions = {}) {
    checkObject(options);
    const { deadline = Infinity, relativeDeadline = Infinity, shield = false, signal } = options;
    checkSignal("options.signal", signal);
    checkTime("options.deadline", deadline);
    checkDelay("options.relativeDeadline", relativeDeadline);
    checkBoolean("options.shield", shield);
    if (deadline !== Infinity && relativeDeadline !== Infinity) {
      throw new TypeError("give options.deadline or options.relativeDeadline, not both");
    }
    this._deadline = deadline;
    this._relative = relativeDeadline;
    this._shield = shield;
    if (signal !== undefined) this._signal = new SignalLink(this, signal);
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
    if (reason !== undefined && typeof reason !== "string") throw mustBe("reason", "a string or undefined", reason);
    if (this._cancelCalled) return;
    this._cancelCalled = true;
    this._reason = reason;
    if (this._timer !== null) this._runner!.timers.remove(this._timer);
    if (this._state === ACTIVE) {
      this._runner!.instruments?.scopeCancelled(this, reason);
      refresh(this);
    }
  }

  /**
   * Whether `cancel()` was called or the deadline passed. An unentered scope
   * cannot read the run's clock; every Skein clock starts at 0 or later, so a
   * deadline <= 0 is in the past on any of them and reports true at once (a
   * later deadline that has passed is noticed on entry).
   */
  get cancelCalled(): boolean {
    if (this._state === UNENTERED && this._deadline <= 0) this._cancelBy(false);
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
    if (this._relative !== Infinity) {
      throw new UsageError("an unentered scope with a relativeDeadline has no absolute deadline yet; read relativeDeadline");
    }
    return this._deadline;
  }

  /**
   * Sets the absolute deadline (ms); `Infinity` removes it. On an unentered
   * scope with a relative deadline, makes it absolute.
   *
   * @throws {@link !RangeError} if NaN.
   */
  set deadline(value: number) {
    checkTime("deadline", value);
    this._relative = Infinity;
    this._deadline = value;
    if (this._state === ACTIVE) this._syncTimer();
  }

  /**
   * The deadline relative to now, in ms (trio's `relative_deadline`). Before
   * entry it is the delay that entry will turn into a deadline; once entered,
   * the time left until the deadline (`Infinity` for none).
   *
   * @throws {@link UsageError} when read on an unentered scope that has an absolute deadline.
   * @example
   * ```ts
   * const scope = new CancelScope({ relativeDeadline: 100 }); // counts from entry
   * await cx.sleep(500); // not counted
   * await cx.withCancelScope(scope, (cx) => cx.sleepForever()); // cancelled 100 ms after entry
   * ```
   */
  get relativeDeadline(): number {
    if (this._state !== UNENTERED) return this._deadline - this._runner!.clock.now();
    if (this._deadline !== Infinity) {
      throw new UsageError("an unentered scope with an absolute deadline has no relative deadline");
    }
    return this._relative;
  }

  /**
   * Sets the deadline `value` ms from now (from entry, if not yet entered).
   *
   * @throws {@link !RangeError} if negative or NaN.
   * @throws {@link UsageError} on an unentered scope that has an absolute deadline.
   */
  set relativeDeadline(value: number) {
    checkDelay("relativeDeadline", value);
    if (this._state !== UNENTERED) {
      this._deadline = this._runner!.clock.now() + value;
      if (this._state === ACTIVE) this._syncTimer();
    } else if (this._deadline !== Infinity) {
      throw new UsageError("an unentered scope with an absolute deadline has no relative deadline");
    } else {
      this._relative = value;
    }
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

  /** Shields or un-shields the scope. @throws {@link !TypeError} if not a boolean. */
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
      if (this._origin !== null) controller.abort(this._origin._raise());
    }
    return controller.signal;
  }

  /**
   * @internal A new error for a cancellation whose origin is this scope (for
   * the exit marker: the error for using a context whose scope has exited).
   */
  _raise(): Error {
    const error = Cancelled._make(this._reason, this);
    if (this._byAbort) error.cause = this._signal!._signal.reason;
    return error;
  }

  /**
   * @internal Cancels the scope for its signal (`byAbort`) or its deadline,
   * unless it is cancelled already or has exited.
   */
  _cancelBy(byAbort: boolean): void {
    if (this._cancelCalled || this._state === EXITED) return;
    if (byAbort) this._byAbort = true;
    else this._byDeadline = true;
    this.cancel(byAbort ? SIGNAL_REASON : DEADLINE_REASON);
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
    // An exited parent's `_origin` is its exit marker: the ClosedResourceError of its kind.
    if (parent !== null && parent._state !== ACTIVE) throw parent._origin!._raise();
    const link = this._signal;
    if (link !== null) {
      // Still unentered: an aborted signal cancels now, before linking; it takes effect on entry.
      if (link._signal.aborted) this._cancelBy(true);
      else link._signal.addEventListener("abort", link);
    }
    this._state = ACTIVE;
    if (this._relative !== Infinity) {
      this._deadline = runner.clock.now() + this._relative;
      this._relative = Infinity;
    }
    this._runner = runner;
    this._parent = parent;
    if (this._cancelCalled) runner.instruments?.scopeCancelled(this, this._reason);
    if (parent !== null) this._link(parent);
    if (this._deadline !== Infinity) this._syncTimer();
    refresh(this);
  }

  /**
   * @internal Moves this active scope (and its subtree) under `parent`, for
   * `tg.start`; then recomputes what is cancelled below it.
   */
  _reparent(parent: CancelScope): void {
    this._unlink();
    this._parent = parent;
    this._link(parent);
    refresh(this);
  }

  private _link(parent: CancelScope): void {
    const first = parent._firstChild;
    this._nextSibling = first;
    if (first !== null) first._prevSibling = this;
    parent._firstChild = this;
  }

  private _unlink(): void {
    const parent = this._parent;
    if (parent === null) return;
    if (this._prevSibling !== null) this._prevSibling._nextSibling = this._nextSibling;
    else parent._firstChild = this._nextSibling;
    if (this._nextSibling !== null) this._nextSibling._prevSibling = this._prevSibling;
    this._prevSibling = this._nextSibling = null;
  }

  /** @internal */
  _exit(): void {
    this._state = EXITED;
    this._origin = this._parent === null ? RUN_ENDED : SCOPE_EXITED;
    this._unlink();
    if (this._timer !== null) this._runner!.timers.remove(this._timer);
    const link = this._signal;
    if (link !== null) link._signal.removeEventListener("abort", link);
    // Only code outside this scope's tasks can still be parked here (a web
    // stream's pull running in a captured context): wake it with the
    // exit marker's ClosedResourceError rather than leave it hanging.
    if (this._firstParked !== null) this._wakeParked(this._origin);
  }

  /** @internal */
  _syncTimer(): void {
    if (this._cancelCalled) return;
    const runner = this._runner!;
    const timer = (this._timer ??= new DeadlineTimer(this));
    if (this._deadline === Infinity) {
      runner.timers.remove(timer);
    } else if (this._deadline <= runner.clock.now()) {
      this._cancelBy(false);
    } else {
      timer.deadline = this._deadline;
      runner.timers.schedule(timer);
    }
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
    this._runner!.activity++;
    if (waiter.prevParked !== null) waiter.prevParked.nextParked = waiter.nextParked;
    else this._firstParked = waiter.nextParked;
    if (waiter.nextParked !== null) waiter.nextParked.prevParked = waiter.prevParked;
    waiter.prevParked = waiter.nextParked = null;
    waiter.parkedIn = null;
  }

  /** @internal Unparks every waiter and rejects it through `origin`. */
  _wakeParked(origin: CancelScope): void {
    let waiter = this._firstParked;
    this._firstParked = null;
    if (waiter !== null) this._runner!.activity++;
    while (waiter !== null) {
      const next = waiter.nextParked;
      waiter.prevParked = waiter.nextParked = null;
      waiter.parkedIn = null;
      waiter.cancelWith(origin);
      waiter = next;
    }
  }

  /** @internal Wakes parked waiters and aborts the signal, once newly cancelled. */
  _notifyCancelled(): void {
    const origin = this._origin;
    if (origin === null) return;
    this._wakeParked(origin);
    const controller = this._controller;
    if (controller !== null && !controller.signal.aborted) controller.abort(origin._raise());
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

/**
 * Walks the subtree in pre-order by its links, with no recursion: a tree of
 * scopes can be deeper than the JS call stack (a chain of nested tasks, each
 * in a group of its own), and an overflow half-way would leave it
 * half-cancelled. A scope whose origin is unchanged keeps its subtree's.
 */
function update(start: CancelScope, woken: CancelScope[]): void {
  let scope = start;
  for (;;) {
    const parent = scope._parent;
    const inherited = scope._shield || parent === null ? null : parent._origin;
    const origin = inherited !== null ? inherited : scope._cancelCalled ? scope : null;
    if (origin !== scope._origin) {
      const was = scope._origin;
      scope._origin = origin;
      if (was === null) woken.push(scope);
      else if (origin === null && scope._controller?.signal.aborted) scope._controller = null; // un-cancelled by a shield: a fresh signal
      if (scope._firstChild !== null) {
        scope = scope._firstChild;
        continue;
      }
    }
    while (scope !== start && scope._nextSibling === null) scope = scope._parent!;
    if (scope === start) return;
    scope = scope._nextSibling!;
  }
}

/**
 * `error` if it is a `Cancelled`; the first of an `AggregateError` of
 * nothing but cancellations (`Promise.any` over waits of a cancelled scope:
 * trio's scopes split their `Cancelled` out of exception groups); else
 * undefined. @internal
 */
export function asCancelled(error: unknown): Cancelled | undefined {
  if (error instanceof AggregateError && error.errors.every(asCancelled)) error = error.errors[0];
  return error instanceof Cancelled ? error : undefined;
}

/**
 * The one rule for an error leaving the body of the active `scope`: true if
 * the scope absorbs it (a `Cancelled` and the scope is its own origin:
 * `cancelledCaught` is set), else false, the error to pass on. A `Cancelled`
 * that passes is re-pointed at the scope that will absorb it now (the
 * outermost cancelled scope visible from here), so `error.scope` stays true
 * when an outer scope was cancelled after the error was raised. Used by every
 * scope body (`runInScope`), task group, `start` and task handle, and by the
 * worker side of `toThread`. @internal
 */
export function scopeAbsorbs(scope: CancelScope, error: unknown): boolean {
  const origin = scope._origin;
  const cancelled = asCancelled(error);
  if (!cancelled || origin === null || origin instanceof ExitedMarker) return false;
  if (origin === scope) {
    scope._cancelledCaught = true;
    return true;
  }
  cancelled._scope = origin;
  cancelled._reason = origin._reason;
  if (origin._byAbort) cancelled.cause = origin._signal!._signal.reason;
  return false;
}

/** The `_origin` of an exited scope: raising through it reports the misuse. */
class ExitedMarker extends CancelScope {
  private declare readonly _message: string;
  constructor(message: string) {
    super();
    this._message = message;
  }
  override _raise(): Error {
    return new ClosedResourceError(this._message);
  }
}

const SCOPE_EXITED = new ExitedMarker(
  "this context's scope has exited: a context is usable only inside the body it was given to",
);
const RUN_ENDED = new ExitedMarker("this context belongs to a run that has ended");
