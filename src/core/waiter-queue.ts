/**
 * A FIFO of parked waiters, shared by every primitive that queues tasks
 * (locks, semaphores, limiters, conditions, events, queues, streams).
 *
 * Cancellation removes nothing eagerly: a cancelled waiter stays in the array
 * until it reaches the front and is skipped there. `size` stays exact because
 * a waiter's `onCancel` hook decrements it. So cancelling one of many waiters
 * costs O(1), and handing something to "the first live waiter" is one loop
 * that never hands it to a cancelled one (its `wake` would fail).
 *
 * Invariants:
 * - `size` is the number of waiters in the queue that have not settled.
 * - Waiters come out in the order they went in.
 *
 * @internal
 * @module
 */

import { Waiter } from "./waiter.ts";

/** A waiter that can sit in a {@link WaiterQueue}. @internal */
export class QueuedWaiter<T = void> extends Waiter<T> {
  queue: WaiterQueue<T> | null = null;
  protected override onCancel(): void {
    if (this.queue !== null) this.queue.size--;
    this.queue = null;
  }
}

/** FIFO of {@link QueuedWaiter}s with lazy deletion. @internal */
export class WaiterQueue<T = void> {
  size = 0;
  private items: QueuedWaiter<T>[] = [];
  private head = 0;

  push(waiter: QueuedWaiter<T>): void {
    waiter.queue = this;
    this.items.push(waiter);
    this.size++;
  }

  /** Removes and returns the first waiter still waiting. */
  shift(): QueuedWaiter<T> | undefined {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head]!;
      (this.items as unknown[])[this.head] = undefined;
      this.head++;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (!waiter.settled) {
        this.size--;
        waiter.queue = null;
        return waiter;
      }
    }
    return undefined;
  }

  /** The first waiter still waiting, left in place. */
  peek(): QueuedWaiter<T> | undefined {
    for (let i = this.head; i < this.items.length; i++) if (!this.items[i]!.settled) return this.items[i];
    return undefined;
  }

  /** Wakes the first waiter still waiting with `value`; false if there is none. */
  wakeFirst(value: T): boolean {
    for (let w = this.shift(); w !== undefined; w = this.shift()) if (w.wake(value)) return true;
    return false;
  }
}
