/**
 * The two ways to hold something acquired from a primitive (a lock, a
 * permit, a token): a callback (`withLock(cx, body)`) and a disposable
 * handle (`await using _ = await lock.hold(cx)`). Both release exactly once,
 * however the holder ends.
 *
 * @internal
 * @module
 */

import type { Context } from "../core/context.ts";
import { checkFunction } from "../core/validate.ts";

/** Acquires, runs `body`, releases. @internal */
export async function runHolding<T>(
  cx: Context,
  body: (cx: Context) => T | PromiseLike<T>,
  acquire: (cx: Context) => Promise<void>,
  release: () => void,
): Promise<T> {
  checkFunction("body", body);
  await acquire(cx);
  try {
    return await body(cx);
  } finally {
    release();
  }
}

/** Acquires, then returns a handle whose disposal releases (once). @internal */
export async function holdHandle(
  cx: Context,
  acquire: (cx: Context) => Promise<void>,
  release: () => void,
): Promise<AsyncDisposable> {
  await acquire(cx);
  let released = false;
  return {
    [Symbol.asyncDispose]: async () => {
      if (released) return;
      released = true;
      release();
    },
  };
}
