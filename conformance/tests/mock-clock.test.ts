// Virtual time: MockClock (jump, rate, autojump), waitAllTasksBlocked and
// skeinTest, on every runtime. Virtual times are asserted exactly; real time
// only with generous bounds.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, Event, run, TimeoutError, UsageError } from "skein";
import { MockClock, skeinTest, TestHangError, waitAllTasksBlocked } from "skein/testing";

const HOUR = 60 * 60_000;

describe("MockClock", () => {
  it("starts at 0 and is frozen by default", async () => {
    const clock = new MockClock();
    expect(clock.now()).toBe(0);
    expect(clock.rate).toBe(0);
    expect(clock.autojumpThreshold).toBe(Infinity);
    await run(async (cx) => {
      expect(cx.currentTime()).toBe(0);
      await cx.checkpoint();
      expect(cx.currentTime()).toBe(0);
    }, { clock });
  });

  it("failAfter of a body that sleeps 2 hours throws TimeoutError exactly 1 hour later, in well under a second", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const real = performance.now();
    const log: string[] = [];
    await run(async (cx) => {
      const start = cx.currentTime();
      try {
        await cx.failAfter(HOUR, async (cx) => {
          await cx.sleep(2 * HOUR);
          log.push("woke");
        });
      } catch (e) {
        log.push(e instanceof TimeoutError ? "timeout" : String(e));
      }
      expect(cx.currentTime() - start).toBe(HOUR);
    }, { clock });
    expect(log).toEqual(["timeout"]);
    expect(performance.now() - real).toBeLessThan(5_000);
  });

  it("moveOnAfter, sleepUntil and nested deadlines fire at their exact virtual times", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const log: [string, number][] = [];
    await run(async (cx) => {
      const r = await cx.moveOnAfter(500, (cx) => cx.sleep(1_000));
      log.push(["moveOn", cx.currentTime()]);
      expect(r.cancelled).toBe(true);
      await cx.sleepUntil(1_234.5);
      log.push(["sleepUntil", cx.currentTime()]);
      await cx.moveOnAfter(1_000, async (cx) => {
        await cx.moveOnAfter(300, (cx) => cx.sleepForever());
        log.push(["inner", cx.currentTime()]);
        await cx.moveOnAfter(5_000, (cx) => cx.sleepForever()); // the outer deadline (2234.5) comes first
        log.push(["not reached", cx.currentTime()]);
      });
      log.push(["outer", cx.currentTime()]);
    }, { clock });
    expect(log).toEqual([
      ["moveOn", 500],
      ["sleepUntil", 1_234.5],
      ["inner", 1_534.5],
      ["outer", 2_234.5],
    ]);
  });

  it("a deadline moved while the task is blocked takes effect at the new time", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const log: [string, number][] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const scope = new CancelScope({ deadline: 10_000 });
        tg.startSoon(async (cx) => {
          await cx.withCancelScope(scope, (cx) => cx.sleepForever());
          log.push(["cancelled", cx.currentTime()]);
        });
        await cx.sleep(1_000);
        scope.deadline = 2_500; // earlier
        await cx.sleep(100);
        log.push(["moved", cx.currentTime()]);
      }),
    { clock });
    expect(log).toEqual([["moved", 1_100], ["cancelled", 2_500]]);

    const later: number[] = [];
    await run(async (cx) => {
      await cx.withCancelScope({ deadline: 100 }, async (cx) => {
        cx.cancelScope.deadline = 7_000; // later, before the first one fires
        await cx.sleepForever();
      });
      later.push(cx.currentTime());
    }, { clock: new MockClock({ autojumpThreshold: 0 }) });
    expect(later).toEqual([7_000]);
  });

  it("Event.wait with a deadline gives up at the deadline, or returns when set", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const log: [string, number][] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const never = new Event();
        const r = await cx.moveOnAfter(30_000, (cx) => never.wait(cx));
        log.push([r.cancelled ? "gave up" : "set", cx.currentTime()]);
        const soon = new Event();
        tg.startSoon(async (cx) => {
          await cx.sleep(1_000);
          soon.set();
        });
        const r2 = await cx.moveOnAfter(30_000, (cx) => soon.wait(cx));
        log.push([r2.cancelled ? "gave up" : "set", cx.currentTime()]);
      }),
    { clock });
    expect(log).toEqual([["gave up", 30_000], ["set", 31_000]]);
  });

  it("autojump does not jump while a task is runnable: a checkpoint loop delays the jump", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(1_000);
          log.push(`sleeper woke at ${cx.currentTime()}`);
        });
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 200; i++) {
            await cx.checkpoint();
            expect(cx.currentTime()).toBe(0);
          }
          log.push(`busy done at ${cx.currentTime()}`);
        });
      }),
    { clock });
    expect(log).toEqual(["busy done at 0", "sleeper woke at 1000"]);
  });

  it("with autojump off, time moves only by jump(); due timers fire in deadline order after the jump", async () => {
    const clock = new MockClock();
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        for (const ms of [300, 100, 200]) {
          tg.startSoon(async (cx) => {
            await cx.sleep(ms);
            log.push(`${ms}@${cx.currentTime()}`);
          });
        }
        for (let i = 0; i < 20; i++) await cx.checkpoint();
        expect(log).toEqual([]); // frozen: nothing fires by itself
        clock.jump(150);
        expect(log).toEqual([]); // never inside jump()
        await cx.checkpoint(); // the due sleeper has woken and run by then
        expect(log).toEqual(["100@150"]);
        expect(cx.currentTime()).toBe(150);
        clock.jump(1_000);
      }),
    { clock });
    expect(log).toEqual(["100@150", "200@1150", "300@1150"]);
    expect(() => clock.jump(-1)).toThrow(RangeError);
  });

  it("rate: virtual time follows real time scaled, and sleeps end on it", async () => {
    const clock = new MockClock({ rate: 1_000 });
    await run(async (cx) => {
      const t0 = cx.currentTime();
      const real = performance.now();
      await cx.sleep(20_000); // 20 virtual s = about 20 real ms
      expect(cx.currentTime() - t0).toBeGreaterThanOrEqual(20_000);
      expect(performance.now() - real).toBeLessThan(5_000);
    }, { clock });
    clock.rate = 0;
    const frozen = clock.now();
    expect(clock.now()).toBe(frozen);
    expect(() => (clock.rate = -1)).toThrow(RangeError);
  });

  it("a task waiting on a foreign promise counts as blocked: threshold 0 jumps past it, a threshold longer than the I/O does not", async () => {
    const io = () => new Promise<string>((resolve) => setTimeout(() => resolve("answer"), 20));
    const log: string[] = [];
    await run(async (cx) => {
      const r = await cx.moveOnAfter(5_000, (cx) => cx.abandonOnCancel(io()));
      log.push(r.cancelled ? `gave up at ${cx.currentTime()}` : r.value);
    }, { clock: new MockClock({ autojumpThreshold: 0 }) });
    await run(async (cx) => {
      const r = await cx.moveOnAfter(5_000, (cx) => cx.abandonOnCancel(io()));
      log.push(r.cancelled ? `gave up at ${cx.currentTime()}` : `${r.value} at ${cx.currentTime()}`);
    }, { clock: new MockClock({ autojumpThreshold: 1_000 }) });
    expect(log).toEqual(["gave up at 5000", "answer at 0"]);
  });

  it("a clock drives one run at a time; bad options are rejected", async () => {
    const clock = new MockClock();
    await run(async () => {
      await expect(run(async () => {}, { clock })).rejects.toBeInstanceOf(UsageError);
    }, { clock });
    await run(async (cx) => cx.checkpoint(), { clock }); // free again after the run
    expect(() => new MockClock({ autojumpThreshold: Number.NaN })).toThrow(RangeError);
    // @ts-expect-error not a clock
    expect(() => run(async () => {}, { clock: {} })).toThrow(TypeError);
  });

  it("cancellation of a sleeper under a frozen clock still wakes it at once", async () => {
    const clock = new MockClock();
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          try {
            await cx.sleep(HOUR);
          } catch (e) {
            log.push(e instanceof Cancelled ? "cancelled" : String(e));
            throw e;
          }
        });
        await cx.checkpoint();
        tg.cancelScope.cancel();
      }),
    { clock });
    expect(log).toEqual(["cancelled"]);
    expect(clock.now()).toBe(0);
  });
});

describe("waitAllTasksBlocked", () => {
  it("returns after a busy task is exhausted, for every waiter (trio's test_wait_all_tasks_blocked)", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 10; i++) await cx.checkpoint();
          record.push("busy bee exhausted");
        });
        const waiting = async (cx: import("skein").Context) => {
          await waitAllTasksBlocked(cx);
          record.push("quiet at last!");
        };
        tg.startSoon(waiting);
        tg.startSoon(waiting);
      }),
    );
    expect(record).toEqual(["busy bee exhausted", "quiet at last!", "quiet at last!"]);
  });

  it("smaller cushions return first (trio's cushion test, on a frozen clock)", async () => {
    const record: string[] = [];
    const clock = new MockClock(); // frozen: the blink task stays blocked until jumped
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          record.push("blink start");
          await cx.sleep(10);
          record.push("blink end");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 60);
          record.push("big cushion end");
          clock.jump(10);
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 20);
          record.push("small cushion end");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          record.push("no cushion end");
        });
      }),
    { clock });
    expect(record).toEqual(["blink start", "no cushion end", "small cushion end", "big cushion end", "blink end"]);
  });

  it("a task woken from outside the run (a foreign promise) counts as running and restarts the cushion", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 5; i++) await cx.abandonOnCancel(new Promise((resolve) => setTimeout(resolve, 5)));
          record.push("foreign waits done");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 150);
          record.push("quiet");
        });
      }),
    );
    expect(record).toEqual(["foreign waits done", "quiet"]);
  });

  it("while a task waits for everyone to block, autojump waits for it", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(1_000);
          record.push(`sleeper at ${cx.currentTime()}`);
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 10);
          record.push(`waiter at ${cx.currentTime()}`);
        });
      }),
    { clock: new MockClock({ autojumpThreshold: 0 }) });
    expect(record).toEqual(["waiter at 0", "sleeper at 1000"]);
  });

  it("is a checkpoint: cancellation stops it", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const r = await cx.moveOnAfter(20, async (cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            for (;;) await cx.checkpoint(); // never blocked
          });
          await waitAllTasksBlocked(cx);
          log.push("returned");
        }),
      );
      log.push(r.cancelled ? "cancelled" : "finished");
    });
    expect(log).toEqual(["cancelled"]);
  });
});

describe("skeinTest", () => {
  it("runs the body on a mock clock with autojump", async () => {
    const seen: number[] = [];
    const fn = skeinTest(async (cx, clock) => {
      expect(clock).toBeInstanceOf(MockClock);
      await expect(cx.failAfter(HOUR, (cx) => cx.sleep(2 * HOUR))).rejects.toBeInstanceOf(TimeoutError);
      seen.push(cx.currentTime(), clock.now());
    });
    await fn();
    expect(seen).toEqual([HOUR, HOUR]);
  });

  it("a body's error fails the test with that error", async () => {
    const boom = new Error("boom");
    await expect(skeinTest(async () => { throw boom; })()).rejects.toBe(boom);
  });

  it("a hanging body fails with TestHangError within the real-time limit", async () => {
    const real = performance.now();
    const error = await skeinTest((cx) => cx.sleepForever(), { timeout: 200 })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestHangError);
    expect((error as Error).message).toMatch(/did not finish within 200 ms/);
    expect((error as Error).message).toMatch(/its tasks were:\nmain: blocked on sleepForever \(since 0\)$/);
    expect(performance.now() - real).toBeLessThan(10_000);
  });

  it("a hang's TestHangError shows the task tree", async () => {
    const error = await skeinTest(
      (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const never = new Event();
          tg.startSoon(async function stuck(cx) {
            await never.wait(cx);
          });
          await cx.sleep(HOUR);
        }),
      { timeout: 200 },
    )().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestHangError);
    expect((error as Error).message.split("its tasks were:\n")[1]).toBe(
      ["main: blocked on task group (since 3600000)", "  group", "    stuck: blocked on Event.wait (since 0)"].join("\n"),
    );
  });

  it("rejects bad arguments when made", () => {
    // @ts-expect-error not a function
    expect(() => skeinTest(42)).toThrow(TypeError);
    expect(() => skeinTest(async () => {}, { timeout: -1 })).toThrow(RangeError);
  });
});
