// Memory object streams: every way into send/receive follows the blocking
// rule (waiter-queue.ts) in its order: misuse first and synchronously, then a
// cancelled scope (a rejected promise, nothing taken or given), then the
// fast path, then waiting. `send` and `receive` have an inlined fast path and
// a slow one; these tests reach each branch of both.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  Cancelled,
  ClosedResourceError,
  type Context,
  createMemoryObjectStream,
  EndOfStream,
  type Instrument,
  run,
} from "skein";

describe("memory object stream call paths", () => {
  it("misuse is thrown synchronously, before a cancelled scope is looked at", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      send.sendNowait(1);
      const notCx = {} as Context;
      expect(() => send.send(notCx, 2)).toThrow(TypeError);
      expect(() => receive.receive(notCx)).toThrow(TypeError);
      expect(() => send.send(undefined as unknown as Context, 2)).toThrow(TypeError);
      const send2 = send.clone();
      const receive2 = receive.clone();
      send2.close();
      receive2.close();
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        expect(() => send2.send(cx, 2)).toThrow(ClosedResourceError);
        expect(() => receive2.receive(cx)).toThrow(ClosedResourceError);
      });
      expect(receive.receiveNowait()).toBe(1);
    });
  });

  it("in a cancelled scope both reject with Cancelled and take or give nothing, even when they could complete", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      send.sendNowait(1);
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        const r = receive.receive(cx);
        await r.then(
          () => log.push("received"),
          (e) => log.push(e instanceof Cancelled ? "receive cancelled" : String(e)),
        );
      });
      expect(receive.statistics().currentBufferUsed).toBe(1);
      expect(receive.receiveNowait()).toBe(1);
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await send.send(cx, 2).then(
          () => log.push("sent"),
          (e) => log.push(e instanceof Cancelled ? "send cancelled" : String(e)),
        );
      });
      expect(send.statistics().currentBufferUsed).toBe(0);
    });
    expect(log).toEqual(["receive cancelled", "send cancelled"]);
  });

  it("broken and ended streams reject through the promise", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      receive.close();
      const s = send.send(cx, 1);
      expect(s).toBeInstanceOf(Promise);
      await s.catch((e) => log.push(e instanceof BrokenResourceError ? "broken" : String(e)));
      const [send2, receive2] = createMemoryObjectStream<number>(1);
      send2.close();
      const r = receive2.receive(cx);
      expect(r).toBeInstanceOf(Promise);
      await r.catch((e) => log.push(e instanceof EndOfStream ? "end" : String(e)));
    });
    expect(log).toEqual(["broken", "end"]);
  });

  it("with an instrument, a send or receive that waits is reported, and one that need not wait is not", async () => {
    const log: string[] = [];
    const instrument: Instrument = {
      beforeBlocking: (t, what) => log.push(`block ${t.name} ${what}`),
      afterBlocking: (t) => log.push(`unblock ${t.name}`),
    };
    const got: number[] = [];
    await run(
      (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const [send, receive] = createMemoryObjectStream<number>(1);
          await send.send(cx, 0); // room in the buffer: no wait
          got.push(await receive.receive(cx)); // an item buffered: no wait
          log.push("--");
          const [send0, receive0] = createMemoryObjectStream<number>(0);
          tg.startSoon({ name: "consumer" }, async (cx) => {
            for (let i = 0; i < 2; i++) got.push(await receive0.receive(cx));
          });
          await send0.send(cx, 1); // a rendezvous, and the consumer has not started: waits
          await send0.send(cx, 2);
          send0.close();
        }),
      { instruments: [instrument] },
    );
    expect(got).toEqual([0, 1, 2]);
    const streamLog = log.filter((l) => l.includes("MemoryObject") || l === "--");
    expect(streamLog[0]).toBe("--");
    expect(streamLog).toContain("block main MemoryObjectSendStream.send");
    for (const l of streamLog.slice(1)) {
      expect(["block main MemoryObjectSendStream.send", "block consumer MemoryObjectReceiveStream.receive"]).toContain(l);
    }
  });
});
