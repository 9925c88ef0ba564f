// Memory object streams: ordering, buffering, closing, cloning, cancel-safety.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  Cancelled,
  ClosedResourceError,
  createMemoryObjectStream,
  EndOfStream,
  run,
  WouldBlock,
} from "skein";
import { MockClock } from "skein/testing";

describe("memory object streams", () => {
  it("rendezvous (buffer 0): each send waits for a receiver; items arrive in order", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>();
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 3; i++) {
            await send.send(cx, i);
            log.push(`sent ${i}`);
          }
          send.close();
        });
        await cx.sleep(5);
        expect(send.statistics()).toMatchObject({ tasksWaitingSend: 1, currentBufferUsed: 0, maxBufferSize: 0 });
        for await (const n of receive.iterate(cx)) log.push(`got ${n}`);
        log.push("end");
      }),
    );
    expect(log.filter((l) => l.startsWith("got"))).toEqual(["got 0", "got 1", "got 2"]);
    expect(log.indexOf("sent 0")).toBeGreaterThan(-1);
    expect(log.at(-1)).toBe("end");
  });

  it("a buffered send does not wait until the buffer is full", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<string>(2);
      await send.send(cx, "a");
      await send.send(cx, "b");
      expect(() => send.sendNowait("c")).toThrow(WouldBlock);
      expect(receive.statistics()).toMatchObject({ currentBufferUsed: 2, maxBufferSize: 2 });
      const r = await cx.moveOnAfter(5, (cx) => send.send(cx, "c"));
      expect(r.cancelled).toBe(true);
      expect(receive.receiveNowait()).toBe("a");
      expect(receive.receiveNowait()).toBe("b");
      expect(() => receive.receiveNowait()).toThrow(WouldBlock); // "c" was not delivered
    });
  });

  it("waiting senders and receivers are served FIFO; a full buffer admits the first waiting sender", async () => {
    const got: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<string>(1);
        await send.send(cx, "buffered");
        for (const n of ["s1", "s2", "s3"]) tg.startSoon(async (cx) => send.send(cx, n));
        await cx.sleep(5);
        expect(send.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 3 });
        for (let i = 0; i < 4; i++) got.push(await receive.receive(cx));
        expect(send.statistics()).toMatchObject({ currentBufferUsed: 0, tasksWaitingSend: 0 });
        for (const n of ["r1", "r2"]) tg.startSoon(async (cx) => got.push(`${n}:${await receive.receive(cx)}`));
        await cx.sleep(5);
        send.sendNowait("x");
        send.sendNowait("y");
      }),
    );
    expect(got).toEqual(["buffered", "s1", "s2", "s3", "r1:x", "r2:y"]);
  });

  it("a send cancelled while waiting either delivered its item (returns) or not (Cancelled, item absent)", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<string>(0);
      const outcome = await cx.moveOnAfter(5, (cx) => send.send(cx, "lost"));
      expect(outcome.cancelled).toBe(true);
      expect(send.statistics().tasksWaitingSend).toBe(0);
      expect(() => receive.receiveNowait()).toThrow(WouldBlock);
      // Delivered: a receiver takes it before the deadline; the send returns normally.
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(1);
          expect(await receive.receive(cx)).toBe("kept");
        });
        const r = await cx.moveOnAfter(5000, (cx) => send.send(cx, "kept"));
        expect(r.cancelled).toBe(false);
      });
    });
  });

  it("a receive cancelled while waiting consumes nothing", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      const r = await cx.moveOnAfter(5, (cx) => receive.receive(cx));
      expect(r.cancelled).toBe(true);
      expect(receive.statistics().tasksWaitingReceive).toBe(0);
      send.sendNowait(1);
      expect(receive.receiveNowait()).toBe(1);
    });
  });

  it("closing the last send end wakes blocked receivers with EndOfStream after the buffer drains", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(5);
        const clone = send.clone();
        expect(send.statistics().openSendStreams).toBe(2);
        send.sendNowait(1);
        send.close();
        expect(receive.receiveNowait()).toBe(1);
        tg.startSoon(async (cx) => {
          try {
            await receive.receive(cx);
          } catch (e) {
            log.push(e instanceof EndOfStream ? "end of stream" : "other");
          }
        });
        await cx.sleep(5);
        log.push("closing the clone");
        clone.close();
      }),
    );
    expect(log).toEqual(["closing the clone", "end of stream"]);
  });

  it("closing the last receive end wakes blocked senders with BrokenResourceError", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(0);
        const clone = receive.clone();
        tg.startSoon(async (cx) => {
          await send.send(cx, 1).catch((e: unknown) => log.push(e instanceof BrokenResourceError ? "broken" : "other"));
        });
        await cx.sleep(5);
        receive.close();
        await cx.sleep(1);
        expect(log).toEqual([]); // a clone is still open
        clone.close();
        await cx.sleep(1);
        expect(log).toEqual(["broken"]);
        expect(() => send.sendNowait(2)).toThrow(BrokenResourceError);
        await expect(async () => send.send(cx, 2)).rejects.toThrow(BrokenResourceError);
      }),
    );
  });

  it("using your own closed end is a ClosedResourceError; close is idempotent", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      send.close();
      send.close();
      expect(() => send.sendNowait(1)).toThrow(ClosedResourceError);
      expect(() => send.send(cx, 1)).toThrow(ClosedResourceError);
      expect(() => send.clone()).toThrow(ClosedResourceError);
      receive.close();
      expect(() => receive.receive(cx)).toThrow(ClosedResourceError);
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
      expect(() => receive.clone()).toThrow(ClosedResourceError);
    });
  });

  it("both ends are disposable", async () => {
    await run(async () => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      await send[Symbol.asyncDispose]();
      receive[Symbol.dispose]();
      expect(send.statistics()).toMatchObject({ openSendStreams: 0, openReceiveStreams: 0 });
    });
  });

  it("for await ends at the end of the stream; several producers with clones", async () => {
    const got: number[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(Infinity);
        for (const base of [0, 100]) {
          const mine = send.clone();
          tg.startSoon(async (cx) => {
            for (let i = 0; i < 3; i++) await mine.send(cx, base + i);
            mine.close();
          });
        }
        send.close();
        for await (const n of receive.iterate(cx)) got.push(n);
      }),
    );
    expect(got.sort((a, b) => a - b)).toEqual([0, 1, 2, 100, 101, 102]);
  });

  it("send and receive in a cancelled scope return a promise rejected with Cancelled, and move nothing", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      const [send2, receive2] = createMemoryObjectStream<number>(1);
      send2.sendNowait(7);
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        for (const call of [() => receive.receive(cx), () => send.send(cx, 1), () => receive2.receive(cx), () => send2.send(cx, 8)]) {
          let p: unknown;
          expect(() => (p = call())).not.toThrow();
          expect(p).toBeInstanceOf(Promise);
          await expect(p).rejects.toBeInstanceOf(Cancelled);
        }
      });
      expect(send.statistics()).toMatchObject({ currentBufferUsed: 0, tasksWaitingSend: 0, tasksWaitingReceive: 0 });
      expect(receive2.receiveNowait()).toBe(7);
      expect(() => receive2.receiveNowait()).toThrow(WouldBlock);
    });
  });

  it("cancelled waiters leave at once: many cancelled receives and sends leave exact counts and lose nothing", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(0);
        const got: number[] = [];
        for (let i = 0; i < 200; i++)
          tg.startSoon(async (cx) => {
            const r = await cx.moveOnAfter(i % 2 === 0 ? 1 : 10_000, async (cx) => got.push(await receive.receive(cx)));
            if (i % 2 === 0) expect(r.cancelled).toBe(true);
          });
        await cx.sleep(20);
        expect(receive.statistics().tasksWaitingReceive).toBe(100);
        for (let i = 0; i < 100; i++) send.sendNowait(i);
        expect(receive.statistics().tasksWaitingReceive).toBe(0);
        expect(() => send.sendNowait(100)).toThrow(WouldBlock);
        await cx.sleep(1);
        expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
      }),
      // Virtual time: the 1 ms deadlines surely come before the 20 ms sleep
      // (on real time, starting 200 tasks on a loaded machine can take longer).
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
  });

  it("iterate(cx): each step is a checkpoint; a cancelled step takes nothing and finishes the iteration", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(Infinity);
      for (const n of [1, 2, 3]) send.sendNowait(n);
      await cx.withCancelScope({}, async (cx) => {
        const it = receive.iterate(cx);
        expect(await it.next()).toEqual({ done: false, value: 1 });
        cx.cancelScope.cancel();
        await expect(it.next()).rejects.toBeInstanceOf(Cancelled); // an item was ready: still Cancelled
        expect(await it.next()).toEqual({ done: true, value: undefined });
      });
      expect(receive.receiveNowait()).toBe(2); // the cancelled step took nothing
      // A step cancelled while it waits also finishes the iteration.
      receive.receiveNowait();
      const r = await cx.moveOnAfter(1, async (cx) => {
        const it = receive.iterate(cx);
        try {
          await it.next();
        } finally {
          expect(await it.next()).toEqual({ done: true, value: undefined });
        }
      });
      expect(r.cancelled).toBe(true);
      expect(receive.statistics().tasksWaitingReceive).toBe(0);
    });
  });

  it("iterate(cx): break leaves the rest in the stream; waiting steps get the items in order, then the end", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(Infinity);
        for (const n of [1, 2, 3]) send.sendNowait(n);
        for await (const n of receive.iterate(cx)) {
          log.push(`got ${n}`);
          if (n === 2) break;
        }
        expect(receive.receiveNowait()).toBe(3);
        const it = receive.iterate(cx);
        const first = it.next(); // the buffer is empty: both wait
        const second = it.next();
        tg.startSoon(async (cx) => {
          await send.send(cx, 4);
          await send.send(cx, 5);
          send.close();
        });
        expect(await first).toEqual({ done: false, value: 4 });
        expect(await second).toEqual({ done: false, value: 5 });
        expect(await it.next()).toEqual({ done: true, value: undefined });
        expect(await it.next()).toEqual({ done: true, value: undefined });
        // A step waiting when the last send end closes ends the iteration.
        const [send2, receive2] = createMemoryObjectStream<number>(0);
        const waiting = receive2.iterate(cx).next();
        send2.close();
        expect(await waiting).toEqual({ done: true, value: undefined });
        // On a closed end a step rejects (not throws) with ClosedResourceError, and the iteration is finished.
        const it3 = receive2.iterate(cx);
        receive2.close();
        let p: Promise<unknown> | undefined;
        expect(() => (p = it3.next())).not.toThrow();
        await expect(p).rejects.toBeInstanceOf(ClosedResourceError);
        expect(await it3.next()).toEqual({ done: true, value: undefined });
      }),
    );
    expect(log).toEqual(["got 1", "got 2"]);
  });

  it("a task that waits again after being woken waits afresh: cancelling its old or new scope moves nothing else", async () => {
    // Receivers: task A receives, then again in an inner scope, then again;
    // task B waits meanwhile. Each wait is its own.
    const logA: string[] = [];
    const logB: string[] = [];
    await run(
      (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const [send, receive] = createMemoryObjectStream<string>(0);
          let inner: { cancel(): void } | undefined;
          tg.startSoon(async (cx) =>
            cx.withCancelScope({}, async (outer) => {
              logA.push(`got ${await receive.receive(outer)}`);
              const r = await outer.withCancelScope({}, async (cx) => {
                inner = cx.cancelScope;
                return receive.receive(cx);
              });
              logA.push(`inner ${r === undefined ? "cancelled" : r}`);
              logA.push(`got ${await receive.receive(outer)}`);
            }),
          );
          await cx.sleep(1);
          send.sendNowait("a1");
          tg.startSoon(async (cx) => logB.push(`got ${await receive.receive(cx)}`));
          await cx.sleep(1);
          expect(receive.statistics().tasksWaitingReceive).toBe(2); // A's inner receive and B's
          inner!.cancel();
          expect(receive.statistics().tasksWaitingReceive).toBe(1);
          send.sendNowait("b1"); // to B, the one left in line
          await cx.sleep(1);
          expect(receive.statistics().tasksWaitingReceive).toBe(1); // A again
          send.sendNowait("a2");
          await cx.sleep(1);
          expect(() => send.sendNowait("x")).toThrow(WouldBlock);
        }),
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(logA).toEqual(["got a1", "inner cancelled", "got a2"]);
    expect(logB).toEqual(["got b1"]);

    // Senders (a rendezvous and a full buffer): a sender taken from the line
    // and blocked again carries its new item; a cancelled one delivers
    // nothing; `undefined` items keep their places.
    for (const size of [0, 1]) {
      const got: unknown[] = [];
      await run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          const [send, receive] = createMemoryObjectStream<number | undefined>(size);
          if (size === 1) send.sendNowait(0);
          tg.startSoon(async (cx) => {
            await send.send(cx, undefined);
            await send.send(cx, 2);
            const r = await cx.moveOnAfter(5, (cx) => send.send(cx, 99));
            expect(r.cancelled).toBe(true);
            await send.send(cx, undefined);
            send.close();
          });
          await cx.sleep(1);
          expect(send.statistics().tasksWaitingSend).toBe(1);
          got.push(await receive.receive(cx));
          await cx.sleep(1);
          expect(send.statistics().tasksWaitingSend).toBe(1);
          got.push(await receive.receive(cx));
          await cx.sleep(20); // the send of 99 is cancelled while it waits
          for await (const item of receive.iterate(cx)) got.push(item);
        }),
        { clock: new MockClock({ autojumpThreshold: 0 }) },
      );
      expect(got).toEqual(size === 0 ? [undefined, 2, undefined] : [0, undefined, 2, undefined]);
    }
  });

  it("iterate(cx): steps that wait again and again each get their own item; one cancelled after a woken one takes nothing", async () => {
    const got: number[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(0);
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 5; i++) {
            await cx.sleep(1); // the consumer waits for every item
            await send.send(cx, i);
          }
        });
        const r = await cx.moveOnAfter(50, async (cx) => {
          for await (const n of receive.iterate(cx)) got.push(n);
        });
        expect(r.cancelled).toBe(true);
        expect(receive.statistics().tasksWaitingReceive).toBe(0);
        expect(() => send.sendNowait(9)).toThrow(WouldBlock);
        // A plain receive after the iteration's steps: its own wait too.
        tg.startSoon(async (cx) => got.push(await receive.receive(cx)));
        await cx.sleep(1);
        send.sendNowait(5);
        send.close();
      }),
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("with a buffer, a consumer woken by a send resumes after the producer's next send: the pair then runs without waiting", async () => {
    // Consumer first: it waits for the first item. Had it resumed before the
    // producer's next step, it would find the buffer empty and wait for
    // every item; resuming after it, it finds the next item buffered.
    for (const size of [1, 100, Infinity]) {
      let handedToWaiting = 0;
      const got: number[] = [];
      await run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          const [send, receive] = createMemoryObjectStream<number>(size);
          tg.startSoon(async (cx) => {
            for await (const n of receive.iterate(cx)) got.push(n);
          });
          tg.startSoon(async (cx) => {
            for (let i = 0; i < 50; i++) {
              if (send.statistics().tasksWaitingReceive > 0) handedToWaiting++;
              await send.send(cx, i);
            }
            send.close();
          });
        }),
      );
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(handedToWaiting).toBe(1);
    }
  });

  it("rejects bad buffer sizes", () => {
    expect(() => createMemoryObjectStream(-1)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(1.5)).toThrow(/maxBufferSize must be a whole number >= 0 or Infinity, got 1.5/);
    expect(() => createMemoryObjectStream(Number.NaN)).toThrow(RangeError);
    expect(() => createMemoryObjectStream("3" as never)).toThrow(TypeError);
    expect(createMemoryObjectStream(Infinity)[0].statistics().maxBufferSize).toBe(Infinity);
  });
});
