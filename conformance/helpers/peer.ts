// Helpers shared by the translated trio/anyio tests (conformance/tests/peer-*.test.ts; not a test file itself).
import { Cancelled, CancelScope, type Context, run } from "skein";
import { MockClock } from "skein/testing";

/** Runs `main` on a mock clock that jumps ahead whenever every task is blocked (trio's autojump_clock). */
export function vrun<T>(main: (cx: Context) => Promise<T>): Promise<T> {
  return run(main, { clock: new MockClock({ autojumpThreshold: 0 }) });
}

/** What `p` (a promise, or a function called here) rejected or threw with; an error if it did not. */
export async function errorOf(p: PromiseLike<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

/** For a line the test must never reach (the peers' `pytest.fail`). */
export const fail = (what: string): never => {
  throw new Error(`execution should not reach this point: ${what}`);
};

/** A task that sleeps until cancelled. */
export const sleepForever = (cx: Context): Promise<void> => cx.sleepForever();

/**
 * Whether `call` let another task run (a schedule point), and what it
 * returned. A watcher task waits at `cx.checkpoint()` (the run's tick) before
 * `call` starts: a call that yields to the tick lets the watcher run (at the
 * latest a few microtasks after the call returns); a call that settles on
 * microtasks alone never does, since no tick can pass in between. A
 * checkpoint first gives the call a fresh tick, so the run's ~1 ms hold (see
 * "Steps" in runner.ts) cannot make a quick call yield. With `cancelled`,
 * `call` runs in a scope cancelled before it starts (the watcher outside it),
 * and `completed` tells whether it returned rather than raise `Cancelled`.
 */
export async function yieldsIn<T>(
  cx: Context,
  call: (cx: Context) => Promise<T>,
  cancelled = false,
): Promise<{ yielded: boolean; completed: boolean; result: T | undefined }> {
  await cx.checkpoint();
  let watcherRan = false;
  let yielded = false;
  let completed = false;
  let result: T | undefined;
  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx) => {
      await cx.checkpoint();
      watcherRan = true;
    });
    // Lets the watcher begin (tasks begin on a microtask) and reach its checkpoint; not a tick.
    await Promise.resolve();
    const scope = new CancelScope();
    if (cancelled) scope.cancel();
    await cx.withCancelScope(scope, async (cx) => {
      try {
        result = await call(cx);
        completed = true;
      } finally {
        // Both may resume on the same tick, the call first (fewer promise hops than
        // checkpoint's): drain a few microtasks, which cannot let a tick (a macrotask) in.
        for (let i = 0; i < 20 && !watcherRan; i++) await Promise.resolve();
        yielded = watcherRan;
      }
    });
  });
  return { yielded, completed, result };
}

/**
 * trio's `assert_checkpoints()` (and anyio's equivalents): `call` is both a
 * cancel point and a schedule point. Runs `call` twice: once in a cancelled
 * scope, where it must reject with `Cancelled` (having taken nothing), then
 * for real, where another task must get to run before it returns; gives that
 * second call's result.
 */
export async function assertCheckpoints<T>(cx: Context, call: (cx: Context) => Promise<T>): Promise<T> {
  if ((await yieldsIn(cx, call, true)).completed) throw new Error("assertCheckpoints: the call is no cancel point");
  const { yielded, result } = await yieldsIn(cx, call);
  if (!yielded) throw new Error("assertCheckpoints: the call let no other task run (no schedule point)");
  return result as T;
}

/**
 * trio's `assert_no_checkpoints()`: `call` neither checks for cancellation
 * nor lets another task run. Runs `call` once, in a cancelled scope, with a
 * task waiting to run; gives its result.
 */
export async function assertNoCheckpoints<T>(cx: Context, call: (cx: Context) => Promise<T>): Promise<T> {
  const { yielded, completed, result } = await yieldsIn(cx, call, true);
  if (!completed) throw new Error("assertNoCheckpoints: the call raised Cancelled (a cancel point)");
  if (yielded) throw new Error("assertNoCheckpoints: the call let another task run (a schedule point)");
  return result as T;
}

/**
 * A call that is a cancel point but, by Skein's documented design, no
 * schedule point where trio and anyio yield (memory-stream send/receive and
 * Queue put/get that need not wait: they yield only once the run has held the
 * event loop ~1 ms). Runs `call` twice like {@link assertCheckpoints}.
 */
export async function assertCancelPointOnly<T>(cx: Context, call: (cx: Context) => Promise<T>): Promise<T> {
  if ((await yieldsIn(cx, call, true)).completed) throw new Error("assertCancelPointOnly: the call is no cancel point");
  const { yielded, result } = await yieldsIn(cx, call);
  if (yielded) throw new Error("assertCancelPointOnly: the call let another task run (a schedule point)");
  return result as T;
}

/**
 * `call` with its error as its result (for {@link assertCheckpoints} around a
 * call that must fail, trio's `with assert_checkpoints(): with
 * pytest.raises(...)`); `Cancelled` still rejects, and success is an error.
 */
export const failing = (call: (cx: Context) => Promise<unknown>) => (cx: Context): Promise<unknown> =>
  call(cx).then(
    () => {
      throw new Error("expected an error");
    },
    (e: unknown) => {
      if (e instanceof Cancelled) throw e;
      return e;
    },
  );
