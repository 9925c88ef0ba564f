// Synchronization primitives: FIFO fairness, statistics, cancel-safety, misuse, bad input.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BusyResourceError,
  CancelScope,
  CapacityLimiter,
  Condition,
  type Context,
  Event,
  Lock,
  ResourceGuard,
  Semaphore,
  UsageError,
  WouldBlock,
} from "skein";
// vrun: run on a MockClock that jumps when every task is blocked, so the sleeps and deadlines below
// order events in virtual time, whatever the machine's load.
import { vrun } from "../helpers/peer.ts";

describe("Event", () => {
  it("wakes every waiter when set; later waits return at once", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ev = new Event();
        for (const n of ["a", "b"]) tg.startSoon(async (cx) => (await ev.wait(cx), log.push(n)));
        await cx.sleep(5);
        expect(ev.statistics()).toEqual({ waiting: 2 });
        expect(ev.isSet()).toBe(false);
        ev.set();
        ev.set();
        await cx.sleep(1);
        expect(ev.statistics()).toEqual({ waiting: 0 });
        await ev.wait(cx);
        log.push("late");
      }),
    );
    expect(log).toEqual(["a", "b", "late"]);
  });

  it("a wait cancelled while blocked leaves the waiters", async () => {
    await vrun(async (cx) => {
      const ev = new Event();
      const r = await cx.moveOnAfter(5, (cx) => ev.wait(cx));
      expect(r.cancelled).toBe(true);
      expect(ev.statistics().waiting).toBe(0);
    });
  });

  // Waits of one scope on one event share one waiter (src/sync/event.ts, "Batches"): these pin
  // down that nothing observable changes: orders, counts, and which waits a cancellation reaches.
  it("waits from several scopes: set wakes them in the order they waited; statistics count tasks", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ev = new Event();
        const waitIn = (name: string, nested: boolean) =>
          tg.startSoon(async (cx) => {
            if (nested) await cx.withCancelScope({}, async (cx) => (await ev.wait(cx), log.push(name)));
            else await ev.wait(cx), log.push(name);
          });
        waitIn("a1", false);
        waitIn("a2", false);
        waitIn("b1", true);
        waitIn("a3", false);
        waitIn("a4", false);
        await cx.sleep(1);
        expect(ev.statistics()).toEqual({ waiting: 5 });
        ev.set();
        await cx.sleep(1);
        expect(ev.statistics()).toEqual({ waiting: 0 });
      }),
    );
    expect(log).toEqual(["a1", "a2", "b1", "a3", "a4"]);
  });

  it("cancelling one scope cancels only the waits made in it; the others still wake on set", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ev = new Event();
        const inner = new CancelScope();
        for (const n of ["x1", "x2"]) tg.startSoon(async (cx) => (await ev.wait(cx), log.push(n)));
        tg.startSoon((cx) =>
          cx.withCancelScope(inner, (cx) =>
            cx.taskGroup((tg) => {
              for (const n of ["in1", "in2", "in3"]) {
                tg.startSoon(async (cx) => {
                  try {
                    await ev.wait(cx);
                    log.push(`${n} woken`);
                  } catch (e) {
                    log.push(`${n} cancelled`);
                    throw e;
                  }
                });
              }
            }),
          ),
        );
        for (const n of ["x3"]) tg.startSoon(async (cx) => (await ev.wait(cx), log.push(n)));
        await cx.sleep(1);
        expect(ev.statistics().waiting).toBe(6);
        inner.cancel();
        await cx.sleep(1);
        expect(ev.statistics().waiting).toBe(3);
        ev.set();
      }),
    );
    expect(log).toEqual(["in1 cancelled", "in2 cancelled", "in3 cancelled", "x1", "x2", "x3"]);
  });

  it("cancelling the group cancels every waiting task, and each wait raises Cancelled", async () => {
    let cancelled = 0;
    let ran = 0;
    const ev = new Event();
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        for (let i = 0; i < 50; i++) {
          tg.startSoon(async (cx) => {
            try {
              await ev.wait(cx);
              ran++;
            } catch (e) {
              if (cx.isCancelled) cancelled++;
              throw e;
            }
          });
        }
        await cx.sleep(1);
        expect(ev.statistics().waiting).toBe(50);
        tg.cancelScope.cancel();
      }),
    );
    expect([cancelled, ran, ev.statistics().waiting]).toEqual([50, 0, 0]);
  });

  it("a task that waits after another wait of its scope parked elsewhere waits on its own, in order", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ev = new Event();
        tg.startSoon(async (cx) => (await ev.wait(cx), log.push("w1")));
        tg.startSoon(async (cx) => (await cx.sleep(3), log.push("slept")));
        tg.startSoon(async (cx) => (await ev.wait(cx), log.push("w2")));
        await cx.sleep(1);
        expect(ev.statistics().waiting).toBe(2);
        ev.set();
        await cx.sleep(5);
      }),
    );
    expect(log).toEqual(["w1", "w2", "slept"]);
  });
});

describe("Lock", () => {
  it("is acquired in FIFO order and handed over on release", async () => {
    const order: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const lock = new Lock();
        await lock.acquire(cx);
        for (const n of ["a", "b", "c"])
          tg.startSoon({ name: n }, async (cx) => {
            await lock.acquire(cx);
            order.push(n);
            await cx.sleep(1);
            lock.release(cx);
          });
        await cx.sleep(5);
        expect(lock.statistics()).toEqual({ locked: true, owner: "main", waiting: 3 });
        lock.release(cx);
        expect(lock.statistics().owner).toBe("a"); // handed over directly
      }),
    );
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("a waiter cancelled while queued is skipped; the lock goes to the next one", async () => {
    const order: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const lock = new Lock();
        await lock.acquire(cx);
        tg.startSoon(async (cx) => lock.withLock(cx, async () => void order.push("first")));
        tg.startSoon(async (cx) => {
          const r = await cx.moveOnAfter(5, (cx) => lock.withLock(cx, async () => void order.push("cancelled")));
          expect(r.cancelled).toBe(true);
        });
        tg.startSoon(async (cx) => lock.withLock(cx, async () => void order.push("third")));
        await cx.sleep(20);
        expect(lock.statistics().waiting).toBe(2);
        lock.release(cx);
      }),
    );
    expect(order).toEqual(["first", "third"]);
  });

  it("releasing from another task, releasing an unheld lock, or re-acquiring is a UsageError", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const lock = new Lock();
        expect(() => lock.release(cx)).toThrow(/not held/);
        await lock.acquire(cx);
        expect(() => lock.acquire(cx)).toThrow(UsageError);
        expect(() => lock.acquireNowait(cx)).toThrow(UsageError);
        await tg.start(cx, async (cx) => {
          expect(() => lock.release(cx)).toThrow(UsageError);
          expect(() => lock.acquireNowait(cx)).toThrow(WouldBlock);
          cx.started();
        });
        lock.release(cx);
        expect(lock.locked()).toBe(false);
      }),
    );
  });

  it("a lock whose owner ends without releasing it is broken: waiters and later acquires get BrokenResourceError", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const lock = new Lock();
        const holding = new Event();
        tg.startSoon({ name: "quitter" }, async (cx) => {
          await lock.acquire(cx);
          holding.set();
          await cx.sleep(5); // then ends, still holding the lock
        });
        await holding.wait(cx);
        for (const n of ["w1", "w2"])
          tg.startSoon(async (cx) => {
            try {
              await lock.acquire(cx);
              log.push(`${n} acquired`);
            } catch (e) {
              log.push(e instanceof BrokenResourceError ? `${n} broken` : `${n} ${String(e)}`);
            }
          });
        await cx.sleep(1);
        expect(lock.statistics()).toEqual({ locked: true, owner: "quitter", waiting: 2 });
        await cx.sleep(20);
        expect(log).toEqual(["w1 broken", "w2 broken"]);
        expect(lock.statistics()).toEqual({ locked: true, owner: "quitter", waiting: 0 });
        const later = lock.acquire(cx);
        expect(later).toBeInstanceOf(Promise);
        await expect(later).rejects.toThrow(BrokenResourceError);
        await expect(lock.acquire(cx)).rejects.toThrow(/ended without releasing/);
        expect(() => lock.acquireNowait(cx)).toThrow(BrokenResourceError);
        expect(() => lock.release(cx)).toThrow(UsageError);

        // Nobody waiting when the owner ended: the next acquire finds out.
        const quiet = new Lock();
        tg.startSoon({ name: "quiet" }, async (cx) => quiet.acquireNowait(cx));
        await cx.sleep(1);
        expect(quiet.statistics()).toEqual({ locked: true, owner: "quiet", waiting: 0 });
        await expect(quiet.acquire(cx)).rejects.toThrow(BrokenResourceError);
        expect(() => quiet.acquireNowait(cx)).toThrow(/"quiet" that held this lock ended without releasing it/);
        const quiet2 = new Lock();
        tg.startSoon(async (cx) => quiet2.acquireNowait(cx));
        await cx.sleep(1);
        expect(() => quiet2.acquireNowait(cx)).toThrow(BrokenResourceError);
      }),
    );
  });

  it("a lock handed over to a waiter that then ends without releasing is broken; releasing before the end is fine", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const tidy = new Lock();
        tg.startSoon(async (cx) => {
          await tidy.acquire(cx);
          tidy.release(cx);
        });
        await cx.sleep(1);
        await tidy.acquire(cx); // the tidy task released before it ended: not broken
        tidy.release(cx);

        const lock = new Lock();
        await lock.acquire(cx);
        tg.startSoon({ name: "heir" }, async (cx) => {
          await lock.acquire(cx); // handed over by main's release, then ends holding it
          await cx.sleep(5);
        });
        await cx.sleep(1);
        lock.release(cx);
        expect(lock.statistics().owner).toBe("heir");
        const log: string[] = [];
        tg.startSoon(async (cx) => {
          await lock.acquire(cx).catch((e: unknown) => log.push(e instanceof BrokenResourceError ? "broken" : String(e)));
        });
        await cx.sleep(20);
        expect(log).toEqual(["broken"]);
        await expect(lock.acquire(cx)).rejects.toThrow(BrokenResourceError);
      }),
    );
  });

  it("hold() releases on async dispose", async () => {
    await vrun(async (cx) => {
      const lock = new Lock();
      const held = await lock.hold(cx);
      expect(lock.locked()).toBe(true);
      await held[Symbol.asyncDispose]();
      await held[Symbol.asyncDispose]();
      expect(lock.locked()).toBe(false);
    });
  });
});

describe("Semaphore", () => {
  it("limits concurrency and serves waiters FIFO; statistics follow", async () => {
    const order: number[] = [];
    let active = 0;
    let peak = 0;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const sem = new Semaphore(2);
        for (let i = 0; i < 6; i++)
          tg.startSoon(async (cx) =>
            sem.withSemaphore(cx, async (cx) => {
              order.push(i);
              peak = Math.max(peak, ++active);
              await cx.sleep(5);
              active--;
            }),
          );
        await cx.sleep(1);
        expect(sem.statistics()).toEqual({ value: 0, maxValue: Infinity, waiting: 4 });
      }),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it("no permit is lost when a queued waiter is cancelled", async () => {
    const got: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const sem = new Semaphore(0);
        tg.startSoon(async (cx) => (await sem.acquire(cx), got.push("first")));
        tg.startSoon(async (cx) => {
          await cx.moveOnAfter(5, async (cx) => (await sem.acquire(cx), got.push("cancelled")));
        });
        tg.startSoon(async (cx) => (await sem.acquire(cx), got.push("third")));
        await cx.sleep(20);
        sem.release();
        sem.release();
        await cx.sleep(1);
        expect(sem.value).toBe(0);
        sem.release();
        expect(sem.value).toBe(1);
      }),
    );
    expect(got).toEqual(["first", "third"]);
  });

  it("with many waiters and every other one cancelled, permits go to the live ones in order", async () => {
    const got: number[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const sem = new Semaphore(0);
        const scopes = Array.from({ length: 150 }, () => new CancelScope());
        for (let i = 0; i < 150; i++)
          tg.startSoon(async (cx) => cx.withCancelScope(scopes[i]!, async (cx) => (await sem.acquire(cx), got.push(i))));
        await cx.sleep(5);
        for (let i = 0; i < 150; i += 2) scopes[i]!.cancel();
        await cx.sleep(1);
        expect(sem.statistics().waiting).toBe(75);
        for (let i = 0; i < 75; i++) sem.release();
        await cx.sleep(1);
        expect(sem.statistics()).toMatchObject({ value: 0, waiting: 0 });
      }),
    );
    expect(got).toEqual(Array.from({ length: 75 }, (_, k) => 2 * k + 1));
  });

  it("maxValue guards against releasing too often; nowait raises WouldBlock", () => {
    const sem = new Semaphore(1, { maxValue: 1 });
    expect(() => sem.release()).toThrow(UsageError);
    sem.acquireNowait();
    expect(() => sem.acquireNowait()).toThrow(WouldBlock);
    sem.release();
    expect(sem.value).toBe(1);
  });

  it("rejects bad input", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(/initialValue must be a whole number >= 0, got 1.5/);
    expect(() => new Semaphore("2" as never)).toThrow(TypeError);
    expect(() => new Semaphore(3, { maxValue: 2 })).toThrow(RangeError);
    expect(() => new Semaphore(0, { maxValue: 0 })).toThrow(RangeError);
  });
});

describe("CapacityLimiter", () => {
  it("lends one token per borrower; borrowing twice is a UsageError", async () => {
    await vrun(async (cx) => {
      const limiter = new CapacityLimiter(2);
      await limiter.acquire(cx);
      expect(() => limiter.acquire(cx)).toThrow(UsageError);
      expect(() => limiter.acquireNowait(cx)).toThrow(UsageError);
      const job = {};
      limiter.acquireOnBehalfOfNowait(job);
      expect(() => limiter.acquireOnBehalfOfNowait({})).toThrow(WouldBlock);
      expect(limiter.statistics()).toEqual({ borrowed: 2, total: 2, waiting: 0 });
      expect(limiter.availableTokens).toBe(0);
      limiter.releaseOnBehalfOf(job);
      limiter.release(cx);
      expect(() => limiter.release(cx)).toThrow(/holds no token/);
      expect(limiter.borrowedTokens).toBe(0);
    });
  });

  it("raising totalTokens at run time admits waiters at once, in order", async () => {
    const order: number[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const limiter = new CapacityLimiter(1);
        await limiter.acquire(cx);
        for (let i = 0; i < 3; i++) tg.startSoon(async (cx) => (await limiter.acquire(cx), order.push(i)));
        await cx.sleep(5);
        expect(limiter.statistics().waiting).toBe(3);
        limiter.totalTokens = 3;
        await cx.sleep(1);
        expect(order).toEqual([0, 1]);
        limiter.totalTokens = Infinity;
        await cx.sleep(1);
        expect(order).toEqual([0, 1, 2]);
        tg.cancelScope.cancel();
      }),
    );
  });

  it("a cancelled waiter holds no token", async () => {
    await vrun(async (cx) => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire(cx);
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          const r = await cx.moveOnAfter(5, (cx) => limiter.acquire(cx));
          expect(r.cancelled).toBe(true);
        });
      });
      limiter.release(cx);
      expect(limiter.statistics()).toEqual({ borrowed: 0, total: 1, waiting: 0 });
    });
  });

  it("a borrower already waiting for a token is refused a second request at the call (UsageError)", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const limiter = new CapacityLimiter(1);
        const holder = {};
        limiter.acquireOnBehalfOfNowait(holder);
        const job = {};
        const admitted: string[] = [];
        tg.startSoon(async (cx) => (await limiter.acquireOnBehalfOf(cx, job), admitted.push("first request")));
        await cx.sleep(1);
        expect(limiter.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 1 });
        let second: unknown = "accepted";
        try {
          const p = limiter.acquireOnBehalfOf(cx, job);
          p.catch(() => {});
        } catch (e) {
          second = e;
        }
        expect(second).toBeInstanceOf(UsageError);
        expect(String(second)).toMatch(/already holds or is waiting for a token/);
        expect(() => limiter.acquireOnBehalfOfNowait(job)).toThrow(/already holds or is waiting for a token/);
        expect(limiter.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 1 });
        limiter.totalTokens = 3;
        await cx.sleep(1);
        expect(admitted).toEqual(["first request"]);
        expect(limiter.statistics()).toEqual({ borrowed: 2, total: 3, waiting: 0 });
        limiter.releaseOnBehalfOf(job);
        expect(() => limiter.releaseOnBehalfOf(job)).toThrow(/holds no token/);
        limiter.releaseOnBehalfOf(holder);
        expect(limiter.statistics()).toEqual({ borrowed: 0, total: 3, waiting: 0 });
      }),
    );
  });

  it("a borrower whose request was cancelled may ask again", async () => {
    await vrun(async (cx) => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait({});
      const job = {};
      const r = await cx.moveOnAfter(5, (cx) => limiter.acquireOnBehalfOf(cx, job));
      expect(r.cancelled).toBe(true);
      expect(limiter.statistics().waiting).toBe(0);
      limiter.totalTokens = 2;
      await limiter.acquireOnBehalfOf(cx, job);
      expect(limiter.statistics()).toEqual({ borrowed: 2, total: 2, waiting: 0 });
    });
  });

  it("a limiter of 0 tokens makes everyone wait until tokens are added; totalTokens can go back to 0", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const limiter = new CapacityLimiter(0);
        expect(limiter.statistics()).toEqual({ borrowed: 0, total: 0, waiting: 0 });
        expect(limiter.availableTokens).toBe(0);
        expect(() => limiter.acquireNowait(cx)).toThrow(WouldBlock);
        for (const n of ["a", "b"]) tg.startSoon(async (cx) => limiter.withToken(cx, async () => void log.push(n)));
        await cx.sleep(5);
        expect(log).toEqual([]);
        expect(limiter.statistics()).toEqual({ borrowed: 0, total: 0, waiting: 2 });
        limiter.totalTokens = 1;
        await cx.sleep(5);
        expect(log).toEqual(["a", "b"]);
        limiter.totalTokens = 0;
        expect(limiter.totalTokens).toBe(0);
        expect(() => limiter.acquireNowait(cx)).toThrow(WouldBlock);
      }),
    );
  });

  it("rejects bad input", () => {
    expect(() => new CapacityLimiter(-1)).toThrow(RangeError);
    expect(() => new CapacityLimiter(2.5)).toThrow(/totalTokens must be a whole number >= 0 or Infinity, got 2.5/);
    const limiter = new CapacityLimiter(1);
    expect(() => {
      limiter.totalTokens = -1;
    }).toThrow(RangeError);
    expect(() => limiter.acquireOnBehalfOfNowait(5 as never)).toThrow(/borrower must be an object/);
  });
});

describe("Condition", () => {
  it("notify wakes waiters in order; wait re-acquires the lock", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const cond = new Condition();
        for (const n of ["a", "b", "c"])
          tg.startSoon(async (cx) =>
            cond.withLock(cx, async (cx) => {
              await cond.wait(cx);
              expect(cond.lock.statistics().owner).toBe(cx.taskName);
              log.push(n);
            }),
          );
        await cx.sleep(5);
        expect(cond.statistics().waiting).toBe(3);
        await cond.withLock(cx, async (cx) => cond.notify(cx));
        await cx.sleep(5);
        expect(log).toEqual(["a"]);
        await cond.withLock(cx, async (cx) => cond.notifyAll(cx));
      }),
    );
    expect(log).toEqual(["a", "b", "c"]);
  });

  it("a cancelled wait still returns holding the lock; waiting without the lock is a UsageError", async () => {
    await vrun(async (cx) => {
      const cond = new Condition();
      await expect(cond.wait(cx)).rejects.toBeInstanceOf(UsageError);
      const r = await cx.moveOnAfter(5, (cx) =>
        cond.withLock(cx, async (cx) => {
          try {
            await cond.wait(cx);
          } finally {
            expect(cond.lock.statistics().owner).toBe("main");
          }
        }),
      );
      expect(r.cancelled).toBe(true);
      expect(cond.locked()).toBe(false);
      await cond.withLock(cx, async (cx) => expect(() => cond.notify(cx, 0)).toThrow(RangeError));
      expect(() => new Condition({} as never)).toThrow(TypeError);
    });
  });
  it("waitFor checks the predicate first, then after each notification, and returns its truthy value holding the lock", async () => {
    const items: number[] = [];
    let checks = 0;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const cond = new Condition();
        let got: number[] | false = false;
        tg.startSoon(async (cx) => {
          got = await cond.withLock(cx, async (cx) => {
            const result = await cond.waitFor(cx, () => (checks++, items.length >= 2 && [...items]));
            expect(cond.lock.statistics().owner).toBe(cx.taskName);
            return result;
          });
        });
        await cx.sleep(1);
        expect(checks).toBe(1);
        expect(cond.statistics().waiting).toBe(1);
        for (const n of [1, 2]) {
          await cond.withLock(cx, async (cx) => {
            items.push(n);
            cond.notifyAll(cx);
          });
          await cx.sleep(1);
        }
        expect(checks).toBe(3);
        expect(got).toEqual([1, 2]);
        // Already true: returns at once without waiting.
        const value = await cond.withLock(cx, (cx) => cond.waitFor(cx, () => "ready"));
        expect(value).toBe("ready");
        expect(cond.statistics().waiting).toBe(0);
        await expect(async () => cond.waitFor(cx, () => true)).rejects.toThrow(UsageError);
        await cond.withLock(cx, (cx) => expect(async () => cond.waitFor(cx, 5 as never)).rejects.toThrow(TypeError));
      }),
    );
  });

  it("notify and notifyAll without holding the lock are a UsageError; without a context, a TypeError", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const cond = new Condition();
        expect(() => cond.notify(cx)).toThrow(UsageError);
        expect(() => cond.notifyAll(cx)).toThrow(/hold the condition's lock/);
        const holding = new Event();
        tg.startSoon(async (cx) => {
          await cond.acquire(cx);
          holding.set();
          await cx.sleep(5);
          cond.release(cx);
        });
        await holding.wait(cx);
        expect(() => cond.notify(cx)).toThrow(UsageError); // held, but by another task
        expect(() => (cond.notify as unknown as (n?: number) => void)()).toThrow(TypeError);
        expect(() => (cond.notify as unknown as (n?: number) => void)(2)).toThrow(/Condition.notify\(cx\): pass the context \(cx\) as the first argument, got 2/);
        expect(() => (cond.notifyAll as unknown as () => void)()).toThrow(TypeError);
      }),
    );
  });
});

describe("ResourceGuard", () => {
  it("a second concurrent use is a BusyResourceError; sequential uses are fine", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const guard = new ResourceGuard("reading from");
        const entered = new Event();
        const release = new Event();
        const done = new Event();
        tg.startSoon(async (cx: Context) => {
          await guard.use(cx, async (cx) => {
            entered.set();
            await release.wait(cx);
          });
          done.set();
        });
        await entered.wait(cx);
        await expect(guard.use(cx, async () => 1)).rejects.toThrow(BusyResourceError);
        await expect(guard.use(cx, async () => 1)).rejects.toThrow(/another task is already reading from this resource/);
        release.set();
        await done.wait(cx);
        expect(await guard.use(cx, async () => 2)).toBe(2);
        const held = guard.hold();
        expect(() => guard.hold()).toThrow(BusyResourceError);
        held[Symbol.dispose]();
        guard.hold()[Symbol.dispose]();
      }),
    );
  });
});
