// Schedule points: a blocking call that completes at once, and a task woken
// by another, must still let the event loop turn now and then, or a loop of
// them starves the run's own timers (a `moveOnAfter` around it never fires)
// and every other macrotask. And a lock, semaphore, limiter or event that
// need not wait still yields to other tasks, as in trio and anyio.
//
// Each loop below is bounded (BOUND steps, far more than a few milliseconds'
// worth), so on code that starves the event loop the test fails by
// finishing its loop with the deadline never fired, instead of hanging.
import { describe, expect, it } from "vitest";
import { Cancelled, CapacityLimiter, type Context, createMemoryObjectStream, Event, Lock, Queue, run, Semaphore } from "skein";
import { BOUND, interleaving } from "../helpers/schedule.ts";


/** Runs `loop` under a 2 ms deadline and returns whether the deadline cut it short. */
async function deadlineFires(loop: (cx: Context) => Promise<void>): Promise<boolean> {
  let cancelled = false;
  await run(async (cx) => {
    cancelled = (await cx.moveOnAfter(2, loop)).cancelled;
  });
  return cancelled;
}

describe("schedule points: no loop starves the event loop", () => {
  for (const buffer of [0, 1, 100]) {
    it(`a producer and a consumer on a memory stream (buffer ${buffer}) let a deadline fire`, async () => {
      let received = 0;
      const fired = await deadlineFires((cx) =>
        cx.taskGroup(async (tg) => {
          const [send, receive] = createMemoryObjectStream<number>(buffer);
          tg.startSoon(async (cx) => {
            for (let i = 0; i < BOUND; i++) await send.send(cx, i);
            send.close();
          });
          tg.startSoon(async (cx) => {
            for await (const _ of receive.iterate(cx)) received++;
          });
        }),
      );
      expect(fired).toBe(true);
      expect(received).toBeLessThan(BOUND);
    });
  }

  it("a task sending into and receiving from its own buffered stream lets a deadline fire", async () => {
    const fired = await deadlineFires(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      for (let i = 0; i < BOUND; i++) {
        await send.send(cx, i);
        await receive.receive(cx);
      }
    });
    expect(fired).toBe(true);
  });

  it("a put/get loop on a Queue lets a deadline fire", async () => {
    const fired = await deadlineFires(async (cx) => {
      const queue = new Queue<number>(1);
      for (let i = 0; i < BOUND; i++) {
        await queue.put(cx, i);
        await queue.get(cx);
      }
    });
    expect(fired).toBe(true);
  });

  it("loops on a set Event, a free Lock, Semaphore and CapacityLimiter let a deadline fire", async () => {
    const event = new Event();
    event.set();
    const lock = new Lock();
    const semaphore = new Semaphore(1);
    const limiter = new CapacityLimiter(1);
    const loops: [string, (cx: Context) => Promise<void>][] = [
      ["Event.wait", (cx) => event.wait(cx)],
      ["Lock", async (cx) => (await lock.acquire(cx), lock.release(cx))],
      ["Semaphore", async (cx) => (await semaphore.acquire(cx), semaphore.release())],
      ["CapacityLimiter", async (cx) => (await limiter.acquire(cx), limiter.release(cx))],
    ];
    const fired: string[] = [];
    for (const [name, step] of loops) {
      if (
        await deadlineFires(async (cx) => {
          for (let i = 0; i < BOUND; i++) await step(cx);
        })
      ) {
        fired.push(name);
      }
    }
    expect(fired).toEqual(loops.map(([name]) => name));
  });

  it("two tasks passing the turn through events (every wait parks) let a deadline fire", async () => {
    let rounds = 0;
    const fired = await deadlineFires((cx) =>
      cx.taskGroup(async (tg) => {
        let turnA = new Event();
        let turnB = new Event();
        tg.startSoon(async (cx) => {
          for (let i = 0; i < BOUND; i++) {
            await turnA.wait(cx);
            turnA = new Event();
            rounds++;
            turnB.set();
          }
        });
        tg.startSoon(async (cx) => {
          for (let i = 0; i < BOUND; i++) {
            const mine = turnB;
            turnA.set();
            await mine.wait(cx);
            turnB = new Event();
          }
        });
      }),
    );
    expect(fired).toBe(true);
    expect(rounds).toBeLessThan(BOUND);
  });

  it("a loop awaiting settled foreign promises (abandonOnCancel) lets a deadline fire", async () => {
    const fired = await deadlineFires(async (cx) => {
      for (let i = 0; i < BOUND; i++) await cx.abandonOnCancel(Promise.resolve(i));
    });
    expect(fired).toBe(true);
  });

  it("a loop on a memory stream lets a plain setTimeout callback run", async () => {
    let timeout = false;
    let steps = 0;
    await run(async (cx) => {
      setTimeout(() => (timeout = true), 0);
      const [send, receive] = createMemoryObjectStream<number>(1);
      while (!timeout && steps < BOUND) {
        await send.send(cx, steps++);
        await receive.receive(cx);
      }
    });
    expect(timeout).toBe(true);
    expect(steps).toBeLessThan(BOUND);
  });
});

describe("schedule points: the fast path of a lock, semaphore, limiter or event yields to other tasks (trio, anyio)", () => {
  const primitives: [string, () => (cx: Context) => Promise<void>][] = [
    [
      "a set Event's wait",
      () => {
        const event = new Event();
        event.set();
        return (cx) => event.wait(cx);
      },
    ],
    [
      "a free Lock's acquire",
      () => {
        const lock = new Lock();
        return async (cx) => (await lock.acquire(cx), lock.release(cx));
      },
    ],
    [
      "a free Semaphore's acquire",
      () => {
        const semaphore = new Semaphore(1);
        return async (cx) => (await semaphore.acquire(cx), semaphore.release());
      },
    ],
    [
      "a free CapacityLimiter's acquire",
      () => {
        const limiter = new CapacityLimiter(1);
        return async (cx) => (await limiter.acquire(cx), limiter.release(cx));
      },
    ],
  ];
  for (const [name, make] of primitives) {
    it(`${name} lets a task waiting at a checkpoint run before it returns`, async () => {
      expect(await run((cx) => interleaving(cx, make()))).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
    });
  }

  it("fastAcquire (anyio's fast_acquire): a free Lock or Semaphore is taken without yielding, still a cancel point", async () => {
    for (const make of [
      () => {
        const lock = new Lock({ fastAcquire: true });
        return async (cx: Context) => (await lock.acquire(cx), lock.release(cx));
      },
      () => {
        const semaphore = new Semaphore(1, { fastAcquire: true });
        return async (cx: Context) => (await semaphore.acquire(cx), semaphore.release());
      },
    ]) {
      expect(await run((cx) => interleaving(cx, make()))).toEqual(["a0", "a1", "a2", "b0", "b1", "b2"]);
      // Still a cancel point, and a loop of them still lets a deadline fire.
      await run(async (cx) => {
        const step = make();
        let passed = false;
        await cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          await step(cx);
          passed = true;
        });
        expect(passed).toBe(false);
        expect(
          await cx.moveOnAfter(2, async (cx) => {
            for (let i = 0; i < BOUND; i++) await step(cx);
          }),
        ).toMatchObject({ cancelled: true });
      });
    }
    expect(() => new Lock({ fastAcquire: "yes" as never })).toThrow(/options.fastAcquire must be a boolean/);
    expect(() => new Semaphore(1, { fastAcquire: 1 as never })).toThrow(TypeError);
    expect(() => new Lock(null as never)).toThrow(TypeError);
  });

  it("a lock taken at once is held when the call returns, even if the scope was cancelled during the yield", async () => {
    await run(async (cx) => {
      const lock = new Lock();
      await cx.taskGroup(async (tg) => {
        await cx.withCancelScope({}, async (inner) => {
          const acquiring = lock.acquire(inner);
          inner.cancelScope.cancel();
          await acquiring; // taken before the cancel: the shielded yield does not undo it
          expect(lock.locked()).toBe(true);
          lock.release(inner);
        });
        tg.startSoon(async (cx) => {
          await lock.acquire(cx);
          lock.release(cx);
        });
      });
    });
  });

  it("a set Event's wait raises a cancellation that arrived during its yield, as trio's (a full checkpoint: the yield, then the cancel check)", async () => {
    await run(async (cx) => {
      const event = new Event();
      event.set();
      const log: string[] = [];
      await cx.withCancelScope({}, async (inner) => {
        const waiting = event.wait(inner);
        inner.cancelScope.cancel(); // after the call's own cancel check, during its yield
        try {
          await waiting;
          log.push("returned");
        } catch (error) {
          log.push(error instanceof Cancelled ? "Cancelled" : String(error));
          throw error;
        }
      });
      expect(log).toEqual(["Cancelled"]);
    });
  });
});
