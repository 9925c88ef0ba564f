/**
 * The timer queue: every sleep and every cancel-scope deadline of one run
 * shares a single native timer, armed through the run's clock (the adapter,
 * or a test's mock clock).
 *
 * Entries are the waiting objects themselves (a sleeping waiter, a cancel
 * scope with a deadline): they carry their own `deadline` and heap position,
 * so adding, moving and removing an entry allocates nothing.
 *
 * Invariants:
 * - The heap is a binary min-heap on `(deadline, seq)`; equal deadlines fire in
 *   the order they were added.
 * - An armed native timer is due no later than the earliest entry. Removing
 *   the earliest entry leaves it armed (it fires early and re-arms), which
 *   spares a clear/set pair per removal when many sleepers are cancelled.
 * - When the heap is empty no native timer is armed, so a finished run leaves
 *   nothing that keeps a process alive.
 * - No native timer is asked for more than {@link MAX_NATIVE_DELAY} ms. Every
 *   runtime (Node, Deno, Bun, browsers) stores a `setTimeout` delay in a
 *   signed 32-bit integer and turns anything larger into 1 ms, so a 30-day
 *   sleep armed as is would fire, find nothing due and re-arm about a
 *   thousand times a second. A capped timer fires early instead, finds
 *   nothing due and re-arms for the rest: one extra wake-up per 24.8 days.
 *
 * Costs: O(log n) per schedule, move and removal; one native timer (and one
 * clear/set pair when a new entry becomes the earliest) per run.
 *
 * @internal
 * @module
 */

import type { Adapter, TimerHandle } from "./adapter.ts";
import type { Clock } from "./clock.ts";

/**
 * The longest delay handed to `Adapter.setTimer`: 2^31 - 1 ms (24.8 days),
 * the largest delay every runtime's `setTimeout` honours. @internal
 */
export const MAX_NATIVE_DELAY = 2 ** 31 - 1;

/** Something that waits for a point in time. @internal */
export interface TimerEntry {
  /** When the entry is due, on the run's clock. */
  deadline: number;
  /** Position in the heap, or -1 when not queued. */
  heapIndex: number;
  /** Tie-breaker: insertion order. */
  timerSeq: number;
  /** Called once when the entry is due (it has already left the queue). */
  onTimer(): void;
}

/** Whether `a` is due before `b`: earlier deadline, else added earlier. */
function less(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.timerSeq < b.timerSeq);
}

/** One run's timers. @internal */
export class TimerQueue {
  private readonly _heap: TimerEntry[] = [];
  private declare readonly _clock: Clock;
  private declare readonly _adapter: Adapter;
  private _native: TimerHandle = undefined;
  private armedAt = Infinity;
  private _seq = 0;
  /** The native timer's callback: fires every entry that is due, then re-arms for the next. */
  private readonly _fire = (): void => {
    this._native = undefined;
    this.armedAt = Infinity;
    const heap = this._heap;
    const now = this._clock.now();
    while (heap.length > 0 && heap[0]!.deadline <= now) {
      const entry = heap[0]!;
      this.remove(entry);
      if (this.onFired !== null) this.onFired(entry.deadline);
      try {
        entry.onTimer();
      } catch (error) {
        this._adapter.reportError(error);
      }
    }
    if (heap.length > 0 && this._native === undefined) this._arm(heap[0]!.deadline);
  };
  /** Told the deadline of each entry fired (a tracked run's instruments), or null. */
  onFired: ((deadline: number) => void) | null = null;

  constructor(adapter: Adapter, clock: Clock = adapter) {
    this._clock = clock;
    this._adapter = adapter;
  }

  /** Number of queued entries. */
  get size(): number {
    return this._heap.length;
  }

  /** The earliest queued deadline, or `Infinity` when none is queued. */
  nextDeadline(): number {
    const first = this._heap[0];
    return first === undefined ? Infinity : first.deadline;
  }

  /** Queues `entry` at `entry.deadline` (or moves it there if queued). */
  schedule(entry: TimerEntry): void {
    if (entry.heapIndex < 0) {
      entry.timerSeq = this._seq++;
      entry.heapIndex = this._heap.push(entry) - 1;
    }
    this.sift(entry.heapIndex);
    if (entry.deadline < this.armedAt) this._arm(entry.deadline);
  }

  /** Removes `entry` if it is queued. */
  remove(entry: TimerEntry): void {
    const i = entry.heapIndex;
    if (i < 0) return;
    entry.heapIndex = -1;
    const last = this._heap.pop()!;
    if (last !== entry) {
      this._heap[i] = last;
      this.sift(i);
    }
    if (this._heap.length === 0) this._disarm();
  }

  /** Drops every entry and the native timer. */
  close(): void {
    for (const entry of this._heap) entry.heapIndex = -1;
    this._heap.length = 0;
    this._disarm();
  }

  /**
   * Arms the native timer for `at`, or for {@link MAX_NATIVE_DELAY} from now
   * if that is sooner; `armedAt` is when it will really fire, so an entry due
   * between the two still re-arms it.
   */
  private _arm(at: number): void {
    if (this._native !== undefined) this._clock.clearTimer(this._native);
    const now = this._clock.now();
    let delay = at - now;
    if (delay > MAX_NATIVE_DELAY) {
      delay = MAX_NATIVE_DELAY;
      at = now + MAX_NATIVE_DELAY;
    } else if (delay < 0) {
      delay = 0;
    }
    this.armedAt = at;
    this._native = this._clock.setTimer(this._fire, delay);
  }

  private _disarm(): void {
    if (this._native !== undefined) this._clock.clearTimer(this._native);
    this._native = undefined;
    this.armedAt = Infinity;
  }

  /**
   * Moves the entry at `i` up or down to where it belongs (only one of the
   * two loops moves it: up if it is due before its parent, else down).
   */
  private sift(i: number): void {
    const heap = this._heap;
    const n = heap.length;
    const entry = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!less(entry, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (!less(child, entry)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = entry;
    entry.heapIndex = i;
  }
}
