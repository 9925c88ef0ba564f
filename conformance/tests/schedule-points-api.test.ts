// Schedule points across the public API (see schedule-points.test.ts for the
// primitives): every call below can complete at once, without parking, and a
// loop of it must still let the event loop turn now and then, or a deadline
// around it never fires. Bounded loops, as there: on code that starves the
// event loop the loop runs to BOUND with the deadline never seen, and the
// test fails instead of hanging. A loop that trio would not interrupt
// either (no checkpoint in it, or only a cancel-shielded schedule point) is
// stopped by the test itself once the deadline was seen.
import { describe, expect, it } from "vitest";
import { netIt, tcpPair } from "../helpers/net.ts";
import { memoryStreamOneWayPair, memoryStreamPair } from "skein/testing";
import { BOUND, deadlineSeen, deadlineSeenIn, expectInterleaved, interleaving } from "../helpers/schedule.ts";
import * as skein from "skein";
import {
  type Adapter,
  asCompleted,
  BufferedByteReceiveStream,
  type ByteReceiveStream,
  type Context,
  createMemoryObjectStream,
  FileReadStream,
  fromReadableStream,
  fromWritableStream,
  gather,
  lookup,
  openFile,
  openSignalReceiver,
  readDir,
  run,
  StapledByteStream,
  StapledObjectStream,
  wait,
  withTempDir,
  writeFile,
} from "skein";

/** A byte stream whose first receive returns all of `bytes` in one chunk. */
function oneChunk(bytes: Uint8Array): ByteReceiveStream {
  let sent = false;
  return {
    async receive(cx: Context): Promise<Uint8Array> {
      await cx.checkpoint();
      if (sent) return new Uint8Array(0);
      sent = true;
      return bytes;
    },
    async close(): Promise<void> {},
  } as ByteReceiveStream;
}

describe("schedule points: a loop of calls served at once lets a deadline fire", () => {
  it("BufferedByteReceiveStream.receive with the bytes buffered", async () => {
    expect(
      await deadlineSeen(async (cx) => {
        const buffered = new BufferedByteReceiveStream(oneChunk(new Uint8Array(2 * BOUND)));
        await buffered.receiveExactly(cx, 1);
        return (cx) => buffered.receive(cx, 1);
      }),
    ).toBe(true);
  });

  it("BufferedByteReceiveStream.receiveExactly with the bytes buffered", async () => {
    expect(
      await deadlineSeen(async (cx) => {
        const buffered = new BufferedByteReceiveStream(oneChunk(new Uint8Array(2 * BOUND)));
        await buffered.receiveExactly(cx, 1);
        return (cx) => buffered.receiveExactly(cx, 1);
      }),
    ).toBe(true);
  });

  it("BufferedByteReceiveStream.receiveUntil with the lines buffered", async () => {
    const newline = new Uint8Array([10]);
    expect(
      await deadlineSeen(async () => {
        const buffered = new BufferedByteReceiveStream(oneChunk(new Uint8Array(2 * BOUND).fill(10)));
        return (cx) => buffered.receiveUntil(cx, newline, 100);
      }),
    ).toBe(true);
  });

  it("fromReadableStream's receive served from a chunk already read", async () => {
    expect(
      await deadlineSeen(async () => {
        const stream = fromReadableStream(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new Uint8Array(2 * BOUND));
              controller.close();
            },
          }),
        );
        return (cx) => stream.receive(cx, 1);
      }),
    ).toBe(true);
  });

  for (const size of [1, 0]) {
    it(`fromWritableStream's send of ${size} byte(s) to a sink with room`, async () => {
      const bytes = new Uint8Array(size);
      expect(
        await deadlineSeen(async () => {
          const stream = fromWritableStream(new WritableStream({ write() {} }, { highWaterMark: 1e9 }));
          return (cx) => stream.send(cx, bytes);
        }),
      ).toBe(true);
    });
  }

  it("FileReadStream.receive served from its read-ahead", async () => {
    // Every receive after the first is served from the one runtime read (256 KiB).
    const seen = await run((cx) =>
      withTempDir(cx, async (dir, cx) => {
        const path = `${dir}/data`;
        await writeFile(cx, path, new Uint8Array(1 << 19));
        await using stream = await FileReadStream.from(cx, path);
        return await deadlineSeenIn(
          cx,
          async (cx) => {
            await stream.receive(cx, 1);
            return (cx) => stream.receive(cx, 1);
          },
          200_000,
        );
      }),
    );
    expect(seen).toBe(true);
  });

  it("an empty task group", async () => {
    expect(await deadlineSeen(async () => (cx) => cx.taskGroup(() => {}))).toBe(true);
  });

  it("a task group whose task ends at once", async () => {
    expect(await deadlineSeen(async () => (cx) => cx.taskGroup((tg) => tg.startSoon(() => {})))).toBe(true);
  });

  it("tg.start of a task that calls started at once", async () => {
    let started = 0;
    await run(async (cx) => {
      await cx.moveOnAfter(2, (cx) =>
        cx.taskGroup(async (tg) => {
          for (let i = 0; i < BOUND && !cx.cancelScope.cancelCalled; i++) {
            await tg.start(cx, (cx) => cx.started());
            started++;
          }
        }),
      );
    });
    expect(started).toBeLessThan(BOUND);
  });

  it("TaskHandle.result of a finished task", async () => {
    expect(
      await deadlineSeen(async (cx) => {
        let handle = null as unknown as { result(cx: Context): Promise<number> };
        await cx.taskGroup((tg) => {
          handle = tg.createTask(() => 1);
        });
        return (cx) => handle.result(cx);
      }),
    ).toBe(true);
  });

  netIt("lookup of an IP literal", async (cx) => {
    expect(await deadlineSeenIn(cx, async () => (cx) => lookup(cx, "127.0.0.1"))).toBe(true);
  });

  it("gather, wait and asCompleted of jobs that end at once", async () => {
    const job = (): number => 1;
    const fired: string[] = [];
    if (await deadlineSeen(async () => (cx) => gather(cx, [job, job]))) fired.push("gather");
    if (await deadlineSeen(async () => (cx) => gather(cx, []))) fired.push("gather of none");
    if (await deadlineSeen(async () => (cx) => wait(cx, [job]))) fired.push("wait");
    if (
      await deadlineSeen(async () => (cx) =>
        cx.taskGroup(async (tg) => {
          for await (const _ of asCompleted(cx, tg, [job])) void _;
        }),
      )
    ) {
      fired.push("asCompleted");
    }
    expect(fired).toEqual(["gather", "gather of none", "wait", "asCompleted"]);
  });
});

describe("schedule points: calls that are schedule points in trio yield to other tasks", () => {
  const calls: [string, (cx: Context) => Promise<unknown>][] = [
    ["an empty task group's end", (cx) => cx.taskGroup(() => {})],
    ["a task group's end after its tasks ended", (cx) => cx.taskGroup(async (tg) => {
      tg.startSoon(() => {});
      await Promise.resolve();
      await Promise.resolve();
    })],
    ["a task group's end, woken by a task that ends without a checkpoint", (cx) => cx.taskGroup((tg) => tg.startSoon(() => {}))],
  ];
  for (const [name, call] of calls) {
    it(`${name} lets a task waiting at a checkpoint run before it returns`, async () => {
      expectInterleaved(await run((cx) => interleaving(cx, call)));
    });
  }

  it("tg.start of a task that calls started at once lets a task waiting at a checkpoint run before it returns (trio)", async () => {
    let log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        log = await interleaving(cx, (cx) => tg.start(cx, (cx) => cx.started()));
      }),
    );
    expectInterleaved(log);
  });

  netIt("lookup of an IP literal lets a task waiting at a checkpoint run before it returns (trio's getaddrinfo of a numeric host)", async (cx) => {
    expectInterleaved(await interleaving(cx, (cx) => lookup(cx, "127.0.0.1")));
    await expect(lookup(cx, "::1", { family: 6 })).resolves.toEqual([{ address: "::1", family: 6 }]);
  });

  it("TaskHandle.result of a finished task lets a task waiting at a checkpoint run before it returns", async () => {
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        const done = tg.createTask(() => 1);
        await done.result(cx);
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 3; i++) {
            await done.result(cx);
            log.push(`a${i}`);
          }
        });
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 3; i++) {
            await cx.checkpoint();
            log.push(`b${i}`);
          }
        });
      }),
    );
    expect(log).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("a signal receiver's receive of a pending signal lets a task waiting at a checkpoint run before it returns (trio)", async () => {
    // This runtime's adapter with signals delivered by the test itself.
    const base = Object.entries(skein).find(([k]) => k.endsWith("Adapter"))![1] as Adapter;
    const handlers: (() => void)[] = [];
    const adapter: Adapter = { ...base, signals: { listen: (_signal, handler) => (handlers.push(handler), () => {}) } };
    const log = await run(
      (cx) =>
        openSignalReceiver(cx, ["SIGUSR1", "SIGUSR2", "SIGHUP"], (signals, cx) => {
          for (const deliver of handlers) deliver();
          return interleaving(cx, (cx) => signals.receive(cx));
        }),
      { adapter },
    );
    expectInterleaved(log);
  });

  it("readDir lets a task waiting at a checkpoint run once the listing has held the event loop a while, also where the runtime lists the whole directory at once (Deno, Bun)", async () => {
    await run((cx) =>
      withTempDir(cx, async (dir, cx) => {
        for (let i = 0; i < 200; i++) await writeFile(cx, `${dir}/f${i}`, new Uint8Array(0));
        let ticks = 0;
        let listing = true;
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            while (listing) {
              await cx.checkpoint();
              ticks++;
            }
          });
          let atFirst = -1;
          let entries = 0;
          for await (const _ of readDir(cx, dir)) {
            if (atFirst < 0) atFirst = ticks;
            entries++;
            // 20 us of work per entry: the listing holds the event loop for
            // 4 ms in all, past the run's hold (about 1 ms; runner.ts), so the
            // other task must get its turn during it, whatever the machine.
            const until = performance.now() + 0.02;
            while (performance.now() < until);
          }
          listing = false;
          expect(entries).toBe(200);
          expect(ticks).toBeGreaterThan(atFirst);
        });
      }),
    );
  });

  it("a task group's end with nothing to wait for is not a cancel point (trio)", async () => {
    await run(async (cx) => {
      const result = await cx.withCancelScope({}, async (inner) => {
        const ending = inner.taskGroup(() => {});
        inner.cancelScope.cancel();
        expect(await ending).toBeUndefined(); // returns normally: the yield is shielded
        return "after";
      });
      expect(result).toBe("after");
    });
  });
});

// trio's SocketStream.send_eof takes a checkpoint before it looks whether the
// end was already sent, so a second call is a cancel point and a schedule
// point like the first (and a loop of it cannot starve the event loop).
describe("schedule points: a second sendEof is a checkpoint, as the first (trio)", () => {
  type Eof = { sendEof(cx: Context): Promise<void> };
  const secondSendEof = async (cx: Context, stream: Eof): Promise<void> => {
    await stream.sendEof(cx);
    const cancelled = await cx.withCancelScope({}, async (cx) => {
      cx.cancelScope.cancel();
      await stream.sendEof(cx);
      return "returned";
    });
    expect(cancelled).toBeUndefined(); // Cancelled was raised, and absorbed by its scope
    expectInterleaved(await interleaving(cx, (cx) => stream.sendEof(cx)));
    expect(await deadlineSeenIn(cx, async () => (cx) => stream.sendEof(cx))).toBe(true);
  };

  netIt("SocketStream", async (cx) => {
    const [a, b] = await tcpPair(cx);
    try {
      await secondSendEof(cx, a);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("StapledByteStream and StapledObjectStream", async () => {
    await run(async (cx) => {
      const [send, receive] = memoryStreamOneWayPair();
      await secondSendEof(cx, new StapledByteStream(send, receive));
      const [objects, items] = createMemoryObjectStream<number>(1);
      await secondSendEof(cx, new StapledObjectStream(objects, items));
    });
  });

  it("MemoryByteStream (skein/testing)", async () => {
    await run(async (cx) => {
      const [a] = memoryStreamPair();
      await secondSendEof(cx, a);
    });
  });

  it("fromWritableStream's stream", async () => {
    await run(async (cx) => {
      await secondSendEof(cx, fromWritableStream(new WritableStream<Uint8Array<ArrayBuffer>>()));
    });
  });
});

describe("schedule points: AsyncFile.seek", () => {
  for (const whence of ["start", "current"] as const) {
    it(`a loop of seek from ${whence} (no runtime call) lets a deadline fire`, async () => {
      const seen = await run((cx) =>
        withTempDir(cx, async (dir, cx) => {
          const path = `${dir}/data`;
          await writeFile(cx, path, new Uint8Array(16));
          await using file = await openFile(cx, path);
          return await deadlineSeenIn(cx, async () => (cx) => file.seek(cx, 0, whence));
        }),
      );
      expect(seen).toBe(true);
    });
  }
});
