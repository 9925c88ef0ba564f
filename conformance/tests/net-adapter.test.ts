// The raw networking contract of the runtime's adapter (`adapter.net`, see
// src/net/net-support.ts), tested directly, without Skein streams: what every
// adapter's sockets, listeners and lookups must do for the neutral layer in
// src/net to be correct. Loopback only, port 0 only, Unix sockets in a fresh
// temp directory that the test removes. In the browser `adapter.net` is
// undefined, and every test asserts exactly that (same test names on every
// column).
import { afterEach, describe, expect, inject, it } from "vitest";
import * as skein from "skein";
import type { Adapter } from "skein";

type Net = NonNullable<Adapter["net"]>;
type Raw = Awaited<ReturnType<Net["connectTcp"]>>;
type RawListener = Awaited<ReturnType<Net["listenTcp"]>>;

/** The adapter of the runtime this suite runs on (nodeAdapter, denoAdapter, bunAdapter or browserAdapter). */
function runtimeAdapter(): Adapter {
  const entries = Object.entries(skein).filter(([name]) => name.endsWith("Adapter"));
  expect(entries).toHaveLength(1);
  return entries[0]![1] as Adapter;
}

const runtime = inject("runtime");

/** Everything a test opened, closed after it (close is idempotent, so closing twice is fine). */
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const x of opened.splice(0)) x.close();
});
function track<T extends { close(): void }>(x: T): T {
  opened.push(x);
  return x;
}

/** A test of `adapter.net`; in the browser, the same test asserts that there is none. */
function netTest(name: string, body: (net: Net) => Promise<void>): void {
  it(name, async () => {
    const adapter = runtimeAdapter();
    if (runtime === "chromium") {
      expect(adapter.net).toBeUndefined();
      return;
    }
    expect(adapter.net, `${adapter.name} adapter has net`).toBeDefined();
    await body(adapter.net!);
  });
}

const never = (): AbortSignal => new AbortController().signal;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const text = (s: string) => new TextEncoder().encode(s);

function portOf(listener: RawListener): number {
  const address = listener.address;
  if (address.family === "unix") throw new Error("not an IP listener");
  return address.port;
}

/** A listener on `host`, port 0, a client connected to it and the server's side of that connection. */
async function pair(net: Net, host = "127.0.0.1"): Promise<{ listener: RawListener; client: Raw; server: Raw }> {
  const listener = track(await net.listenTcp({ host, port: 0 }));
  const client = track(await net.connectTcp({ host, port: portOf(listener), noDelay: true }, never()));
  const server = track((await listener.accept())!);
  expect(server).not.toBeNull();
  return { listener, client, server };
}

/** Bytes that differ from their neighbours, so a lost, duplicated or reordered chunk shows. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8) * 7 + (i >>> 16)) & 255;
  return bytes;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Reads to end of stream, checking that every read returns between 1 and
 * its `max` bytes: `sizes` gives the `max` of each read in turn (cycling);
 * with `pauseEvery`, a macrotask passes before every `pauseEvery`-th read.
 */
async function readAll(raw: Raw, sizes: number | number[] = 65536, pauseEvery = 0): Promise<Uint8Array> {
  const maxes = typeof sizes === "number" ? [sizes] : sizes;
  const chunks: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    if (pauseEvery > 0 && i % pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const max = maxes[i % maxes.length]!;
    const chunk = await raw.read(max);
    if (chunk === null) break;
    expect(chunk.byteLength).toBeGreaterThanOrEqual(1);
    expect(chunk.byteLength).toBeLessThanOrEqual(max);
    chunks.push(chunk);
  }
  return concat(chunks);
}

/** Reads exactly `n` bytes (fails on an early end of stream). */
async function readExactly(raw: Raw, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await raw.read(n - got);
    expect(chunk, `end of stream after ${got} of ${n} bytes`).not.toBeNull();
    chunks.push(chunk!);
    got += chunk!.byteLength;
  }
  return concat(chunks);
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Whether two byte arrays are equal (a boolean, so a mismatch in 1 MB does not print 1 MB). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A Node built-in module, imported only where one exists (never in the browser). */
const nodeModule = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name) as Promise<T>;

describe("adapter.net (the raw networking contract)", () => {
  netTest("listen on 127.0.0.1 port 0 and connect: both ends know their addresses", async (net) => {
    const { listener, client, server } = await pair(net);
    const port = portOf(listener);
    expect(port).toBeGreaterThan(0);
    expect(listener.address).toEqual({ family: 4, host: "127.0.0.1", port });
    expect(client.remoteAddress).toEqual({ family: 4, host: "127.0.0.1", port });
    expect(server.localAddress).toEqual({ family: 4, host: "127.0.0.1", port });
    expect(client.localAddress.family).toBe(4);
    expect(server.remoteAddress).toEqual(client.localAddress);
  });

  netTest("a 1 MB write is echoed back intact", async (net) => {
    const { client, server } = await pair(net);
    const data = pattern(1024 * 1024);
    const echo = (async () => {
      for (let chunk = await server.read(65536); chunk !== null; chunk = await server.read(65536)) {
        await server.write(chunk);
      }
      await server.shutdown();
    })();
    const send = (async () => {
      await client.write(data);
      await client.shutdown();
    })();
    const back = await readAll(client);
    await Promise.all([echo, send]);
    expect(back.byteLength).toBe(data.byteLength);
    expect(sameBytes(back, data)).toBe(true);
  });

  netTest("read(max) never returns more than max bytes, and loses none", async (net) => {
    const { client, server } = await pair(net);
    const data = pattern(200_000);
    // Reads in flight before the data arrives, and reads of data already there.
    const sizes = [1, 3, 1000, 4096, 65536, 7];
    const first = client.read(1);
    await server.write(data);
    await server.shutdown();
    const head = await first;
    expect(head?.byteLength).toBe(1);
    expect(sameBytes(concat([head!, await readAll(client, sizes)]), data)).toBe(true);
  });

  for (const reading of ["accepted", "connecting"] as const)
  netTest(`a reader that lags behind the writer (reads of odd sizes, pauses between them) gets every byte in order (the ${reading} side reads)`, async (net) => {
    const connected = await pair(net);
    const [client, server] = reading === "accepted" ? [connected.client, connected.server] : [connected.server, connected.client];
    // 4 MiB in 64 KiB writes, read in pieces that straddle the adapter's
    // pause and resume marks (Node: pause at 256 KiB unread, resume below
    // 64 KiB), with macrotasks between reads so the writer runs ahead.
    const data = pattern(4 * 1024 * 1024);
    const send = (async () => {
      for (let at = 0; at < data.byteLength; at += 65536) await client.write(data.subarray(at, at + 65536));
      await client.shutdown();
    })();
    const got = await readAll(server, [65535, 1, 70000, 4096, 131072, 12345], 3);
    await send;
    expect(got.byteLength).toBe(data.byteLength);
    expect(sameBytes(got, data)).toBe(true);
  });

  netTest("end of stream: read resolves null after the peer's shutdown()", async (net) => {
    const { client, server } = await pair(net);
    const pending = server.read(100); // in flight when the end arrives
    await client.write(text("last words"));
    await client.shutdown();
    expect(decode((await pending)!)).toBe("last words");
    expect(await server.read(100)).toBeNull();
  });

  netTest("half-close: after one side's shutdown() the other direction stays open", async (net) => {
    const { client, server } = await pair(net);
    await client.write(text("ping"));
    await client.shutdown();
    expect(decode(await readAll(server))).toBe("ping");
    // The server can still talk to the client, which can still read.
    await server.write(text("pong"));
    expect(decode(await readExactly(client, 4))).toBe("pong");
    await server.write(text("!"));
    await server.shutdown();
    expect(decode(await readAll(client))).toBe("!");
  });

  for (const reading of ["accepted", "connecting"] as const)
  netTest(`backpressure: writes to a peer that does not read stop resolving after a bounded amount (the ${reading} side reads)`, async (net) => {
    const connected = await pair(net);
    const [client, server] = reading === "accepted" ? [connected.client, connected.server] : [connected.server, connected.client];
    const LIMIT = 64 * 1024 * 1024;
    const chunk = pattern(64 * 1024);
    let accepted = 0;
    let writing = true;
    const writer = (async () => {
      while (writing && accepted <= LIMIT) {
        await client.write(chunk);
        accepted += chunk.byteLength;
      }
      await client.shutdown();
    })();
    // Let the writer run until it stops making progress (or passes the limit).
    let last = -1;
    for (let still = 0; still < 5 && accepted <= LIMIT; ) {
      await sleep(20);
      if (accepted === last) still++;
      else {
        still = 0;
        last = accepted;
      }
    }
    const stalledAt = accepted;
    expect(stalledAt).toBeLessThanOrEqual(LIMIT);
    expect(stalledAt).toBeGreaterThan(0);
    writing = false;
    // The peer reads everything: the write that was pending resolves, and nothing is lost.
    const received = await readAll(server);
    await writer;
    expect(accepted).toBeGreaterThan(stalledAt);
    expect(received.byteLength).toBe(accepted);
    let intact = true;
    for (let at = 0; at < received.byteLength && intact; at += chunk.byteLength) {
      intact = sameBytes(received.subarray(at, at + chunk.byteLength), chunk);
    }
    expect(intact).toBe(true);
  });

  netTest("connectTcp with localHost binds that local address first", async (net) => {
    const listener = track(await net.listenTcp({ host: "127.0.0.1", port: 0 }));
    const client = track(
      await net.connectTcp({ host: "127.0.0.1", port: portOf(listener), localHost: "127.0.0.1", noDelay: true }, never()),
    );
    const server = track((await listener.accept())!);
    expect(client.localAddress).toMatchObject({ family: 4, host: "127.0.0.1" });
    expect(server.remoteAddress).toEqual(client.localAddress);
    await client.write(text("bound"));
    await client.shutdown();
    expect(decode(await readAll(server))).toBe("bound");
    await server.write(text("ok"));
    await server.shutdown();
    expect(decode(await readAll(client))).toBe("ok");
  });

  netTest("connecting to a closed port rejects with the runtime's ECONNREFUSED error", async (net) => {
    const listener = await net.listenTcp({ host: "127.0.0.1", port: 0 });
    const port = portOf(listener);
    listener.close();
    const error = await net.connectTcp({ host: "127.0.0.1", port, noDelay: true }, never()).then(
      (raw) => {
        raw.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: unknown }).code).toBe("ECONNREFUSED");
  });

  netTest("an aborted connect rejects and leaves no connection open", async (net) => {
    const listener = track(await net.listenTcp({ host: "127.0.0.1", port: 0 }));
    const port = portOf(listener);
    // Aborted before it starts.
    const early = new AbortController();
    early.abort(new Error("early"));
    await expect(net.connectTcp({ host: "127.0.0.1", port, noDelay: true }, early.signal)).rejects.toBeDefined();
    // Aborted while connecting.
    const controller = new AbortController();
    const attempt = net.connectTcp({ host: "127.0.0.1", port, noDelay: true }, controller.signal);
    controller.abort(new Error("stop"));
    await expect(attempt).rejects.toBeDefined();
    // A marked connection after them: every connection the listener accepts
    // before it must be one the aborted attempts closed (it ends at once; a
    // leaked socket would leave its read pending and the test would hang).
    const marker = track(await net.connectTcp({ host: "127.0.0.1", port, noDelay: true }, never()));
    await marker.write(Uint8Array.of(42));
    let ended = 0;
    for (;;) {
      const accepted = track((await listener.accept())!);
      const first = await accepted.read(1).catch(() => null);
      if (first !== null) {
        expect([...first]).toEqual([42]);
        break;
      }
      ended++;
    }
    expect(ended).toBeLessThanOrEqual(2);
  });

  netTest("close() is idempotent, settles a read in flight, and the peer sees the end", async (net) => {
    const { listener, client, server } = await pair(net);
    const pending = client.read(10);
    client.close();
    client.close();
    await Promise.allSettled([pending]); // settles (null or a rejection, either is fine)
    expect(await server.read(10).catch(() => null)).toBeNull();
    server.close();
    server.close();
    listener.close();
    listener.close();
  });

  netTest("closing a listener resolves a pending accept with null and keeps accepted connections", async (net) => {
    const { listener, client, server } = await pair(net);
    const pending = listener.accept();
    listener.close();
    expect(await pending).toBeNull();
    expect(await listener.accept()).toBeNull();
    listener.close();
    await client.write(text("still here"));
    expect(decode(await readExactly(server, 10))).toBe("still here");
  });

  netTest("Unix domain socket: listen on a path, connect, round trip both ways", async (net) => {
    const os = await nodeModule<typeof import("node:os")>("node:os");
    const fs = await nodeModule<typeof import("node:fs/promises")>("node:fs/promises");
    const path = await nodeModule<typeof import("node:path")>("node:path");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "skein-net-"));
    try {
      const socketPath = path.join(dir, "s.sock");
      const listener = track(await net.listenUnix(socketPath));
      expect(listener.address).toEqual({ family: "unix", path: socketPath });
      const client = track(await net.connectUnix(socketPath, never()));
      const server = track((await listener.accept())!);
      expect(client.remoteAddress).toEqual({ family: "unix", path: socketPath });
      const data = pattern(300_000);
      const [, received] = await Promise.all([client.write(data).then(() => client.shutdown()), readAll(server)]);
      expect(sameBytes(received, data)).toBe(true);
      await server.write(text("bye"));
      await server.shutdown();
      expect(decode(await readAll(client))).toBe("bye");
      client.close();
      server.close();
      listener.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  netTest('lookup("localhost") gives 127.0.0.1 or ::1, each with its family', async (net) => {
    const all = await net.lookup("localhost", 0, never());
    expect(all.length).toBeGreaterThan(0);
    expect(all.some((a) => a.address === "127.0.0.1" || a.address === "::1")).toBe(true);
    for (const a of all) expect(a.family).toBe(a.address.includes(":") ? 6 : 4);
    const v4 = await net.lookup("localhost", 4, never());
    expect(v4.map((a) => a.address)).toContain("127.0.0.1");
    for (const a of v4) expect(a.family).toBe(4);
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    await expect(net.lookup("localhost", 0, aborted.signal)).rejects.toBeDefined();
  });

  netTest("IPv6 loopback ::1: a round trip where the machine has it, a consistent failure where not", async (net) => {
    let listener: RawListener;
    try {
      listener = track(await net.listenTcp({ host: "::1", port: 0 }));
    } catch (error) {
      // No IPv6 loopback here: listening fails with the address error, and so does connecting.
      expect(["EADDRNOTAVAIL", "EAFNOSUPPORT"]).toContain((error as { code?: unknown }).code);
      await expect(net.connectTcp({ host: "::1", port: 9, noDelay: true }, never())).rejects.toBeDefined();
      return;
    }
    const port = portOf(listener);
    expect(listener.address).toEqual({ family: 6, host: "::1", port });
    const client = track(await net.connectTcp({ host: "::1", port, noDelay: true }, never()));
    const server = track((await listener.accept())!);
    expect(client.remoteAddress).toEqual({ family: 6, host: "::1", port });
    expect(server.remoteAddress.family).toBe(6);
    await client.write(text("v6"));
    await client.shutdown();
    expect(decode(await readAll(server))).toBe("v6");
  });
});
