// External cancellation in (issue 13): an AbortSignal given to run() or to a
// cancel scope (CancelScope, withCancelScope, moveOnAfter/At, failAfter/At)
// cancels it; an already-aborted signal cancels at once; the listener is
// removed when the scope exits; signal.reason stays visible.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, run } from "skein";

/** A signal whose abort listeners are counted (add minus remove). */
function countedSignal(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const listeners = new Set<unknown>();
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === "abort" && !listeners.has(listener)) {
      listeners.add(listener);
      count++;
    }
    add(type, listener, options as AddEventListenerOptions);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
    if (type === "abort" && listeners.delete(listener)) count--;
    remove(type, listener, options as EventListenerOptions);
  }) as typeof signal.removeEventListener;
  return { controller, signal, listeners: () => count };
}

describe("run(main, { signal })", () => {
  it("cancels the run when the signal aborts; run rejects with signal.reason, the Cancelled carries it as cause", async () => {
    const controller = new AbortController();
    const reason = new Error("request closed");
    const events: string[] = [];
    let seen: unknown;
    const outcome = await run(
      async (cx) => {
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            await cx.checkpoint();
            events.push("abort");
            controller.abort(reason);
          });
          try {
            await cx.sleepForever();
          } catch (e) {
            seen = e;
            events.push("cancelled");
            throw e;
          } finally {
            events.push("finally");
          }
        });
        events.push("after group (must not run)");
        return 1;
      },
      { signal: controller.signal },
    ).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toEqual({ error: reason });
    expect(events).toEqual(["abort", "cancelled", "finally"]);
    expect(seen).toBeInstanceOf(Cancelled);
    expect((seen as Cancelled).cause).toBe(reason);
  });

  it("an already-aborted signal cancels the run at once", async () => {
    const reason = new Error("too late");
    const events: string[] = [];
    const error = await run(
      async (cx) => {
        events.push(`cancelled at start: ${cx.isCancelled}`);
        await cx.checkpoint();
        events.push("after checkpoint (must not run)");
      },
      { signal: AbortSignal.abort(reason) },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(events).toEqual(["cancelled at start: true"]);
  });

  it("a run that ends before the signal aborts returns normally and leaves no listener", async () => {
    const { controller, signal, listeners } = countedSignal();
    expect(await run(async (cx) => { await cx.checkpoint(); return 7; }, { signal })).toBe(7);
    expect(listeners()).toBe(0);
    controller.abort();
  });

  it("rejects a signal that is not an AbortSignal", () => {
    expect(() => run(async () => {}, { signal: 5 as never })).toThrow(/options.signal must be an AbortSignal, got 5/);
  });
});

describe("scope option { signal }", () => {
  it("withCancelScope: the abort cancels the scope, which absorbs it; reason and cause are visible", async () => {
    await run(async (cx) => {
      const controller = new AbortController();
      const reason = new Error("user pressed stop");
      const scope = new CancelScope({ signal: controller.signal });
      let seen: unknown;
      const value = await cx.withCancelScope(scope, async (cx) => {
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            await cx.checkpoint();
            controller.abort(reason);
          });
          try {
            await cx.sleepForever();
          } catch (e) {
            seen = e;
            throw e;
          }
        });
        return "finished";
      });
      expect(value).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
      expect(scope.cancelReason).toBe("aborted by signal");
      expect(seen).toBeInstanceOf(Cancelled);
      expect((seen as Cancelled).cause).toBe(reason);
      expect(cx.isCancelled).toBe(false);
    });
  });

  it("an already-aborted signal cancels the scope at once", async () => {
    await run(async (cx) => {
      const events: string[] = [];
      const r = await cx.moveOnAfter(
        Infinity,
        async (cx) => {
          events.push(`cancelled: ${cx.isCancelled}`);
          await cx.checkpoint();
          events.push("after checkpoint (must not run)");
        },
        { signal: AbortSignal.abort() },
      );
      expect(r.cancelled).toBe(true);
      expect(events).toEqual(["cancelled: true"]);
    });
  });

  it("failAfter: an abort rejects with signal.reason (not TimeoutError, not undefined)", async () => {
    await run(async (cx) => {
      const reason = new Error("stop");
      const error = await cx.failAfter(Infinity, (cx) => cx.sleepForever(), { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
      expect(error).toBe(reason);
    });
  });

  it("many scopes on one long-lived signal leave no listener behind", async () => {
    const { signal, listeners } = countedSignal();
    const during: number[] = [];
    await run(async (cx) => {
      for (let i = 0; i < 200; i++) {
        await cx.withCancelScope({ signal }, async (cx) => {
          during.push(listeners());
          await cx.checkpoint();
        });
        await cx.moveOnAfter(1000, async () => {}, { signal });
        await cx.failAfter(1000, async () => {}, { signal });
      }
      await cx.withCancelScope({ signal }, (cx) => cx.moveOnAfter(0, (cx) => cx.sleepForever()));
    });
    expect(new Set(during)).toEqual(new Set([1]));
    expect(listeners()).toBe(0);
  });

  it("rejects a scope signal that is not an AbortSignal", () => {
    expect(() => new CancelScope({ signal: {} as never })).toThrow(/options.signal must be an AbortSignal, got an object/);
  });
});
