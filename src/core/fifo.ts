/**
 * `Fifo`: an array-backed first-in, first-out buffer with a head index.
 * `push` and `shift` are O(1) amortized and allocate nothing per item (the
 * array compacts itself once more than half of it is consumed), unlike
 * `Array.prototype.shift`, which moves every element.
 *
 * @internal
 * @module
 */

/** A FIFO buffer. @internal */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes the oldest item; the caller checks `length` first. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
