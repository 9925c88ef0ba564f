// Web Streams interop, on every runtime: ReadableStream/WritableStream as
// Skein byte streams and back, through the stream checkers, with
// CompressionStream/DecompressionStream and TextDecoderStream plugged in,
// backpressure both ways, cancellation both ways, and cancel safety.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  type ByteReceiveStream,
  type ByteSendStream,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  type Context,
  EndOfStream,
  fromReadableStream,
  fromWritableStream,
  run,
  toReadableStream,
  toWritableStream,
} from "skein";
import { receiveAll } from "../helpers/bytes.ts";
import { checkOneWayStream, lockstepStreamOneWayPair, memoryStreamOneWayPair } from "skein/testing";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function settle(cx: Context, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await cx.checkpoint();
}

/** A one-way Skein pair made of the two ends of an identity TransformStream. */
function transformPair(): [ByteSendStream, ByteReceiveStream] {
  const t = new TransformStream<Uint8Array, Uint8Array>();
  return [fromWritableStream(t.writable), fromReadableStream(t.readable)];
}

/** The same, with one byte already queued, so that the next send blocks until the receiver reads. */
async function cloggedTransformPair(cx: Context): Promise<[ByteSendStream, ByteReceiveStream]> {
  const pair = transformPair();
  await pair[0].send(cx, new Uint8Array(1));
  return pair;
}

/** A one-way Skein pair going through toWritableStream/toReadableStream and back over a memory pair. */
function roundTripPair(cx: Context, lockstep = false): [ByteSendStream, ByteReceiveStream] {
  const [s, r] = lockstep ? lockstepStreamOneWayPair() : memoryStreamOneWayPair();
  return [fromWritableStream(toWritableStream(cx, s)), fromReadableStream(toReadableStream(cx, r))];
}

describe("web streams as Skein streams", () => {
  it("fromWritableStream/fromReadableStream over a TransformStream pass checkOneWayStream", async () => {
    await run((cx) => checkOneWayStream(cx, () => transformPair(), cloggedTransformPair));
  });

  it("toWritableStream/toReadableStream (wrapped back) over memory pairs pass checkOneWayStream", async () => {
    await run((cx) =>
      checkOneWayStream(
        cx,
        (cx) => roundTripPair(cx),
        async (cx) => {
          const pair = roundTripPair(cx, true);
          await pair[0].send(cx, new Uint8Array(1));
          return pair;
        },
      ),
    );
  });

  it("a cancelled receive loses no bytes: the read in flight is kept for the next receive", async () => {
    const got: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        let pulls = 0;
        const readable = new ReadableStream<Uint8Array>(
          {
            start(c) {
              controller = c;
            },
            pull() {
              pulls++;
            },
          },
          { highWaterMark: 0 },
        );
        const r = fromReadableStream(readable);
        const scope = new CancelScope();
        let outcome = "";
        tg.startSoon((cx) =>
          cx.withCancelScope(scope, async (cx) => {
            try {
              await r.receive(cx);
              outcome = "received";
            } catch (error) {
              outcome = error instanceof Cancelled ? "cancelled" : String(error);
              throw error;
            }
          }),
        );
        await settle(cx);
        scope.cancel();
        await settle(cx);
        expect(outcome).toBe("cancelled");
        controller.enqueue(bytes("kept"));
        controller.enqueue(bytes("+more"));
        controller.close();
        got.push(text(await r.receive(cx, 2)));
        got.push(text(await r.receive(cx)));
        got.push(text(await r.receive(cx)));
        await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
        expect(pulls).toBeGreaterThanOrEqual(1);
      }),
    );
    expect(got).toEqual(["ke", "pt", "+more"]);
  });

  it("an error of the ReadableStream becomes BrokenResourceError with cause; close cancels the reader", async () => {
    await run(async (cx) => {
      const boom = new Error("boom");
      const errored = fromReadableStream(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(bytes("a"));
            c.error(boom);
          },
        }),
      );
      const error = await errored.receive(cx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      await expect(errored.receive(cx)).rejects.toBeInstanceOf(BrokenResourceError);
      await errored.close();

      let cancelled: unknown = "no";
      const readable = new ReadableStream<Uint8Array>({
        cancel(reason) {
          cancelled = reason;
        },
      });
      const r = fromReadableStream(readable);
      await r.close();
      await r.close();
      expect(cancelled).toBeUndefined();
      await expect(r.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);

      const wrong = fromReadableStream(new ReadableStream({ start: (c) => c.enqueue("text" as never) }));
      await expect(wrong.receive(cx)).rejects.toBeInstanceOf(BrokenResourceError);
      expect(() => fromReadableStream({} as never)).toThrow(TypeError);
      const locked = new ReadableStream<Uint8Array>();
      locked.getReader();
      expect(() => fromReadableStream(locked)).toThrow(/locked/);
      expect(() => fromWritableStream(new ReadableStream() as never)).toThrow(TypeError);
    });
  });

  it("fromWritableStream: send blocks while the writable is full (backpressure), sendEof closes it", async () => {
    const written: string[] = [];
    let accepted = 0;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        let release!: () => void;
        let gate = new Promise<void>((resolve) => (release = resolve));
        let closed = false;
        const writable = new WritableStream<Uint8Array>(
          {
            async write(chunk) {
              await gate;
              written.push(text(chunk));
            },
            close() {
              closed = true;
            },
          },
          { highWaterMark: 2 },
        );
        const s = fromWritableStream(writable);
        let done = false;
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 10; i++) {
            await s.send(cx, bytes(String(i)));
            accepted++;
          }
          await s.sendEof(cx);
          done = true;
        });
        await settle(cx);
        // the high-water mark (2) counts the chunk in the sink too: the third send waits
        expect(accepted).toBe(2);
        expect(done).toBe(false);
        release();
        await settle(cx, 40);
        expect(done).toBe(true);
        expect(closed).toBe(true);
        await expect(s.send(cx, bytes("late"))).rejects.toBeInstanceOf(ClosedResourceError);
        gate = Promise.resolve();
      }),
    );
    expect(accepted).toBe(10);
    expect(written.join("")).toBe("0123456789");
  });

  it("a writable with a high-water mark of 0 (always 'full') still moves, one write at a time", async () => {
    const written: string[] = [];
    await run(async (cx) => {
      const s = fromWritableStream(
        new WritableStream<Uint8Array>(
          {
            async write(chunk) {
              await Promise.resolve();
              written.push(text(chunk));
            },
          },
          { highWaterMark: 0 },
        ),
      );
      for (const word of ["a", "b", "c"]) await s.send(cx, bytes(word));
      await s.sendEof(cx);
    });
    expect(written).toEqual(["a", "b", "c"]);
  });

  it("a failing sink breaks the send stream (BrokenResourceError with cause)", async () => {
    await run(async (cx) => {
      const boom = new Error("disk full");
      const s = fromWritableStream(
        new WritableStream<Uint8Array>({
          write() {
            throw boom;
          },
        }),
      );
      let error: unknown;
      for (let i = 0; i < 10 && error === undefined; i++) {
        await s.send(cx, bytes("x")).catch((e: unknown) => (error = e));
        await cx.checkpoint();
      }
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBe(boom);
      await s.close();
    });
  });
});

describe("Skein streams as web streams", () => {
  it("CompressionStream/DecompressionStream round trip through Skein streams (pipeThrough)", async () => {
    let result = "";
    const original = "skein ".repeat(20000) + "end";
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair({ maxBufferSize: 4096 });
        tg.startSoon(async (cx) => {
          const all = bytes(original);
          for (let at = 0; at < all.length; at += 1000) await s.send(cx, all.subarray(at, at + 1000));
          await s.close();
        });
        const compressed = toReadableStream(cx, r).pipeThrough(new CompressionStream("gzip"));
        // through a Skein stream in the middle, too
        const middle = fromReadableStream(compressed);
        const [s2, r2] = memoryStreamOneWayPair({ maxBufferSize: 1024 });
        tg.startSoon(async (cx) => {
          let total = 0;
          for (;;) {
            let chunk: Uint8Array;
            try {
              chunk = await middle.receive(cx, 512);
            } catch (error) {
              if (error instanceof EndOfStream) break;
              throw error;
            }
            total += chunk.length;
            await s2.send(cx, chunk);
          }
          expect(total).toBeLessThan(original.length / 10);
          await s2.close();
        });
        const plain = fromReadableStream(toReadableStream(cx, r2).pipeThrough(new DecompressionStream("gzip")));
        result = text(await receiveAll(cx, plain));
      }),
    );
    expect(result).toBe(original);
  });

  it("TextDecoderStream plugs in; toWritableStream takes a pipeTo", async () => {
    const pieces: string[] = [];
    let echoed = "";
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair();
        const euro = bytes("€");
        tg.startSoon(async (cx) => {
          await s.send(cx, bytes("price: "));
          await s.send(cx, euro.subarray(0, 1));
          await s.send(cx, euro.subarray(1));
          await s.close();
        });
        const reader = toReadableStream(cx, r).pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await cx.abandonOnCancel(reader.read());
          if (done) break;
          pieces.push(value);
        }
        const [s2, r2] = memoryStreamOneWayPair();
        await cx.abandonOnCancel(new Blob(["hello ", "web"]).stream().pipeTo(toWritableStream(cx, s2)));
        echoed = text(await receiveAll(cx, r2));
      }),
    );
    expect(pieces.join("")).toBe("price: €");
    expect(echoed).toBe("hello web");
  });

  it("backpressure: a stalled web consumer makes the Skein sender block, with a bounded number of chunks accepted", async () => {
    let acceptedWhileStalled = -1;
    let accepted = 0;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = memoryStreamOneWayPair({ maxBufferSize: 1 });
        const readable = toReadableStream(cx, r, { maxBytes: 1 });
        const reader = readable.getReader();
        const producer = new CancelScope();
        tg.startSoon((cx) =>
          cx.withCancelScope(producer, async (cx) => {
            for (let i = 0; i < 1000; i++) {
              await s.send(cx, new Uint8Array([i & 255]));
              accepted++;
            }
          }),
        );
        await settle(cx, 50);
        acceptedWhileStalled = accepted;
        // the consumer reads 5 chunks: the producer moves on by about as many
        for (let i = 0; i < 5; i++) await cx.abandonOnCancel(reader.read());
        await settle(cx, 50);
        expect(accepted - acceptedWhileStalled).toBeGreaterThanOrEqual(4);
        expect(accepted - acceptedWhileStalled).toBeLessThanOrEqual(6);
        producer.cancel();
        await reader.cancel();
      }),
    );
    // memory buffer (1 byte) + the high-water mark of 0: at most a couple of chunks in flight
    expect(acceptedWhileStalled).toBeGreaterThanOrEqual(1);
    expect(acceptedWhileStalled).toBeLessThanOrEqual(3);
  });

  it("backpressure: a web producer piping into a stalled Skein receiver is held back", async () => {
    let pulled = 0;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [s, r] = lockstepStreamOneWayPair();
        const source = new ReadableStream<Uint8Array>(
          {
            pull(c) {
              pulled++;
              c.enqueue(new Uint8Array(100));
            },
          },
          { highWaterMark: 0 },
        );
        const piping = source.pipeTo(toWritableStream(cx, s)).catch(() => undefined);
        await settle(cx, 50);
        expect(pulled).toBeLessThanOrEqual(4);
        const before = pulled;
        await r.receive(cx);
        await r.receive(cx);
        await settle(cx, 50);
        expect(pulled).toBeGreaterThan(before);
        expect(pulled).toBeLessThanOrEqual(before + 4);
        await r.close();
        await piping;
      }),
    );
    expect(pulled).toBeGreaterThan(0);
  });

  it("cancelling the ReadableStream closes the Skein stream; the sender sees BrokenResourceError", async () => {
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      const readable = toReadableStream(cx, r);
      await readable.cancel(new Error("not interested"));
      await expect(r.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(s.send(cx, bytes("x"))).rejects.toBeInstanceOf(BrokenResourceError);
    });
  });

  it("aborting the WritableStream closes the Skein stream; closing it sends EOF", async () => {
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      const writer = toWritableStream(cx, s).getWriter();
      await cx.abandonOnCancel(writer.write(bytes("a")));
      await cx.abandonOnCancel(writer.abort(new Error("stop")));
      expect(text(await r.receive(cx))).toBe("a");
      await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await expect(s.send(cx, bytes("x"))).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  it("cancelling the Skein scope errors the web streams with the Cancelled (a pending read, an idle writer)", async () => {
    const seen: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [, r] = memoryStreamOneWayPair();
        const [s2] = memoryStreamOneWayPair({ maxBufferSize: 0 });
        const scope = new CancelScope();
        let readable!: ReadableStream<Uint8Array>;
        let writable!: WritableStream<Uint8Array>;
        tg.startSoon((cx) =>
          cx.withCancelScope(scope, async (inner) => {
            readable = toReadableStream(inner, r);
            writable = toWritableStream(inner, s2);
            await inner.sleepForever();
          }),
        );
        await settle(cx);
        const reader = readable.getReader();
        const writer = writable.getWriter();
        const reading = reader.read().then(
          () => "read resolved",
          (e: unknown) => (e instanceof Cancelled ? "read: Cancelled" : `read: ${String(e)}`),
        );
        await settle(cx);
        scope.cancel();
        seen.push(await cx.abandonOnCancel(reading));
        seen.push(
          await cx.abandonOnCancel(
            writer.write(bytes("x")).then(
              () => "write resolved",
              (e: unknown) => (e instanceof Cancelled ? "write: Cancelled" : `write: ${String(e)}`),
            ),
          ),
        );
        await r.close();
        await s2.close();
      }),
    );
    expect(seen).toEqual(["read: Cancelled", "write: Cancelled"]);
  });

  it("a read pending when the context's scope ends fails with ClosedResourceError instead of hanging", async () => {
    let outcome: Promise<string> | undefined;
    let late: Promise<string> | undefined;
    const describe = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: unknown) => (e instanceof ClosedResourceError ? "ClosedResourceError" : `other: ${String(e)}`),
      );
    await run(async (cx) => {
      const [, r] = memoryStreamOneWayPair();
      await cx.moveOnAfter(60_000, async (inner) => {
        const reader = toReadableStream(inner, r).getReader();
        outcome = describe(reader.read());
        await settle(inner);
      });
      // the scope has ended: a new read fails too (the context is dead)
      const [, r2] = memoryStreamOneWayPair();
      let dead!: Context;
      await cx.moveOnAfter(60_000, async (inner) => {
        dead = inner;
      });
      late = describe(toReadableStream(dead, r2).getReader().read());
    });
    expect(await outcome).toBe("ClosedResourceError");
    expect(await late).toBe("ClosedResourceError");
  });

  it("bad input", async () => {
    await run(async (cx) => {
      const [s, r] = memoryStreamOneWayPair();
      expect(() => toReadableStream({} as never, r)).toThrow(TypeError);
      expect(() => toReadableStream(cx, {} as never)).toThrow(TypeError);
      expect(() => toReadableStream(cx, r, { maxBytes: 0 })).toThrow(RangeError);
      expect(() => toReadableStream(cx, r, { highWaterMark: -1 })).toThrow(RangeError);
      expect(() => toWritableStream(cx, r as never)).toThrow(TypeError);
      expect(() => toWritableStream(cx, s, { highWaterMark: 0.5 })).toThrow(RangeError);
      expect(() => toWritableStream(cx, s, null as never)).toThrow(TypeError);
    });
  });
});
