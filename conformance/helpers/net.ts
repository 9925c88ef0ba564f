// Socket helpers shared by the conformance tests (not a test file itself).
import { expect, inject, it } from "vitest";
import {
  type Context,
  connectTcp,
  EndOfStream,
  connectUnix,
  createTcpListener,
  createUnixListener,
  type RawSocket,
  run,
  type SocketListener,
  type SocketStream,
  UnsupportedError,
  wrapTls,
} from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import { server as serverCert, serverKey } from "../fixtures/tls/certs.js";

/** A connected socket of a fake network: reads never end, writes are taken at once. */
export class FakeSocket implements RawSocket {
  closed = false;
  readonly localAddress = { family: 4 as const, host: "10.9.9.9", port: 5555 };
  constructor(readonly remoteAddress: { family: 4 | 6; host: string; port: number }) {}
  read(): Promise<Uint8Array | null> {
    return new Promise(() => {});
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

/** A fresh Unix socket path in /tmp. */
export function socketPath(): string {
  return `/tmp/skein-test-${Math.random().toString(36).slice(2)}.sock`;
}

/** Removes `path` if the adapter left it (node:fs exists on node, deno and bun). */
export async function removeQuietly(path: string): Promise<void> {
  const moduleName = "node:fs";
  const fs = (await import(/* @vite-ignore */ moduleName)) as { rmSync(path: string, options: { force: boolean }): void };
  fs.rmSync(path, { force: true });
}

/** A Unix socket test with a fresh path, removed after: on chromium it asserts the UnsupportedError instead. */
export function unixIt(name: string, body: (cx: Context, path: string) => Promise<void>, timeout = 60_000): void {
  it(name, async () => {
    if (inject("runtime") === "chromium") {
      await run(async (cx) => {
        await expect(createUnixListener(cx, { path: "/tmp/x.sock" })).rejects.toThrow(
          new UnsupportedError("unix sockets is not supported on the browser adapter"),
        );
      });
      return;
    }
    const path = socketPath();
    try {
      await run((cx) => body(cx, path));
    } finally {
      await removeQuietly(path);
    }
  }, timeout);
}

/** A network test: on chromium it asserts instead that TCP is unsupported there. */
/**
 * A TLS test. On chromium (no sockets) it asserts instead that TLS, both ways in (`wrapTls`, a TLS
 * listener), is the named UnsupportedError.
 */
export function tlsIt(name: string, body: (cx: Context) => Promise<void>, timeout = 60_000): void {
  it(name, async () => {
    if (inject("runtime") === "chromium") {
      await run(async (cx) => {
        await expect(wrapTls(cx, null as unknown as SocketStream)).rejects.toThrow(new UnsupportedError("tls is not supported on the browser adapter"));
        await expect(createTcpListener(cx, { host: "127.0.0.1", tls: { cert: serverCert, key: serverKey } })).rejects.toThrow(UnsupportedError);
      });
      return;
    }
    await run(body);
  }, timeout);
}

export function netIt(name: string, body: (cx: Context) => Promise<void>, timeout = 60_000): void {
  it(name, async () => {
    if (inject("runtime") === "chromium") {
      await run(async (cx) => {
        await expect(createTcpListener(cx, { host: "127.0.0.1" })).rejects.toThrow(
          new UnsupportedError("tcp is not supported on the browser adapter"),
        );
      });
      return;
    }
    await run(body);
  }, timeout);
}

/** A connected Unix socket pair over a listener at `path` (closed once both ends exist): [client, server]. */
export async function unixPair(cx: Context, path: string): Promise<[SocketStream, SocketStream]> {
  await using listener = await createUnixListener(cx, { path });
  let server!: SocketStream;
  const client = await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx) => {
      server = await listener.accept(cx);
    });
    return connectUnix(cx, path);
  });
  return [client!, server];
}

/** One connection to `listener`: [client, server]; the listener stays open. */
export async function connectedTo(cx: Context, listener: SocketListener): Promise<[SocketStream, SocketStream]> {
  let server!: SocketStream;
  const client = await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx) => {
      server = await listener.accept(cx);
    });
    return connectTcp(cx, "127.0.0.1", listener.port!);
  });
  return [client!, server];
}

/** A connected TCP pair on 127.0.0.1: [client, server]. */
export async function tcpPair(cx: Context): Promise<[SocketStream, SocketStream]> {
  await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
  return await connectedTo(cx, listener);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * trio test_highlevel_socket.py::test_SocketStream_send_all, on a connected pair
 * (TCP in peer-net, Unix in peer-net-trio): a 10 MB send that must be split, read
 * by a receiver that starts once the sender blocked; then one byte, then the end.
 * Closes both.
 */
export async function checkSendAllSplit(cx: Context, [a, b]: [SocketStream, SocketStream]): Promise<void> {
  try {
    const BIG = 10_000_000;
    await cx.taskGroup(async (tg) => {
      tg.startSoon((cx) => a.send(cx, new Uint8Array(BIG)));
      tg.startSoon(async (cx) => {
        await waitAllTasksBlocked(cx);
        let n = 0;
        while (n < BIG) n += (await b.receive(cx, BIG)).length;
        expect(n).toBe(BIG);
      });
    });
    await a.send(cx, encoder.encode("e"));
    expect(decoder.decode(await b.receive(cx, 10))).toBe("e");
    await a.sendEof(cx);
    await expect(b.receive(cx, 10)).rejects.toBeInstanceOf(EndOfStream);
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * trio test_highlevel_socket.py::test_socket_stream_works_when_peer_has_already_closed,
 * on a connected pair: the peer sent a byte and closed before the first receive;
 * the byte, then EndOfStream. Closes both.
 */
export async function checkPeerClosedFirst(cx: Context, [a, b]: [SocketStream, SocketStream]): Promise<void> {
  try {
    await b.send(cx, encoder.encode("x"));
    await b.close();
    expect(decoder.decode(await a.receive(cx, 1))).toBe("x");
    await expect(a.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
  } finally {
    await a.close();
  }
}
