// receiveInto (trio's recv_into) on the streams that read from the runtime:
// SocketStream over TCP, Unix sockets and TLS, and a child process's stdout.
// The same cases for each kind: round trip into one reused buffer, partial
// fills (a buffer smaller than what is buffered: the rest comes next time,
// also through a plain receive, whose bytes a later receiveInto must not
// overwrite), cancel-safety (a cancelled receiveInto loses nothing and writes
// nothing into its buffer), end of stream, busy, closed and bad input. On
// chromium (no sockets, no processes) each case asserts the UnsupportedError
// instead, under the same name.
import { describe, expect, inject, it } from "vitest";
import {
  BusyResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  type Context,
  connectTcp,
  connectUnix,
  createTcpListener,
  createUnixListener,
  EndOfStream,
  openProcess,
  type ReceiveIntoStream,
  run,
  type SocketStream,
  UnsupportedError,
} from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import { concat, pattern, sameBytes } from "../helpers/bytes.ts";
import { ca, server as serverCert, serverKey } from "../fixtures/tls/certs.js";
import { child } from "./process-helpers.ts";

const runtime = inject("runtime");
const unsupported = runtime === "chromium";
const SENTINEL = 0xa5;

/** A sender and a receiving stream connected to it. */
interface Pair {
  send(cx: Context, bytes: Uint8Array): Promise<void>;
  /** Ends the sending side: the receiver then sees end of stream. */
  end(cx: Context): Promise<void>;
  rx: ReceiveIntoStream;
  close(): Promise<void>;
}

async function socketPair(cx: Context, client: SocketStream, server: SocketStream, cleanup?: () => Promise<void>): Promise<Pair> {
  return {
    send: (cx, bytes) => client.send(cx, bytes),
    end: (cx) => client.sendEof(cx),
    rx: server,
    close: async () => {
      await client.close();
      await server.close();
      await cleanup?.();
    },
  };
}

const kinds: Record<string, (cx: Context) => Promise<Pair>> = {
  tcp: async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const client = await connectTcp(cx, "127.0.0.1", listener.port!);
    return socketPair(cx, client, await listener.accept(cx));
  },
  unix: async (cx) => {
    const path = `/tmp/skein-test-${Math.random().toString(36).slice(2)}.sock`;
    await using listener = await createUnixListener(cx, { path });
    const client = await connectUnix(cx, path);
    return socketPair(cx, client, await listener.accept(cx), async () => {
      const moduleName = "node:fs";
      const fs = (await import(/* @vite-ignore */ moduleName)) as { rmSync(path: string, options: { force: boolean }): void };
      fs.rmSync(path, { force: true });
    });
  },
  // The connecting side receiving (on Node a socket read through `onread`, unlike an accepted one).
  "tcp, connecting side": async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const client = await connectTcp(cx, "127.0.0.1", listener.port!);
    return socketPair(cx, await listener.accept(cx), client);
  },
  "unix, connecting side": async (cx) => {
    const path = `/tmp/skein-test-${Math.random().toString(36).slice(2)}.sock`;
    await using listener = await createUnixListener(cx, { path });
    const client = await connectUnix(cx, path);
    return socketPair(cx, await listener.accept(cx), client, async () => {
      const moduleName = "node:fs";
      const fs = (await import(/* @vite-ignore */ moduleName)) as { rmSync(path: string, options: { force: boolean }): void };
      fs.rmSync(path, { force: true });
    });
  },
  tls: async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1", tls: { cert: serverCert, key: serverKey } });
    let server!: SocketStream;
    const client = await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        server = await listener.accept(cx);
      });
      return connectTcp(cx, "127.0.0.1", listener.port!, { tls: { ca } });
    });
    return socketPair(cx, client!, server);
  },
  process: async (cx) => {
    const proc = await openProcess(cx, child("echo"), { stderr: "inherit" });
    return {
      send: (cx, bytes) => proc.stdin!.send(cx, bytes),
      end: () => proc.stdin!.close(),
      rx: proc.stdout!,
      close: () => proc[Symbol.asyncDispose](),
    };
  },
};

/** Asserts that the kind is unsupported (chromium). */
async function assertUnsupported(kind: string): Promise<void> {
  await run(async (cx) => {
    if (kind === "process") await expect(openProcess(cx, ["true"])).rejects.toBeInstanceOf(UnsupportedError);
    else if (kind.startsWith("unix")) await expect(createUnixListener(cx, { path: "/tmp/x.sock" })).rejects.toBeInstanceOf(UnsupportedError);
    else await expect(createTcpListener(cx, { host: "127.0.0.1" })).rejects.toBeInstanceOf(UnsupportedError);
  });
}

/** Receives into `buffer` until `count` bytes came; returns copies of them, joined. */
async function receiveCount(cx: Context, rx: ReceiveIntoStream, buffer: Uint8Array, count: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < count) {
    const n = await rx.receiveInto(cx, buffer);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(buffer.length);
    chunks.push(buffer.slice(0, n));
    got += n;
  }
  return concat(chunks);
}

for (const [kind, makePair] of Object.entries(kinds)) {
  const pairIt = (name: string, body: (cx: Context, pair: Pair) => Promise<void>) =>
    it(name, async () => {
      if (unsupported) return assertUnsupported(kind);
      await run(async (cx) => {
        const pair = await makePair(cx);
        try {
          await body(cx, pair);
        } finally {
          await pair.close();
        }
      });
    }, 60_000);

  describe(`receiveInto on ${kind}`, () => {
    pairIt("round trip of 1 MB into one reused buffer, then EndOfStream every time", async (cx, pair) => {
      const data = pattern(1024 * 1024, 7);
      const buffer = new Uint8Array(8192);
      const got = await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (let at = 0; at < data.length; at += 65536) await pair.send(cx, data.subarray(at, at + 65536));
          await pair.end(cx);
        });
        return receiveCount(cx, pair.rx, buffer, data.length);
      });
      expect(sameBytes(got!, data)).toBe(true);
      await expect(pair.rx.receiveInto(cx, buffer)).rejects.toBeInstanceOf(EndOfStream);
      await expect(pair.rx.receiveInto(cx, buffer)).rejects.toBeInstanceOf(EndOfStream);
      await expect(pair.rx.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    });

    pairIt("partial fills: a small buffer takes a prefix, the rest comes next (receive and receiveInto mixed, bytes received stay intact)", async (cx, pair) => {
      const first = pattern(3000, 1);
      await pair.send(cx, first);
      const backing = new Uint8Array(20).fill(SENTINEL);
      const small = backing.subarray(0, 10);
      const n = await pair.rx.receiveInto(cx, small);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(10);
      expect(sameBytes(small.subarray(0, n), first.subarray(0, n))).toBe(true);
      expect([...backing.subarray(10)].every((b) => b === SENTINEL)).toBe(true);
      // A plain receive of what is left: the caller owns it...
      const parts: Uint8Array[] = [first.subarray(0, n)];
      let got = n;
      const owned: Uint8Array[] = [];
      while (got < 1000) {
        const chunk = await pair.rx.receive(cx, 1000 - got);
        owned.push(chunk);
        parts.push(chunk.slice());
        got += chunk.length;
      }
      // ...so later receiveInto calls (reading into the stream's reused buffer) do not change it.
      const second = pattern(200_000, 2);
      const all = concat([first, second]);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => pair.send(cx, second));
        parts.push(await receiveCount(cx, pair.rx, new Uint8Array(4096), all.length - got));
      });
      expect(sameBytes(concat(parts), all)).toBe(true);
      expect(sameBytes(concat(owned), all.subarray(n, 1000))).toBe(true);
    });

    pairIt("cancel-safe: a cancelled receiveInto (blocked, or with bytes waiting) loses nothing and writes nothing into its buffer", async (cx, pair) => {
      const untouched = new Uint8Array(4096).fill(SENTINEL);
      // Blocked with nothing to read, then cancelled; the bytes arrive after.
      const scope = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => cx.withCancelScope(scope, (cx) => pair.rx.receiveInto(cx, untouched)));
        await waitAllTasksBlocked(cx);
        scope.cancel();
      });
      expect(scope.cancelledCaught).toBe(true);
      const data = pattern(5000, 3);
      await pair.send(cx, data.subarray(0, 2500));
      const parts = [await receiveCount(cx, pair.rx, new Uint8Array(100), 100)];
      // Bytes waiting, call in a cancelled scope: Cancelled, nothing taken.
      const cancelled = new CancelScope();
      cancelled.cancel();
      await cx.withCancelScope(cancelled, async (cx) => {
        await expect(pair.rx.receiveInto(cx, untouched)).rejects.toBeInstanceOf(Cancelled);
      });
      await pair.send(cx, data.subarray(2500));
      parts.push(await receiveCount(cx, pair.rx, new Uint8Array(1000), data.length - 100));
      expect(sameBytes(concat(parts), data)).toBe(true);
      expect(untouched.every((b) => b === SENTINEL)).toBe(true);
    });

    pairIt("bulk, calls mixed: large and small receives, receiveInto and cancelled calls between them take every byte in order; a received chunk never changes after", async (cx, pair) => {
      const data = pattern(3 * 1024 * 1024, 5);
      const parts: Uint8Array[] = [];
      const owned: Uint8Array[] = [];
      const copies: Uint8Array[] = [];
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (let at = 0; at < data.length; at += 262144) await pair.send(cx, data.subarray(at, at + 262144));
        });
        const buffers = [new Uint8Array(7), new Uint8Array(100_000), new Uint8Array(65536)];
        const sizes = [65536, 1, 300_000, 1_048_576, 65536, 3];
        let got = 0;
        for (let round = 0; got < data.length; round++) {
          if (round % 5 === 4) {
            // A call in a cancelled scope: Cancelled, nothing taken.
            const scope = new CancelScope();
            scope.cancel();
            await cx.withCancelScope(scope, async (cx) => {
              await expect(round % 2 === 0 ? pair.rx.receive(cx) : pair.rx.receiveInto(cx, buffers[0]!)).rejects.toBeInstanceOf(Cancelled);
            });
          }
          let chunk: Uint8Array;
          if (round % 3 === 1) {
            const buffer = buffers[round % buffers.length]!;
            chunk = buffer.slice(0, await pair.rx.receiveInto(cx, buffer));
          } else {
            const size = sizes[round % sizes.length]!;
            chunk = await pair.rx.receive(cx, size);
            expect(chunk.length).toBeLessThanOrEqual(size);
            owned.push(chunk);
            chunk = chunk.slice();
            copies.push(chunk);
          }
          parts.push(chunk);
          got += chunk.length;
        }
      });
      expect(sameBytes(concat(parts), data)).toBe(true);
      // The chunks `receive` returned belong to the caller: later reads did not write into them.
      expect(owned.length).toBeGreaterThan(0);
      expect(owned.every((chunk, i) => sameBytes(chunk, copies[i]!))).toBe(true);
    });

    pairIt("busy: a second receiveInto or receive during a receiveInto (and a receiveInto during a receive) is BusyResourceError", async (cx, pair) => {
      const buffer = new Uint8Array(64);
      let n = 0;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          n = await pair.rx.receiveInto(cx, buffer);
        });
        await waitAllTasksBlocked(cx);
        await expect(pair.rx.receiveInto(cx, new Uint8Array(8))).rejects.toBeInstanceOf(BusyResourceError);
        await expect(pair.rx.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
        await pair.send(cx, new Uint8Array([1, 2, 3]));
      });
      expect(n).toBeGreaterThanOrEqual(1);
      let got = 0;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          got = (await pair.rx.receive(cx)).length;
        });
        await waitAllTasksBlocked(cx);
        await expect(pair.rx.receiveInto(cx, buffer)).rejects.toBeInstanceOf(BusyResourceError);
        await pair.send(cx, new Uint8Array([4]));
      });
      expect(got).toBeGreaterThanOrEqual(1);
    });

    pairIt("closed: receiveInto after close, and close while blocked, are ClosedResourceError", async (cx, pair) => {
      const buffer = new Uint8Array(64).fill(SENTINEL);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await expect(pair.rx.receiveInto(cx, buffer)).rejects.toBeInstanceOf(ClosedResourceError);
        });
        await waitAllTasksBlocked(cx);
        await pair.rx.close();
      });
      await expect(pair.rx.receiveInto(cx, buffer)).rejects.toBeInstanceOf(ClosedResourceError);
      expect(buffer.every((b) => b === SENTINEL)).toBe(true);
    });

    pairIt("bad input: a buffer that is not a Uint8Array is a TypeError, an empty one a RangeError (both naming the argument)", async (cx, pair) => {
      const rx = pair.rx as unknown as { receiveInto(cx: unknown, buffer: unknown): Promise<number> };
      await expect(rx.receiveInto(cx, new Uint8Array(0))).rejects.toThrow(new RangeError("buffer must have a length >= 1, got 0"));
      await expect(rx.receiveInto(cx, [1, 2, 3])).rejects.toThrow(TypeError);
      await expect(rx.receiveInto(cx, [1, 2, 3])).rejects.toThrow(/^buffer must be a Uint8Array, got /);
      await expect(rx.receiveInto(cx, new Uint16Array(4))).rejects.toThrow(TypeError);
      await expect(rx.receiveInto(cx, new ArrayBuffer(4))).rejects.toThrow(TypeError);
      await expect(rx.receiveInto(cx, undefined)).rejects.toThrow(TypeError);
      // The stream is still usable.
      await pair.send(cx, new Uint8Array([9]));
      const buffer = new Uint8Array(4);
      expect(await pair.rx.receiveInto(cx, buffer)).toBe(1);
      expect(buffer[0]).toBe(9);
    });
  });
}
