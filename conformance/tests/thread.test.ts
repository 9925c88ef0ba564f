// toThread / fromThread: worker offload with pools, cancellation and crash recovery.
import { describe, expect, it } from "vitest";
import * as skein from "skein";
import {
  Cancelled,
  CapacityLimiter,
  type Context,
  fromThread,
  type Limiter,
  run,
  toThread,
  UnsupportedError,
  UsageError,
  WorkerCrashedError,
  workerModule,
} from "skein";
import { MockClock } from "skein/testing";
import type * as MathWorker from "../fixtures/math.worker.js";
import type * as SlowWorker from "../fixtures/slow.worker.js";
import type * as BrokenWorker from "../fixtures/broken.worker.js";
import { countingAdapter } from "../helpers/adapters.ts";

const math = workerModule<typeof MathWorker>(new URL("../fixtures/math.worker.js", import.meta.url));
/** The same module, untyped: any name may be called. */
const untyped = workerModule(new URL("../fixtures/math.worker.js", import.meta.url));
/** The same functions in a module that takes LOAD_MS to load (a top-level await). */
const slow = workerModule<typeof SlowWorker>(new URL("../fixtures/slow.worker.js", import.meta.url));
/** A module that throws while loading. */
const broken = workerModule<typeof BrokenWorker>(new URL("../fixtures/broken.worker.js", import.meta.url));


describe("toThread", () => {
  it("runs an exported function on a worker and returns its result", async () => {
    const [sum, fib] = await run(async (cx) => [await toThread(cx, math, "add", 2, 3), await toThread(cx, math, "fib", 30)]);
    expect(sum).toBe(5);
    expect(fib).toBe(832040);
  });

  it("worker functions use the Skein API inside (task groups, sleep)", async () => {
    expect(await run((cx) => toThread(cx, math, "structured"))).toEqual(["fast", "slow"]);
  });

  it("runs calls concurrently on several workers", async () => {
    await run(async (cx) => {
      const start = cx.currentTime();
      const results = await skein.gather(cx, [
        (cx) => toThread(cx, math, "sleepThen", 1500, "a"),
        (cx) => toThread(cx, math, "sleepThen", 1500, "b"),
      ]);
      expect(results).toEqual(["a", "b"]);
      // One after the other would take at least 3000 ms of sleeping; the margin is for slow worker start-up.
      expect(cx.currentTime() - start).toBeLessThan(2900);
    });
  });

  it("with a wider limiter, async worker functions share workers instead of queueing", async () => {
    await run(async (cx) => {
      const wide = math.with({ limiter: new CapacityLimiter(8) });
      const start = cx.currentTime();
      const jobs = Array.from({ length: 8 }, (_, i) => (cx: Context) => toThread(cx, wide, "sleepThen", 1000, i));
      expect(await skein.gather(cx, jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // Workers are capped at the hardware concurrency (possibly 1 or 2 here); queued one
      // call per worker, eight 1 s sleeps would take at least 4 s.
      expect(cx.currentTime() - start).toBeLessThan(3500);
    });
  });

  it("errors thrown in the worker arrive with name, message, stack and cause", async () => {
    const e = (await run((cx) => toThread(cx, math, "fail", "bad value")).catch((e: unknown) => e)) as Error;
    expect(e).toBeInstanceOf(RangeError);
    expect(e.name).toBe("RangeError");
    expect(e.message).toBe("bad value");
    expect(e.stack).toContain("math.worker.js");
    expect((e.cause as Error).message).toBe("inner cause");
  });

  it("calling a name the module does not export as a function is a TypeError", async () => {
    const e = await run((cx) => toThread(cx, untyped, "notAFunction")).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/exports no function named "notAFunction"/);
  });

  it("cancelling the caller cancels the worker function's own context (its signal aborts)", async () => {
    const reports: unknown[] = [];
    await run(async (cx) => {
      const withReport = math.with({ expose: { report: async (_cx: Context, m: unknown) => void reports.push(m) } });
      // Load the worker first, so that a slow machine cannot make the deadline
      // pass before the call has even been posted.
      expect(await toThread(cx, math, "add", 1, 1)).toBe(2);
      const r = await cx.moveOnAfter(200, (cx) => toThread(cx, withReport, "cooperative"));
      expect(r.cancelled).toBe(true);
    });
    expect(reports).toEqual(["signal aborted: true"]);
  });

  it("a fromThread callback cancelled with its call answers the worker: a shielded fromThread raises Cancelled there and the worker function's finally runs (trio's from_thread.run)", async () => {
    await run(async (cx) => {
      // The caller's `wait` blocks until the call is cancelled; with no answer the worker would wait
      // in its shield until the grace period ends and the worker is terminated (its finally never run).
      const one = math.with({ limiter: new CapacityLimiter(1), cancelGrace: 5000, expose: { wait: (cx: Context) => cx.sleepForever() } });
      expect(await toThread(cx, one, "add", 1, 1)).toBe(2);
      const r = await cx.moveOnAfter(200, (cx) => toThread(cx, one, "shieldedCallback"));
      expect(r.cancelled).toBe(true);
      expect(await toThread(cx, one, "didShieldedFinallyRun")).toBe(true);
    });
  });

  it("a worker that ignores cancellation is terminated after the grace period, and the pool recovers", async () => {
    await run(async (cx) => {
      const start = cx.currentTime();
      const r = await cx.moveOnAfter(200, (cx) => toThread(cx, math.with({ cancelGrace: 100 }), "stubborn", 20_000));
      expect(r.cancelled).toBe(true);
      expect(cx.currentTime() - start).toBeLessThan(15_000);
      expect(await toThread(cx, math, "add", 1, 1)).toBe(2);
    });
  });

  it("a shielded caller is not cancelled", async () => {
    await run(async (cx) => {
      const outer = await cx.moveOnAfter(50, async (cx) => {
        const v = await cx.withCancelScope({ shield: true }, (cx) => toThread(cx, math, "sleepThen", 300, "finished"));
        expect(v).toBe("finished");
        await cx.checkpoint();
      });
      expect(outer.cancelled).toBe(true);
    });
  });

  it("a worker crash (uncaught error) fails the call with WorkerCrashedError; the next call works", async () => {
    await run(async (cx) => {
      const e = await toThread(cx, math, "crash").catch((e: unknown) => e);
      expect(e).toBeInstanceOf(WorkerCrashedError);
      expect((e as Error).message).toMatch(/crashed/);
      expect(await toThread(cx, math, "add", 20, 22)).toBe(42);
    });
  });

  it("a worker that exits fails the call with WorkerCrashedError; the next call works", async () => {
    await run(async (cx) => {
      const e = await toThread(cx, math, "exit").catch((e: unknown) => e);
      expect(e).toBeInstanceOf(WorkerCrashedError);
      expect(await toThread(cx, math, "add", 1, 2)).toBe(3);
    });
  });

  it("fromThread calls back into functions the caller exposed", async () => {
    const seen: number[] = [];
    const result = await run((cx) =>
      toThread(
        cx,
        math.with({
          expose: {
            report: async (cx: Context, i: number) => {
              await cx.sleep(1);
              seen.push(i);
              return i * 10;
            },
          },
        }),
        "progress",
        3,
      ),
    );
    expect(seen).toEqual([0, 1, 2]);
    expect(result).toEqual([0, 10, 20]);
  });

  it("fromThread in a call that exposed nothing is a TypeError naming the function", async () => {
    const error = await run((cx) => toThread(cx, math, "progress", 1).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/the caller exposed no function named "report" \(exposed: none\)/);
  });

  it("fromThread outside a worker call is a UsageError", async () => {
    await run(async (cx) => {
      expect(() => fromThread(cx, "report")).toThrow(UsageError);
    });
  });

  it("a value that cannot be cloned is a clear TypeError, both ways", async () => {
    await run(async (cx) => {
      const e1 = await toThread(cx, math, "add", (() => 1) as never, 2).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(TypeError);
      expect((e1 as Error).message).toMatch(/an argument of "add" cannot be sent to a worker/);
      const e2 = await toThread(cx, math, "nonClonable").catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(TypeError);
      expect((e2 as Error).message).toMatch(/the result of "nonClonable" cannot be sent back/);
    });
  });

  it("calls started together travel in one message; one that cannot be cloned fails alone, both ways", async () => {
    // Count what the pool posts to its one worker.
    const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
    const base = (skein as unknown as Record<string, skein.Adapter>)[name]!;
    const posts: unknown[] = [];
    const adapter: skein.Adapter = {
      ...base,
      workers: {
        hardwareConcurrency: () => 1,
        spawn() {
          const port = base.workers!.spawn();
          return { ...port, post: (message, transfer) => (posts.push(message), port.post(message, transfer)) };
        },
      },
    };
    const wide = math.with({ limiter: new CapacityLimiter(8) });
    const order: string[] = [];
    await run(
      async (cx) => {
        expect(await toThread(cx, wide, "add", 0, 0)).toBe(0); // the worker is loaded
        const before = posts.length;
        await cx.taskGroup(async (tg) => {
          for (let i = 0; i < 8; i++) tg.startSoon(async (cx) => order.push(`add ${await toThread(cx, wide, "add", i, 10)}`));
        });
        expect(posts.length - before).toBe(1); // eight calls, one post
        expect(order).toEqual(["add 10", "add 11", "add 12", "add 13", "add 14", "add 15", "add 16", "add 17"]);
        order.length = 0;
        await cx.taskGroup(async (tg) => {
          for (let i = 0; i < 4; i++) {
            tg.startSoon(async (cx) => {
              const bad = i === 1 ? ((() => 1) as never) : i;
              order[i] = await toThread(cx, wide, "add", bad, 1).then(String, (e: Error) => `${e.name}: ${e.message.split(" to a worker")[0]}`);
            });
          }
        });
        expect(order).toEqual(["1", "TypeError: an argument of \"add\" cannot be sent", "3", "4"]);
        order.length = 0;
        await cx.taskGroup(async (tg) => {
          for (let i = 0; i < 4; i++) {
            tg.startSoon(async (cx) => {
              const call = i === 2 ? toThread(cx, untyped, "nonClonable") : toThread(cx, wide, "add", i, 1);
              order[i] = await call.then(String, (e: Error) => `${e.name}: ${e.message.split(" back")[0]}`);
            });
          }
        });
        expect(order).toEqual(["1", "2", "TypeError: the result of \"nonClonable\" cannot be sent", "4"]);
      },
      { adapter },
    );
  });

  it("transfer moves ArrayBuffers instead of copying them", async () => {
    await run(async (cx) => {
      const input = new Uint8Array([1, 2, 3]);
      const out = await toThread(cx, math, "double", skein.transfer(input, [input.buffer]));
      expect(input.byteLength).toBe(0); // moved to the worker
      expect([...out]).toEqual([2, 4, 6]);
    });
  });

  it("calls started together keep their own transfers, in one post and when one of them cannot be sent, both ways", async () => {
    const wide = math.with({ limiter: new CapacityLimiter(8) });
    const wideUntyped = untyped.with({ limiter: new CapacityLimiter(8) });
    await run(async (cx) => {
      await toThread(cx, wide, "add", 0, 0); // the worker is loaded
      for (const bad of ["none", "argument", "result"]) {
        const inputs = [0, 1, 2, 3, 4].map((i) => new Uint8Array([i, 10 + i]));
        const results: string[] = [];
        await cx.taskGroup(async (tg) => {
          for (let i = 0; i < 5; i++) {
            tg.startSoon(async (cx) => {
              const input = inputs[i]!;
              // Calls 1 and 3 transfer their bytes (and every result of double is transferred back),
              // 0 and 4 copy them; call 2 adds, sends a function, or returns one.
              const call =
                i !== 2
                  ? toThread(cx, wide, "double", i % 2 === 1 ? skein.transfer(input, [input.buffer]) : input).then((out) => [...out].join(","))
                  : bad === "result"
                    ? toThread(cx, wideUntyped, "nonClonable").then(String)
                    : toThread(cx, wide, "add", bad === "argument" ? ((() => 1) as never) : 2, 1).then(String);
              results[i] = await call.catch((e: Error) => e.name);
            });
          }
        });
        expect(results).toEqual(["0,20", "2,22", bad === "none" ? "3" : "TypeError", "6,26", "8,28"]);
        expect(inputs.map((b) => b.byteLength)).toEqual([2, 0, 2, 0, 2]); // moved exactly where asked
      }
    });
  });

  it("a shared limiter bounds how many calls run at once", async () => {
    let active = 0;
    let peak = 0;
    const free: Array<() => void> = [];
    let tokens = 1;
    const limiter: Limiter = {
      async acquireOnBehalfOf(cx) {
        while (tokens === 0) await cx.abandonOnCancel(new Promise<void>((r) => free.push(r)));
        tokens--;
        peak = Math.max(peak, ++active);
      },
      releaseOnBehalfOf() {
        active--;
        tokens++;
        free.shift()?.();
      },
    };
    await run((cx) =>
      skein.gather(cx, [1, 2, 3].map((i) => (cx: Context) => toThread(cx, math.with({ limiter }), "sleepThen", 30, i))),
    );
    expect(peak).toBe(1);
  });

  it("a CapacityLimiter lends each call a token for the call's whole length", async () => {
    const limiter = new CapacityLimiter(1);
    const seen: number[] = [];
    await run(async (cx) => {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await toThread(cx, math.with({ limiter }), "sleepThen", 30, 1);
        });
        await cx.sleep(10);
        seen.push(limiter.statistics().borrowed); // the running call holds the token
      });
      seen.push(limiter.statistics().borrowed); // given back
      expect(await toThread(cx, math.with({ limiter }), "add", 2, 3)).toBe(5);
      seen.push(limiter.statistics().borrowed);
    });
    expect(seen).toEqual([1, 0, 0]);
  });

  it("a CapacityLimiter subclass is acquired through its own acquireOnBehalfOf", async () => {
    const acquired: string[] = [];
    class Logging extends CapacityLimiter {
      override acquireOnBehalfOf(cx: Context, borrower: object): Promise<void> {
        acquired.push("acquire");
        return super.acquireOnBehalfOf(cx, borrower);
      }
    }
    const limiter = new Logging(2);
    await run(async (cx) => {
      expect(await toThread(cx, math.with({ limiter }), "add", 1, 2)).toBe(3);
      expect(await toThread(cx, math.with({ limiter }), "add", 3, 4)).toBe(7);
    });
    expect(acquired).toEqual(["acquire", "acquire"]);
    expect(limiter.statistics().borrowed).toBe(0);
  });

  it("an adapter without workers raises UnsupportedError", async () => {
    const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
    const adapter = (skein as unknown as Record<string, skein.Adapter>)[name]!;
    const e = await run((cx) => toThread(cx, math, "add", 1, 2), { adapter: { ...adapter, workers: undefined } }).catch(
      (e: unknown) => e,
    );
    expect(e).toBeInstanceOf(UnsupportedError);
  });

  it("rejects bad input", async () => {
    expect(() => workerModule(5 as never)).toThrow(/url must be a URL or a string/);
    expect(() => workerModule("x", { cancelGrace: -1 })).toThrow(RangeError);
    expect(() => math.with({ expose: { f: 3 as never } })).toThrow(/options.expose.f must be a function/);
    await run(async (cx) => {
      expect(() => toThread(cx, {} as typeof untyped, "add")).toThrow(/module must be a WorkerModule/);
    });
  });

  // On Node a worker with no call in flight waits a moment for the next one
  // (adapters/shared/worker-threads.ts, the idle wait): calls made one after
  // another are handed over there, the others arrive as messages.
  it("calls made one after another, together, and after a pause each get their own result; a handed-over call can be cancelled", async () => {
    const reports: unknown[] = [];
    await run(async (cx) => {
      const one = math.with({ limiter: new CapacityLimiter(1) });
      const sums: number[] = [];
      for (let i = 0; i < 100; i++) sums.push(await toThread(cx, one, "add", i, 1));
      expect(sums).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      // Queued at the limiter, started one after another as each result comes back.
      const queued = await skein.gather(
        cx,
        Array.from({ length: 20 }, (_, i) => (cx: Context) => toThread(cx, one, "add", i, 100)),
      );
      expect(queued).toEqual(Array.from({ length: 20 }, (_, i) => i + 100));
      // Right after a result: cancelled while it runs, the function sees it and the call throws Cancelled.
      const withReport = one.with({ expose: { report: async (_cx: Context, m: unknown) => void reports.push(m) } });
      const r = await cx.moveOnAfter(100, (cx) => toThread(cx, withReport, "cooperative"));
      expect(r.cancelled).toBe(true);
      expect(await toThread(cx, one, "add", 1, 2)).toBe(3);
      // After a pause (the worker is back in its event loop), and an error after a result.
      await cx.sleep(30);
      expect(await toThread(cx, one, "add", 2, 2)).toBe(4);
      await expect(toThread(cx, one, "fail", "after a result")).rejects.toBeInstanceOf(RangeError);
      expect(await toThread(cx, one, "add", 3, 3)).toBe(6);
    });
    expect(reports).toEqual(["signal aborted: true"]);
  });

  it("a worker's own timers keep running while it has no call", async () => {
    const ticks = await run(async (cx) => {
      const one = math.with({ limiter: new CapacityLimiter(1) });
      await toThread(cx, one, "startTicking", 1);
      for (let i = 0; i < 5; i++) await toThread(cx, one, "add", i, i);
      await cx.sleep(50);
      return toThread(cx, one, "stopTicking");
    });
    expect(ticks).toBeGreaterThan(0);
  });

  it("a worker that crashes right after a result fails the next call with WorkerCrashedError; the call after it works", async () => {
    await run(async (cx) => {
      const one = math.with({ limiter: new CapacityLimiter(1) });
      expect(await toThread(cx, one, "add", 1, 1)).toBe(2);
      await expect(toThread(cx, one, "exit")).rejects.toBeInstanceOf(WorkerCrashedError);
      expect(await toThread(cx, one, "add", 2, 2)).toBe(4);
    });
  });

  it("cancelled before it starts: the call throws Cancelled at once", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await expect(toThread(cx, math, "add", 1, 1)).rejects.toBeInstanceOf(Cancelled);
      });
    });
  });
});

// The pool's invariants (src/threads/worker-pool.ts), each scenario built
// deterministically: one worker shared by every call (a cap of 1 and a wide
// limiter), a module that loads slowly, a function that ignores cancellation.
describe("toThread worker pool", () => {
  it("starts workers only for calls that keep the others busy: trivial calls share one, busy ones get one each", async () => {
    const { adapter, counts } = countingAdapter(8);
    // The pool's growth check is a timer of the run's clock: on a clock that stands still between
    // jumps it fires only when the test says, however slow the machine is.
    const clock = new MockClock();
    await run(
      async (cx) => {
        for (let i = 0; i < 100; i++) expect(await toThread(cx, math, "add", i, 1)).toBe(i + 1);
        expect(counts.spawned).toBe(1);
        // 32 trivial calls at once: the one worker answers them all; no growth check has come due.
        const wide = math.with({ limiter: new CapacityLimiter(32) });
        const sums = await skein.gather(cx, Array.from({ length: 32 }, (_, i) => (cx: Context) => toThread(cx, wide, "add", i, 1)));
        expect(sums).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
        expect(counts.spawned).toBe(1);
        // 8 calls that each keep a worker busy (300 ms each): once the growth check comes due while
        // they wait, the pool grows to one worker per call.
        const slept = await cx.taskGroup(async (tg, cx) => {
          const results: number[] = [];
          for (let i = 0; i < 8; i++) tg.startSoon(async (cx) => void (results[i] = await toThread(cx, math, "sleepThen", 300, i) as number));
          for (let k = 0; k < 10_000 && counts.spawned < 8; k++) {
            clock.jump(10);
            await cx.checkpoint();
          }
          return results;
        });
        expect(slept).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(counts.spawned).toBe(8);
      },
      { adapter, clock },
    );
    expect(counts.terminated).toBe(8);
  });

  it("a call cancelled while its worker loads the module does not harm a call sharing that worker", async () => {
    const { adapter, counts } = countingAdapter(1);
    const shared = slow.with({ limiter: new CapacityLimiter(4) });
    const events: string[] = [];
    await run(
      (cx) =>
        cx.failAfter(20_000, (cx) =>
          cx.taskGroup(async (tg) => {
            tg.startSoon(async (cx) => {
              const r = await cx.moveOnAfter(50, (cx) => toThread(cx, shared, "add", 1, 2));
              events.push(r.cancelled ? "A cancelled" : `A ${r.value}`);
            });
            tg.startSoon(async (cx) => events.push(`B ${await toThread(cx, shared, "add", 3, 4)}`));
          }),
        ),
      { adapter },
    );
    expect(events).toEqual(["A cancelled", "B 7"]);
    expect(counts).toEqual({ spawned: 1, terminated: 1 });
  });

  it("a caller cancelled while its worker loads leaves the worker to the pool, and the next call waits for the module", async () => {
    const { adapter, counts } = countingAdapter(1);
    const shared = slow.with({ limiter: new CapacityLimiter(4) });
    await run(
      async (cx) => {
        const r = await cx.moveOnAfter(50, (cx) => toThread(cx, shared, "add", 1, 2));
        expect(r.cancelled).toBe(true);
        // The worker is still loading; it is not thrown away, and is not sent a call before its module is ready.
        expect(await toThread(cx, shared, "add", 2, 2)).toBe(4);
        expect(counts.spawned).toBe(1);
      },
      { adapter },
    );
    expect(counts).toEqual({ spawned: 1, terminated: 1 });
  });

  it("every checkout is checked in: a worker whose sharing caller was cancelled while it loaded still goes idle and is retired", async () => {
    const { adapter, counts } = countingAdapter(1);
    const shared = slow.with({ limiter: new CapacityLimiter(4), idleTimeout: 50 });
    await run(
      async (cx) => {
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => expect(await toThread(cx, shared, "add", 1, 2)).toBe(3));
          tg.startSoon(async (cx) => {
            const r = await cx.moveOnAfter(50, (cx) => toThread(cx, shared, "add", 3, 4));
            expect(r.cancelled).toBe(true);
          });
        });
        expect(counts.terminated).toBe(0);
        // Idle for far longer than idleTimeout: the sweep retires it.
        await cx.sleep(1000);
        expect(counts).toEqual({ spawned: 1, terminated: 1 });
      },
      { adapter },
    );
  });

  it("a cancelled call whose worker ignores cancellation does not fail the calls sharing that worker", async () => {
    const { adapter, counts } = countingAdapter(1);
    const events: string[] = [];
    const shared = math.with({
      limiter: new CapacityLimiter(4),
      cancelGrace: 50,
      expose: { report: async (_cx: Context, m: string) => void events.push(`A's function ${m}`) },
    });
    await run(
      async (cx) => {
        expect(await toThread(cx, shared, "add", 0, 0)).toBe(0); // the worker is loaded
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            const b = await toThread(cx, shared, "sleepThen", 100, "b").catch((e: Error) => e.name);
            events.push(`B ${b}`);
          });
          tg.startSoon(async (cx) => {
            const r = await cx.moveOnAfter(50, (cx) => toThread(cx, shared, "spinThenReport", 2000));
            events.push(r.cancelled ? "A cancelled" : `A ${r.value}`);
          });
          tg.startSoon(async (cx) => {
            // Once A is overdue its worker is retired: C gets a new worker instead of waiting behind A's loop.
            await cx.sleep(500);
            events.push(`C ${await toThread(cx, shared, "add", 5, 5)}`);
          });
        });
        // B got its result; A returned only once its function had stopped: with its value if that arrived before
        // the pool terminated A's worker (B settling leaves only the overdue A on it), as in trio, else Cancelled;
        // C did not wait for A.
        expect(events).toContain("B b");
        const a = events.filter((e) => e.startsWith("A"));
        expect(a[0]).toBe("A's function stopped");
        expect(["A finished", "A cancelled"]).toContain(a[1]);
        expect(a.length).toBe(2);
        expect(events.indexOf("C 10")).toBeGreaterThanOrEqual(0);
        expect(events.indexOf("C 10")).toBeLessThan(events.indexOf("A's function stopped"));
        // A's worker was terminated when its calls had settled; C's stays in the pool.
        expect(counts).toEqual({ spawned: 2, terminated: 1 });
      },
      { adapter },
    );
    expect(counts).toEqual({ spawned: 2, terminated: 2 });
  });

  it("a worker is terminated once every call on it was cancelled and ignored cancellation past the grace", async () => {
    const { adapter, counts } = countingAdapter(1);
    const reports: string[] = [];
    const shared = math.with({
      limiter: new CapacityLimiter(4),
      cancelGrace: 50,
      expose: { report: async (_cx: Context, m: string) => void reports.push(m) },
    });
    await run(
      async (cx) => {
        expect(await toThread(cx, shared, "add", 0, 0)).toBe(0);
        const r = await cx.moveOnAfter(100, (cx) =>
          cx.taskGroup(async (tg) => {
            tg.startSoon((cx) => toThread(cx, shared, "spinThenReport", 3000));
            tg.startSoon((cx) => toThread(cx, shared, "spinThenReport", 3000));
          }),
        );
        expect(r.cancelled).toBe(true);
        // Terminated while spinning: neither function got to report.
        expect(reports).toEqual([]);
        expect(counts).toEqual({ spawned: 1, terminated: 1 });
      },
      { adapter },
    );
  });

  it("a module that fails to load fails every call waiting for it with its error; the worker is terminated", async () => {
    const { adapter, counts } = countingAdapter(1);
    const shared = broken.with({ limiter: new CapacityLimiter(4) });
    await run(
      async (cx) => {
        const results = await skein.gather(
          cx,
          [(cx: Context) => toThread(cx, shared, "add", 1, 2), (cx: Context) => toThread(cx, shared, "add", 3, 4)],
          { returnErrors: true },
        );
        expect(results.map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : r))).toEqual([
          "RangeError: this module fails to load",
          "RangeError: this module fails to load",
        ]);
        expect(counts).toEqual({ spawned: 1, terminated: 1 });
      },
      { adapter },
    );
  });

  it("a crash fails every call on the worker with WorkerCrashedError", async () => {
    const { adapter, counts } = countingAdapter(1);
    const shared = math.with({ limiter: new CapacityLimiter(4) });
    await run(
      async (cx) => {
        expect(await toThread(cx, shared, "add", 0, 0)).toBe(0);
        const results = await skein.gather(
          cx,
          [(cx: Context) => toThread(cx, shared, "sleepThen", 10_000, "late"), (cx: Context) => toThread(cx, shared, "crash")],
          { returnErrors: true },
        );
        expect(results.map((r) => (r instanceof Error ? r.constructor.name : r))).toEqual([
          "WorkerCrashedError",
          "WorkerCrashedError",
        ]);
        expect(await toThread(cx, shared, "add", 1, 1)).toBe(2);
      },
      { adapter },
    );
    expect(counts).toEqual({ spawned: 2, terminated: 2 });
  });
});

