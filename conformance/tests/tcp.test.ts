// TCP and DNS (issue 11): SocketStream, SocketListener, connectTcp with happy
// eyeballs, createTcpListener and lookup, over loopback (port 0 always). The
// same test names on every column: on chromium (no sockets) each network test
// asserts the UnsupportedError instead. Happy-eyeballs staggering is tested
// on every column with a fake NetSupport whose attempts the test controls,
// on a MockClock.
import { describe, expect, inject, it } from "vitest";
import * as skein from "skein";
import {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  ConnectError,
  type Context,
  connectTcp,
  createTcpListener,
  EndOfStream,
  interleaveFamilies,
  lookup,
  type NetSupport,
  run,
  type SocketListener,
  type SocketStream,
  type TaskGroup,
  UnsupportedError,
} from "skein";
import { clog, concat, echo, pattern, receiveAll, sameBytes } from "../helpers/bytes.ts";
import { FakeSocket, netIt, tcpPair } from "../helpers/net.ts";
import { checkHalfCloseableStream, MockClock } from "skein/testing";

const runtime = inject("runtime");
const noSockets = runtime === "chromium";
const MB = 1024 * 1024;


/**
 * Runs `prepare`, then `step` (numbered from 0) until it returns false, with
 * another task checkpointing in a loop alongside; returns the steps during
 * which that task did not run once (steps that were no schedule point).
 */
async function stallsBeside(
  cx: Context,
  prepare: (tg: TaskGroup, cx: Context) => Promise<void>,
  step: (cx: Context, i: number) => Promise<boolean>,
): Promise<number[]> {
  let ticks = 0;
  const stalls: number[] = [];
  await cx.taskGroup(async (tg, cx) => {
    await prepare(tg, cx);
    tg.startSoon(async (cx: Context) => {
      for (;;) {
        await cx.checkpoint();
        ticks++;
      }
    });
    await cx.checkpoint();
    for (let i = 0, more = true; more; i++) {
      const before = ticks;
      more = await step(cx, i);
      if (ticks === before) stalls.push(i);
    }
    tg.cancelScope.cancel();
  });
  return stalls;
}

/**
 * A pair whose sends block: each direction is filled (sending until no send
 * completed for a whole 50 ms window: the OS buffers are full) before it is
 * returned. The junk is read by whoever drains the pair.
 */
async function cloggedTcpPair(cx: Context): Promise<[SocketStream, SocketStream]> {
  return clog(cx, await tcpPair(cx));
}

/** Runs `body` with a listener serving `handler`, then closes the listener. */
async function withServer(
  cx: Context,
  handler: (stream: SocketStream, cx: Context) => Promise<void>,
  body: (cx: Context, listener: SocketListener) => Promise<void>,
): Promise<void> {
  await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon((cx) => listener.serve(cx, handler));
    await body(cx, listener);
    await listener.close();
  });
}

describe("TCP streams", () => {
  netIt("10 MB echoed intact", async (cx) => {
    await withServer(cx, echo, async (cx, listener) => {
      await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
      const data = pattern(10 * MB);
      const got = await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (let at = 0; at < data.length; at += 65536) await stream.send(cx, data.subarray(at, at + 65536));
          await stream.sendEof(cx);
        });
        return receiveAll(cx, stream);
      });
      expect(got!.length).toBe(data.length);
      expect(sameBytes(got!, data)).toBe(true);
    });
  });

  netIt("half-close: the server reads to EndOfStream, then answers on the same connection", async (cx) => {
    await withServer(
      cx,
      async (stream, cx) => {
        const request = await receiveAll(cx, stream);
        await stream.send(cx, new TextEncoder().encode(`got ${new TextDecoder().decode(request)}`));
      },
      async (cx, listener) => {
        await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
        await stream.send(cx, new TextEncoder().encode("request"));
        await stream.sendEof(cx);
        await expect(stream.send(cx, new Uint8Array([1]))).rejects.toBeInstanceOf(ClosedResourceError);
        expect(new TextDecoder().decode(await receiveAll(cx, stream))).toBe("got request");
        await expect(stream.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      },
    );
  });

  for (const how of ["receive", "receiveInto"] as const) {
    netIt(`every ${how} is a schedule point, also when the runtime's read completes at once (64 KiB reads of buffered bytes)`, async (cx) => {
      const [client, server] = await tcpPair(cx);
      try {
        const buffer = new Uint8Array(64 * 1024);
        let got = 0;
        const stalls = await stallsBeside(
          cx,
          async (tg, cx) => {
            tg.startSoon(async (cx: Context) => {
              for (let i = 0; i < 16; i++) await client.send(cx, new Uint8Array(64 * 1024));
            });
            await cx.sleep(50); // the kernel's buffers fill; the sender waits
          },
          async (cx) => {
            got += how === "receive" ? (await server.receive(cx, 64 * 1024)).length : await server.receiveInto(cx, buffer);
            return got < 16 * 64 * 1024;
          },
        );
        expect(stalls).toEqual([]);
      } finally {
        await client.close();
        await server.close();
      }
    });
  }

  netIt("every send is a schedule point, also when the runtime takes the bytes at once", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const stalls = await stallsBeside(
        cx,
        async (tg) => {
          tg.startSoon(async (cx: Context) => {
            for (;;) await server.receive(cx);
          });
        },
        async (cx, i) => {
          await client.send(cx, new Uint8Array(1024));
          return i < 199;
        },
      );
      expect(stalls).toEqual([]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("every receive is a schedule point, also when the bytes are already buffered", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await client.send(cx, new Uint8Array(1000));
      let ticks = 0;
      let got = 0;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx: Context) => {
          for (;;) {
            await cx.checkpoint();
            ticks++;
          }
        });
        // 1000 one-byte receives: after the first, every byte is waiting in the stream's buffer.
        while (got < 1000) got += (await server.receive(cx, 1)).length;
        tg.cancelScope.cancel();
      });
      expect(got).toBe(1000);
      expect(ticks).toBeGreaterThanOrEqual(900); // the other task ran alongside the drain (once, before the fix)
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("cancelled receives lose no bytes", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const data = pattern(200_000, 7);
      const got: Uint8Array[] = [];
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (let at = 0; at < data.length; at += 1000) {
            await server.send(cx, data.subarray(at, at + 1000));
            if (at % 7 === 0) await cx.checkpoint();
          }
          await server.sendEof(cx);
        });
        let cancelled = 0;
        for (let round = 0; ; round++) {
          const scope = new CancelScope();
          let ended = false;
          await cx.taskGroup(async (tg, cx) => {
            tg.startSoon((cx) =>
              cx.withCancelScope(scope, async (cx) => {
                try {
                  got.push((await client.receive(cx, 1 + (round % 3000))).slice());
                } catch (error) {
                  if (error instanceof EndOfStream) ended = true;
                  else if (error instanceof Cancelled) cancelled++;
                  throw error;
                }
              }),
            );
            for (let k = round % 5; k > 0; k--) await cx.checkpoint();
            scope.cancel();
          }).catch((error: unknown) => {
            if (!(error instanceof EndOfStream)) throw error;
          });
          if (ended) break;
        }
        expect(cancelled).toBeGreaterThan(0);
      });
      expect(sameBytes(concat(got), data)).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("a send cancelled at its schedule point after its write began: returns if the bytes were taken (the next checkpoint raises), and every byte arrives", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const data = pattern(1000, 9);
      const scope = new CancelScope();
      let outcome = "";
      await cx.withCancelScope(scope, async (cx) => {
        const sending = client.send(cx, data);
        scope.cancel(); // while the send waits for its tick (or for its write)
        try {
          await sending;
        } catch (error) {
          outcome = error instanceof Cancelled ? "cancelled" : "other";
          throw error;
        }
        outcome = "returned";
        try {
          await cx.checkpoint();
        } catch (error) {
          if (error instanceof Cancelled) outcome = "returned, then cancelled";
          throw error;
        }
      });
      expect(["returned, then cancelled", "cancelled"]).toContain(outcome);
      // Taken or still being written, the bytes go out whole.
      await client.sendEof(cx);
      expect(sameBytes(await receiveAll(cx, server), data)).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("a send cancelled while blocked keeps writing; the next send waits for it, then sends its own bytes", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const first = pattern(32 * MB, 3); // more than the kernel buffers take: the send blocks
      const second = pattern(1000, 5);
      let cancelled = false;
      const sending = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) =>
          cx.withCancelScope(sending, async (cx) => {
            try {
              await client.send(cx, first);
            } catch (error) {
              cancelled = error instanceof Cancelled;
              throw error;
            }
          }),
        );
        for (let i = 0; i < 10; i++) await cx.checkpoint(); // the send has started and blocked
        sending.cancel();
      });
      expect(cancelled).toBe(true);
      let got: Uint8Array | null = null;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          got = await receiveAll(cx, server);
        });
        await client.send(cx, second);
        await client.sendEof(cx);
      });
      expect(got!.length).toBe(first.length + second.length);
      expect(sameBytes(got!, concat([first, second]))).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("a stalled reader keeps the sender blocked (backpressure), with bounded buffering", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      let accepted = 0;
      const chunk = new Uint8Array(65536);
      await cx.taskGroup(async (tg, cx) => {
        const sending = new CancelScope();
        tg.startSoon((cx) =>
          cx.withCancelScope(sending, async (cx) => {
            for (;;) {
              await client.send(cx, chunk);
              accepted += chunk.length;
              if (accepted > 256 * MB) throw new Error("the sender was never blocked");
            }
          }),
        );
        // Wait until the accepted count stops growing (the sender is blocked in send).
        let last = -1;
        for (let stable = 0; stable < 10; ) {
          await cx.sleep(20);
          if (accepted === last) stable++;
          else {
            stable = 0;
            last = accepted;
          }
        }
        expect(accepted).toBeGreaterThan(0);
        expect(accepted).toBeLessThan(64 * MB);
        // Reading unblocks it.
        const target = last + 4 * 65536;
        let read = 0;
        while (read < target) read += (await server.receive(cx)).length;
        while (accepted === last) await cx.sleep(5);
        expect(accepted).toBeGreaterThan(last);
        sending.cancel();
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("concurrent sends: BusyResourceError; closing wakes a blocked send with ClosedResourceError", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await cx.taskGroup(async (tg, cx) => {
        let outcome: unknown = "pending";
        tg.startSoon(async (cx) => {
          try {
            await client.send(cx, new Uint8Array(128 * MB));
            outcome = "returned";
          } catch (error) {
            outcome = error;
          }
        });
        await cx.sleep(50);
        expect(outcome).toBe("pending");
        await expect(client.send(cx, new Uint8Array(1))).rejects.toBeInstanceOf(BusyResourceError);
        await expect(client.sendEof(cx)).rejects.toBeInstanceOf(BusyResourceError);
        await client.close();
        while (outcome === "pending") await cx.sleep(5);
        expect(outcome).toBeInstanceOf(ClosedResourceError);
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("a peer reset: BrokenResourceError with the runtime's error as cause", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await client.send(cx, pattern(MB));
      await server.receive(cx, 1); // the data has arrived; most of it is unread
      await server.close(); // closing with unread data resets the connection
      let error: unknown;
      try {
        for (;;) await client.receive(cx);
      } catch (e) {
        error = e;
      }
      if (!(error instanceof BrokenResourceError)) {
        // Some stacks report the reset on the next send instead.
        try {
          for (let i = 0; i < 100; i++) await client.send(cx, new Uint8Array(65536));
        } catch (e) {
          error = e;
        }
      }
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as BrokenResourceError).cause).toBeDefined();
      await expect(client.receive(cx)).rejects.toBeInstanceOf(BrokenResourceError);
    } finally {
      await client.close();
    }
  });

  netIt("close after sends: every byte a send accepted reaches the peer (close drops nothing accepted)", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const data = pattern(64 * MB, 3);
      let accepted = 0;
      // The peer does not read: the OS buffers fill, then sends block. Small chunks, so the
      // runtime's own buffer also fills: what it accepted there must not be lost on close.
      await cx.moveOnAfter(300, async (cx) => {
        for (let at = 0; at < data.length; at += 1000) {
          await client.send(cx, data.subarray(at, at + 1000));
          accepted = at + 1000;
        }
      });
      expect(accepted).toBeLessThan(data.length);
      await client.close();
      const got = await receiveAll(cx, server);
      expect(got.length).toBeGreaterThanOrEqual(accepted);
      expect(sameBytes(got, data.subarray(0, got.length))).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("use after local close: ClosedResourceError; close is idempotent", async (cx) => {
    const [client, server] = await tcpPair(cx);
    await client.close();
    await client.close();
    await expect(client.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(client.send(cx, new Uint8Array(1))).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(client.sendEof(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(server.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    await server.close();
  });

  netIt("receive, send and sendEof without cx: a TypeError saying to pass the context", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      for (const [name, call] of [
        ["SocketStream.receive", () => client.receive(undefined as never)],
        ["SocketStream.send", () => client.send(42 as never, new Uint8Array(1))],
        ["SocketStream.sendEof", () => client.sendEof({} as never)],
      ] as const) {
        expect(call).toThrow(TypeError);
        expect(call).toThrow(`${name}(cx): pass the context (cx) as the first argument`);
      }
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("a task blocked in receive, send or accept shows in the task tree as such (\"receive on tcp 127.0.0.1:PORT\")", async () => {
    if (noSockets) {
      await run(async (cx) => {
        await expect(createTcpListener(cx, { host: "127.0.0.1" })).rejects.toThrow(new UnsupportedError("tcp is not supported on the browser adapter"));
      });
      return;
    }
    await run(
      async (cx) => {
        await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
        const [client, server] = await tcpPair(cx);
        try {
          await cx.taskGroup(async (tg, cx) => {
            tg.startSoon(async function reader(cx) {
              await client.receive(cx);
            });
            tg.startSoon(async function acceptor(cx) {
              await listener.accept(cx);
            });
            tg.startSoon(async function writer(cx) {
              await client.send(cx, new Uint8Array(64 * MB));
            });
            await cx.sleep(100);
            const printed = skein.formatTaskTree(skein.taskTree(cx));
            const port = (client.remoteAddress as { port: number }).port;
            expect(printed).toContain(`reader: blocked on receive on tcp 127.0.0.1:${port}`);
            expect(printed).toContain(`acceptor: blocked on accept on tcp 127.0.0.1:${listener.port}`);
            expect(printed).toMatch(/writer: blocked on send on tcp 127\.0\.0\.1:\d+/);
            tg.cancelScope.cancel();
          });
        } finally {
          await client.close();
          await server.close();
        }
      },
      { trackTasks: true },
    );
  });

  netIt("addresses: local and remote ends match across the connection", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      expect(client.remoteAddress).toEqual(server.localAddress);
      expect(client.localAddress).toEqual(server.remoteAddress);
      expect(client.remoteAddress).toMatchObject({ family: 4, host: "127.0.0.1" });
    } finally {
      await client.close();
      await server.close();
    }
  });

  netIt("checkHalfCloseableStream passes on a TCP pair (and on clogged pairs: concurrent sends, closing during a blocked send)", async (cx) => {
    await checkHalfCloseableStream(cx, tcpPair, cloggedTcpPair);
  }, 120_000);
});

describe("connectTcp", () => {
  netIt("connection refused: a ConnectError naming the host, the port and the address tried", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const port = listener.port!;
    await listener.close();
    const error = await connectTcp(cx, "127.0.0.1", port).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    expect(e.message).toContain(`127.0.0.1 port ${port}`);
    expect(e.host).toBe("127.0.0.1");
    expect(e.port).toBe(port);
    expect(e.attempts.map((a) => a.address)).toEqual(["127.0.0.1"]);
    expect(e.errors).toHaveLength(1);
    expect(e.cause).toBe(e.errors[0]);
  });

  netIt("happy eyeballs: \"localhost\" reaches a listener on 127.0.0.1 only, whatever order localhost resolves in", async (cx) => {
    await withServer(cx, echo, async (cx, listener) => {
      const addresses = await lookup(cx, "localhost");
      expect(addresses.map((a) => a.address)).toContain("127.0.0.1");
      await using stream = await connectTcp(cx, "localhost", listener.port!);
      expect(stream.remoteAddress).toMatchObject({ family: 4, host: "127.0.0.1", port: listener.port });
    });
  });

  netIt("localHost binds the local end before connecting", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await using client = await connectTcp(cx, "localhost", listener.port!, { localHost: "127.0.0.1" });
    await using server = await listener.accept(cx);
    expect(client.localAddress).toMatchObject({ family: 4, host: "127.0.0.1" });
    expect(server.remoteAddress).toEqual(client.localAddress);
    await client.send(cx, new Uint8Array([5]));
    expect(await server.receive(cx)).toEqual(new Uint8Array([5]));
  });

  netIt("a cancelled connect leaks nothing and a cancelled lookup throws Cancelled", async (cx) => {
    const scope = new CancelScope();
    scope.cancel();
    await cx.withCancelScope(scope, async (cx) => {
      await expect(connectTcp(cx, "localhost", 9)).rejects.toBeInstanceOf(Cancelled);
      await expect(lookup(cx, "localhost")).rejects.toBeInstanceOf(Cancelled);
    });
  });

  netIt("bad arguments: TypeError / RangeError naming the argument", async (cx) => {
    await expect(connectTcp(cx, "127.0.0.1", 0)).rejects.toThrow(/port/);
    await expect(connectTcp(cx, "127.0.0.1", 70000)).rejects.toBeInstanceOf(RangeError);
    await expect(connectTcp(cx, "", 80)).rejects.toBeInstanceOf(RangeError);
    await expect(connectTcp(cx, 1 as unknown as string, 80)).rejects.toThrow(TypeError);
    await expect(connectTcp(cx, "127.0.0.1", 80, { happyEyeballsDelay: -1 })).rejects.toThrow(/happyEyeballsDelay/);
    await expect(createTcpListener(cx, { port: -1 })).rejects.toThrow(/options\.port/);
    await expect(createTcpListener(cx, { backlog: 1.5 })).rejects.toThrow(/options\.backlog/);
    expect(() => lookup(cx, "localhost", { family: 5 as 4 })).toThrow(/options\.family/);
    expect(() => lookup(cx, "")).toThrow(RangeError);
  });
});

describe("TCP listeners", () => {
  netIt("a handler's error in serve reaches the group", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const outcome = cx
      .taskGroup(async (tg, cx) => {
        tg.startSoon((cx) =>
          listener.serve(cx, async () => {
            throw new Error("handler failed");
          }),
        );
        await using _stream = await connectTcp(cx, "127.0.0.1", listener.port!);
        await cx.sleepForever();
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("handler failed");
  });

  netIt("serve closes a handler's stream when the handler returns", async (cx) => {
    await withServer(
      cx,
      async () => {},
      async (cx, listener) => {
        await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
        await expect(stream.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      },
    );
  });

  netIt("closing the listener while serve runs ends serve cleanly", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const log: string[] = [];
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await listener.serve(cx, echo);
        log.push("serve returned");
      });
      await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
      await stream.send(cx, new Uint8Array([42]));
      expect(await stream.receive(cx)).toEqual(new Uint8Array([42]));
      await stream.sendEof(cx);
      await expect(stream.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await listener.close();
    });
    expect(log).toEqual(["serve returned"]);
    await expect(listener.accept(cx)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  netIt("close wakes a blocked accept with ClosedResourceError; a cancelled accept keeps its connection for the next", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const result = await cx.moveOnAfter(30, (cx) => listener.accept(cx));
    expect(result.cancelled).toBe(true);
    await using client = await connectTcp(cx, "127.0.0.1", listener.port!);
    await using server = await listener.accept(cx);
    await client.send(cx, new Uint8Array([7]));
    expect(await server.receive(cx)).toEqual(new Uint8Array([7]));
    await cx.taskGroup(async (tg, cx) => {
      let outcome: unknown = "pending";
      tg.startSoon(async (cx) => {
        outcome = await listener.accept(cx).catch((e: unknown) => e);
      });
      await cx.sleep(10);
      await listener.close();
      while (outcome === "pending") await cx.sleep(1);
      expect(outcome).toBeInstanceOf(ClosedResourceError);
    });
  });

  netIt("a listener on every interface (no host) takes connections to 127.0.0.1", async (cx) => {
    await using listener = await createTcpListener(cx);
    await using client = await connectTcp(cx, "127.0.0.1", listener.port!);
    await using server = await listener.accept(cx);
    await client.send(cx, new Uint8Array([1, 2, 3]));
    expect(await server.receive(cx)).toEqual(new Uint8Array([1, 2, 3]));
  });

  netIt("reusePort: two listeners share one port where the runtime supports it, else UnsupportedError", async (cx) => {
    let first: SocketListener;
    try {
      first = await createTcpListener(cx, { host: "127.0.0.1", reusePort: true });
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/reusePort/);
      return;
    }
    await using _first = first;
    await using second = await createTcpListener(cx, { host: "127.0.0.1", port: first.port!, reusePort: true });
    expect(second.port).toBe(first.port);
  });

  netIt("1,000 concurrent connections served and closed", async (cx) => {
    let served = 0;
    await withServer(
      cx,
      async (stream, cx) => {
        await echo(stream, cx);
        served++;
      },
      async (cx, listener) => {
        let ok = 0;
        await cx.taskGroup(async (tg) => {
          for (let i = 0; i < 1000; i++) {
            tg.startSoon(async (cx) => {
              await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
              await stream.send(cx, new Uint8Array([i & 255]));
              await stream.sendEof(cx);
              const got = await receiveAll(cx, stream);
              if (got.length === 1 && got[0] === (i & 255)) ok++;
            });
          }
        });
        expect(ok).toBe(1000);
        while (served < 1000) await cx.sleep(5);
      },
    );
    expect(served).toBe(1000);
  }, 120_000);
});

describe("networking support", () => {
  it("the browser has no TCP, Unix sockets or lookups (UnsupportedError naming them); the other runtimes do", async () => {
    await run(async (cx) => {
      if (noSockets) {
        await expect(connectTcp(cx, "127.0.0.1", 80)).rejects.toThrow(new UnsupportedError("tcp is not supported on the browser adapter"));
        await expect(createTcpListener(cx)).rejects.toThrow(new UnsupportedError("tcp is not supported on the browser adapter"));
        await expect(skein.connectUnix(cx, "/tmp/x.sock")).rejects.toThrow(new UnsupportedError("unix sockets is not supported on the browser adapter"));
        await expect(skein.createUnixListener(cx, { path: "/tmp/x.sock" })).rejects.toThrow(
          new UnsupportedError("unix sockets is not supported on the browser adapter"),
        );
        expect(() => lookup(cx, "localhost")).toThrow(new UnsupportedError("dns lookup is not supported on the browser adapter"));
      } else {
        await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
        expect(listener.port).toBeGreaterThan(0);
        expect(await lookup(cx, "127.0.0.1")).toEqual([{ address: "127.0.0.1", family: 4 }]);
      }
    });
  });
});

// ---------------------------------------------------------------------------
// Happy eyeballs with a fake NetSupport on a MockClock (every column).


type Plan = "hang" | "fail" | "connect" | "connect-late";

function fakeNet(clock: MockClock, addresses: [string, 4 | 6][], plans: Record<string, Plan>) {
  const log: string[] = [];
  const sockets: FakeSocket[] = [];
  const net: NetSupport = {
    lookup: async () => addresses.map(([address, family]) => ({ address, family })),
    connectTcp(options, signal) {
      log.push(`${clock.now()} try ${options.host}`);
      const plan = plans[options.host]!;
      if (plan === "fail") return Promise.reject(new Error(`refused by ${options.host}`));
      if (plan === "connect-late") {
        // Ignores the abort and connects anyway, just after it.
        return new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            log.push(`${clock.now()} abort ${options.host}`);
            const s = new FakeSocket({ family: 4, host: options.host, port: options.port });
            sockets.push(s);
            queueMicrotask(() => resolve(s));
          });
        });
      }
      if (plan === "connect") {
        const s = new FakeSocket({ family: options.host.includes(":") ? 6 : 4, host: options.host, port: options.port });
        sockets.push(s);
        return Promise.resolve(s);
      }
      return new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          log.push(`${clock.now()} abort ${options.host}`);
          reject(signal.reason);
        });
      });
    },
    listenTcp: () => Promise.reject(new Error("not in this test")),
    connectUnix: () => Promise.reject(new Error("not in this test")),
    listenUnix: () => Promise.reject(new Error("not in this test")),
  };
  const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
  const base = (skein as unknown as Record<string, skein.Adapter>)[name]!;
  return { adapter: { ...base, net } as skein.Adapter, log, sockets };
}

describe("happy eyeballs (fake network, MockClock)", () => {
  it("interleaves families, staggers attempts by the delay or at once on failure, and the first to connect wins", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const { adapter, log, sockets } = fakeNet(
      clock,
      [
        ["::1", 6],
        ["::2", 6],
        ["10.0.0.1", 4],
        ["10.0.0.2", 4],
      ],
      { "::1": "hang", "10.0.0.1": "fail", "::2": "hang", "10.0.0.2": "connect" },
    );
    const stream = await run(async (cx) => connectTcp(cx, "example.test", 443), { adapter, clock });
    expect(stream.remoteAddress).toEqual({ family: 4, host: "10.0.0.2", port: 443 });
    expect(log.slice(0, 4)).toEqual(["0 try ::1", "250 try 10.0.0.1", "250 try ::2", "500 try 10.0.0.2"]);
    expect(log.slice(4).sort()).toEqual(["500 abort ::1", "500 abort ::2"]);
    expect(sockets.map((s) => s.closed)).toEqual([false]);
    await stream.close();
    expect(sockets[0]!.closed).toBe(true);
  });

  it("all attempts failing: a ConnectError naming every address; the delay option is honoured", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const { adapter, log } = fakeNet(
      clock,
      [
        ["10.0.0.1", 4],
        ["::1", 6],
      ],
      { "10.0.0.1": "hang", "::1": "fail" },
    );
    const error = await run(
      async (cx) =>
        cx.failAfter(1000, (cx) => connectTcp(cx, "example.test", 80, { happyEyeballsDelay: 100 })).then(
          () => null,
          (e: unknown) => e,
        ),
      { adapter, clock },
    );
    // 10.0.0.1 hangs until the 1000 ms deadline cancels it.
    expect(log).toEqual(["0 try 10.0.0.1", "100 try ::1", "1000 abort 10.0.0.1"]);
    expect(error).toBeInstanceOf(skein.TimeoutError);
    const clock2 = new MockClock({ autojumpThreshold: 0 });
    const fake2 = fakeNet(
      clock2,
      [
        ["10.0.0.1", 4],
        ["::1", 6],
      ],
      { "10.0.0.1": "fail", "::1": "fail" },
    );
    const error2 = await run(
      async (cx) =>
        connectTcp(cx, "example.test", 80).then(
          () => null,
          (e: unknown) => e,
        ),
      { adapter: fake2.adapter, clock: clock2 },
    );
    expect(error2).toBeInstanceOf(ConnectError);
    expect((error2 as ConnectError).message).toBe("cannot connect to example.test port 80: 10.0.0.1: refused by 10.0.0.1; ::1: refused by ::1");
    expect(fake2.log).toEqual(["0 try 10.0.0.1", "0 try ::1"]);
  });

  it("a losing attempt that connects after its abort is closed, not leaked", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const { adapter, log, sockets } = fakeNet(
      clock,
      [
        ["10.0.0.1", 4],
        ["10.0.0.2", 4],
      ],
      { "10.0.0.1": "connect-late", "10.0.0.2": "connect" },
    );
    const stream = await run(async (cx) => {
      const stream = await connectTcp(cx, "example.test", 80);
      await cx.checkpoint();
      return stream;
    }, { adapter, clock });
    expect(log).toEqual(["0 try 10.0.0.1", "250 try 10.0.0.2", "250 abort 10.0.0.1"]);
    expect(stream.remoteAddress).toMatchObject({ host: "10.0.0.2" });
    const late = sockets.find((s) => s.remoteAddress.host === "10.0.0.1")!;
    expect(late.closed).toBe(true);
    await stream.close();
  });

  it("a name that resolves to no address: a ConnectError saying so", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    const { adapter, log } = fakeNet(clock, [], {});
    const error = await run(
      async (cx) =>
        connectTcp(cx, "nothing.test", 80).then(
          () => null,
          (e: unknown) => e,
        ),
      { adapter, clock },
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).message).toBe("cannot connect to nothing.test port 80: the name resolved to no address");
    expect(log).toEqual([]);
  });

  it("interleaveFamilies follows RFC 8305: first family first, then alternating", () => {
    const r = interleaveFamilies([
      { address: "::1", family: 6 },
      { address: "::2", family: 6 },
      { address: "::3", family: 6 },
      { address: "1.1.1.1", family: 4 },
    ]);
    expect(r.map((a) => a.address)).toEqual(["::1", "1.1.1.1", "::2", "::3"]);
  });
});
