// Queue: asyncio's put/get/taskDone/join, cancel-safe.
import { describe, expect, it } from "vitest";
import { Cancelled, LifoQueue, PriorityQueue, Queue, run, UsageError, WouldBlock } from "skein";
import { MockClock } from "skein/testing";

describe("Queue", () => {
  it("is FIFO and serves blocked getters in arrival order", async () => {
    const got: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new Queue<number>();
        for (const name of ["g1", "g2", "g3"]) tg.startSoon(async (cx) => got.push(`${name}:${await q.get(cx)}`));
        await cx.sleep(5);
        expect(q.statistics().waitingGet).toBe(3);
        for (const n of [1, 2, 3]) await q.put(cx, n);
      }),
    );
    expect(got).toEqual(["g1:1", "g2:2", "g3:3"]);
  });

  it("put waits while full; putters are admitted in order; statistics track it", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new Queue<string>(1);
        await q.put(cx, "a");
        expect(q.full()).toBe(true);
        tg.startSoon(async (cx) => (await q.put(cx, "b"), log.push("put b")));
        tg.startSoon(async (cx) => (await q.put(cx, "c"), log.push("put c")));
        await cx.sleep(5);
        expect(q.statistics()).toMatchObject({ size: 1, maxSize: 1, unfinished: 1, waitingPut: 2, waitingGet: 0 });
        for (let i = 0; i < 3; i++) log.push(`got ${await q.get(cx)}`), await cx.sleep(1);
        expect(q.statistics()).toMatchObject({ size: 0, unfinished: 3, waitingPut: 0 });
      }),
    );
    expect(log.filter((l) => l.startsWith("got"))).toEqual(["got a", "got b", "got c"]);
    expect(log.indexOf("put b")).toBeLessThan(log.indexOf("put c"));
    expect(log.indexOf("put b")).toBeLessThan(log.indexOf("got b"));
    expect(log.indexOf("put c")).toBeLessThan(log.indexOf("got c"));
    expect(log.indexOf("put c")).toBeGreaterThan(log.indexOf("got a"));
  });

  it("a getter cancelled while queued takes nothing; the next item goes to the next live getter", async () => {
    const got: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new Queue<string>();
        tg.startSoon(async (cx) => got.push(`first:${await q.get(cx)}`));
        tg.startSoon(async (cx) => {
          const r = await cx.moveOnAfter(5, async (cx) => got.push(`cancelled:${await q.get(cx)}`));
          expect(r.cancelled).toBe(true);
        });
        tg.startSoon(async (cx) => got.push(`third:${await q.get(cx)}`));
        await cx.sleep(20);
        expect(q.statistics().waitingGet).toBe(2);
        q.putNowait("x");
        q.putNowait("y");
      }),
    );
    expect(got).toEqual(["first:x", "third:y"]);
  });

  it("a putter cancelled while waiting did not add its item", async () => {
    await run(async (cx) => {
      const q = new Queue<string>(1);
      q.putNowait("kept");
      const r = await cx.moveOnAfter(5, (cx) => q.put(cx, "dropped"));
      expect(r.cancelled).toBe(true);
      expect(q.statistics()).toMatchObject({ size: 1, unfinished: 1, waitingPut: 0 });
      expect(q.getNowait()).toBe("kept");
      expect(() => q.getNowait()).toThrow(WouldBlock);
    });
  });

  it("join waits until every item is marked done", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new Queue<number>();
        tg.startSoon(async (cx) => {
          for (;;) {
            const n = await q.get(cx);
            await cx.sleep(2);
            log.push(`done ${n}`);
            q.taskDone();
          }
        });
        for (const n of [1, 2, 3]) await q.put(cx, n);
        await q.join(cx);
        log.push("joined");
        tg.cancelScope.cancel();
      }),
    );
    expect(log).toEqual(["done 1", "done 2", "done 3", "joined"]);
  });

  it("a join cancelled while waiting leaves; taskDone wakes the joiners still waiting", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new Queue<number>();
        q.putNowait(1);
        tg.startSoon(async (cx) => {
          const r = await cx.moveOnAfter(1, (cx) => q.join(cx));
          log.push(r.cancelled ? "gave up" : "joined early");
        });
        tg.startSoon(async (cx) => (await q.join(cx), log.push("joined")));
        await cx.sleep(10);
        expect(log).toEqual(["gave up"]);
        q.getNowait();
        q.taskDone();
        await cx.sleep(1);
        expect(log).toEqual(["gave up", "joined"]);
      }), { clock: new MockClock({ autojumpThreshold: 0 }) }, // virtual time: no real-time race between the deadlines
    );
  });

  it("nowait variants, taskDone misuse, cancelled callers, and bad input", async () => {
    await run(async (cx) => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      expect(() => q.putNowait(2)).toThrow(WouldBlock);
      expect(q.getNowait()).toBe(1);
      q.taskDone();
      expect(() => q.taskDone()).toThrow(UsageError);
      q.putNowait(2);
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        for (const call of [() => q.get(cx), () => q.put(cx, 3), () => q.join(cx)]) {
          let p: unknown;
          expect(() => (p = call())).not.toThrow();
          expect(p).toBeInstanceOf(Promise);
          await expect(p).rejects.toBeInstanceOf(Cancelled);
        }
      });
      expect(q.statistics()).toMatchObject({ size: 1, unfinished: 1, waitingGet: 0, waitingPut: 0 });
      expect(q.getNowait()).toBe(2);
    });
    expect(() => new Queue(0)).toThrow(RangeError);
    expect(() => new Queue(1.5)).toThrow(/maxSize must be a whole number >= 1 or Infinity, got 1.5/);
    expect(() => new Queue(-1)).toThrow(RangeError);
    expect(() => new Queue("3" as never)).toThrow(TypeError);
  });
});

describe("PriorityQueue and LifoQueue", () => {
  it("PriorityQueue: get takes the smallest by compare; equal items first in, first out", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const q = new PriorityQueue<{ p: number; name: string }>((a, b) => a.p - b.p);
      for (const [p, name] of [[3, "c"], [1, "a1"], [2, "b"], [1, "a2"], [5, "e"], [1, "a3"], [4, "d"]] as const) {
        await q.put(cx, { p, name });
      }
      expect(q.size).toBe(7);
      while (!q.empty()) got.push((await q.get(cx)).name);
    });
    expect(got).toEqual(["a1", "a2", "a3", "b", "c", "d", "e"]);
  });

  it("PriorityQueue: many items in random order come out sorted", async () => {
    const input = Array.from({ length: 200 }, (_, i) => (i * 7919) % 200);
    const out: number[] = [];
    await run(async (cx) => {
      const q = new PriorityQueue<number>((a, b) => a - b);
      for (const n of input.slice(0, 100)) q.putNowait(n);
      for (let i = 0; i < 50; i++) out.push(q.getNowait()); // interleave puts and gets
      for (const n of input.slice(100)) q.putNowait(n);
      while (!q.empty()) out.push(await q.get(cx));
    });
    const firstHalf = [...input.slice(0, 100)].sort((a, b) => a - b).slice(0, 50);
    expect(out.slice(0, 50)).toEqual(firstHalf);
    expect(out.slice(50)).toEqual([...out.slice(50)].sort((a, b) => a - b));
    expect([...out].sort((a, b) => a - b)).toEqual([...input].sort((a, b) => a - b));
  });

  it("PriorityQueue: a blocked getter is woken by a put; a bounded one blocks putters; taskDone/join work", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const q = new PriorityQueue<number>((a, b) => a - b, 2);
        tg.startSoon(async (cx) => log.push(`got ${await q.get(cx)}`));
        await cx.sleep(5);
        expect(q.statistics().waitingGet).toBe(1);
        await q.put(cx, 9);
        await cx.sleep(5);
        q.taskDone();
        await q.put(cx, 5);
        await q.put(cx, 1);
        expect(q.full()).toBe(true);
        tg.startSoon(async (cx) => (await q.put(cx, 0), log.push("put 0")));
        await cx.sleep(5);
        expect(q.statistics()).toMatchObject({ size: 2, waitingPut: 1 });
        log.push(`got ${await q.get(cx)}`); // 1: the blocked 0 was not in the queue yet
        await cx.sleep(5);
        log.push(`got ${await q.get(cx)}`, `got ${await q.get(cx)}`);
        for (let i = 0; i < 3; i++) q.taskDone();
        await q.join(cx);
      }),
    );
    expect(log.filter((l) => l.startsWith("got"))).toEqual(["got 9", "got 1", "got 0", "got 5"]);
    expect(log.indexOf("put 0")).toBeLessThan(log.indexOf("got 0"));
  });

  it("PriorityQueue: a getter cancelled while waiting takes nothing", async () => {
    await run(async (cx) => {
      const q = new PriorityQueue<number>((a, b) => a - b);
      const r = await cx.moveOnAfter(10, (cx) => q.get(cx));
      expect(r.cancelled).toBe(true);
      q.putNowait(2);
      q.putNowait(1);
      expect(q.statistics()).toMatchObject({ size: 2, waitingGet: 0 });
      expect(q.getNowait()).toBe(1);
    });
  });

  it("LifoQueue: get takes the newest item; nowait variants and bounds as for Queue", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const q = new LifoQueue<string>(3);
      for (const s of ["a", "b", "c"]) await q.put(cx, s);
      expect(() => q.putNowait("d")).toThrow(WouldBlock);
      got.push(q.getNowait());
      await q.put(cx, "e");
      while (!q.empty()) got.push(await q.get(cx));
      expect(() => q.getNowait()).toThrow(WouldBlock);
    });
    expect(got).toEqual(["c", "e", "b", "a"]);
  });

  it("bad input names the argument", () => {
    expect(() => new PriorityQueue(undefined as never)).toThrow(/compare must be a function, got undefined/);
    expect(() => new PriorityQueue<number>((a, b) => a - b, 0)).toThrow(RangeError);
    expect(() => new LifoQueue(1.5)).toThrow(/maxSize must be a whole number >= 1 or Infinity, got 1.5/);
  });
});
