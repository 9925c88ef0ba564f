/**
 * `Queue`: asyncio's queue with `put`/`get`, `taskDone`/`join` and an
 * optional maximum size, for code ported from asyncio. (New code can also use
 * memory object streams, which add closing and cloning.) `PriorityQueue`
 * and `LifoQueue` are the same queue with another buffer: a binary heap
 * (smallest first by a comparator, equal items first in, first out) and a
 * stack.
 *
 * The items and the blocked getters and putters live in a {@link Channel},
 * the core memory object streams use too, so one piece of code moves items
 * for both. The queue adds `taskDone`/`join`.
 *
 * Invariants:
 * - Items leave in the order they were put (`Queue`), smallest first
 *   (`PriorityQueue`; equal ones in the order they were put) or newest first
 *   (`LifoQueue`); blocked getters and putters are served first-come,
 *   first-served (the channel's invariants). An item is "put" when the
 *   channel accepts it: a putter blocked on a full queue is not yet in it.
 * - A blocked `put` cancelled while waiting did not add its item; a `put` that
 *   returned normally did. A blocked `get` cancelled while waiting took
 *   nothing. Cancelled getters, putters and joiners leave their lines at
 *   once (O(1)).
 * - `unfinished` = items the channel accepted - `taskDone` calls; `join`
 *   waits for it to reach zero, and only `taskDone` brings it there, so it
 *   wakes the joiners.
 * - Fast paths (an item ready, room in the queue) do not yield, unless the
 *   run has held the event loop too long ("Steps" in runner.ts). In a
 *   cancelled scope every blocking call rejects with `Cancelled` and does
 *   nothing (the rule of waiter-queue.ts).
 *
 * Costs: put/get/taskDone O(1) (O(log n) for `PriorityQueue`, whose heap
 * keeps a sequence number beside each item, in a parallel array); a call
 * that need not wait allocates no waiter (`get` returns one resolved promise
 * holding the item).
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { UsageError, WouldBlock } from "../core/errors.ts";
import { checkContext, describeValue } from "../core/validate.ts";
import { block, type BlockingOp, completed, MUST_WAIT, QueuedWaiter, WaiterQueue } from "../core/waiter-queue.ts";
import { Channel, type ChannelBuffer } from "../streams/channel.ts";

const PUT: BlockingOp<Channel<unknown>, unknown, void> = {
  name: "Queue.put",
  now: (channel, _cx, item) => (channel.offer(item) ? undefined : MUST_WAIT),
  enqueue: (channel, _cx, item) => channel.waitToSend(item),
};

const GET: BlockingOp<Channel<unknown>, void, unknown> = {
  name: "Queue.get",
  now: (channel) => (channel.ready() ? channel.take() : MUST_WAIT),
  enqueue: (channel) => channel.waitToReceive(),
};

/** What `join` needs of a queue, whatever its item type. */
interface Joinable {
  _unfinished(): number;
  readonly _joiners: WaiterQueue<void>;
}

const JOIN: BlockingOp<Joinable, void, void> = {
  name: "Queue.join",
  now: (queue) => (queue._unfinished() === 0 ? undefined : MUST_WAIT),
  enqueue(queue) {
    const waiter = new QueuedWaiter<void>();
    queue._joiners.push(waiter);
    return waiter;
  },
};

/**
 * What {@link Queue.statistics} reports.
 *
 * @example
 * ```ts
 * const { size, unfinished, waitingGet, waitingPut } = queue.statistics();
 * ```
 */
export interface QueueStatistics {
  /** Items in the queue. */
  readonly size: number;
  /** The maximum size (`Infinity` if unbounded). */
  readonly maxSize: number;
  /** Items put and not yet marked done with `taskDone()`. */
  readonly unfinished: number;
  /** Tasks blocked in `get`. */
  readonly waitingGet: number;
  /** Tasks blocked in `put`. */
  readonly waitingPut: number;
}

/**
 * A FIFO queue with an optional maximum size, as in asyncio.
 *
 * @example Workers draining a queue
 * ```ts
 * import { Queue, run } from "skein";
 * await run(async (cx) => {
 *   const queue = new Queue<string>(10);
 *   await cx.taskGroup(async (tg, cx) => {
 *     for (let w = 0; w < 3; w++)
 *       tg.startSoon(async (cx) => {
 *         for (;;) {
 *           const url = await queue.get(cx);
 *           try { await cx.sleep(10); } finally { queue.taskDone(); }
 *         }
 *       });
 *     for (const url of ["a", "b", "c", "d"]) await queue.put(cx, url);
 *     await queue.join(cx); // every item processed
 *     tg.cancelScope.cancel(); // stop the workers
 *   });
 * });
 * ```
 */
export class Queue<T> {
  /** The maximum number of items; `put` waits while the queue holds this many. */
  readonly maxSize: number;
  /** @internal */ protected channel: Channel<T>;
  private done = 0;
  /** @internal */ readonly _joiners: WaiterQueue<void> = new WaiterQueue();

  /**
   * @param maxSize a whole number >= 1, or `Infinity` (the default) for an
   *   unbounded queue. (asyncio's `maxsize=0` is written `Infinity` here.)
   * @throws {@link !RangeError} for any other value.
   */
  constructor(maxSize: number = Infinity) {
    if (typeof maxSize !== "number") throw new TypeError(`maxSize must be a number, got ${describeValue(maxSize)}`);
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= 1))) {
      throw new RangeError(`maxSize must be a whole number >= 1 or Infinity, got ${maxSize}`);
    }
    this.maxSize = maxSize;
    this.channel = new Channel<T>(maxSize);
  }

  /** Number of items in the queue. */
  get size(): number {
    return this.channel.buffer.length;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this.size === 0;
  }

  /** Whether the queue holds `maxSize` items. */
  full(): boolean {
    return this.size >= this.maxSize;
  }

  /**
   * Adds `item`, waiting while the queue is full. A checkpoint when it has to
   * wait; if cancelled while waiting, the item was not added.
   *
   * @example
   * ```ts
   * await queue.put(cx, job);
   * ```
   */
  put(cx: Context, item: T): Promise<void> {
    checkContext(cx, "Queue.put");
    const channel = this.channel;
    // The fast path of `block`, inlined (no op call, no try): not cancelled,
    // and the item accepted at once. Otherwise `block` does it all again.
    if (cx.cancelScope._origin === null && channel.offer(item)) return completed(cx, undefined);
    return block(PUT as BlockingOp<Channel<T>, T, void>, channel, cx, item);
  }

  /**
   * Adds `item` now.
   *
   * @throws {@link WouldBlock} if the queue is full.
   * @example
   * ```ts
   * try { queue.putNowait(job); } catch (e) { if (e instanceof WouldBlock) dropped++; }
   * ```
   */
  putNowait(item: T): void {
    if (!this.channel.offer(item)) throw new WouldBlock("the queue is full");
  }

  /**
   * Takes the oldest item, waiting while the queue is empty. A checkpoint
   * when it has to wait; if cancelled while waiting, it took nothing.
   *
   * @example
   * ```ts
   * const job = await queue.get(cx);
   * ```
   */
  get(cx: Context): Promise<T> {
    checkContext(cx, "Queue.get");
    const channel = this.channel;
    // The fast path of `block`, inlined: not cancelled, and an item ready.
    if (cx.cancelScope._origin === null && channel.ready()) return completed(cx, channel.take());
    return block(GET as BlockingOp<Channel<T>, void, T>, channel, cx, undefined);
  }

  /**
   * Takes the oldest item now.
   *
   * @throws {@link WouldBlock} if the queue is empty.
   * @example
   * ```ts
   * const next = queue.getNowait();
   * ```
   */
  getNowait(): T {
    if (!this.channel.ready()) throw new WouldBlock("the queue is empty");
    return this.channel.take();
  }

  /**
   * Marks one item taken with `get` as processed; `join` returns once every
   * item put has been marked.
   *
   * @throws {@link UsageError} if called more times than items were put.
   * @example
   * ```ts
   * const job = await queue.get(cx);
   * try { await handle(cx, job); } finally { queue.taskDone(); }
   * ```
   */
  taskDone(): void {
    if (this._unfinished() === 0) throw new UsageError("taskDone() called more times than items were put");
    this.done++;
    if (this._unfinished() === 0) this._joiners.wakeAll();
  }

  /**
   * Waits until every item put has been marked with `taskDone()`. A
   * checkpoint when it has to wait.
   *
   * @example
   * ```ts
   * await queue.join(cx);
   * ```
   */
  join(cx: Context): Promise<void> {
    checkContext(cx, "Queue.join");
    return block(JOIN, this, cx, undefined);
  }

  /**
   * Counts of items and blocked tasks.
   *
   * @example
   * ```ts
   * console.log(queue.statistics().waitingGet);
   * ```
   */
  statistics(): QueueStatistics {
    return {
      size: this.size,
      maxSize: this.maxSize,
      unfinished: this._unfinished(),
      waitingGet: this.channel.receivers.size,
      waitingPut: this.channel.senders.size,
    };
  }

  /** @internal Items put and not yet marked done. */
  _unfinished(): number {
    return this.channel.accepted - this.done;
  }
}

/**
 * A binary min-heap by `compare`, ties broken by insertion order. The
 * sequence numbers live in a parallel array, so a push allocates nothing
 * beyond the arrays' growth.
 */
class Heap<T> implements ChannelBuffer<T> {
  private items: T[] = [];
  private seqs: number[] = [];
  private seq = 0;
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get length(): number {
    return this.items.length;
  }

  private before(i: number, j: number): boolean {
    const c = this.compare(this.items[i] as T, this.items[j] as T);
    return c < 0 || (c === 0 && (this.seqs[i] as number) < (this.seqs[j] as number));
  }

  private swap(i: number, j: number): void {
    const item = this.items[i] as T;
    this.items[i] = this.items[j] as T;
    this.items[j] = item;
    const seq = this.seqs[i] as number;
    this.seqs[i] = this.seqs[j] as number;
    this.seqs[j] = seq;
  }

  push(item: T): void {
    let i = this.items.length;
    this.items.push(item);
    this.seqs.push(this.seq++);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  shift(): T {
    const top = this.items[0] as T;
    const last = this.items.length - 1;
    this.swap(0, last);
    this.items.pop();
    this.seqs.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.before(right, left) ? right : left;
      if (!this.before(child, i)) break;
      this.swap(i, child);
      i = child;
    }
    return top;
  }

  clear(): void {
    this.items = [];
    this.seqs = [];
  }
}

/** A stack: `shift` takes the newest item. */
class Stack<T> implements ChannelBuffer<T> {
  private items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    return this.items.pop() as T;
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * asyncio's `PriorityQueue`: a {@link Queue} whose `get` takes the smallest
 * item by `compare` (negative when `a` comes first, as for `Array.sort`);
 * equal items leave in the order they were put. Everything else (`maxSize`,
 * `taskDone`/`join`, cancellation) is the queue's.
 *
 * @example
 * ```ts
 * import { PriorityQueue, run } from "skein";
 * await run(async (cx) => {
 *   const jobs = new PriorityQueue<{ priority: number; name: string }>((a, b) => a.priority - b.priority);
 *   await jobs.put(cx, { priority: 2, name: "later" });
 *   await jobs.put(cx, { priority: 1, name: "first" });
 *   console.log((await jobs.get(cx)).name); // "first"
 * });
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * @param compare orders the items: negative if `a` leaves before `b`.
   * @param maxSize as for {@link Queue}.
   * @throws {@link !TypeError} if `compare` is not a function.
   * @throws {@link !RangeError} for a `maxSize` `Queue` refuses.
   */
  constructor(compare: (a: T, b: T) => number, maxSize: number = Infinity) {
    if (typeof compare !== "function") {
      throw new TypeError(`compare must be a function, got ${describeValue(compare)}`);
    }
    super(maxSize);
    this.channel = new Channel<T>(this.maxSize, new Heap(compare));
  }
}

/**
 * asyncio's `LifoQueue`: a {@link Queue} whose `get` takes the newest item.
 *
 * @example
 * ```ts
 * import { LifoQueue, run } from "skein";
 * await run(async (cx) => {
 *   const stack = new LifoQueue<string>();
 *   await stack.put(cx, "a");
 *   await stack.put(cx, "b");
 *   console.log(await stack.get(cx)); // "b"
 * });
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /**
   * @param maxSize as for {@link Queue}.
   * @throws {@link !RangeError} for a `maxSize` `Queue` refuses.
   */
  constructor(maxSize: number = Infinity) {
    super(maxSize);
    this.channel = new Channel<T>(this.maxSize, new Stack<T>());
  }
}
