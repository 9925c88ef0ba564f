/**
 * How a file operation blocks: the one sequence every call in `src/fs`
 * goes through.
 *
 * A runtime's file call cannot be aborted half-way (Node's, Deno's and
 * OPFS's promises take no signal, and a half-done write is worse than a
 * finished one), so Skein never abandons one. The rule, the same for every
 * operation:
 *
 * 1. **Before it starts**, the operation checks for cancellation: in a
 *    cancelled scope it raises `Cancelled` and does nothing.
 * 2. **Once started it finishes**, as if shielded: a cancellation that
 *    arrives meanwhile does not interrupt it, and its result is returned.
 * 3. The cancellation is level-triggered, so `Cancelled` is raised at the
 *    next checkpoint (the next file operation, `cx.sleep`, ...).
 *
 * While it runs, the task shows as blocked on `"<operation> <path>"` in a
 * tracked run (`taskTree`, instruments). A runtime error becomes the named
 * `FileSystemError` of `errors.ts`.
 *
 * Costs: one async frame per operation; the description string is built
 * only in a tracked run. Each operation counts one of the run's steps
 * (runner.ts), so a loop of operations the runtime answers at once still
 * lets the event loop turn.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { UnsupportedError } from "../core/errors.ts";
import { blockedOn } from "../core/instrument.ts";
import { describeValue } from "../core/validate.ts";
import { step } from "../core/waiter-queue.ts";
import { fileError } from "./errors.ts";
import type { FileSupport } from "./file-support.ts";

/** The adapter's file support, or `UnsupportedError` naming `call`. @internal */
export function filesOf(cx: Context, call: string): FileSupport {
  const adapter = cx._task.runner.adapter;
  const support = adapter.files;
  if (support === undefined) throw new UnsupportedError(`${call} is not supported on the ${adapter.name} adapter: it has no file system`);
  return support;
}

/** Throws unless `value` is a non-empty string without NUL characters. @internal */
export function checkPath(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value === "") throw new TypeError(`${name} must be a non-empty string, got ${describeValue(value)}`);
  if (value.includes("\0")) throw new TypeError(`${name} must not contain NUL characters, got ${describeValue(value)}`);
}

/** Throws unless `value` is undefined or an object. @internal */
export function checkOptions(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && (value === null || typeof value !== "object")) {
    throw new TypeError(`${name} must be an object, got ${describeValue(value)}`);
  }
}

/**
 * Awaits the started runtime call `promise` (`syscall` on `path`) to the end
 * whatever happens to `cx`'s scope, as the task's blocking call; maps its
 * error. The caller checked for cancellation before starting it. @internal
 */
export async function settle<T>(cx: Context, support: FileSupport, syscall: string, path: string, promise: Promise<T>): Promise<T> {
  try {
    return await (cx._task.runner.instruments === null ? promise : blockedOn(cx, `${syscall} ${path}`, promise));
  } catch (error) {
    throw fileError(support, error, syscall, path);
  } finally {
    // One of the run's steps (runner.ts): a runtime may answer without a
    // macrotask passing (Deno and Bun list a directory at once, OPFS serves
    // a cached snapshot), and a loop of such calls must still yield.
    const wait = step(cx);
    if (wait !== undefined) await wait;
  }
}
