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
import type * as MathWorker from "../fixtures/math.worker.js";

const math = workerModule<typeof MathWorker>(new URL("../fixtures/math.worker.js", import.meta.url));
/** The same module, untyped: any name may be called. */
const untyped = workerModule(new URL("../fixtures/math.worker.js", import.meta.url));

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
      const r = await cx.moveOnAfter(200, (cx) => toThread(cx, withReport, "cooperative"));
      expect(r.cancelled).toBe(true);
    });
    expect(reports).toEqual(["signal aborted: true"]);
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

  it("transfer moves ArrayBuffers instead of copying them", async () => {
    await run(async (cx) => {
      const input = new Uint8Array([1, 2, 3]);
      const out = await toThread(cx, math, "double", skein.transfer(input, [input.buffer]));
      expect(input.byteLength).toBe(0); // moved to the worker
      expect([...out]).toEqual([2, 4, 6]);
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

  it("cancelled before it starts: the call throws Cancelled at once", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await expect(toThread(cx, math, "add", 1, 1)).rejects.toBeInstanceOf(Cancelled);
      });
    });
  });
});
