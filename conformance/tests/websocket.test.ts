// The WebSocket client (connectWebSocket), on every runtime, against the test
// servers started by conformance/ws-server.ts (echo, hanging handshake,
// refused port). Where the runtime has no global WebSocket (Node 20), every
// test asserts the UnsupportedError instead; the branch is a feature test of
// the global, never the runtime's name.
import { describe, expect, inject, it } from "vitest";
import {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  connectWebSocket,
  type Context,
  EndOfStream,
  run,
  UnsupportedError,
  type WebSocketConnection,
  WebSocketError,
} from "skein";

const supported = typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function";
const url = inject("wsUrl");

/**
 * Runs `body` where the runtime has a WebSocket; elsewhere checks that
 * connecting fails with UnsupportedError naming WebSocket and the adapter.
 */
function wsTest(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    if (supported) return body();
    await run(async (cx) => {
      const error = await connectWebSocket(cx, url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/WebSocket/);
      expect((error as Error).message).toMatch(/the \w+ adapter/);
    });
  });
}

/** Asks the server how many connections to the hanging server are open. */
async function hungCount(cx: Context, ws: WebSocketConnection): Promise<number> {
  await ws.send(cx, "hung");
  const answer = await ws.receive(cx);
  return Number(String(answer).slice("hung:".length));
}

/** Polls `condition` (each poll is a round trip or a short sleep), at most `tries` times. */
async function eventually(cx: Context, condition: () => Promise<boolean>, tries = 500): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return true;
    await cx.sleep(10);
  }
  return false;
}

describe("WebSocket client", () => {
  wsTest("text and binary messages echo intact, including a 1 MB binary message", async () => {
    await run(async (cx) => {
      await using ws = await connectWebSocket(cx, url);
      await ws.send(cx, "héllo, wörld ✓");
      expect(await ws.receive(cx)).toBe("héllo, wörld ✓");
      await ws.send(cx, new Uint8Array([0, 1, 2, 255]));
      const small = await ws.receive(cx);
      expect(small).toBeInstanceOf(Uint8Array);
      expect([...(small as Uint8Array)]).toEqual([0, 1, 2, 255]);
      const big = new Uint8Array(1 << 20);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      await ws.send(cx, big.subarray(0)); // a view, sent as its bytes
      const echoed = await ws.receive(cx);
      expect(echoed).toBeInstanceOf(Uint8Array);
      expect((echoed as Uint8Array).length).toBe(big.length);
      let same = true;
      for (let i = 0; i < big.length; i++) if ((echoed as Uint8Array)[i] !== big[i]) same = false;
      expect(same).toBe(true);
      // An empty message of each kind.
      await ws.send(cx, "");
      expect(await ws.receive(cx)).toBe("");
      await ws.send(cx, new Uint8Array(0));
      expect((await ws.receive(cx)) as Uint8Array).toHaveLength(0);
    });
  });

  wsTest("many messages arrive in order", async () => {
    await run(async (cx) => {
      await using ws = await connectWebSocket(cx, url);
      for (let i = 0; i < 500; i++) await ws.send(cx, `m${i}`);
      await ws.send(cx, "flood:500");
      const got: string[] = [];
      for (let i = 0; i < 1000; i++) got.push(String(await ws.receive(cx)));
      expect(got).toEqual([...Array.from({ length: 500 }, (_, i) => `m${i}`), ...Array.from({ length: 500 }, (_, i) => String(i))]);
    });
  });

  wsTest("the peer's close code and reason are surfaced, after the buffered messages", async () => {
    await run(async (cx) => {
      // An application code: BrokenResourceError, with the code and reason.
      const ws = await connectWebSocket(cx, url);
      expect(ws.closeCode).toBe(null);
      await ws.send(cx, "before");
      await ws.send(cx, "close:4001:bye");
      expect(await ws.receive(cx)).toBe("before");
      const error = await ws.receive(cx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).message).toMatch(/4001/);
      expect(ws.closeCode).toBe(4001);
      expect(ws.closeReason).toBe("bye");
      await expect(ws.receive(cx)).rejects.toBeInstanceOf(BrokenResourceError);
      await expect(ws.send(cx, "late")).rejects.toBeInstanceOf(BrokenResourceError);
      await ws.close();
      await expect(ws.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);

      // A normal close: EndOfStream, every time.
      const normal = await connectWebSocket(cx, url);
      await normal.send(cx, "close:1000:done");
      await expect(normal.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await expect(normal.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      expect(normal.closeCode).toBe(1000);
      expect(normal.closeReason).toBe("done");
      await normal.close();

      // The connection dropped without a close frame: 1006, BrokenResourceError.
      const dropped = await connectWebSocket(cx, url);
      await dropped.send(cx, "terminate");
      await expect(dropped.receive(cx)).rejects.toBeInstanceOf(BrokenResourceError);
      expect(dropped.closeCode).toBe(1006);
      await dropped.close();
    });
  });

  wsTest("a local close completes the closing handshake and closes the stream", async () => {
    const events: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ws = await connectWebSocket(cx, url);
        tg.startSoon(async (cx) => {
          events.push("receiving");
          const error = await ws.receive(cx).catch((e: unknown) => e);
          events.push(`receive woke: ${(error as Error).name}`);
        });
        await cx.sleep(0);
        await cx.sleep(0);
        events.push("closing");
        const closing = ws.close(4000, "going");
        events.push("close called");
        await closing;
        events.push(`closed: ${ws.closeCode} ${ws.closeReason}`); // the server's reply echoes the code
        await ws.close(); // idempotent
        await expect(ws.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
        await expect(ws.send(cx, "x")).rejects.toBeInstanceOf(ClosedResourceError);
      }),
    );
    expect(events).toEqual(["receiving", "closing", "close called", "receive woke: ClosedResourceError", "closed: 4000 going"]);
  });

  wsTest("a cancelled receive loses no message", async () => {
    await run(async (cx) => {
      await using ws = await connectWebSocket(cx, url);
      // A receive blocked with nothing to come, cancelled; the next one gets the next message.
      const timedOut = await cx.moveOnAfter(5, (cx) => ws.receive(cx));
      expect(timedOut.cancelled).toBe(true);
      await ws.send(cx, "after");
      expect(await ws.receive(cx)).toBe("after");
      // Receives with a short deadline while messages keep arriving: whichever
      // of them time out (how many depends on the machine), none is lost.
      await ws.send(cx, "flood:300");
      const got: string[] = [];
      while (got.length < 300) {
        const r = await cx.moveOnAfter(1, (cx) => ws.receive(cx));
        if (!r.cancelled) got.push(String(r.value));
      }
      expect(got).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    });
  });

  wsTest("a send waits while bufferedAmount is above the high-water mark", async () => {
    const events: string[] = [];
    const highWaterMark = 1024;
    const chunk = new Uint8Array(4 << 20);
    let chunks = 0;
    await run(async (cx) => {
      await using ws = await connectWebSocket(cx, url, { highWaterMark });
      await cx.taskGroup(async (tg, cx) => {
        // Sends return at once while the buffer is below the mark.
        while (ws.bufferedAmount <= highWaterMark && chunks < 16) {
          await ws.send(cx, chunk);
          chunks++;
        }
        events.push(`above the mark: ${ws.bufferedAmount > highWaterMark}`);
        tg.startSoon(async (cx) => {
          await cx.checkpoint();
          events.push("another task ran");
        });
        await ws.send(cx, "after");
        // It was handed over only once the buffer was back below the mark.
        events.push(`sent: ${ws.bufferedAmount <= highWaterMark + "after".length}`);
      });
      let bytes = 0;
      while (bytes < chunks * chunk.length) bytes += ((await ws.receive(cx)) as Uint8Array).length;
      expect(bytes).toBe(chunks * chunk.length);
      expect(await ws.receive(cx)).toBe("after");
    });
    expect(events).toEqual(["above the mark: true", "another task ran", "sent: true"]);
  });

  wsTest("closing wakes a send blocked by backpressure", async () => {
    const events: string[] = [];
    await run(async (cx) => {
      const ws = await connectWebSocket(cx, url, { highWaterMark: 0 });
      for (let i = 0; i < 16 && ws.bufferedAmount === 0; i++) await ws.send(cx, new Uint8Array(4 << 20));
      // Synchronously: the buffer is above the mark, so this send parks...
      events.push(`above the mark: ${ws.bufferedAmount > 0}`);
      const blocked = ws.send(cx, "blocked").then(
        () => "send returned",
        (e: unknown) => `send raised ${(e as Error).name}`,
      );
      // ...and closing wakes it.
      const closing = ws.close();
      events.push(await blocked);
      await closing;
    });
    expect(events).toEqual(["above the mark: true", "send raised ClosedResourceError"]);
  });

  wsTest("close waits for the closing handshake at most closeTimeout", async () => {
    await run(async (cx) => {
      const ws = await connectWebSocket(cx, url, { closeTimeout: 50 });
      await ws.send(cx, "hold"); // the server stops reading: it never answers the close frame
      expect(await ws.receive(cx)).toBe("held");
      await ws.close();
      expect(ws.closeCode).toBe(null); // returned without the peer's close frame
      await expect(ws.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  wsTest("one receiver and one sender at a time; closing wakes a blocked receiver", async () => {
    const events: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ws = await connectWebSocket(cx, url);
        tg.startSoon(async (cx) => {
          const error = await ws.receive(cx).catch((e: unknown) => e);
          events.push(`first: ${(error as Error).name}`);
        });
        await cx.sleep(0);
        await cx.sleep(0);
        const busy = await ws.receive(cx).catch((e: unknown) => e);
        events.push(`second: ${(busy as Error).name}`);
        const sending = ws.send(cx, "one"); // marks the connection busy sending until it settles
        const busySend = await ws.send(cx, "two").catch((e: unknown) => e);
        await sending;
        events.push(`second send: ${(busySend as Error).name}`);
        events.push("closing");
        await ws.close();
        await expect(ws.send(cx, "x")).rejects.toBeInstanceOf(ClosedResourceError);
      }),
    );
    expect(events).toEqual(["second: BusyResourceError", "second send: BusyResourceError", "closing", "first: ClosedResourceError"]);
  });

  wsTest("the negotiated subprotocol is reported", async () => {
    await run(async (cx) => {
      await using plain = await connectWebSocket(cx, url);
      expect(plain.protocol).toBe("");
      await using chat = await connectWebSocket(cx, url, { protocols: ["chat.v2", "chat.v1"] });
      expect(chat.protocol).toBe("chat.v2");
    });
  });

  wsTest("a failed connection raises WebSocketError", async () => {
    await run(async (cx) => {
      for (const target of [`${url}reject`, inject("wsRefusedUrl")]) {
        const error = await connectWebSocket(cx, target).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WebSocketError);
        expect((error as WebSocketError).url).toBe(target);
        expect((error as Error).message).toContain(target);
        expect((error as Error).cause).toBeDefined();
      }
    });
  });

  wsTest("a cancelled connect raises Cancelled and leaves no connection open", async () => {
    const events: string[] = [];
    await run(async (cx) => {
      await using control = await connectWebSocket(cx, url);
      expect(await hungCount(cx, control)).toBe(0);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          try {
            await connectWebSocket(cx, inject("wsHangUrl"));
            events.push("connected?!");
          } catch (error) {
            events.push(`connect raised ${(error as Error).name}`);
            throw error;
          }
        });
        // Wait until the handshake reached the server, then cancel it.
        expect(await eventually(cx, async () => (await hungCount(cx, control)) === 1)).toBe(true);
        tg.cancelScope.cancel();
      });
      // The attempt's TCP connection is closed.
      expect(await eventually(cx, async () => (await hungCount(cx, control)) === 0)).toBe(true);
    });
    expect(events).toEqual(["connect raised Cancelled"]);
  });

  it("bad arguments are TypeError or RangeError, on every runtime", async () => {
    await run(async (cx) => {
      expect(() => connectWebSocket(cx, 42 as unknown as string)).toThrow(TypeError);
      expect(() => connectWebSocket(cx, "not a url")).toThrow(/url must be/);
      expect(() => connectWebSocket(cx, "ftp://127.0.0.1/")).toThrow(TypeError);
      expect(() => connectWebSocket(cx, url, { highWaterMark: -1 })).toThrow(RangeError);
      expect(() => connectWebSocket(cx, url, { protocols: [1] as unknown as string[] })).toThrow(TypeError);
      expect(() => connectWebSocket(cx, url, { closeTimeout: Number.NaN })).toThrow(RangeError);
      if (!supported) return;
      await using ws = await connectWebSocket(cx, url);
      await expect(ws.send(cx, 5 as unknown as string)).rejects.toBeInstanceOf(TypeError);
      expect(() => ws.close(1001)).toThrow(RangeError);
      expect(() => ws.close(1000, "x".repeat(124))).toThrow(RangeError);
    });
  });

  it("a cancelled scope makes connect raise Cancelled without connecting", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        const error = await connectWebSocket(cx, inject("wsHangUrl")).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(supported ? Cancelled : UnsupportedError);
      });
    });
  });
});
