// skein/testing's in-memory byte streams, on every runtime: ordering, end of
// stream, buffering and lockstep, the test-side calls and hooks, bad input.
import { describe, expect, it } from "vitest";
import { ClosedResourceError, EndOfStream, run, WouldBlock } from "skein";
import { lockstepStreamOneWayPair, MemoryByteStream, MemoryReceiveStream, MemorySendStream, memoryStreamOneWayPair, memoryStreamPair } from "skein/testing";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("memory byte streams", () => {
  it("a one-way pair delivers in order, then EndOfStream", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      await s.send(cx, bytes("hello "));
      await s.send(cx, bytes("world"));
      await s.close();
      got.push(text(await r.receive(cx, 3)));
      got.push(text(await r.receive(cx)));
      await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    });
    expect(got).toEqual(["hel", "lo world"]);
  });

  it("send copies its bytes", async () => {
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      const data = bytes("abc");
      await s.send(cx, data);
      data[0] = 0x7a;
      expect(text(await r.receive(cx))).toBe("abc");
    });
  });

  it("a bounded buffer makes send wait; a lockstep send returns once received", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair({ maxBufferSize: 4 });
        const [ls, lr] = lockstepStreamOneWayPair();
        tg.startSoon(async (cx) => {
          await s.send(cx, bytes("1234"));
          log.push("sent 1234");
          await s.send(cx, bytes("5"));
          log.push("sent 5");
          await ls.send(cx, bytes("L"));
          log.push("sent L");
        });
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        log.push(`got ${text(await r.receive(cx))}`);
        log.push(`got ${text(await r.receive(cx))}`);
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        log.push("before lockstep receive");
        log.push(`got ${text(await lr.receive(cx))}`);
      }),
    );
    expect(log).toEqual(["sent 1234", "got 1234", "sent 5", "got 5", "before lockstep receive", "got L", "sent L"]);
  });

  it("standalone streams: getData/getDataNowait, putData/putEof, hooks", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const s = new MemorySendStream();
      s.sendHook = () => void log.push("send hook");
      s.closeHook = () => void log.push("close hook");
      expect(() => s.getDataNowait()).toThrow(WouldBlock);
      await s.send(cx, bytes("ab"));
      log.push(text(s.getDataNowait(1)));
      log.push(text(await s.getData(cx)));
      await s.close();
      await s.close();
      expect((await s.getData(cx)).length).toBe(0);
      const r = new MemoryReceiveStream();
      r.receiveHook = () => void log.push("receive hook");
      r.putData(bytes("xy"));
      r.putEof();
      expect(() => r.putData(bytes("z"))).toThrow(ClosedResourceError);
      log.push(text(await r.receive(cx)));
      await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    });
    expect(log).toEqual(["send hook", "a", "b", "close hook", "receive hook", "xy", "receive hook"]);
  });

  it("bad input is a TypeError or RangeError naming the argument", async () => {
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      await expect(s.send(cx, "x" as unknown as Uint8Array)).rejects.toThrow(/bytes must be a Uint8Array/);
      await expect(r.receive(cx, 0)).rejects.toThrow(RangeError);
      expect(() => memoryStreamPair({ maxBufferSize: -1 })).toThrow(/maxBufferSize/);
      expect(() => new MemoryByteStream(s as never, {} as never)).toThrow(TypeError);
    });
  });
});

