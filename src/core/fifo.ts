/**
 * `Fifo`: a first-in, first-out buffer in a ring: an array whose capacity
 * is a power of two, a head index and a count.
 *
 * Invariants:
 * - The items, oldest first, are `slots[(head + i) & (slots.length - 1)]`
 *   for `i < size`; every other slot holds `undefined`, so a taken item is
 *   not kept alive by the buffer.
 * - `slots.length` is 0 (nothing pushed yet) or a power of two >= 8.
 *
 * Costs: `push` and `shift` are O(1) and allocate nothing, except when
 * `push` finds the ring full and doubles it (amortized O(1)). Unlike
 * `Array.prototype.shift` nothing moves per item, and unlike a growing
 * array with a head index the array's length is never written, so a buffer
 * that goes empty, one, empty (a producer and a consumer in step) costs no
 * runtime call. A ring that grew past 1024 slots is dropped when it next
 * goes empty, so a burst does not pin its memory.
 *
 * @internal
 * @module
 */

const MIN_CAPACITY = 8;
const KEEP_CAPACITY = 1024;

/** A FIFO buffer. @internal */
export class Fifo<T> {
  private slots: (T | undefined)[] = [];
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    let slots = this.slots;
    if (this.size === slots.length) slots = this.grow();
    slots[(this.head + this.size) & (slots.length - 1)] = item;
    this.size++;
  }

  /** Removes the oldest item; the caller checks `length` first. */
  shift(): T {
    const slots = this.slots;
    const head = this.head;
    const item = slots[head] as T;
    slots[head] = undefined;
    this.head = (head + 1) & (slots.length - 1);
    if (--this.size === 0 && slots.length > KEEP_CAPACITY) this.clear();
    return item;
  }

  clear(): void {
    this.slots = [];
    this.head = 0;
    this.size = 0;
  }

  /** Doubles the ring (or makes the first one), the items moved to the front in order. */
  private grow(): (T | undefined)[] {
    const old = this.slots;
    const capacity = old.length === 0 ? MIN_CAPACITY : old.length * 2;
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    const mask = old.length - 1;
    for (let i = 0; i < this.size; i++) slots[i] = old[(this.head + i) & mask];
    this.slots = slots;
    this.head = 0;
    return slots;
  }
}
