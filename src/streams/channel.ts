/**
 * `Channel`: the core that memory object streams and `Queue` share. It
 * holds a buffer of at most `maxBufferSize` items (0 for rendezvous,
 * `Infinity` for unbounded) and two lines of blocked tasks: senders (each
 * carrying the item it wants to deliver) and receivers. It knows nothing of
 * closing, cloning or `taskDone`; the stream ends and the queue add those.
 *
 * This is the one piece of code that moves items, so it alone guarantees:
 *
 * Invariants:
 * - Nothing lost, nothing delivered twice. An item is *accepted* exactly
 *   once: when `offer` hands it to a waiting receiver or the buffer, or when
 *   `take` admits a waiting sender's item (into the buffer, or straight to
 *   the taker). A waiting sender or receiver is taken out of its queue
 *   before it is woken, and one cancelled while queued has left its queue at
 *   once (O(1), see `WaiterQueue`), so an item is never handed to a
 *   cancelled receiver, and a cancelled sender's item was never accepted.
 *   `accepted` counts accepted items.
 * - Order: items are taken in the order of the buffer: the order they were
 *   accepted (a `Fifo`) unless the channel was given another buffer
 *   (`PriorityQueue`, `LifoQueue`); blocked senders and receivers are served
 *   first come, first served.
 * - Receivers wait only while the buffer is empty and no sender waits;
 *   senders wait only while the buffer is full and no receiver waits. So at
 *   most one of the two queues is non-empty.
 *
 * Costs: `offer` and `take` are O(1) amortized and allocate nothing with
 * the default `Fifo` buffer (O(log n) with a priority queue's heap). A call
 * that has to wait needs a waiter: the channel keeps the last receiver and
 * the last sender it woke (such a waiter is in no queue and no scope, and
 * its promise is settled: nothing refers to it any more) and parks it again
 * for the next call that waits, so a producer and a consumer taking turns
 * allocate only the promise each wait returns. (On Bun a waiter made per
 * wait cost about a quarter of a consumer-first stream's time.)
 *
 * Wake order: with a buffer (`maxBufferSize > 0`), `offer` hands the item to
 * a waiting receiver at once (it is accepted, and the receiver left its
 * line) but wakes it with `wakeSoon`, so it resumes after the sender's next
 * step. Woken at once, a consumer that starts first would resume before the
 * producer's next send, find the buffer empty and wait again, for every
 * item (a promise and a waiter each); resuming after it, it finds the next
 * item buffered and the pair stops waiting (the buffer-100 consumer-first
 * stream ran about 20% faster on Bun and Node). A rendezvous wakes at once:
 * there is no buffer to run ahead into.
 *
 * @internal
 * @module
 */

import { Fifo } from "../core/fifo.ts";
import { QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";

/**
 * A blocked sender and the item it carries (`undefined` once taken, so a
 * spare kept for the next sender does not keep the item alive), and the
 * stream end it sends through (`owner`, null for a `Queue`). @internal
 */
export class SendWaiter<T> extends QueuedWaiter<void> {
  item: T | undefined;
  owner: object | null;

  constructor(item: T) {
    super();
    this.item = item;
    this.owner = null;
  }
}

/** A blocked receiver, and the stream end it receives through (`owner`, null for a `Queue`). @internal */
export class ReceiveWaiter<T> extends QueuedWaiter<T> {
  owner: object | null;

  constructor(owner: object | null) {
    super();
    this.owner = owner;
  }
}

/**
 * Takes every waiter of `queue` whose `owner` is `owner` out of it and fails
 * it with an error from `makeError` (a stream end closed under the tasks
 * blocked on it). O(waiters). @internal
 */
export function failOwnedBy<T>(queue: WaiterQueue<T>, owner: object, makeError: () => unknown): void {
  for (let waiter = queue.peek(); waiter !== null; ) {
    const next = waiter.nextInQueue;
    if ((waiter as SendWaiter<unknown> | ReceiveWaiter<T>).owner === owner) {
      queue.remove(waiter);
      if (waiter instanceof SendWaiter) waiter.item = undefined;
      waiter.fail(makeError());
    }
    waiter = next;
  }
}

/**
 * What a channel needs of its buffer: `shift` takes the next item out (the
 * caller checks `length` first). `Fifo` by default. @internal
 */
export interface ChannelBuffer<T> {
  readonly length: number;
  push(item: T): void;
  shift(): T;
  clear(): void;
}

/** Buffer plus waiting senders and receivers. @internal */
export class Channel<T> {
  readonly buffer: ChannelBuffer<T>;
  readonly senders: WaiterQueue<void> = new WaiterQueue();
  readonly receivers: WaiterQueue<T> = new WaiterQueue();
  /** Items accepted so far (see the invariants). */
  accepted = 0;
  /** A receiver this channel woke, kept to be parked again by the next `waitToReceive` (see the costs). */
  private spareReceiver: ReceiveWaiter<T> | null = null;
  /** The same for senders. */
  private spareSender: SendWaiter<T> | null = null;

  constructor(
    readonly maxBufferSize: number,
    buffer: ChannelBuffer<T> = new Fifo<T>(),
  ) {
    this.buffer = buffer;
  }

  /** Whether `take` has an item to give. */
  ready(): boolean {
    return this.buffer.length > 0 || this.senders.size > 0;
  }

  /** Accepts `item` for the first waiting receiver, or into the buffer; false if it must wait. */
  offer(item: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver !== null) {
      this.accepted++;
      // With a buffer the receiver resumes after this sender's next step
      // (see the costs); a rendezvous has nowhere to run ahead into.
      if (this.maxBufferSize === 0) receiver.wake(item);
      else receiver.wakeSoon(item);
      // One of ours (not a subclass such as a stream iterator's step): done
      // with, since a woken waiter is in no queue and no scope.
      if (receiver.constructor === ReceiveWaiter) this.spareReceiver = receiver as ReceiveWaiter<T>;
      return true;
    }
    if (this.buffer.length < this.maxBufferSize) {
      this.accepted++;
      this.buffer.push(item);
      return true;
    }
    return false;
  }

  /**
   * Takes the next item (the caller checked `ready()`): the oldest in the
   * buffer, whose place goes to the first waiting sender's item, or with an
   * empty buffer (rendezvous) the first waiting sender's item itself.
   */
  take(): T {
    if (this.senders.size === 0) return this.buffer.shift();
    // Taken before the sender's item goes in: a full ring does not grow,
    // and a priority buffer gives the best of what it held.
    const sender = this.senders.shift() as SendWaiter<T>;
    const sent = sender.item as T;
    sender.item = undefined;
    this.accepted++;
    sender.wake();
    this.spareSender = sender;
    if (this.buffer.length === 0) return sent; // rendezvous
    const item = this.buffer.shift();
    this.buffer.push(sent);
    return item;
  }

  /** Queues a sender of `item` through `owner` (the caller parks it at once). */
  waitToSend(item: T, owner: object | null = null): SendWaiter<T> {
    let waiter = this.spareSender;
    if (waiter === null) waiter = new SendWaiter(item);
    else {
      this.spareSender = null;
      waiter.item = item;
    }
    waiter.owner = owner;
    this.senders.push(waiter);
    return waiter;
  }

  /** Queues a receiver through `owner` (the caller parks it at once). */
  waitToReceive(owner: object | null = null): ReceiveWaiter<T> {
    let waiter = this.spareReceiver;
    if (waiter === null) waiter = new ReceiveWaiter<T>(owner);
    else {
      this.spareReceiver = null;
      waiter.owner = owner;
    }
    this.receivers.push(waiter);
    return waiter;
  }
}
