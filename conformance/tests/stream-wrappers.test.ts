// The runtime-neutral stream wrappers, on every runtime: the object stream
// interfaces, BufferedByteReceiveStream / BufferedByteStream (framing, cancel
// safety, IncompleteRead, DelimiterNotFound), the text streams (streaming
// decode, fatal mode), the stapled streams, and `cause` on the stream errors.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BufferedByteReceiveStream,
  BufferedByteStream,
  BusyResourceError,
  CancelScope,
  ClosedResourceError,
  type Context,
  createMemoryObjectStream,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  type ObjectReceiveStream,
  type ObjectSendStream,
  type ObjectStream,
  run,
  SkeinError,
  StapledByteStream,
  StapledObjectStream,
  TextReceiveStream,
  TextSendStream,
  TextStream,
} from "skein";
import {
  checkHalfCloseableStream,
  checkOneWayStream,
  lockstepStreamOneWayPair,
  MemoryReceiveStream,
  memoryStreamOneWayPair,
  memoryStreamPair,
} from "skein/testing";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const NL = bytes("\n");

/** A receive stream fed with `chunks`, then the end. */
function fed(...chunks: (string | Uint8Array)[]): MemoryReceiveStream {
  const stream = new MemoryReceiveStream();
  for (const c of chunks) stream.putData(typeof c === "string" ? bytes(c) : c);
  stream.putEof();
  return stream;
}

/** Two stapled streams over two one-way memory pairs: what a sends, b receives and back. */
function stapledPair(lockstep = false): [StapledByteStream, StapledByteStream] {
  const [s1, r1] = lockstep ? lockstepStreamOneWayPair() : memoryStreamOneWayPair();
  const [s2, r2] = lockstep ? lockstepStreamOneWayPair() : memoryStreamOneWayPair();
  return [new StapledByteStream(s1, r2), new StapledByteStream(s2, r1)];
}

describe("stream errors take a cause", () => {
  it("BrokenResourceError, ClosedResourceError, EndOfStream, IncompleteRead keep `cause` and their default messages", () => {
    const root = new Error("socket reset");
    for (const Cls of [BrokenResourceError, ClosedResourceError, EndOfStream, IncompleteRead]) {
      const withCause = new Cls("m", { cause: root });
      expect(withCause.cause).toBe(root);
      expect(withCause.message).toBe("m");
      expect(withCause).toBeInstanceOf(SkeinError);
      const plain = new Cls();
      expect(plain.message.length).toBeGreaterThan(0);
      expect("cause" in plain).toBe(false);
    }
    expect(new BrokenResourceError().message).toBe("the resource is broken: its other end was closed");
    expect(new DelimiterNotFound("x").name).toBe("DelimiterNotFound");
    expect(new IncompleteRead().name).toBe("IncompleteRead");
  });
});

describe("object stream interfaces", () => {
  it("the memory object streams are ObjectSendStream / ObjectReceiveStream", async () => {
    async function pump<T>(cx: Context, from: ObjectReceiveStream<T>, to: ObjectSendStream<T>): Promise<number> {
      let n = 0;
      try {
        for (;;) {
          await to.send(cx, await from.receive(cx));
          n++;
        }
      } catch (error) {
        if (!(error instanceof EndOfStream)) throw error;
      }
      await to.close();
      return n;
    }
    const out: number[] = [];
    await run(async (cx) => {
      const [s1, r1] = createMemoryObjectStream<number>(10);
      const [s2, r2] = createMemoryObjectStream<number>(10);
      for (const i of [1, 2, 3]) await s1.send(cx, i);
      s1.close();
      expect(await pump(cx, r1, s2)).toBe(3);
      for await (const n of r2.iterate(cx)) out.push(n);
    });
    expect(out).toEqual([1, 2, 3]);
  });
});

describe("BufferedByteReceiveStream", () => {
  it("receiveExactly and receiveUntil frame across chunk boundaries", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const b = new BufferedByteReceiveStream(fed("he", "llo\nwo", "rld", "\r", "\nab", "cdef"));
      got.push(text(await b.receiveUntil(cx, NL, 100)));
      got.push(text(await b.receiveUntil(cx, bytes("\r\n"), 100)));
      got.push(text(await b.receiveExactly(cx, 3)));
      got.push(text(await b.receive(cx, 2)));
      got.push(text(await b.receive(cx)));
      expect(b.buffer.length).toBe(0);
      await expect(b.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      expect((await b.receiveExactly(cx, 0)).length).toBe(0);
    });
    expect(got).toEqual(["hello", "world", "abc", "de", "f"]);
  });

  it("a delimiter split across many one-byte chunks, and frames of exactly maxBytes", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const chunks = [..."abc<END>defgh<END>"];
      const b = new BufferedByteReceiveStream(fed(...chunks));
      const end = bytes("<END>");
      got.push(text(await b.receiveUntil(cx, end, 3)));
      got.push(text(await b.receiveUntil(cx, end, 5)));
      await expect(b.receiveUntil(cx, end, 5)).rejects.toBeInstanceOf(IncompleteRead);
    });
    expect(got).toEqual(["abc", "defgh"]);
  });

  it("DelimiterNotFound past maxBytes keeps every byte buffered", async () => {
    await run(async (cx) => {
      const b = new BufferedByteReceiveStream(fed("abcdefgh\n"));
      // the delimiter is there, but after more than maxBytes bytes
      await expect(b.receiveUntil(cx, NL, 4)).rejects.toBeInstanceOf(DelimiterNotFound);
      expect(text(b.buffer)).toBe("abcdefgh\n");
      expect(text(await b.receiveUntil(cx, NL, 8))).toBe("abcdefgh");
      await expect(b.receiveUntil(cx, NL, 8)).rejects.toBeInstanceOf(IncompleteRead);
    });
  });

  it("IncompleteRead on EOF mid-frame; the partial frame stays buffered; cause is the EndOfStream", async () => {
    await run(async (cx) => {
      const b = new BufferedByteReceiveStream(fed("ab", "c"));
      const error = await b.receiveExactly(cx, 5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IncompleteRead);
      expect((error as Error).cause).toBeInstanceOf(EndOfStream);
      expect(text(b.buffer)).toBe("abc");
      expect(text(await b.receiveExactly(cx, 3))).toBe("abc");
    });
  });

  it("a cancelled receiveExactly / receiveUntil loses no bytes", async () => {
    const got: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair();
        const b = new BufferedByteReceiveStream(r);
        const scope = new CancelScope();
        tg.startSoon((cx) => cx.withCancelScope(scope, (cx) => b.receiveExactly(cx, 10)));
        await s.send(cx, bytes("0123"));
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        scope.cancel();
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        expect(text(b.buffer)).toBe("0123");
        const scope2 = new CancelScope();
        tg.startSoon((cx) => cx.withCancelScope(scope2, (cx) => b.receiveUntil(cx, NL, 100)));
        await s.send(cx, bytes("45"));
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        scope2.cancel();
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        expect(text(b.buffer)).toBe("012345");
        await s.send(cx, bytes("6789\nrest"));
        got.push(text(await b.receiveExactly(cx, 10)));
        got.push(text(await b.receiveUntil(cx, bytes("rest"), 10)));
      }),
    );
    expect(got).toEqual(["0123456789", "\n"]);
  });

  it("feedData, busy, closed and bad input", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair();
        const b = new BufferedByteReceiveStream(r);
        b.feedData(bytes("PING\r\n"));
        expect(text(await b.receiveUntil(cx, bytes("\r\n"), 10))).toBe("PING");
        tg.startSoon((cx) => b.receiveExactly(cx, 2).then(() => undefined, () => undefined));
        for (let i = 0; i < 3; i++) await cx.checkpoint();
        await expect(b.receiveUntil(cx, NL, 1)).rejects.toBeInstanceOf(BusyResourceError);
        await expect(b.receiveExactly(cx, -1)).rejects.toBeInstanceOf(RangeError);
        await expect(b.receiveUntil(cx, new Uint8Array(0), 1)).rejects.toBeInstanceOf(RangeError);
        await expect(b.receiveUntil(cx, "x" as never, 1)).rejects.toBeInstanceOf(TypeError);
        await expect(b.receiveUntil(cx, NL, 0)).rejects.toBeInstanceOf(RangeError);
        expect(() => b.feedData([1] as never)).toThrow(TypeError);
        expect(() => new BufferedByteReceiveStream({} as never)).toThrow(TypeError);
        await b.close();
        await expect(b.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
        expect(() => b.feedData(bytes("x"))).toThrow(ClosedResourceError);
        await s.close();
      }),
    );
  });

  it("10,000 one-byte chunks frame correctly", async () => {
    let lines = 0;
    await run(async (cx) => {
      const r = new MemoryReceiveStream();
      for (let i = 0; i < 10000; i++) r.putData(bytes(i % 100 === 99 ? "\n" : "x"));
      r.putEof();
      const b = new BufferedByteReceiveStream(r);
      for (;;) {
        try {
          const line = await b.receiveUntil(cx, NL, 1000);
          expect(line.length).toBe(99);
          lines++;
        } catch (error) {
          if (error instanceof IncompleteRead) break;
          throw error;
        }
      }
      expect(b.buffer.length).toBe(0);
    });
    expect(lines).toBe(100);
  });

  it("passes checkOneWayStream (over memory and lockstep pairs) and BufferedByteStream passes checkHalfCloseableStream", async () => {
    await run(async (cx) => {
      const wrap = ([s, r]: [import("skein").ByteSendStream, import("skein").ByteReceiveStream]) =>
        [s, new BufferedByteReceiveStream(r)] as const;
      await checkOneWayStream(
        cx,
        () => wrap(memoryStreamOneWayPair()),
        () => wrap(lockstepStreamOneWayPair()),
      );
      const both = ([a, b]: ReturnType<typeof memoryStreamPair>) => [new BufferedByteStream(a), new BufferedByteStream(b)] as const;
      await checkHalfCloseableStream(cx, () => both(memoryStreamPair()), () => both(memoryStreamPair({ maxBufferSize: 0 })));
    });
  });
});

describe("text streams", () => {
  it("a multi-byte character split across chunks decodes right", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const all = bytes("añ€😀z");
      // one byte per chunk: every multi-byte character is split
      const t = new TextReceiveStream(fed(...Array.from(all, (b) => new Uint8Array([b]))));
      try {
        for (;;) got.push(await t.receive(cx));
      } catch (error) {
        if (!(error instanceof EndOfStream)) throw error;
      }
      await expect(t.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    });
    expect(got.join("")).toBe("añ€😀z");
    expect(got).not.toContain("");
    expect(got.join("")).not.toContain("\uFFFD");
  });

  it("an incomplete sequence at EOF: U+FFFD by default, TypeError with fatal", async () => {
    await run(async (cx) => {
      const euro = bytes("€");
      const lenient = new TextReceiveStream(fed(bytes("a"), euro.subarray(0, 2)));
      expect(await lenient.receive(cx)).toBe("a");
      expect(await lenient.receive(cx)).toBe("\uFFFD");
      await expect(lenient.receive(cx)).rejects.toBeInstanceOf(EndOfStream);

      const strict = new TextReceiveStream(fed(bytes("a"), euro.subarray(0, 2)), { fatal: true });
      expect(await strict.receive(cx)).toBe("a");
      const error = await strict.receive(cx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).cause).toBeInstanceOf(TypeError);
      await expect(strict.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    });
  });

  it("encoding option, TextSendStream, TextStream over a memory pair, bad input", async () => {
    await run(async (cx) => {
      const utf16 = new TextReceiveStream(fed(new Uint8Array([0x68, 0x00, 0x69])), { encoding: "utf-16le" });
      expect(utf16.encoding).toBe("utf-16le");
      expect(await utf16.receive(cx)).toBe("h");

      const [s, r] = memoryStreamOneWayPair();
      const out = new TextSendStream(s);
      await out.send(cx, "héllo");
      await out.close();
      expect(await new TextReceiveStream(r).receive(cx)).toBe("héllo");

      const [a, b] = memoryStreamPair();
      const ta = new TextStream(a);
      const tb = new TextStream(b);
      await ta.send(cx, "ping ✓");
      await ta.sendEof(cx);
      expect(await tb.receive(cx)).toBe("ping ✓");
      await expect(tb.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await tb.send(cx, "pong");
      expect(await ta.receive(cx)).toBe("pong");
      const typed: ObjectStream<string> = ta;
      await typed.close();
      await tb.close();

      expect(() => new TextReceiveStream(r, { encoding: "no-such-encoding" })).toThrow(RangeError);
      expect(() => new TextReceiveStream(r, { fatal: "yes" as never })).toThrow(TypeError);
      expect(() => new TextReceiveStream({} as never)).toThrow(TypeError);
      await expect(out.send(cx, 42 as never)).rejects.toBeInstanceOf(TypeError);
    });
  });

  it("a cancelled text receive loses nothing (partial characters wait in the decoder)", async () => {
    let got = "";
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair();
        const t = new TextReceiveStream(r);
        const euro = bytes("€");
        const scope = new CancelScope();
        tg.startSoon((cx) => cx.withCancelScope(scope, async (cx) => void (got += await t.receive(cx))));
        await s.send(cx, euro.subarray(0, 1));
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        scope.cancel();
        for (let i = 0; i < 5; i++) await cx.checkpoint();
        await s.send(cx, euro.subarray(1));
        await s.close();
        got += await t.receive(cx);
      }),
    );
    expect(got).toBe("€");
  });
});

describe("stapled streams", () => {
  it("StapledByteStream passes checkHalfCloseableStream (memory and lockstep halves)", async () => {
    await run((cx) => checkHalfCloseableStream(cx, () => stapledPair(), () => stapledPair(true)));
  });

  it("sendEof closes the send half only; close closes both, both attempted even if one throws", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      const [a, b] = stapledPair();
      await a.send(cx, bytes("x"));
      await a.sendEof(cx);
      expect(text(await b.receive(cx))).toBe("x");
      await expect(b.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await b.send(cx, bytes("y"));
      expect(text(await a.receive(cx))).toBe("y");
      await a.close();
      await b.close();
      await expect(a.sendEof(cx)).rejects.toBeInstanceOf(ClosedResourceError);

      const failing = {
        send: async () => {},
        close: async () => {
          log.push("send half");
          throw new Error("send half failed");
        },
        [Symbol.asyncDispose]: async () => {},
      };
      const r = new MemoryReceiveStream();
      r.closeHook = () => log.push("receive half");
      const stapled = new StapledByteStream(failing, r);
      await expect(stapled.close()).rejects.toThrow("send half failed");
      await expect(r.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
      expect(() => new StapledByteStream(r as never, r)).toThrow(TypeError);
    });
    expect(log).toEqual(["send half", "receive half"]);
  });

  it("StapledObjectStream: one object stream from two memory object streams", async () => {
    const got: string[] = [];
    await run(async (cx) => {
      const [toB, fromA] = createMemoryObjectStream<string>(4);
      const [toA, fromB] = createMemoryObjectStream<string>(4);
      const a: ObjectStream<string> = new StapledObjectStream(toB, fromB);
      const b = new StapledObjectStream(toA, fromA);
      await a.send(cx, "hello");
      await a.sendEof(cx);
      await a.sendEof(cx); // idempotent
      got.push(await b.receive(cx));
      await expect(b.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await expect(a.send(cx, "late")).rejects.toBeInstanceOf(ClosedResourceError);
      await b.send(cx, "back");
      got.push(await a.receive(cx));
      await a.close();
      await expect(b.send(cx, "x")).rejects.toBeInstanceOf(BrokenResourceError);
      await b.close();
    });
    expect(got).toEqual(["hello", "back"]);
  });
});
