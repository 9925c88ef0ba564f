/**
 * Memory object streams: anyio's channels between tasks.
 *
 * `createMemoryObjectStream<T>(maxBufferSize)` returns a send end and a
 * receive end sharing one state: a {@link Channel} (a buffer of at most
 * `maxBufferSize` items, 0: rendezvous, every `send` waits for a receiver;
 * `Infinity`: never waits; and the tasks blocked on either side), plus how
 * many clones of each end are open. The channel moves the items and keeps
 * "nothing lost, nothing delivered twice" (see channel.ts); this module adds
 * closing and cloning. The ends implement `ObjectSendStream` and
 * `ObjectReceiveStream` (object-stream.ts), so wrappers written against
 * those take them.
 *
 * Invariants:
 * - Items are received in the order they were sent; blocked senders and
 *   receivers are served first-come, first-served.
 * - A `send` that returns normally delivered its item (to a receiver or the
 *   buffer); one that throws `Cancelled` did not, and the item is not in the
 *   stream. A `receive` cancelled while waiting took nothing, and left the
 *   line at once.
 * - Closing: once every send clone is closed and the buffer is drained,
 *   receivers get `EndOfStream` (and `for await` ends); once every receive
 *   clone is closed, senders get `BrokenResourceError` and the buffer is
 *   dropped. Using an end you closed is a `ClosedResourceError`, thrown at
 *   the call; every other outcome, `Cancelled` included, comes through the
 *   promise (the rule of waiter-queue.ts).
 *
 * `send` and `receive` are checkpoints. When they need not wait they do not
 * yield (they only reject with `Cancelled` in a cancelled scope), which
 * keeps a producer/consumer pair fast, unlike trio's and anyio's, which
 * always yield; only once the run has held the event loop for about a
 * millisecond do they wait for the next macrotask ("Steps" in runner.ts),
 * so timers, I/O and other tasks still get their turn. With a buffer, a receiver woken by a `send` gets its item at
 * once but resumes a few microtask turns later, after the sender's next
 * step (see channel.ts), so a fast producer and consumer settle into taking
 * turns through the buffer without waiting.
 *
 * Costs: a `send` or `receive` that need not wait is O(1) and allocates
 * no waiter: a `send` returns the shared resolved promise, a `receive` one
 * resolved promise holding the item; one that waits allocates the promise it
 * parks on, and its waiter only when the channel has no spare one (see
 * channel.ts). Both do what `block` (waiter-queue.ts) does inline, when not
 * cancelled and not instrumented. A step of `iterate(cx)` costs what a
 * `receive` does plus its `{ done, value }` result (the iterator keeps its
 * own spare waiter): it is not an async generator (which cost five more
 * promises and an await per item).
 *
 * @module
 */

import type { CancelScope } from "../core/cancel-scope.ts";
import type { Context } from "../core/context.ts";
import { BrokenResourceError, ClosedResourceError, EndOfStream, WouldBlock } from "../core/errors.ts";
import { CONTEXT, checkContext, describeValue, refuseAsyncIteration } from "../core/validate.ts";
import type { Waiter } from "../core/waiter.ts";
import { block, type BlockingOp, completed, MUST_WAIT } from "../core/waiter-queue.ts";
import { Channel, failOwnedBy, ReceiveWaiter } from "./channel.ts";
import type { ObjectReceiveStream, ObjectSendStream } from "./object-stream.ts";

class StreamState<T> extends Channel<T> {
  openSend = 1;
  openReceive = 1;

  statistics(): MemoryObjectStreamStatistics {
    return {
      currentBufferUsed: this.buffer.length,
      maxBufferSize: this.maxBufferSize,
      openSendStreams: this.openSend,
      openReceiveStreams: this.openReceive,
      tasksWaitingSend: this.senders.size,
      tasksWaitingReceive: this.receivers.size,
    };
  }
}

const SEND: BlockingOp<MemoryObjectSendStream<unknown>, unknown, void> = {
  name: "MemoryObjectSendStream.send",
  now(end, _cx, item) {
    const state = end._state;
    if (state.openReceive === 0) throw brokenError();
    return state.offer(item) ? undefined : MUST_WAIT;
  },
  enqueue: (end, _cx, item) => end._state.waitToSend(item, end),
};

const RECEIVE: BlockingOp<MemoryObjectReceiveStream<unknown>, void, unknown> = {
  name: "MemoryObjectReceiveStream.receive",
  now(end) {
    const state = end._state;
    if (state.ready()) return state.take();
    if (state.openSend === 0) throw new EndOfStream();
    return MUST_WAIT;
  },
  enqueue: (end) => end._state.waitToReceive(end),
};

/** What a step of `iterate(cx)` gives at the end of the stream (one shared, frozen result). */
const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A step of `iterate(cx)` is a `receive` whose result comes wrapped as an
 * iterator result: its own blocking op, so the wrapping costs no promise.
 */
const NEXT: BlockingOp<StreamState<unknown>, StreamIterator<unknown>, IteratorResult<unknown, undefined>> = {
  name: "MemoryObjectReceiveStream.receive",
  now(state, _cx, iterator) {
    if (state.ready()) return { done: false, value: state.take() };
    if (state.openSend === 0) {
      iterator.finished = true;
      return END;
    }
    return MUST_WAIT;
  },
  enqueue: (state, _cx, iterator) =>
    iterator.waitToReceive(state) as Waiter<unknown> as Waiter<IteratorResult<unknown, undefined>>,
};

/**
 * A parked step of `iterate(cx)`. It sits in the channel's line of
 * receivers like any receiver (the channel wakes it with the item), and
 * settles its promise with the iterator result instead: the item wrapped,
 * `END` for `EndOfStream`. An error or a cancellation finishes the
 * iteration, as it would an async generator's.
 */
class NextWaiter<T> extends ReceiveWaiter<T> {
  constructor(readonly iterator: StreamIterator<T>) {
    super(iterator.stream);
  }

  /** Only the channel wakes it (`offer`), after which it is in no queue and no scope: the iterator keeps it for its next step. */
  override wake(item: T): boolean {
    if (!super.wake({ done: false, value: item } as IteratorResult<T, undefined> as T)) return false;
    this.iterator.spare = this;
    return true;
  }

  override wakeSoon(item: T): boolean {
    const result = Promise.resolve({ done: false, value: item } as IteratorResult<T, undefined>);
    if (!super.wake(result as unknown as T)) return false;
    this.iterator.spare = this;
    return true;
  }

  override fail(error: unknown): boolean {
    if (this.settled) return false;
    this.iterator.finished = true;
    return error instanceof EndOfStream ? super.wake(END as T) : super.fail(error);
  }

  override cancelWith(origin: CancelScope): void {
    if (!this.settled) this.iterator.finished = true;
    super.cancelWith(origin);
  }
}

/**
 * What `iterate(cx)` returns: each `next()` is one receive in `cx`, whose
 * promise is the one `next()` returns (no async generator frame, no
 * promise per step beyond that one). Like an async generator's, the
 * iteration is finished (every later `next()` is done) after the end of the
 * stream, an error, a cancellation or `return()`.
 */
class StreamIterator<T> implements AsyncIterableIterator<T, undefined> {
  finished = false;
  /** A step's waiter the channel woke, parked again by the next step that waits. */
  spare: NextWaiter<T> | null = null;

  constructor(
    readonly stream: MemoryObjectReceiveStream<T>,
    readonly cx: Context,
  ) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.finished) return Promise.resolve(END);
    return this.stream._next(this);
  }

  /** Queues a waiter for one step in the channel's line of receivers (the caller parks it at once). */
  waitToReceive(state: StreamState<T>): NextWaiter<T> {
    let waiter = this.spare;
    if (waiter === null) waiter = new NextWaiter(this);
    else this.spare = null;
    state.receivers.push(waiter);
    return waiter;
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finished = true;
    return Promise.resolve(END);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function sendClosedError(): ClosedResourceError {
  return new ClosedResourceError("this send stream was closed while sending");
}

function receiveClosedError(): ClosedResourceError {
  return new ClosedResourceError("this receive stream was closed while receiving");
}

function brokenError(): BrokenResourceError {
  return new BrokenResourceError("every receive stream is closed");
}

/**
 * What `statistics()` reports on either end.
 *
 * @example
 * ```ts
 * const { currentBufferUsed, tasksWaitingReceive } = receive.statistics();
 * ```
 */
export interface MemoryObjectStreamStatistics {
  /** Items in the buffer. */
  readonly currentBufferUsed: number;
  /** The buffer's capacity. */
  readonly maxBufferSize: number;
  /** Open clones of the send end. */
  readonly openSendStreams: number;
  /** Open clones of the receive end. */
  readonly openReceiveStreams: number;
  /** Tasks blocked in `send`. */
  readonly tasksWaitingSend: number;
  /** Tasks blocked in `receive`. */
  readonly tasksWaitingReceive: number;
}

/**
 * What both ends of a memory object stream share: closing (also through
 * `using` / `await using`) and statistics.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<number>(1);
 * for (const end of [send, receive]) console.log(end.statistics().openSendStreams);
 * ```
 */
export abstract class MemoryObjectStreamEnd<T> {
  /** @internal */ protected closed = false;
  /** @internal */ readonly _state: StreamState<T>;

  /** @internal Use {@link createMemoryObjectStream}. */
  constructor(state: StreamState<T>) {
    this._state = state;
  }

  /**
   * Closes this end (idempotent); see each end for what closing the last one does.
   *
   * @example
   * ```ts
   * send.close();
   * ```
   */
  abstract close(): void;

  /** Closes this end; for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Closes this end; for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Buffer use, open ends and blocked tasks.
   *
   * @example
   * ```ts
   * send.statistics().tasksWaitingSend;
   * ```
   */
  statistics(): MemoryObjectStreamStatistics {
    return this._state.statistics();
  }
}

/**
 * The sending end of a memory object stream.
 *
 * @example
 * ```ts
 * const [send, receive] = createMemoryObjectStream<string>(10);
 * await send.send(cx, "hello");
 * send.close(); // receivers see the end of the stream once drained
 * ```
 */
export class MemoryObjectSendStream<T> extends MemoryObjectStreamEnd<T> implements ObjectSendStream<T> {
  /**
   * Sends `item`, waiting while the buffer is full (with a buffer of 0,
   * until a receiver takes it). A checkpoint. Returning normally means the
   * item was delivered; `Cancelled` means it was not.
   *
   * @throws {@link ClosedResourceError} (synchronously) if this end is closed.
   * @throws {@link BrokenResourceError} (through the promise) if every receive end
   *   is closed, or becomes closed while it waits.
   * @example
   * ```ts
   * for (const job of jobs) await send.send(cx, job);
   * ```
   */
  send(cx: Context, item: T): Promise<void> {
    // What `block` would do, inlined (no op call, no try) when not
    // cancelled, not broken, and not instrumented: the item accepted at
    // once, or the sender parked. Everything else (misuse, a cancelled
    // scope, a broken stream, instruments) goes to `_sendSlow`, which does
    // it all again in the rule's order. Kept small for JSC: with the misuse
    // checks and `block` in line, a buffered send + receive pair ran about
    // 1830 instructions on Bun, about 890 without (valgrind; CPU time on a
    // loaded machine did not move measurably, see bench/stream.ts).
    if (cx?.[CONTEXT] === true && !this.closed) {
      const state = this._state;
      const scope = cx.cancelScope;
      if (scope._origin === null && state.openReceive !== 0) {
        if (state.offer(item)) return completed(cx, undefined);
        if (cx._task.runner.instruments === null) return state.waitToSend(item, this).park(scope);
      }
    }
    return this._sendSlow(cx, item);
  }

  /** @internal `send` by the rule (see waiter-queue.ts), when its fast path does not apply. */
  _sendSlow(cx: Context, item: T): Promise<void> {
    checkContext(cx, "MemoryObjectSendStream.send");
    if (this.closed) throw new ClosedResourceError("this send stream is closed");
    return block(SEND as BlockingOp<MemoryObjectSendStream<T>, T, void>, this, cx, item);
  }

  /**
   * Sends `item` if that needs no waiting.
   *
   * @throws {@link WouldBlock} if the buffer is full and no receiver waits.
   * @throws {@link ClosedResourceError} or {@link BrokenResourceError} as for `send`.
   * @example
   * ```ts
   * try { send.sendNowait(item); } catch (e) { if (e instanceof WouldBlock) dropped++; }
   * ```
   */
  sendNowait(item: T): void {
    if (this.closed) throw new ClosedResourceError("this send stream is closed");
    if (this._state.openReceive === 0) throw brokenError();
    if (!this._state.offer(item)) throw new WouldBlock("the stream's buffer is full and no receiver is waiting");
  }

  /**
   * Another send end on the same stream; the stream ends for receivers only
   * when every clone is closed.
   *
   * @throws {@link ClosedResourceError} if this end is closed.
   * @example
   * ```ts
   * tg.startSoon(producer, send.clone());
   * ```
   */
  clone(): MemoryObjectSendStream<T> {
    if (this.closed) throw new ClosedResourceError("this send stream is closed");
    this._state.openSend++;
    return new MemoryObjectSendStream(this._state);
  }

  /**
   * Closes this end (idempotent). Tasks blocked in `send` on it wake with
   * `ClosedResourceError` (their items were not sent), as in trio. When it
   * was the last open send end, waiting receivers get `EndOfStream` once
   * the buffer is drained.
   *
   * @example
   * ```ts
   * try { for (const x of xs) await send.send(cx, x); } finally { send.close(); }
   * ```
   */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    const state = this._state;
    if (state.senders.size > 0) failOwnedBy(state.senders, this, sendClosedError);
    if (--state.openSend === 0) {
      // The buffer is empty whenever receivers wait, so they can only end now.
      state.receivers.failAll(() => new EndOfStream());
    }
  }
}

/**
 * The receiving end of a memory object stream.
 *
 * @example
 * ```ts
 * for await (const item of receive.iterate(cx)) console.log(item);
 * // ends when every send end is closed and the buffer is drained
 * ```
 */
export class MemoryObjectReceiveStream<T> extends MemoryObjectStreamEnd<T> implements ObjectReceiveStream<T> {
  /**
   * Receives the next item, waiting while there is none. A checkpoint; if
   * cancelled while waiting, nothing was taken.
   *
   * @throws {@link EndOfStream} (through the promise) once every send end is
   *   closed and the buffer is drained.
   * @throws {@link ClosedResourceError} (synchronously) if this end is closed.
   * @example
   * ```ts
   * const job = await receive.receive(cx);
   * ```
   */
  receive(cx: Context): Promise<T> {
    // What `block` would do, inlined, when not cancelled and not
    // instrumented: an item taken at once, or the receiver parked; the
    // rest in `_receiveSlow` (kept small for JSC's inliner, as `send`).
    if (cx?.[CONTEXT] === true && !this.closed) {
      const state = this._state;
      const scope = cx.cancelScope;
      if (scope._origin === null) {
        if (state.ready()) return completed(cx, state.take());
        if (state.openSend !== 0 && cx._task.runner.instruments === null) return state.waitToReceive(this).park(scope);
      }
    }
    return this._receiveSlow(cx);
  }

  /** @internal `receive` by the rule (see waiter-queue.ts), when its fast path does not apply. */
  _receiveSlow(cx: Context): Promise<T> {
    checkContext(cx, "MemoryObjectReceiveStream.receive");
    if (this.closed) throw new ClosedResourceError("this receive stream is closed");
    return block(RECEIVE as BlockingOp<MemoryObjectReceiveStream<T>, void, T>, this, cx, undefined);
  }

  /**
   * Receives an item if one is ready.
   *
   * @throws {@link WouldBlock} if none is.
   * @throws {@link EndOfStream} or {@link ClosedResourceError} as for `receive`.
   * @example
   * ```ts
   * const next = receive.receiveNowait();
   * ```
   */
  receiveNowait(): T {
    if (this.closed) throw new ClosedResourceError("this receive stream is closed");
    const state = this._state;
    if (state.ready()) return state.take();
    if (state.openSend === 0) throw new EndOfStream();
    throw new WouldBlock("no item is ready");
  }

  /**
   * An async iterator over the items, ending quietly at the end of the
   * stream. Each step is a `receive(cx)`. This is the one way to iterate a
   * receive stream: the stream itself is not async-iterable, because every
   * receive takes the context (whose cancel scope it runs in), and
   * `for await (x of receive)` throws a `TypeError` that points here.
   *
   * @example
   * ```ts
   * for await (const line of receive.iterate(cx)) await write(cx, line);
   * ```
   */
  iterate(cx: Context): AsyncIterableIterator<T> {
    checkContext(cx, "MemoryObjectReceiveStream.iterate");
    return new StreamIterator(this, cx);
  }

  /** @internal One step of `iterate(cx)`: a `receive` whose promise holds the iterator result. */
  _next(iterator: StreamIterator<T>): Promise<IteratorResult<T, undefined>> {
    if (this.closed) {
      iterator.finished = true;
      return Promise.reject(new ClosedResourceError("this receive stream is closed"));
    }
    const cx = iterator.cx;
    const state = this._state;
    // What `block` would do, inlined, when not cancelled and not instrumented.
    const scope = cx.cancelScope;
    if (scope._origin !== null) iterator.finished = true;
    else {
      if (state.ready()) return completed(cx, { done: false, value: state.take() } as IteratorResult<T, undefined>);
      if (state.openSend !== 0 && cx._task.runner.instruments === null) {
        return iterator.waitToReceive(state).park(scope) as Promise<unknown> as Promise<IteratorResult<T, undefined>>;
      }
    }
    return block(
      NEXT as BlockingOp<StreamState<T>, StreamIterator<T>, IteratorResult<T, undefined>>,
      state,
      cx,
      iterator,
    );
  }

  /**
   * Another receive end on the same stream; senders see the stream broken
   * only when every clone is closed.
   *
   * @throws {@link ClosedResourceError} if this end is closed.
   * @example
   * ```ts
   * for (let i = 0; i < 4; i++) tg.startSoon(worker, receive.clone());
   * ```
   */
  clone(): MemoryObjectReceiveStream<T> {
    if (this.closed) throw new ClosedResourceError("this receive stream is closed");
    this._state.openReceive++;
    return new MemoryObjectReceiveStream(this._state);
  }

  /**
   * Closes this end (idempotent). Tasks blocked in `receive` (or a step of
   * `iterate`) on it wake with `ClosedResourceError`, as in trio. When it
   * was the last open receive end, the buffer is dropped and waiting
   * senders get `BrokenResourceError`.
   *
   * @example
   * ```ts
   * receive.close();
   * ```
   */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    const state = this._state;
    if (state.receivers.size > 0) failOwnedBy(state.receivers, this, receiveClosedError);
    if (--state.openReceive === 0) {
      state.buffer.clear();
      state.senders.failAll(brokenError);
    }
  }
}

/**
 * Creates a memory object stream and returns its two ends.
 *
 * @param maxBufferSize how many items may wait in the stream: 0 (the
 *   default) for rendezvous, a whole number, or `Infinity`.
 * @throws {@link !RangeError} for a negative, fractional or NaN size.
 * @example
 * ```ts
 * import { createMemoryObjectStream, run } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg, cx) => {
 *     const [send, receive] = createMemoryObjectStream<number>(100);
 *     tg.startSoon(async (cx) => {
 *       for (let i = 0; i < 3; i++) await send.send(cx, i);
 *       send.close();
 *     });
 *     for await (const n of receive.iterate(cx)) console.log(n); // 0 1 2
 *   }),
 * );
 * ```
 */
export function createMemoryObjectStream<T>(
  maxBufferSize = 0,
): [send: MemoryObjectSendStream<T>, receive: MemoryObjectReceiveStream<T>] {
  if (typeof maxBufferSize !== "number") throw new TypeError(`maxBufferSize must be a number, got ${describeValue(maxBufferSize)}`);
  if (!(maxBufferSize === Infinity || (Number.isInteger(maxBufferSize) && maxBufferSize >= 0))) {
    throw new RangeError(`maxBufferSize must be a whole number >= 0 or Infinity, got ${maxBufferSize}`);
  }
  const state = new StreamState<T>(maxBufferSize);
  return [new MemoryObjectSendStream(state), new MemoryObjectReceiveStream(state)];
}

// `for await (x of stream)` says what to write instead (the receives need cx).
refuseAsyncIteration(MemoryObjectReceiveStream.prototype, "MemoryObjectReceiveStream", "`for await (const item of stream.iterate(cx))`");
