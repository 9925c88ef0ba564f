// The asyncio patterns, done structurally: gather, wait, asCompleted, waitFor.
import { describe, expect, it } from "vitest";
import { asCompleted, Cancelled, type Context, gather, run, TaskGroupError, TimeoutError, wait, waitFor } from "skein";

const after =
  <T>(ms: number, value: T, log?: string[]) =>
  async (cx: Context): Promise<T> => {
    try {
      await cx.sleep(ms);
      return value;
    } finally {
      if (cx.isCancelled) log?.push(`cancelled ${String(value)}`);
    }
  };

describe("gather", () => {
  it("returns results in input order whatever the durations", async () => {
    const r = await run((cx) => gather(cx, [after(30, "a"), after(5, "b"), after(15, 3), async () => "sync"] as const));
    expect(r).toEqual(["a", "b", 3, "sync"]);
  });

  it("the first failure cancels the rest and is thrown, unwrapped", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const e = await run((cx) =>
      gather(cx, [
        after(1000, "slow", log),
        async (cx) => {
          await cx.sleep(5);
          throw boom;
        },
      ]),
    ).catch((e: unknown) => e);
    expect(e).toBe(boom);
    expect(log).toEqual(["cancelled slow"]);
  });

  it("several simultaneous failures surface as a TaskGroupError", async () => {
    const e = await run((cx) =>
      gather(cx, [
        async () => {
          throw new Error("x");
        },
        async () => {
          throw new Error("y");
        },
      ]),
    ).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(TaskGroupError);
  });

  it("returnErrors stores failures in place and lets the others finish", async () => {
    const boom = new Error("boom");
    const r = await run((cx) =>
      gather(
        cx,
        [
          after(20, "ok"),
          async () => {
            throw boom;
          },
          async () => {
            throw "plain string";
          },
        ],
        { returnErrors: true },
      ),
    );
    expect(r[0]).toBe("ok");
    expect(r[1]).toBe(boom);
    expect(r[2]).toBeInstanceOf(Error);
    expect((r[2] as Error).cause).toBe("plain string");
  });

  it("returnErrors never stores Cancelled: the caller's cancellation propagates", async () => {
    await run(async (cx) => {
      const r = await cx.moveOnAfter(5, (cx) => gather(cx, [after(1000, 1)], { returnErrors: true }));
      expect(r.cancelled).toBe(true);
    });
  });

  it("rejects bad input", async () => {
    await run(async (cx) => {
      expect(() => gather(cx, "x" as never)).toThrow(/jobs must be an array of functions/);
      expect(() => gather(cx, [async () => 1, 5 as never])).toThrow(/jobs\[1\] must be a function/);
      expect(() => gather(cx, [], { returnErrors: "yes" as never })).toThrow(TypeError);
    });
  });
});

describe("wait", () => {
  it("firstCompleted returns the first job and cancels (and awaits) the pending ones", async () => {
    const log: string[] = [];
    const r = await run((cx) =>
      wait(cx, [after(1000, "slow", log), after(5, "fast", log), after(2000, "slower", log)], {
        returnWhen: "firstCompleted",
      }),
    );
    expect(r.done).toEqual([{ index: 1, status: "fulfilled", value: "fast" }]);
    expect(r.pending).toEqual([0, 2]);
    expect(log.sort()).toEqual(["cancelled slow", "cancelled slower"]);
  });

  it("firstException returns at the first failure; done keeps completion order", async () => {
    const boom = new Error("boom");
    const r = await run((cx) =>
      wait(
        cx,
        [
          after(5, "a"),
          async (cx) => {
            await cx.sleep(20);
            throw boom;
          },
          after(5000, "never"),
        ],
        { returnWhen: "firstException" },
      ),
    );
    expect(r.done).toEqual([
      { index: 0, status: "fulfilled", value: "a" },
      { index: 1, status: "rejected", reason: boom },
    ]);
    expect(r.pending).toEqual([2]);
  });

  it("firstException with no failure waits for all; allCompleted waits for all in completion order", async () => {
    await run(async (cx) => {
      const r1 = await wait(cx, [after(15, 1), after(5, 2)], { returnWhen: "firstException" });
      expect(r1.done.map((o) => o.index)).toEqual([1, 0]);
      const r2 = await wait(cx, [after(20, "x"), after(1, "y"), after(10, "z")]);
      expect(r2.done.map((o) => (o.status === "fulfilled" ? o.value : null))).toEqual(["y", "z", "x"]);
      expect(r2.pending).toEqual([]);
    });
  });

  it("a timeout cancels what is pending", async () => {
    const r = await run((cx) => wait(cx, [after(5, "a"), after(5000, "b")], { timeout: 30 }));
    expect(r.done.map((o) => o.index)).toEqual([0]);
    expect(r.pending).toEqual([1]);
  });

  it("rejects bad input", async () => {
    await run(async (cx) => {
      expect(() => wait(cx, [], { returnWhen: "FIRST_COMPLETED" as never })).toThrow(/returnWhen must be one of/);
      expect(() => wait(cx, [], { timeout: -1 })).toThrow(RangeError);
      expect(() => wait(cx, [1 as never])).toThrow(TypeError);
    });
  });
});

describe("asCompleted", () => {
  it("yields results in completion order", async () => {
    const seen: unknown[] = [];
    await run(async (cx) => {
      for await (const { index, value } of asCompleted(cx, [after(30, "c"), after(5, "a"), after(15, "b")])) {
        seen.push(`${index}:${value}`);
      }
    });
    expect(seen).toEqual(["1:a", "2:b", "0:c"]);
  });

  it("breaking out of the loop cancels and awaits the remaining jobs", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      for await (const { value } of asCompleted(cx, [after(5, "first", log), after(1000, "x", log), after(2000, "y", log)])) {
        log.push(`got ${value}`);
        break;
      }
      log.push("after loop");
    });
    expect(log[0]).toBe("got first");
    expect(log.slice(1, 3).sort()).toEqual(["cancelled x", "cancelled y"]);
    expect(log[3]).toBe("after loop");
  });

  it("a failing job cancels the others and its error is thrown from the loop", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const e = await run(async (cx) => {
      for await (const { value } of asCompleted(cx, [
        after(1000, "slow", log),
        async (cx: Context) => {
          await cx.sleep(5);
          throw boom;
        },
      ])) {
        log.push(String(value));
      }
    }).catch((e: unknown) => e);
    expect(e).toBe(boom);
    expect(log).toEqual(["cancelled slow"]);
  });

  it("the caller's cancellation ends the loop with Cancelled after the jobs ended", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const r = await cx.moveOnAfter(10, async (cx) => {
        try {
          for await (const _ of asCompleted(cx, [after(1000, "a", log)])) log.push("item");
        } catch (e) {
          log.push(e instanceof Cancelled ? "loop cancelled" : "other");
          throw e;
        }
      });
      expect(r.cancelled).toBe(true);
    });
    expect(log).toEqual(["cancelled a", "loop cancelled"]);
  });
});

describe("waitFor", () => {
  it("is failAfter under asyncio's name", async () => {
    await run(async (cx) => {
      expect(await waitFor(cx, 1000, async () => 5)).toBe(5);
      await expect(waitFor(cx, 5, (cx) => cx.sleep(1000))).rejects.toBeInstanceOf(TimeoutError);
      expect(() => waitFor(cx, -1, async () => {})).toThrow(RangeError);
    });
  });
});
