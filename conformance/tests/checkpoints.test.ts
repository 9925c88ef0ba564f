// Checkpoints, sleeping, the clock, and awaiting foreign promises.
import { describe, expect, it } from "vitest";
import { Cancelled, run } from "skein";

describe("checkpoints and time", () => {
  it("checkpoint lets other tasks run, round-robin", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        for (const name of ["a", "b"]) {
          tg.startSoon(async (cx) => {
            for (let i = 0; i < 3; i++) {
              log.push(`${name}${i}`);
              await cx.checkpoint();
            }
          });
        }
      }),
    );
    expect(log).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("checkpoint lets timers and macrotasks run (it is not a microtask spin)", async () => {
    let fired = false;
    await run(async (cx) => {
      setTimeout(() => (fired = true), 0);
      const start = cx.currentTime();
      while (!fired && cx.currentTime() - start < 10_000) await cx.checkpoint();
    });
    expect(fired).toBe(true);
  });

  it("sleeps wake in deadline order and the clock moves forward", async () => {
    const log: number[] = [];
    await run(async (cx) => {
      const start = cx.currentTime();
      await cx.taskGroup(async (tg) => {
        for (const ms of [30, 10, 20, 0]) tg.startSoon(async (cx) => (await cx.sleep(ms), log.push(ms)));
      });
      expect(cx.currentTime() - start).toBeGreaterThanOrEqual(29);
    });
    expect(log).toEqual([0, 10, 20, 30]);
  });

  it("sleepUntil wakes at an absolute time; a past time is a checkpoint", async () => {
    await run(async (cx) => {
      const target = cx.currentTime() + 15;
      await cx.sleepUntil(target);
      expect(cx.currentTime()).toBeGreaterThanOrEqual(target - 1);
      await cx.sleepUntil(0);
    });
  });

  it("sleepForever ends only by cancellation", async () => {
    await run(async (cx) => {
      const r = await cx.moveOnAfter(5, (cx) => cx.sleepForever());
      expect(r.cancelled).toBe(true);
    });
  });

  it("abandonOnCancel returns the value or the error of a foreign promise", async () => {
    await run(async (cx) => {
      expect(await cx.abandonOnCancel(Promise.resolve(7))).toBe(7);
      const err = new Error("foreign");
      await expect(cx.abandonOnCancel(Promise.reject(err))).rejects.toBe(err);
    });
  });

  it("abandonOnCancel abandons on cancel, and the later rejection is consumed (no unhandled rejection)", async () => {
    const unhandled: unknown[] = [];
    const onNode = (reason: unknown) => unhandled.push(reason);
    const onWeb = (event: { reason: unknown; preventDefault(): void }) => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    const proc = (globalThis as { process?: { on?: Function; off?: Function } }).process;
    const web = globalThis as unknown as { addEventListener?: Function; removeEventListener?: Function };
    if (typeof proc?.on === "function") proc.on("unhandledRejection", onNode);
    if (typeof web.addEventListener === "function") web.addEventListener("unhandledrejection", onWeb);
    let rejectLater!: (e: unknown) => void;
    const foreign = new Promise((_, reject) => (rejectLater = reject));
    const log: string[] = [];
    try {
      await run(async (cx) => {
        const r = await cx.moveOnAfter(5, async (cx) => {
          try {
            await cx.abandonOnCancel(foreign);
          } catch (e) {
            log.push(e instanceof Cancelled ? "cancelled" : "other");
            throw e;
          }
        });
        expect(r.cancelled).toBe(true);
        rejectLater(new Error("late failure"));
        await cx.sleep(20); // let any unhandled-rejection report happen
        // A promise already cancelled: throws at once, and still consumes the rejection.
        await cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          const p = Promise.reject(new Error("also late"));
          await expect(cx.abandonOnCancel(p)).rejects.toBeInstanceOf(Cancelled);
        });
        await cx.sleep(20);
      });
    } finally {
      if (typeof proc?.off === "function") proc.off("unhandledRejection", onNode);
      if (typeof web.removeEventListener === "function") web.removeEventListener("unhandledrejection", onWeb);
    }
    expect(log).toEqual(["cancelled"]);
    expect(unhandled).toEqual([]);
  });

  it("a blocked sleep wakes with Cancelled as soon as its scope is cancelled", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const start = cx.currentTime();
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          try {
            await cx.sleep(60_000);
          } catch (e) {
            log.push((e as Error).name);
            throw e;
          }
        });
        await cx.sleep(5);
        tg.cancelScope.cancel();
      });
      expect(cx.currentTime() - start).toBeLessThan(30_000);
    });
    expect(log).toEqual(["Cancelled"]);
  });

  it("cancelling many sleepers wakes them all", async () => {
    let woke = 0;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        for (let i = 0; i < 1000; i++)
          tg.startSoon(async (cx) => {
            try {
              await cx.sleep(60_000 + i);
            } finally {
              woke++;
            }
          });
        await cx.sleep(1);
        tg.cancelScope.cancel();
      }),
    );
    expect(woke).toBe(1000);
  });
});
