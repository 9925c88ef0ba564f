// Cancel scopes: level-triggered cancellation, absorption, shields, deadlines.
import { describe, expect, it } from "vitest";
import { CancelScope, Cancelled, TimeoutError, UsageError } from "skein";
// vrun: a MockClock that jumps when every task is blocked, so the sleeps and deadlines below order
// events in virtual time, whatever the machine's load.
import { vrun } from "../helpers/peer.ts";

describe("cancel scopes", () => {
  it("cancel() makes every checkpoint inside throw Cancelled, and the scope absorbs it", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const scope = new CancelScope();
      const result = await cx.withCancelScope(scope, async (cx) => {
        scope.cancel("stop");
        try {
          await cx.checkpoint();
        } catch (e) {
          log.push(`${(e as Cancelled).name}: ${(e as Cancelled).reason}`);
          expect((e as Cancelled).scope).toBe(scope);
          throw e;
        }
        return "unreachable";
      });
      log.push(`result ${String(result)}`);
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
      expect(scope.cancelReason).toBe("stop");
    });
    expect(log).toEqual(["Cancelled: stop", "result undefined"]);
  });

  it("is level-triggered: a task that swallows Cancelled is cancelled again at its next checkpoint", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.moveOnAfter(5, async (cx) => {
        for (let i = 0; i < 3; i++) {
          try {
            await cx.sleep(1000);
          } catch (e) {
            if (e instanceof Cancelled) log.push(`swallowed ${i}`);
          }
        }
        try {
          await cx.checkpoint();
        } catch (e) {
          if (e instanceof Cancelled) log.push("checkpoint throws too");
        }
        expect(() => cx.checkpointIfCancelled()).toThrow(Cancelled);
        expect(cx.isCancelled).toBe(true);
      });
      log.push("after scope");
      await cx.checkpoint(); // outside: not cancelled
      log.push("outside is fine");
    });
    expect(log).toEqual(["swallowed 0", "swallowed 1", "swallowed 2", "checkpoint throws too", "after scope", "outside is fine"]);
  });

  it("nested scopes: the Cancelled passes the inner scope and is absorbed by the outer one that caused it", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        await cx.withCancelScope(inner, async (cx) => {
          outer.cancel();
          await cx.sleep(1000);
        });
        log.push("not reached");
      });
      log.push(`inner caught ${inner.cancelledCaught}, outer caught ${outer.cancelledCaught}`);
      expect(inner.cancelCalled).toBe(false);
    });
    expect(log).toEqual(["inner caught false, outer caught true"]);
  });

  it("nested scopes: when both are cancelled the outer absorbs (trio), and no code between the two exits runs", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        await cx.withCancelScope(inner, async (cx) => {
          outer.cancel();
          inner.cancel();
          await cx.sleep(1000);
        });
        log.push("between");
        await cx.checkpoint();
        log.push("not reached");
      });
      log.push(`inner ${inner.cancelledCaught}, outer ${outer.cancelledCaught}`);
    });
    expect(log).toEqual(["inner false, outer true"]);
  });

  it("a shielded scope blocks an outer cancel, but not its own", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const outer = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        await cx.withCancelScope({ shield: true }, async (cx) => {
          outer.cancel();
          await cx.sleep(5);
          expect(cx.isCancelled).toBe(false);
          log.push("shielded sleep completed");
          cx.cancelScope.cancel();
          await cx.sleep(1000);
          log.push("not reached");
        });
        log.push("after shield");
        await cx.checkpoint();
        log.push("not reached");
      });
      log.push(`outer caught ${outer.cancelledCaught}`);
    });
    expect(log).toEqual(["shielded sleep completed", "after shield", "outer caught true"]);
  });

  it("a shielded scope blocks an outer deadline", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(5, async (cx) => {
        await cx.withCancelScope({ shield: true }, async (cx) => {
          expect(cx.deadline).toBe(Infinity);
          await cx.sleep(30);
          log.push("shielded work done");
        });
        await cx.checkpoint();
        log.push("not reached");
      });
      log.push(`cancelled ${r.cancelled}`);
    });
    expect(log).toEqual(["shielded work done", "cancelled true"]);
  });

  it("un-shielding inside a cancelled parent cancels at once", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const outer = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        const shield = new CancelScope({ shield: true });
        await cx.withCancelScope(shield, async (cx) => {
          outer.cancel();
          await cx.checkpoint();
          log.push("still running");
          shield.shield = false;
          expect(cx.isCancelled).toBe(true);
          await cx.checkpoint();
        });
      });
      log.push(`outer caught ${outer.cancelledCaught}`);
    });
    expect(log).toEqual(["still running", "outer caught true"]);
  });

  it("a deadline moved earlier after the scope started fires earlier", async () => {
    await vrun(async (cx) => {
      const start = cx.currentTime();
      const r = await cx.moveOnAfter(60_000, async (cx) => {
        cx.cancelScope.deadline = cx.currentTime() + 10;
        await cx.sleepForever();
      });
      expect(r.cancelled).toBe(true);
      expect(cx.currentTime() - start).toBeLessThan(30_000);
    });
  });

  it("a deadline moved later after the scope started lets the body finish", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(10, async (cx) => {
        cx.cancelScope.deadline = cx.currentTime() + 60_000;
        await cx.sleep(30);
        log.push("finished");
        return "value";
      });
      expect(r).toMatchObject({ cancelled: false, value: "value" });
    });
    expect(log).toEqual(["finished"]);
  });

  it("a deadline set in the past cancels at once; removing it (Infinity) disarms it", async () => {
    await vrun(async (cx) => {
      const r1 = await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.deadline = cx.currentTime() - 1;
        expect(cx.cancelScope.cancelCalled).toBe(true);
        await cx.checkpoint();
      });
      expect(r1).toBeUndefined();
      const r2 = await cx.moveOnAfter(5, async (cx) => {
        cx.cancelScope.deadline = Infinity;
        await cx.sleep(20);
        return "done";
      });
      expect(r2.cancelled).toBe(false);
    });
  });

  it("cx.deadline is the earliest deadline of the enclosing scopes", async () => {
    await vrun(async (cx) => {
      expect(cx.deadline).toBe(Infinity);
      await cx.moveOnAt(cx.currentTime() + 1000, async (outer) => {
        const d = outer.deadline;
        await outer.moveOnAt(cx.currentTime() + 5000, async (inner) => {
          expect(inner.deadline).toBe(d);
          await inner.moveOnAt(cx.currentTime() + 100, async (innermost) => {
            expect(innermost.deadline).toBeLessThan(d);
          });
        });
        outer.cancelScope.cancel();
        expect(outer.deadline).toBe(-Infinity);
      });
    });
  });

  it("moveOnAfter reports cancellation; failAfter throws TimeoutError", async () => {
    await vrun(async (cx) => {
      const quick = await cx.moveOnAfter(1000, async () => "v");
      expect(quick).toMatchObject({ cancelled: false, value: "v" });
      const slow = await cx.moveOnAfter(5, (cx) => cx.sleep(60_000));
      expect(slow.cancelled).toBe(true);
      expect(slow.value).toBeUndefined();
      expect(slow.scope.cancelledCaught).toBe(true);

      expect(await cx.failAfter(1000, async () => "ok")).toBe("ok");
      const log: string[] = [];
      const e = await cx
        .failAfter(5, async (cx) => {
          try {
            await cx.sleep(60_000);
          } finally {
            log.push("finally ran");
          }
        })
        .catch((e: unknown) => e);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(["finally ran"]);
      const e2 = await cx.failAt(cx.currentTime() - 1, (cx) => cx.checkpoint()).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(TimeoutError);
    });
  });

  it("failAfter whose own scope is cancelled explicitly throws TimeoutError, as trio's fail_after does (never a missing value)", async () => {
    await vrun(async (cx) => {
      const e = await cx
        .failAfter(60_000, async (cx): Promise<number> => {
          cx.cancelScope.cancel();
          await cx.checkpoint();
          return 1;
        })
        .catch((e: unknown) => e);
      expect(e).toBeInstanceOf(TimeoutError);
      expect((e as Error).message).toMatch(/cancelled/);
      // Cancelled without a checkpoint after it: the body's value stands.
      expect(await cx.failAfter(60_000, async (cx) => (cx.cancelScope.cancel(), 2))).toBe(2);
    });
  });

  it("a body that finishes without a checkpoint after the deadline is not reported cancelled", async () => {
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(0, async () => "sync result");
      expect(r).toMatchObject({ cancelled: false, value: "sync result" });
    });
  });

  it("cx.signal aborts when the scope is cancelled, with the Cancelled error as reason", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        const signal = cx.signal;
        expect(signal).toBeInstanceOf(AbortSignal);
        expect(signal.aborted).toBe(false);
        signal.addEventListener("abort", () => log.push("aborted"));
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            expect(cx.signal.aborted).toBe(false);
            await cx.sleep(5);
            cx.cancelScope.cancel("x"); // the group's scope
            log.push(`child signal ${cx.signal.aborted}`);
          });
        });
        log.push(`outer signal after group ${signal.aborted}`);
        cx.cancelScope.cancel("y");
        log.push(`outer signal ${signal.aborted}`);
        expect(signal.reason).toBeInstanceOf(Cancelled);
        expect((signal.reason as Cancelled).reason).toBe("y");
      });
      // A signal read after cancellation is already aborted.
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        expect(cx.signal.aborted).toBe(true);
      });
    });
    expect(log).toEqual(["child signal true", "outer signal after group false", "aborted", "outer signal true"]);
  });

  it("a Web API rejecting with the signal's reason is absorbed by the scope", async () => {
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(5, async (cx) => {
        await new Promise((_, reject) => {
          cx.signal.addEventListener("abort", () => reject(cx.signal.reason));
        });
      });
      expect(r.cancelled).toBe(true);
    });
  });

  it("a scope cancelled before entry is cancelled on entry; a scope cannot be entered twice", async () => {
    await vrun(async (cx) => {
      const scope = new CancelScope();
      scope.cancel();
      const r = await cx.withCancelScope(scope, async (cx) => {
        await cx.checkpoint();
        return 1;
      });
      expect(r).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
      expect(() => cx.withCancelScope(scope, async () => {})).toThrow(UsageError);
    });
  });

  it("cancelling the root scope makes run reject with Cancelled", async () => {
    const e = await vrun(async (cx) => {
      cx.cancelScope.cancel("root");
      await cx.checkpoint();
    }).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(Cancelled);
  });
});

// trio's CancelScope takes its Cancelled out of an exception group (`split(Cancelled)`): a
// cancellation is no less one for arriving in a group. JavaScript's group is an AggregateError, and
// the everyday way to make one of cancellations is Promise.any over waits of a cancelled scope.
describe("an AggregateError of nothing but Cancelled (Promise.any's) is a cancellation", () => {
  it("the cancelled scope absorbs it", async () => {
    const scope = new CancelScope();
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.withCancelScope(scope, async (cx) => {
        scope.cancel();
        await Promise.any([cx.sleep(10), cx.sleep(20)]);
        log.push("not reached");
      });
      log.push("after the scope");
    });
    expect([log, scope.cancelledCaught]).toEqual([["after the scope"], true]);
  });

  it("a task of a cancelled group: the group ends as cancelled, with no error", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await Promise.any([cx.sleep(1e6), cx.sleep(2e6)]);
          log.push("not reached");
        });
        tg.startSoon(async () => tg.cancelScope.cancel());
      });
      log.push("after the group");
    });
    expect(log).toEqual(["after the group"]);
  });

  it("it goes on through a scope that was not cancelled to the one that was", async () => {
    const outer = new CancelScope();
    const inner = new CancelScope();
    await vrun(async (cx) => {
      await cx.withCancelScope(outer, (cx) =>
        cx.withCancelScope(inner, async (cx) => {
          outer.cancel();
          await Promise.any([cx.sleep(10), cx.sleep(20)]);
        }),
      );
    });
    expect([outer.cancelledCaught, inner.cancelledCaught]).toEqual([true, false]);
  });

  it("an AggregateError holding another error as well stays an error", async () => {
    const scope = new CancelScope();
    const e = await vrun(async (cx) => {
      await cx.withCancelScope(scope, async (cx) => {
        scope.cancel();
        await Promise.any([cx.sleep(10), Promise.reject(new RangeError("boom"))]);
      });
    }).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(AggregateError);
    expect((e as AggregateError).errors.map((x: unknown) => (x as Error).name)).toEqual(["Cancelled", "RangeError"]);
  });
});
