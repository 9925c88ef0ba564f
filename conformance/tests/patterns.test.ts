// The asyncio patterns, done structurally: gather, wait, asCompleted, waitFor.
import { describe, expect, it } from "vitest";
import {
  asCompleted,
  type AsCompletedIterator,
  BrokenResourceError,
  Cancelled,
  CancelScope,
  type Context,
  Event,
  gather,
  TaskGroupError,
  TimeoutError,
  wait,
  waitFor,
} from "skein";

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
// vrun: a MockClock that jumps when every task is blocked, so the sleeps and deadlines below order
// events in virtual time, whatever the machine's load.
import { vrun } from "../helpers/peer.ts";

describe("gather", () => {
  it("returns results in input order whatever the durations", async () => {
    const r = await vrun((cx) => gather(cx, [after(30, "a"), after(5, "b"), after(15, 3), async () => "sync"] as const));
    expect(r).toEqual(["a", "b", 3, "sync"]);
  });

  it("the first failure cancels the rest and is thrown, unwrapped", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const e = await vrun((cx) =>
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
    const e = await vrun((cx) =>
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
    const r = await vrun((cx) =>
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
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(5, (cx) => gather(cx, [after(1000, 1)], { returnErrors: true }));
      expect(r.cancelled).toBe(true);
    });
  });

  it("rejects bad input", async () => {
    await vrun(async (cx) => {
      expect(() => gather(cx, "x" as never)).toThrow(/jobs must be an array of functions/);
      expect(() => gather(cx, [async () => 1, 5 as never])).toThrow(/jobs\[1\] must be a function/);
      expect(() => gather(cx, [], { returnErrors: "yes" as never })).toThrow(TypeError);
    });
  });
});

describe("wait", () => {
  it("firstCompleted returns the first job and cancels (and awaits) the pending ones", async () => {
    const log: string[] = [];
    const r = await vrun((cx) =>
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
    const r = await vrun((cx) =>
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
    await vrun(async (cx) => {
      const r1 = await wait(cx, [after(15, 1), after(5, 2)], { returnWhen: "firstException" });
      expect(r1.done.map((o) => o.index)).toEqual([1, 0]);
      const r2 = await wait(cx, [after(20, "x"), after(1, "y"), after(10, "z")]);
      expect(r2.done.map((o) => (o.status === "fulfilled" ? o.value : null))).toEqual(["y", "z", "x"]);
      expect(r2.pending).toEqual([]);
    });
  });

  it("a timeout cancels what is pending", async () => {
    const r = await vrun((cx) => wait(cx, [after(5, "a"), after(5000, "b")], { timeout: 30 }));
    expect(r.done.map((o) => o.index)).toEqual([0]);
    expect(r.pending).toEqual([1]);
  });

  it("rejects bad input", async () => {
    await vrun(async (cx) => {
      expect(() => wait(cx, [], { returnWhen: "FIRST_COMPLETED" as never })).toThrow(/returnWhen must be one of/);
      expect(() => wait(cx, [], { timeout: -1 })).toThrow(RangeError);
      expect(() => wait(cx, [1 as never])).toThrow(TypeError);
    });
  });
});

describe("asCompleted", () => {
  it("yields results in completion order", async () => {
    const seen: unknown[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        for await (const { index, value } of asCompleted(cx, tg, [after(30, "c"), after(5, "a"), after(15, "b")])) {
          seen.push(`${index}:${value}`);
        }
      }),
    );
    expect(seen).toEqual(["1:a", "2:b", "0:c"]);
  });

  it("breaking out of the loop cancels and awaits the remaining jobs", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        for await (const { value } of asCompleted(cx, tg, [after(5, "first", log), after(1000, "x", log), after(2000, "y", log)])) {
          log.push(`got ${value}`);
          break;
        }
        log.push("after loop");
      }),
    );
    expect(log[0]).toBe("got first");
    expect(log.slice(1, 3).sort()).toEqual(["cancelled x", "cancelled y"]);
    expect(log[3]).toBe("after loop");
  });

  it("a failing job cancels the others; the loop sees Cancelled and the group throws the error, once", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    const e = await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        try {
          for await (const { value } of asCompleted(cx, tg, [
            after(1000, "slow", log),
            async (cx: Context) => {
              await cx.sleep(5);
              throw boom;
            },
          ])) {
            log.push(String(value));
          }
        } catch (error) {
          log.push(error instanceof Cancelled ? "loop cancelled" : "loop got another error");
          throw error;
        }
      }),
    ).catch((e: unknown) => e);
    expect(e).toBe(boom);
    expect(log).toEqual(["cancelled slow", "loop cancelled"]);
  });

  it("a consumer outside the group's scope gets BrokenResourceError; the job's error still goes to the group only", async () => {
    const boom = new Error("boom");
    const seen: unknown[] = [];
    const e = await vrun(async (cx) => {
      let results: AsCompletedIterator<string> | undefined;
      await cx.taskGroup(async (tg) => {
        results = asCompleted(cx, tg, [
          async (cx: Context) => {
            await cx.sleep(5);
            throw boom;
          },
        ]);
        // Waits with the outer `cx`, outside the group's scope: the group's cancellation does not reach it.
        await results.next().catch((error: unknown) => seen.push(error));
      }).catch((error: unknown) => seen.push(error));
      await results!.next().catch((error: unknown) => seen.push(error));
      return seen;
    });
    expect(e).toHaveLength(3);
    expect(seen[0]).toBeInstanceOf(BrokenResourceError);
    expect(seen[1]).toBe(boom);
    expect(seen[2]).toBeInstanceOf(BrokenResourceError);
  });

  it("the caller's cancellation ends the loop with Cancelled; the group has waited for the jobs", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(10, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          try {
            for await (const _ of asCompleted(cx, tg, [after(1000, "a", log)])) log.push("item");
          } catch (e) {
            log.push(e instanceof Cancelled ? "loop cancelled" : "other");
            throw e;
          }
        }),
      );
      log.push("moved on");
      expect(r.cancelled).toBe(true);
    });
    expect(log.slice(0, 2).sort()).toEqual(["cancelled a", "loop cancelled"]);
    expect(log[2]).toBe("moved on");
  });

  it("an abandoned iterator's jobs are owned by the group: the slow job's finally runs before the group and run return", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.taskGroup(async (tg, cx) => {
        const release = new Event();
        const results = asCompleted(cx, tg, [
          async (cx: Context) => (await cx.sleep(5), "fast"),
          async (cx: Context) => {
            try {
              await release.wait(cx);
              await cx.sleep(5);
              log.push("slow done");
              return "slow";
            } finally {
              log.push("slow finally");
            }
          },
        ]);
        const first = await results.next();
        log.push(`got ${first.value?.value}`);
        release.set();
        // Abandoned: neither next() nor return() again.
      });
      log.push("group returned");
    });
    log.push("run returned");
    await new Promise<void>((resolve) => setTimeout(resolve, 60)); // any task code left running would log here
    expect(log).toEqual(["got fast", "slow done", "slow finally", "group returned", "run returned"]);
  });

  it("concurrent next() calls each get a result, none is lost", async () => {
    const got: unknown[] = [];
    await vrun(async (cx) => {
      // A safety net so that a lost wake-up fails the test instead of hanging it.
      const r = await cx.moveOnAfter(5000, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const results = asCompleted(cx, tg, [after(10, "b"), after(5, "a"), after(15, "c")]);
          const all = await Promise.all([results.next(), results.next(), results.next(), results.next()]);
          got.push(...all.map((x) => (x.done ? "done" : `${x.value.index}:${x.value.value}`)));
        }),
      );
      got.push(r.cancelled);
    });
    expect(got).toEqual(["1:a", "0:b", "2:c", "done", false]);
  });

  it("consumers in several tasks share one iterator through next(cx)", async () => {
    const got: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const results = asCompleted(cx, tg, [after(5, 1), after(10, 2), after(15, 3), after(20, 4)]);
        for (const name of ["w1", "w2"]) {
          tg.startSoon(async (cx) => {
            for (let r = await results.next(cx); !r.done; r = await results.next(cx)) got.push(`${r.value.value}`);
            got.push(`${name} done`);
          });
        }
      }),
    );
    expect(got.filter((g) => !g.endsWith("done"))).toEqual(["1", "2", "3", "4"]);
    expect(got.filter((g) => g.endsWith("done")).sort()).toEqual(["w1 done", "w2 done"]);
  });

  it("a next() cancelled while waiting takes nothing: the result goes to the next next()", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const waiting = new CancelScope();
        const results = asCompleted(cx, tg, [
          async (cx: Context) => {
            await cx.sleep(5);
            waiting.cancel(); // the waiting next() is cancelled first, then the result arrives
            return "x";
          },
        ]);
        await cx.withCancelScope(waiting, async (cx) => {
          try {
            await results.next(cx);
            log.push("got it early");
          } catch (error) {
            log.push(error instanceof Cancelled ? "next cancelled" : "other");
            throw error;
          }
        });
        const r = await results.next();
        log.push(r.done ? "done" : `got ${r.value.value}`);
        log.push((await results.next()).done ? "done" : "more");
      }),
    );
    expect(log).toEqual(["next cancelled", "got x", "done"]);
  });

  it("of two waiting next() calls, one cancelled, the result goes to the other", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const first = new CancelScope();
        const results = asCompleted(cx, tg, [
          async (cx: Context) => {
            await cx.sleep(5);
            first.cancel();
            return "x";
          },
        ]);
        await Promise.all([
          cx.withCancelScope(first, (cx) => results.next(cx)).then((r) => log.push(`first: ${r === undefined ? "cancelled" : "got"}`)),
          results.next().then((r) => log.push(`second: ${r.done ? "done" : r.value.value}`)),
        ]);
      }),
    );
    expect(log).toEqual(["first: cancelled", "second: x"]);
  });

  it("rejects bad input; the old two-argument form names the argument", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(() => asCompleted(cx, [async () => 1] as never, [])).toThrow(/tg must be a TaskGroup/);
        expect(() => asCompleted({} as never, tg, [])).toThrow(/asCompleted\(cx\): pass the context \(cx\) as the first argument/);
        expect(() => asCompleted(cx, tg, [1 as never])).toThrow(/jobs\[0\] must be a function/);
        await expect(asCompleted(cx, tg, []).next()).resolves.toEqual({ value: undefined, done: true });
      }),
    );
  });
});

describe("waitFor", () => {
  it("is failAfter under asyncio's name", async () => {
    await vrun(async (cx) => {
      expect(await waitFor(cx, 1000, async () => 5)).toBe(5);
      await expect(waitFor(cx, 5, (cx) => cx.sleep(1000))).rejects.toBeInstanceOf(TimeoutError);
      expect(() => waitFor(cx, -1, async () => {})).toThrow(RangeError);
    });
  });
});
