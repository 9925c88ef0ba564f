/**
 * The error classes Skein throws. Every one is a class, so `instanceof` works,
 * and every one sets `name` so logs say what happened.
 *
 * - {@link Cancelled}: thrown at a checkpoint inside a cancelled scope. Let it
 *   propagate: the scope that caused it absorbs it.
 * - {@link TimeoutError}: thrown by `failAfter`/`failAt` when the deadline hit.
 * - {@link TaskGroupError}: several tasks of one group failed.
 * - {@link ClosedResourceError}: you used something you (or its owner) closed.
 * - {@link UsageError}: the API was used in a way it does not allow.
 *
 * Bad arguments get the built-in `TypeError` or `RangeError`, naming the
 * argument and the value.
 *
 * @module
 */

import type { CancelScope } from "./cancel-scope.ts";

/**
 * The base class of Skein's own errors (all but `TypeError`/`RangeError`).
 *
 * @example
 * ```ts
 * import { SkeinError } from "skein";
 * try {
 *   // ...
 * } catch (error) {
 *   if (error instanceof SkeinError) console.log("from Skein:", error.name);
 * }
 * ```
 */
export class SkeinError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SkeinError";
  }
}

/**
 * Thrown at a checkpoint (`sleep`, `checkpoint`, any blocking Skein call)
 * when the enclosing cancel scope has been cancelled. Cancellation is
 * level-triggered: until the cancelled scope exits, every checkpoint inside it
 * throws again, so swallowing a `Cancelled` only postpones it.
 *
 * Do not catch it to ignore it; use `finally` for clean-up, or rethrow.
 * The scope that was cancelled ({@link Cancelled.scope}) absorbs it when it
 * propagates out of that scope.
 *
 * It has no public constructor (as trio's): only Skein raises it, for a
 * scope it knows. `new Cancelled()` throws a `TypeError`; to cancel, call
 * `cx.cancelScope.cancel()` (or run the code under `moveOnAfter`).
 *
 * @example
 * ```ts
 * import { run, Cancelled } from "skein";
 * await run(async (cx) => {
 *   await cx.moveOnAfter(10, async (cx) => {
 *     try {
 *       await cx.sleep(1000);
 *     } catch (error) {
 *       console.log(error instanceof Cancelled); // true
 *       throw error; // let the scope absorb it
 *     }
 *   });
 * });
 * ```
 */
export class Cancelled extends SkeinError {
  /** @internal */ declare _reason: string | undefined;
  /** @internal */ declare _scope: CancelScope | undefined;
  /**
   * Not for user code: throws a `TypeError` (Skein makes every Cancelled).
   * Public only so `Cancelled` fits where a class of errors is expected
   * (`expect(...).rejects.toThrow(Cancelled)`).
   *
   * @throws {@link !TypeError} always, when called from outside Skein.
   */
  constructor(reason?: string, scope?: CancelScope) {
    if (!making) {
      throw new TypeError("Cancelled has no public constructor; to cancel, call cx.cancelScope.cancel()");
    }
    making = false;
    super(reason === undefined ? "cancelled" : `cancelled: ${reason}`);
    this.name = "Cancelled";
    this._reason = reason;
    this._scope = scope;
  }

  /** The reason given to `cancel(reason)` of {@link Cancelled.scope}, or a description of its deadline. */
  get reason(): string | undefined {
    return this._reason;
  }

  /**
   * The cancel scope whose cancellation this is: the outermost cancelled
   * scope visible from where it was raised. If a scope further out is
   * cancelled while the error propagates, the error is carried on to that one
   * and this is updated as it leaves each scope. The scope named here absorbs
   * it.
   */
  get scope(): CancelScope | undefined {
    return this._scope;
  }

  /** @internal The one way to make a Cancelled (the constructor refuses other callers). */
  static _make(reason?: string, scope?: CancelScope): Cancelled {
    making = true;
    return new Cancelled(reason, scope);
  }
}

/** Set by `Cancelled._make` for the one construction it does. */
let making = false;

/**
 * Thrown by `failAfter` / `failAt` (and `waitFor`) when the deadline passed
 * before the body finished. The body was cancelled first; its `finally`
 * blocks have run.
 *
 * @example
 * ```ts
 * import { run, TimeoutError } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await cx.failAfter(10, (cx) => cx.sleep(1000));
 *   } catch (error) {
 *     console.log(error instanceof TimeoutError); // true
 *   }
 * });
 * ```
 */
export class TimeoutError extends SkeinError {
  constructor(message = "deadline exceeded", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * Thrown by a task group when more than one of its tasks (or its body)
 * failed. `errors` holds every error, unchanged (stack and `cause` intact),
 * in the order they happened. A group with exactly one failure throws that
 * error itself, not a wrapper: see {@link TaskGroup}.
 *
 * @example
 * ```ts
 * import { run, TaskGroupError } from "skein";
 * try {
 *   await run((cx) =>
 *     cx.taskGroup(async (tg) => {
 *       tg.startSoon(async () => { throw new Error("a"); });
 *       tg.startSoon(async () => { throw new Error("b"); });
 *     })
 *   );
 * } catch (error) {
 *   if (error instanceof TaskGroupError) console.log(error.errors.length); // 2
 * }
 * ```
 */
export class TaskGroupError extends AggregateError {
  constructor(errors: readonly unknown[], message?: string) {
    super(errors, message ?? describeErrors(errors));
    this.name = "TaskGroupError";
  }
}

/** The default message of a {@link TaskGroupError}: how many errors, and each one's name and message. */
function describeErrors(errors: readonly unknown[]): string {
  const parts = errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
  return `${errors.length} errors in task group: ${parts.join("; ")}`;
}

/**
 * Thrown when you use a resource that has been closed: a task group that has
 * exited, a stream end you closed, and so on.
 *
 * @example
 * ```ts
 * import { run, ClosedResourceError, type TaskGroup } from "skein";
 * await run(async (cx) => {
 *   let saved!: TaskGroup;
 *   await cx.taskGroup(async (tg) => { saved = tg; });
 *   try {
 *     saved.startSoon(async () => {});
 *   } catch (error) {
 *     console.log(error instanceof ClosedResourceError); // true
 *   }
 * });
 * ```
 */
export class ClosedResourceError extends SkeinError {
  constructor(message = "the resource is closed", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClosedResourceError";
  }
}

/**
 * Thrown when the API is used in a way it does not allow, for example
 * calling `cx.started()` twice, entering a cancel scope twice, or a task
 * started with `tg.start` ending before it called `cx.started()`.
 *
 * @example
 * ```ts
 * import { run, UsageError } from "skein";
 * await run((cx) =>
 *   cx.taskGroup(async (tg) => {
 *     await tg.start(cx, async () => {}).catch((error) => {
 *       console.log(error instanceof UsageError); // true: never called started()
 *     });
 *   })
 * );
 * ```
 */
export class UsageError extends SkeinError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Thrown by a non-blocking call (`acquireNowait`, `sendNowait`,
 * `receiveNowait`, ...) that would have had to wait.
 *
 * @example
 * ```ts
 * import { WouldBlock } from "skein";
 * try {
 *   lock.acquireNowait(cx);
 * } catch (error) {
 *   if (error instanceof WouldBlock) console.log("busy");
 * }
 * ```
 */
export class WouldBlock extends SkeinError {
  constructor(message = "the operation would block") {
    super(message);
    this.name = "WouldBlock";
  }
}

/**
 * Thrown when the other side of a resource has gone: sending on a memory
 * object stream whose every receive end is closed, for example.
 *
 * @example
 * ```ts
 * import { BrokenResourceError } from "skein";
 * try {
 *   await send.send(cx, item);
 * } catch (error) {
 *   if (error instanceof BrokenResourceError) console.log("nobody is listening");
 * }
 * ```
 */
export class BrokenResourceError extends SkeinError {
  constructor(message = "the resource is broken: its other end was closed", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokenResourceError";
  }
}

/**
 * Thrown by `receive` when a stream has ended: every send end is closed and
 * the buffer is drained. `for await` loops end quietly instead.
 *
 * @example
 * ```ts
 * import { EndOfStream } from "skein";
 * try {
 *   await receive.receive(cx);
 * } catch (error) {
 *   if (error instanceof EndOfStream) console.log("done");
 * }
 * ```
 */
export class EndOfStream extends SkeinError {
  constructor(message = "end of stream: every sender has closed", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EndOfStream";
  }
}

/**
 * Thrown when a feature is not available on the current runtime, for example
 * worker threads with an adapter that has none. The conformance suite checks
 * that each runtime raises it for exactly what it lacks.
 *
 * @example
 * ```ts
 * import { toThread, UnsupportedError } from "skein";
 * try {
 *   await toThread(cx, math, "fib", 30);
 * } catch (error) {
 *   if (error instanceof UnsupportedError) await workInline(cx);
 * }
 * ```
 */
export class UnsupportedError extends SkeinError {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedError";
  }
}

/**
 * Thrown by `toThread` when the worker running the call died: an uncaught
 * error outside the call, `process.exit`, running out of memory, or being
 * terminated after ignoring cancellation. The pool replaces the worker.
 *
 * @example
 * ```ts
 * import { toThread, WorkerCrashedError } from "skein";
 * try {
 *   await toThread(cx, math, "sum", 1e9);
 * } catch (error) {
 *   if (error instanceof WorkerCrashedError) console.log(error.message, error.cause);
 * }
 * ```
 */
export class WorkerCrashedError extends SkeinError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkerCrashedError";
  }
}

/**
 * Thrown when a resource that only one task may use at a time is used by a
 * second one (see `ResourceGuard`): two tasks receiving from one byte stream,
 * for example.
 *
 * @example
 * ```ts
 * import { BusyResourceError } from "skein";
 * try {
 *   await guard.use(cx, (cx) => read(cx));
 * } catch (error) {
 *   if (error instanceof BusyResourceError) console.log(error.message);
 * }
 * ```
 */
export class BusyResourceError extends SkeinError {
  constructor(message: string) {
    super(message);
    this.name = "BusyResourceError";
  }
}

/**
 * Thrown by `handle.result(cx)` when the task threw. The task's own error is
 * the `cause`; the error itself went to the task's group (so it is reported
 * once, there).
 *
 * @example
 * ```ts
 * import { TaskFailedError } from "skein";
 * try {
 *   await handle.result(cx);
 * } catch (e) {
 *   if (e instanceof TaskFailedError) console.log("it failed with", e.cause);
 * }
 * ```
 */
export class TaskFailedError extends SkeinError {
  constructor(message = "the task failed", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TaskFailedError";
  }
}

/**
 * Thrown by `handle.result(cx)` when the task was cancelled (by
 * `handle.cancel()` or by its group's cancellation).
 *
 * @example
 * ```ts
 * import { TaskCancelledError } from "skein";
 * handle.cancel();
 * await handle.result(cx).catch((e: unknown) => console.log(e instanceof TaskCancelledError)); // true
 * ```
 */
export class TaskCancelledError extends SkeinError {
  constructor(message = "the task was cancelled") {
    super(message);
    this.name = "TaskCancelledError";
  }
}

/**
 * Thrown by `BufferedByteReceiveStream.receiveExactly` and `receiveUntil`
 * (anyio's `IncompleteRead`) when the stream ended before the whole frame
 * arrived. The bytes that did arrive stay in the stream's buffer; the
 * `EndOfStream` is the `cause`.
 *
 * @example
 * ```ts
 * import { IncompleteRead } from "skein";
 * try {
 *   await buffered.receiveExactly(cx, 4);
 * } catch (error) {
 *   if (error instanceof IncompleteRead) console.log("truncated:", buffered.buffer.length, "bytes left");
 * }
 * ```
 */
export class IncompleteRead extends SkeinError {
  constructor(message = "the stream ended before the whole frame arrived", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IncompleteRead";
  }
}

/**
 * Thrown by `BufferedByteReceiveStream.receiveUntil` (anyio's
 * `DelimiterNotFound`) when the delimiter was not found within `maxBytes`
 * bytes. The bytes read stay in the stream's buffer.
 *
 * @example
 * ```ts
 * import { DelimiterNotFound } from "skein";
 * try {
 *   await buffered.receiveUntil(cx, new Uint8Array([10]), 1024);
 * } catch (error) {
 *   if (error instanceof DelimiterNotFound) console.log("line too long");
 * }
 * ```
 */
export class DelimiterNotFound extends SkeinError {
  constructor(message: string) {
    super(message);
    this.name = "DelimiterNotFound";
  }
}
