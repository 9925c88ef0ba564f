/**
 * How a task follows its body's result on Bun (JavaScriptCore), for
 * `Adapter._follow`. On JavaScriptCore the two closures a task's follow
 * makes, and their scope, were about half the cost of spawning and joining
 * a task whose body did not block. So a body whose promise has already
 * settled when it returns (`Bun.peek.status`, about 20 ns) is followed by
 * two handlers shared by every such task instead, and any other by the
 * core's closures.
 *
 * Why the shared handlers can tell their tasks apart: `then` on a settled
 * promise queues its handler's microtask at once, and microtasks run in the
 * order they were queued. So the k-th call of the shared handlers is for
 * the k-th task followed here, whatever run it belongs to: `followed` holds
 * them in that order. Only a native promise with the native `then` takes
 * this path (a subclass or a thenable might queue its handler later). Each
 * task ends at the same microtask as with handlers of its own.
 *
 * A body still pending (a task that blocks) is followed by one closure,
 * given as both handlers, which asks the promise's state
 * (`Bun.peek.status`) to tell a failure from a return: one function fewer
 * than the core's two closures, 32 bytes less per blocked task on
 * JavaScriptCore. Again only for a native promise with the native `then`,
 * which calls one of its handlers once, after it has settled.
 *
 * Invariants: every task in `followed` from `head` on has its handler's
 * microtask queued; so the queue is empty again by the end of the
 * microtasks that follow (a plain array emptied then, not a ring).
 *
 * @internal
 * @module
 */

import { type Follow, followWithClosures, resolvePromise, type Task } from "../../src/core/task.ts";

/** `Promise.prototype.then`, taken once: a promise whose `then` is this one queues its handlers as specified. */
const nativeThen = Promise.prototype.then;

/**
 * A {@link Follow} that uses the shared handlers for a promise `isSettled`
 * says has settled (Bun: `Bun.peek.status`; a test can give its own), one
 * closure asking `isRejected` for any other native promise when given, and
 * the core's closures otherwise. One queue per follow made here.
 * @internal
 */
export function settledFollow(isSettled: (promise: Promise<unknown>) => boolean, isRejected?: (promise: Promise<unknown>) => boolean): Follow {
  const followed: (Task | undefined)[] = [];
  let head = 0;
  const next = (): Task => {
    const task = followed[head]!;
    followed[head] = undefined;
    if (++head === followed.length) followed.length = head = 0;
    return task;
  };
  const fulfilled = (value: unknown): void => next().end(false, value);
  const rejected = (error: unknown): void => next().end(true, error);
  /** One closure for both outcomes; called once `promise` has settled. */
  const followPending = (task: Task, promise: Promise<unknown>): void => {
    const end = (outcome: unknown): void => task.end(isRejected!(promise), outcome);
    void promise.then(end, end);
  };
  return (task, result) => {
    const promise = resolvePromise(result);
    if (promise.then !== nativeThen) followWithClosures(task, promise);
    else if (isSettled(promise)) {
      followed.push(task);
      void promise.then(fulfilled, rejected);
    } else if (isRejected !== undefined) followPending(task, promise);
    else followWithClosures(task, promise);
  };
}

/** `Bun.peek.status`: a promise's state, read synchronously; undefined outside Bun. */
const peekStatus = (globalThis as unknown as { Bun?: { peek?: { status?(promise: Promise<unknown>): string } } }).Bun?.peek?.status;

/** Bun's follow, where `Bun.peek.status` exists (else the core's default). @internal */
export const bunFollow: Follow | undefined =
  peekStatus === undefined
    ? undefined
    : settledFollow(
        (promise) => peekStatus(promise) !== "pending",
        (promise) => peekStatus(promise) === "rejected",
      );
