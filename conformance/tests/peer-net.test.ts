// The peers' own networking tests, translated to Skein: anyio's
// tests/test_sockets.py (TCP, Unix and UDP: connect/listen/serve, half-close,
// use after close, receive after EOF, concurrent use -> BusyResourceError,
// happy eyeballs, closing a listener while serving), trio's
// test_highlevel_open_tcp_stream.py (happy eyeballs scenarios on a fake
// network and a MockClock) and test_highlevel_serve_listeners.py, and anyio's
// tests/streams/test_tls.py. Each test names its source. Real sockets are
// loopback only, port 0; on chromium (no sockets) every real-socket test
// asserts the UnsupportedError instead, under the same name. The fake-network
// tests run on every column.
//
// Deliberate differences from the peers (see the report and docs): explicit
// cx, milliseconds, no `for await` over a socket (a receive loop instead), no
// raw socket / typed-attribute access (localAddress/remoteAddress/port
// instead), string paths only for Unix sockets (no bytes paths), no fd
// passing, no Unix datagram sockets, RFC 8305 interleaving instead of trio's
// RFC 6555 section 5.4 single swap, ConnectError instead of OSError, and a
// listener's serve() leaves the listener open (anyio's shape; trio's
// serve_listeners closes its listeners).
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
  connectUnix,
  createConnectedUdpSocket,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  EndOfStream,
  interleaveFamilies,
  type NetSupport,
  type RawListener,
  type ResolvedAddress,
  run,
  SocketListener,
  type SocketStream,
  type TaskGroup,
  TlsHandshakeError,
  type TlsStream,
  UnsupportedError,
  wrapTls,
} from "skein";
import { checkHalfCloseableStream, checkTwoWayStream, MockClock, waitAllTasksBlocked } from "skein/testing";
import { clog, concat, echo, pattern, receiveAll, sameBytes } from "../helpers/bytes.ts";
import { checkPeerClosedFirst, checkSendAllSplit, connectedTo, FakeSocket, netIt, tcpPair, tlsIt, unixIt, unixPair } from "../helpers/net.ts";
import { assertCheckpoints, failing } from "../helpers/peer.ts";
import { ca, server as serverCert, serverKey, untrusted, untrustedKey } from "../fixtures/tls/certs.js";

const runtime = inject("runtime");
const noSockets = runtime === "chromium";
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const reversed = (b: Uint8Array) => Uint8Array.from(b).reverse();



/** A UDP test: on chromium it asserts the UnsupportedError instead. */
function udpIt(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (!noSockets) return run(body);
    const error = await run((cx) => createUdpSocket(cx, { localHost: "127.0.0.1" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("UDP sockets are not supported on the browser adapter");
  });
}


/** Receives chunk by chunk until EndOfStream (anyio's `async for chunk in stream`). */
async function chunksToEnd(cx: Context, stream: SocketStream, onChunk: (chunk: Uint8Array) => Promise<void> | void = () => {}): Promise<string[]> {
  const chunks: string[] = [];
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx);
    } catch (error) {
      if (error instanceof EndOfStream) return chunks;
      throw error;
    }
    chunks.push(str(chunk));
    await onChunk(chunk);
  }
}

/** The byte-stream tests anyio runs on both TCP and Unix streams, on a [client, server] pair. */
function streamTests(kind: "TCP" | "Unix", each: (name: string, body: (cx: Context, pair: () => Promise<[SocketStream, SocketStream]>) => Promise<void>) => void): void {
  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_send_receive
  each(`${kind} stream: send and receive (the server answers reversed)`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await client.send(cx, text("blah"));
      const request = await server.receive(cx, 100);
      await server.send(cx, reversed(request));
      expect(str(await client.receive(cx))).toBe("halb");
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_send_large_buffer / test_receive_large_buffer
  each(`${kind} stream: 1 MiB sent (more than the kernel buffers) arrives whole, both ways`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      const buffer = concat([new Uint8Array(512 * 1024).fill(0xff), new Uint8Array(512 * 1024)]);
      for (const [from, to] of [
        [server, client],
        [client, server],
      ] as const) {
        const got = await cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            await from.send(cx, buffer);
            await from.sendEof(cx);
          });
          return receiveAll(cx, to);
        });
        expect(sameBytes(got!, buffer)).toBe(true);
      }
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_send_eof
  each(`${kind} stream: sendEof; the server reads to the end and answers on the same connection`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          const request = await receiveAll(cx, server);
          await server.send(cx, reversed(request));
          await server.close();
        });
        await client.send(cx, text("hello, "));
        await client.send(cx, text("world\n"));
        await client.sendEof(cx);
        expect(str(await receiveAll(cx, client))).toBe("\ndlrow ,olleh");
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_iterate (no `for await`: a receive loop to EndOfStream)
  each(`${kind} stream: chunks received one by one until EndOfStream`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      const chunks = await cx.taskGroup(async (tg, cx) => {
        const more = new skein.Event();
        tg.startSoon(async (cx) => {
          await server.send(cx, text("bl"));
          await more.wait(cx);
          await server.send(cx, text("ah"));
          await server.close();
        });
        return chunksToEnd(cx, client, () => more.set());
      });
      expect(chunks).toEqual(["bl", "ah"]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_concurrent_send
  each(`${kind} stream: a second concurrent send is a BusyResourceError`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (;;) await client.send(cx, new Uint8Array(4096));
        });
        await waitAllTasksBlocked(cx);
        const error = await client.send(cx, text("foo")).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BusyResourceError);
        tg.cancelScope.cancel();
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_concurrent_receive
  each(`${kind} stream: a second concurrent receive is a BusyResourceError`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => client.receive(cx));
        await waitAllTasksBlocked(cx);
        try {
          await expect(client.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
        } finally {
          tg.cancelScope.cancel();
        }
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_close_during_receive
  each(`${kind} stream: closing the stream wakes a blocked receive with ClosedResourceError`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          await client.close();
        });
        await expect(client.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::Test{TCP,UNIX}Stream::test_receive_after_close and ::test_send_after_close
  each(`${kind} stream: receive and send after close are ClosedResourceError`, async (cx, pair) => {
    const [client, server] = await pair();
    try {
      await client.close();
      await expect(client.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
      await expect(client.send(cx, text("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
    } finally {
      await server.close();
    }
  });
}

describe("anyio test_sockets.py: TCP streams", () => {
  streamTests("TCP", (name, body) => netIt(name, (cx) => body(cx, () => tcpPair(cx))));

  // anyio test_sockets.py::TestTCPStream::test_extra_attributes (localAddress/remoteAddress for the typed attributes)
  netIt("TCP stream: local and remote addresses (family, host, port) match the listener's and each other's", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const [client, server] = await connectedTo(cx, listener);
    try {
      expect(client.remoteAddress).toEqual({ family: 4, host: "127.0.0.1", port: listener.port });
      expect(client.localAddress).toMatchObject({ family: 4, host: "127.0.0.1" });
      expect(server.remoteAddress).toEqual(client.localAddress);
      expect(server.localAddress).toEqual(client.remoteAddress);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::TestTCPStream::test_happy_eyeballs[ipv4] (a listener on one family; "localhost" reaches it;
  // the [ipv6] and [dualstack] cases need a localhost that resolves to ::1, which the CI hosts' does not)
  for (const [localHost, family] of [["127.0.0.1", 4]] as const) {
    netIt(`connectTcp("localhost") reaches a listener on ${localHost} only, from ${localHost}`, async (cx) => {
      await using listener = await createTcpListener(cx, { host: localHost });
      let clientAddress: unknown = null;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await using stream = await listener.accept(cx);
          clientAddress = stream.remoteAddress;
        });
        await using _ = await connectTcp(cx, "localhost", listener.port!);
      });
      expect(clientAddress).toMatchObject({ family, host: localHost });
    });
  }

  // anyio test_sockets.py::TestTCPStream::test_connection_refused[single] and [multi]
  netIt("connection refused: a ConnectError carrying each attempt's refusal (one for an IP literal, one per address for a name)", async (cx) => {
    const port = await cx.taskGroup(async () => {
      await using probe = await createTcpListener(cx, { host: "127.0.0.1" });
      return probe.port!;
    });
    const single = await connectTcp(cx, "127.0.0.1", port!).catch((e: unknown) => e);
    expect(single).toBeInstanceOf(ConnectError);
    expect((single as ConnectError).attempts.map((a) => a.address)).toEqual(["127.0.0.1"]);
    const multi = await connectTcp(cx, "localhost", port!).catch((e: unknown) => e);
    expect(multi).toBeInstanceOf(ConnectError);
    const attempts = (multi as ConnectError).attempts;
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    for (const attempt of attempts) expect((attempt.error as { code?: string }).code).toBe("ECONNREFUSED");
  });

  // anyio test_sockets.py::TestTCPStream::test_receive_timeout
  netIt("a receive from a silent peer is cut by moveOnAfter", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      const result = await cx.moveOnAfter(100, async (cx) => {
        for (;;) await client.receive(cx, 1);
      });
      expect(result.cancelled).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // anyio test_sockets.py::TestTCPStream::test_send_after_peer_closed
  netIt("sends after the peer closed end in BrokenResourceError", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await server.close();
      const error = await (async () => {
        for (let i = 0; i < 1000; i++) {
          await client.send(cx, text("foo"));
          await cx.sleep(1);
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokenResourceError);
    } finally {
      await client.close();
    }
  });

  // anyio test_sockets.py::TestTCPStream::test_unretrieved_future_exception_server_crash
  netIt("the peer closes after the request: the client's receive ends (EndOfStream or BrokenResourceError), nothing else is raised", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await client.send(cx, text("GET"));
      await server.close();
      const error = await client.receive(cx).catch((e: unknown) => e);
      expect(error instanceof EndOfStream || error instanceof BrokenResourceError).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("anyio test_sockets.py: name lookups", () => {
  // anyio test_sockets.py::test_getaddrinfo_ipv6addr
  netIt("lookup of an IPv6 literal gives it back as is", async (cx) => {
    expect(await skein.lookup(cx, "::1")).toEqual([{ address: "::1", family: 6 }]);
  });

  // anyio test_sockets.py::test_connect_tcp_getaddrinfo_context (anyio #815: the lookup error comes out alone)
  netIt("connectTcp to a name that does not resolve raises the runtime's lookup error itself", async (cx) => {
    const error = await connectTcp(cx, "anyio.invalid", 6666).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConnectError);
    expect((error as Error).message).toContain("anyio.invalid");
  });
});

describe("anyio test_sockets.py: TCP listeners", () => {
  // anyio test_sockets.py::TestTCPListener::test_extra_attributes
  netIt("TCP listener: localAddress is the bound address with the port the system picked", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    expect(listener.localAddress).toEqual({ family: 4, host: "127.0.0.1", port: listener.port });
    expect(listener.port).toBeGreaterThan(0);
  });

  // anyio test_sockets.py::TestTCPListener::test_accept[ipv4], [ipv6]
  for (const host of ["127.0.0.1", "::1"]) {
    netIt(`TCP listener on ${host}: accept, receive, answer`, async (cx) => {
      await using listener = await createTcpListener(cx, { host });
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await using stream = await listener.accept(cx);
          await stream.send(cx, reversed(await stream.receive(cx)));
        });
        await using client = await connectTcp(cx, host, listener.port!);
        await client.send(cx, text("blah"));
        expect(str(await client.receive(cx, 100))).toBe("halb");
      });
    });
  }

  // anyio test_sockets.py::TestTCPListener::test_accept_after_close
  netIt("TCP listener: accept after close is ClosedResourceError", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await listener.close();
    await expect(listener.accept(cx)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // anyio test_sockets.py::TestTCPListener::test_reuse_port
  netIt("TCP listener: reusePort lets a second listener bind the same port (or is UnsupportedError where the runtime lacks it)", async (cx) => {
    let first: SocketListener;
    try {
      first = await createTcpListener(cx, { host: "127.0.0.1", reusePort: true });
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedError);
      return;
    }
    await using _first = first;
    await using second = await createTcpListener(cx, { host: "127.0.0.1", port: first.port!, reusePort: true });
    expect(second.localAddress).toEqual(first.localAddress);
  });

  // anyio test_sockets.py::TestTCPListener::test_close_from_other_task (Skein: serve returns cleanly once its listener is closed)
  netIt("TCP listener: closing the listener from another task ends serve without an error", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    let served = false;
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await listener.serve(cx, () => {});
        served = true;
      });
      await waitAllTasksBlocked(cx);
      await listener.close();
    });
    expect(served).toBe(true);
  });

  // anyio test_sockets.py::TestTCPListener::test_send_after_eof
  netIt("TCP listener: a handler sends after its client's EOF, and the client gets it", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => listener.serve(cx, (stream, cx) => stream.send(cx, text("Hello\n"))));
      await using client = await connectTcp(cx, "127.0.0.1", listener.port!);
      await client.sendEof(cx);
      expect(str(await receiveAll(cx, client))).toBe("Hello\n");
      tg.cancelScope.cancel();
    });
  });

  // anyio test_sockets.py::TestTCPListener::test_eof_after_send (anyio #701)
  netIt("TCP listener: a handler receives the bytes, then EndOfStream, of a client that sent and half-closed before serve began", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    let received = "";
    await using client = await connectTcp(cx, "127.0.0.1", listener.port!);
    await client.send(cx, text("Hello"));
    await client.sendEof(cx);
    await cx.taskGroup(async (tg, cx) => {
      await listener.serve(cx, async (stream, cx) => {
        received = str(await stream.receive(cx));
        await expect(cx.failAfter(1000, (cx) => stream.receive(cx))).rejects.toBeInstanceOf(EndOfStream);
        tg.cancelScope.cancel();
      });
    });
    expect(received).toBe("Hello");
  });
});

describe("anyio test_sockets.py: Unix streams and listeners", () => {
  streamTests("Unix", (name, body) => unixIt(name, (cx, path) => body(cx, () => unixPair(cx, path))));

  // anyio test_sockets.py::TestUNIXStream::test_extra_attributes / TestUNIXListener::test_extra_attributes
  unixIt("Unix stream and listener: the addresses are the socket path", async (cx, path) => {
    await using listener = await createUnixListener(cx, { path });
    expect(listener.localAddress).toEqual({ family: "unix", path });
    expect(listener.port).toBeUndefined();
    let server!: SocketStream;
    await using client = await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        server = await listener.accept(cx);
      });
      return connectUnix(cx, path);
    });
    await using _ = server;
    expect(client!.remoteAddress).toEqual({ family: "unix", path });
    expect(client!.localAddress.family).toBe("unix");
  });

  // anyio test_sockets.py::TestUNIXStream::test_cannot_connect (FileNotFoundError there; a ConnectError carrying ENOENT here)
  unixIt("Unix stream: connecting to a path nobody listens on is a ConnectError with the runtime's ENOENT", async (cx, path) => {
    const error = await connectUnix(cx, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(((error as ConnectError).attempts[0]!.error as { code?: string }).code).toBe("ENOENT");
  });

  // anyio test_sockets.py::TestUNIXListener::test_accept
  unixIt("Unix listener: accept, receive, answer", async (cx, path) => {
    await using listener = await createUnixListener(cx, { path });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await using stream = await listener.accept(cx);
        await stream.send(cx, reversed(await stream.receive(cx)));
      });
      await using client = await connectUnix(cx, path);
      await client.send(cx, text("blah"));
      expect(str(await client.receive(cx, 100))).toBe("halb");
    });
  });

  // anyio test_sockets.py::TestUNIXListener::test_send_after_eof
  unixIt("Unix listener: a handler sends after its client's EOF, and the client gets it", async (cx, path) => {
    await using listener = await createUnixListener(cx, { path });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => listener.serve(cx, (stream, cx) => stream.send(cx, text("Hello\n"))));
      await using client = await connectUnix(cx, path);
      await client.sendEof(cx);
      expect(str(await receiveAll(cx, client))).toBe("Hello\n");
      tg.cancelScope.cancel();
    });
  });

  // anyio test_sockets.py::TestUNIXListener::test_bind_twice
  unixIt("Unix listener: the same path can be listened on twice in a row", async (cx, path) => {
    for (let i = 0; i < 2; i++) {
      await using _ = await createUnixListener(cx, { path });
    }
  });
});

describe("anyio test_sockets.py: multiple listeners", () => {
  // anyio test_sockets.py::test_multi_listener (no MultiListener: one serve per listener in one group)
  unixIt("a TCP and a Unix listener served in one group: each handler sees its client's address", async (cx, path) => {
    await using tcp = await createTcpListener(cx, { host: "127.0.0.1" });
    await using unix = await createUnixListener(cx, { path });
    const seen: unknown[] = [];
    const expected: unknown[] = [];
    await cx.taskGroup(async (tg, cx) => {
      let event = new skein.Event();
      const handle = async (stream: SocketStream) => {
        seen.push(stream.remoteAddress);
        event.set();
        await stream.close();
      };
      tg.startSoon((cx) => tcp.serve(cx, handle));
      tg.startSoon((cx) => unix.serve(cx, handle));
      for (const connect of [() => connectTcp(cx, "127.0.0.1", tcp.port!), () => connectUnix(cx, path)]) {
        event = new skein.Event();
        const stream = await connect();
        expected.push(stream.localAddress);
        await event.wait(cx);
        await stream.close();
      }
      tg.cancelScope.cancel();
    });
    expect(seen).toEqual(expected);
  });
});

describe("anyio test_sockets.py: UDP", () => {
  // anyio test_sockets.py::TestUDPSocket::test_extra_attributes
  udpIt("UDP socket: localAddress is the bound address", async (cx) => {
    await using udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    expect(udp.localAddress).toMatchObject({ family: 4, host: "127.0.0.1" });
  });

  // anyio test_sockets.py::TestUDPSocket::test_send_receive
  udpIt("UDP socket: datagrams sent to itself come back with its own address", async (cx) => {
    await using sock = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const address = sock.localAddress as { host: string; port: number };
    await sock.sendTo(cx, text("blah"), address.host, address.port);
    const request = await sock.receive(cx);
    expect([str(request.data), request.host, request.port]).toEqual(["blah", address.host, address.port]);
    await sock.sendTo(cx, text("halb"), address.host, address.port);
    const response = await sock.receive(cx);
    expect([str(response.data), response.host, response.port]).toEqual(["halb", address.host, address.port]);
  });

  // anyio test_sockets.py::TestUDPSocket::test_iterate (a receive loop instead of `async for`)
  udpIt("UDP socket: an echo server answers each datagram reversed", async (cx) => {
    await using server = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await using client = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const { host, port } = server.localAddress as { host: string; port: number };
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        for (;;) {
          const packet = await server.receive(cx);
          await server.send(cx, { ...packet, data: reversed(packet.data) });
        }
      });
      for (const [out, back] of [
        ["FOOBAR", "RABOOF"],
        ["123456", "654321"],
      ]) {
        await client.sendTo(cx, text(out!), host, port);
        const got = await client.receive(cx);
        expect([str(got.data), got.host, got.port]).toEqual([back, host, port]);
      }
      tg.cancelScope.cancel();
    });
  });

  // anyio test_sockets.py::TestUDPSocket::test_reuse_port
  udpIt("UDP socket: reusePort lets a second socket bind the same port (or is UnsupportedError)", async (cx) => {
    let first: skein.UdpSocket;
    try {
      first = await createUdpSocket(cx, { localHost: "127.0.0.1", reusePort: true });
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedError);
      return;
    }
    await using _first = first;
    const port = (first.localAddress as { port: number }).port;
    expect(port).not.toBe(0);
    await using second = await createUdpSocket(cx, { localHost: "127.0.0.1", localPort: port, reusePort: true });
    expect((second.localAddress as { port: number }).port).toBe(port);
  });

  // anyio test_sockets.py::TestUDPSocket::test_concurrent_receive
  udpIt("UDP socket: a second concurrent receive is a BusyResourceError", async (cx) => {
    await using udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => udp.receive(cx));
      await waitAllTasksBlocked(cx);
      try {
        await expect(udp.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
      } finally {
        tg.cancelScope.cancel();
      }
    });
  });

  // anyio test_sockets.py::TestUDPSocket::test_close_during_receive
  udpIt("UDP socket: closing wakes a blocked receive with ClosedResourceError", async (cx) => {
    await using udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await waitAllTasksBlocked(cx);
        await udp.close();
      });
      await expect(udp.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  // anyio test_sockets.py::TestUDPSocket::test_receive_after_close and ::test_send_after_close
  udpIt("UDP socket: receive and sendTo after close are ClosedResourceError", async (cx) => {
    const udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const { host, port } = udp.localAddress as { host: string; port: number };
    await udp.close();
    await expect(udp.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(udp.sendTo(cx, text("foo"), host, port)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // anyio test_sockets.py::TestUDPSocket::test_create_unbound_socket (anyio #360)
  for (const family of [4, 6] as const) {
    udpIt(`UDP socket: an unbound IPv${family} socket still has a port`, async (cx) => {
      await using udp = await createUdpSocket(cx, { family });
      expect((udp.localAddress as { port: number }).port).toBeGreaterThan(0);
    });
  }

  // anyio test_sockets.py::TestConnectedUDPSocket::test_extra_attributes
  udpIt("connected UDP socket: the local address is bound, the peer fixed", async (cx) => {
    await using udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 5000 });
    expect(udp.localAddress).toMatchObject({ family: 4 });
    expect((udp.localAddress as { port: number }).port).toBeGreaterThan(0);
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_send_receive
  udpIt("connected UDP socket: send and receive with an unconnected peer", async (cx) => {
    await using udp1 = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const a1 = udp1.localAddress as { host: string; port: number };
    await using udp2 = await createConnectedUdpSocket(cx, { remoteHost: a1.host, remotePort: a1.port, localHost: "127.0.0.1" });
    const a2 = udp2.localAddress as { host: string; port: number };
    await udp2.send(cx, text("blah"));
    const request = await udp1.receive(cx);
    expect([str(request.data), request.host, request.port]).toEqual(["blah", a2.host, a2.port]);
    await udp1.sendTo(cx, text("halb"), a2.host, a2.port);
    expect(str(await udp2.receive(cx))).toBe("halb");
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_iterate
  udpIt("connected UDP socket: an echo server on it answers reversed", async (cx) => {
    await using udp1 = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const a1 = udp1.localAddress as { host: string; port: number };
    await using udp2 = await createConnectedUdpSocket(cx, { remoteHost: a1.host, remotePort: a1.port });
    const a2 = udp2.localAddress as { host: string; port: number };
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        for (;;) await udp2.send(cx, reversed(await udp2.receive(cx)));
      });
      for (const [out, back] of [
        ["FOOBAR", "RABOOF"],
        ["123456", "654321"],
      ]) {
        await udp1.sendTo(cx, text(out!), "127.0.0.1", a2.port);
        const got = await udp1.receive(cx);
        expect([str(got.data), got.port]).toEqual([back, a2.port]);
      }
      tg.cancelScope.cancel();
    });
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_reuse_port
  udpIt("connected UDP socket: reusePort shares a local port between two sockets (or is UnsupportedError)", async (cx) => {
    let first: skein.ConnectedUdpSocket;
    try {
      first = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 6000, localHost: "127.0.0.1", reusePort: true });
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedError);
      return;
    }
    await using _first = first;
    const port = (first.localAddress as { port: number }).port;
    expect(port).not.toBe(0);
    await using second = await createConnectedUdpSocket(cx, {
      remoteHost: "127.0.0.1",
      remotePort: 6001,
      localHost: "127.0.0.1",
      localPort: port,
      reusePort: true,
    });
    expect((second.localAddress as { port: number }).port).toBe(port);
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_concurrent_receive
  udpIt("connected UDP socket: a second concurrent receive is a BusyResourceError", async (cx) => {
    await using udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 5000, localHost: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => udp.receive(cx));
      await waitAllTasksBlocked(cx);
      try {
        await expect(udp.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
      } finally {
        tg.cancelScope.cancel();
      }
    });
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_close_during_receive
  udpIt("connected UDP socket: closing wakes a blocked receive with ClosedResourceError", async (cx) => {
    await using udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 5000, localHost: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await waitAllTasksBlocked(cx);
        await udp.close();
      });
      await expect(udp.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  // anyio test_sockets.py::TestConnectedUDPSocket::test_receive_after_close and ::test_send_after_close
  udpIt("connected UDP socket: receive and send after close are ClosedResourceError", async (cx) => {
    const udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 5000, localHost: "127.0.0.1" });
    await udp.close();
    await expect(udp.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(udp.send(cx, text("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
  });
});

// ---------------------------------------------------------------------------
// trio test_highlevel_open_tcp_stream.py

describe("trio test_highlevel_open_tcp_stream.py", () => {
  // trio test_highlevel_open_tcp_stream.py::test_reorder_for_rfc_6555_section_5_4
  // (Skein interleaves as RFC 8305 asks: first family first, then alternating; trio only swaps the first other-family address up)
  it("interleaveFamilies: homogeneous and single lists unchanged, alternating lists unchanged, the other family moved second", () => {
    const v4 = (i: number): ResolvedAddress => ({ address: `10.0.0.${i}`, family: 4 });
    const v6 = (i: number): ResolvedAddress => ({ address: `::${i}`, family: 6 });
    for (const fake of [v4, v6]) {
      expect(interleaveFamilies([fake(0), fake(1), fake(2)])).toEqual([fake(0), fake(1), fake(2)]);
      expect(interleaveFamilies([fake(0)])).toEqual([fake(0)]);
    }
    const orig = [v4(0), v6(0), v4(1), v6(1)];
    expect(interleaveFamilies(orig)).toEqual(orig);
    const reordered = interleaveFamilies([v4(0), v4(1), v4(2), v6(0), v6(1)]);
    expect(reordered.slice(0, 2)).toEqual([v4(0), v6(0)]);
    expect(reordered).toEqual([v4(0), v6(0), v4(1), v6(1), v4(2)]);
  });

  // trio test_highlevel_open_tcp_stream.py::test_open_tcp_stream_real_socket_smoketest
  netIt("connectTcp to a real loopback listener: a byte goes through", async (cx) => {
    const [client, server] = await tcpPair(cx);
    try {
      await client.send(cx, text("x"));
      expect(str(await server.receive(cx, 1))).toBe("x");
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_highlevel_open_tcp_stream.py::test_open_tcp_stream_input_validation (TypeError naming the argument; trio raises ValueError for host=None)
  it("connectTcp input validation: a host that is not a string and a port that is not a number are TypeErrors naming them", async () => {
    await run(async (cx) => {
      await expect(connectTcp(cx, null as unknown as string, 80)).rejects.toThrow(TypeError);
      await expect(connectTcp(cx, null as unknown as string, 80)).rejects.toThrow(/host/);
      await expect(connectTcp(cx, "127.0.0.1", "80" as unknown as number)).rejects.toThrow(TypeError);
      await expect(connectTcp(cx, "127.0.0.1", "80" as unknown as number)).rejects.toThrow(/port/);
    });
  });

  // trio test_highlevel_open_tcp_stream.py::test_local_address_real
  netIt("connectTcp localHost: binds the local end (127.0.0.2 where it can); the wrong family fails; the IPv4 wildcard works", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    for (const localHost of ["127.0.0.2", "0.0.0.0"]) {
      let remote: unknown = null;
      let local: unknown = null;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await using server = await listener.accept(cx);
          remote = server.remoteAddress;
        });
        await using client = await connectTcp(cx, "127.0.0.1", listener.port!, { localHost });
        local = client.localAddress;
      });
      expect(remote).toEqual(local);
      if (localHost === "127.0.0.2") expect(local).toMatchObject({ host: "127.0.0.2" });
    }
    // An IPv6 wildcard local end cannot reach an IPv4 address.
    const error = await connectTcp(cx, "127.0.0.1", listener.port!, { localHost: "::" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
  });
});

// Happy eyeballs scenarios on a fake network (trio's Scenario): each address
// connects or fails after its delay (virtual seconds on a MockClock), or fails
// at once when its family is "unsupported".


type Outcome = "error" | "success";

interface ScenarioResult {
  /** The winning address, or null. */
  ip: string | null;
  error: unknown;
  /** Virtual seconds when connectTcp returned or threw. */
  time: number;
  /** Virtual seconds at which each address's connect began (unsupported families excluded, as trio's socket() fails first). */
  connectTimes: Record<string, number>;
  /** The sockets made (only successful connects make one), by address. */
  sockets: Map<string, FakeSocket>;
}

async function runScenario(
  port: number,
  ipList: [string, number, Outcome][],
  options: { ipv4Supported?: boolean; ipv6Supported?: boolean; happyEyeballsDelay?: number; around?: (cx: Context, connect: (cx: Context) => Promise<void>) => Promise<void> } = {},
): Promise<ScenarioResult> {
  const clock = new MockClock({ autojumpThreshold: 0 });
  const plans = new Map(ipList.map(([ip, delay, outcome]) => [ip, { delay, outcome }]));
  const connectTimes: Record<string, number> = {};
  const sockets = new Map<string, FakeSocket>();
  let drivers: TaskGroup | null = null;
  const familyOf = (ip: string): 4 | 6 => (ip.includes(":") ? 6 : 4);
  const net: NetSupport = {
    lookup: async (host) => {
      expect(host).toBe("test.example.com");
      return ipList.map(([ip]) => ({ address: ip, family: familyOf(ip) }));
    },
    connectTcp(raw, signal) {
      const ip = raw.host;
      const family = familyOf(ip);
      if ((family === 4 && options.ipv4Supported === false) || (family === 6 && options.ipv6Supported === false)) {
        return Promise.reject(new Error("pretending not to support this family"));
      }
      expect(connectTimes[ip]).toBeUndefined();
      connectTimes[ip] = clock.now() / 1000;
      const plan = plans.get(ip)!;
      return new Promise((resolve, reject) => {
        const scope = new CancelScope();
        signal.addEventListener("abort", () => {
          scope.cancel();
          reject(signal.reason);
        });
        drivers!.startSoon((cx) =>
          cx.withCancelScope(scope, async (cx) => {
            await cx.sleep(plan.delay * 1000);
            if (plan.outcome === "error") reject(new Error("sorry"));
            else {
              const socket = new FakeSocket({ family, host: ip, port: raw.port });
              sockets.set(ip, socket);
              resolve(socket);
            }
          }),
        );
      });
    },
    listenTcp: () => Promise.reject(new Error("not in this test")),
    connectUnix: () => Promise.reject(new Error("not in this test")),
    listenUnix: () => Promise.reject(new Error("not in this test")),
  };
  const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
  const adapter = { ...(skein as unknown as Record<string, skein.Adapter>)[name]!, net } as skein.Adapter;
  const result: ScenarioResult = { ip: null, error: null, time: -1, connectTimes, sockets };
  await run(
    (cx) =>
      cx.taskGroup(async (tg, cx) => {
        drivers = tg;
        const connect = async (cx: Context) => {
          try {
            const stream = await connectTcp(
              cx,
              "test.example.com",
              port,
              options.happyEyeballsDelay === undefined ? {} : { happyEyeballsDelay: options.happyEyeballsDelay },
            );
            result.ip = (stream.remoteAddress as { host: string }).host;
            expect(stream.remoteAddress).toMatchObject({ port });
            // trio's scenario.check: every socket but the winner's is closed.
            for (const [ip, socket] of sockets) expect([ip, socket.closed]).toEqual([ip, ip === result.ip ? false : true]);
            await stream.close();
          } catch (error) {
            result.error = error;
            throw error;
          } finally {
            result.time = cx.currentTime() / 1000;
          }
        };
        try {
          if (options.around !== undefined) await options.around(cx, connect);
          else await connect(cx).catch(() => {});
        } finally {
          tg.cancelScope.cancel();
        }
      }),
    { adapter, clock },
  );
  // trio's scenario.check(None) on failure: nothing left open.
  if (result.ip === null) for (const socket of sockets.values()) expect(socket.closed).toBe(true);
  return result;
}

describe("trio test_highlevel_open_tcp_stream.py: happy eyeballs scenarios (fake network, MockClock)", () => {
  // trio test_highlevel_open_tcp_stream.py::test_one_host_quick_success
  it("one host, quick success", async () => {
    const r = await runScenario(80, [["1.2.3.4", 0.123, "success"]]);
    expect([r.ip, r.time]).toEqual(["1.2.3.4", 0.123]);
  });

  // trio test_highlevel_open_tcp_stream.py::test_one_host_slow_success
  it("one host, slow success", async () => {
    const r = await runScenario(81, [["1.2.3.4", 100, "success"]]);
    expect([r.ip, r.time]).toEqual(["1.2.3.4", 100]);
  });

  // trio test_highlevel_open_tcp_stream.py::test_one_host_quick_fail
  it("one host, quick fail: a ConnectError", async () => {
    const r = await runScenario(82, [["1.2.3.4", 0.123, "error"]]);
    expect(r.error).toBeInstanceOf(ConnectError);
    expect(r.time).toBe(0.123);
  });

  // trio test_highlevel_open_tcp_stream.py::test_one_host_slow_fail
  it("one host, slow fail: a ConnectError", async () => {
    const r = await runScenario(83, [["1.2.3.4", 100, "error"]]);
    expect(r.error).toBeInstanceOf(ConnectError);
    expect(r.time).toBe(100);
  });

  // trio test_highlevel_open_tcp_stream.py::test_basic_fallthrough
  it("basic fallthrough: with the default 250 ms delay the third attempt wins", async () => {
    const r = await runScenario(80, [
      ["1.1.1.1", 1, "success"],
      ["2.2.2.2", 1, "success"],
      ["3.3.3.3", 0.2, "success"],
    ]);
    expect(r.ip).toBe("3.3.3.3");
    expect(r.time).toBeCloseTo(0.25 + 0.25 + 0.2, 9);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "2.2.2.2": 0.25, "3.3.3.3": 0.5 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_early_success
  it("early success: the second attempt wins before the third starts", async () => {
    const r = await runScenario(80, [
      ["1.1.1.1", 1, "success"],
      ["2.2.2.2", 0.1, "success"],
      ["3.3.3.3", 0.2, "success"],
    ]);
    expect(r.ip).toBe("2.2.2.2");
    expect(r.time).toBeCloseTo(0.25 + 0.1, 9);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "2.2.2.2": 0.25 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_custom_delay
  it("custom delay (450 ms): the first attempt wins", async () => {
    const r = await runScenario(
      80,
      [
        ["1.1.1.1", 1, "success"],
        ["2.2.2.2", 1, "success"],
        ["3.3.3.3", 0.2, "success"],
      ],
      { happyEyeballsDelay: 450 },
    );
    expect([r.ip, r.time]).toEqual(["1.1.1.1", 1]);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "2.2.2.2": 0.45, "3.3.3.3": 0.9 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_none_default (no delay given: the default)
  it("no delay given: the 250 ms default", async () => {
    const r = await runScenario(80, [
      ["1.1.1.1", 1, "success"],
      ["2.2.2.2", 1, "success"],
      ["3.3.3.3", 0.2, "success"],
    ]);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "2.2.2.2": 0.25, "3.3.3.3": 0.5 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_custom_errors_expedite
  it("errors expedite the next attempt", async () => {
    const r = await runScenario(80, [
      ["1.1.1.1", 0.1, "error"],
      ["2.2.2.2", 0.2, "error"],
      ["3.3.3.3", 10, "success"],
      ["4.4.4.4", 0.25, "success"],
    ]);
    expect(r.ip).toBe("4.4.4.4");
    expect(r.time).toBeCloseTo(0.1 + 0.2 + 0.25 + 0.25, 9);
    expect(Object.keys(r.connectTimes)).toEqual(["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"]);
    expect(r.connectTimes["1.1.1.1"]).toBe(0);
    expect(r.connectTimes["2.2.2.2"]).toBeCloseTo(0.1, 9);
    expect(r.connectTimes["3.3.3.3"]).toBeCloseTo(0.3, 9);
    expect(r.connectTimes["4.4.4.4"]).toBeCloseTo(0.55, 9);
  });

  // trio test_highlevel_open_tcp_stream.py::test_all_fail (ConnectError with each attempt's error, in the order they failed)
  it("all fail: one ConnectError carrying every attempt's error", async () => {
    const r = await runScenario(80, [
      ["1.1.1.1", 0.1, "error"],
      ["2.2.2.2", 0.2, "error"],
      ["3.3.3.3", 10, "error"],
      ["4.4.4.4", 0.25, "error"],
    ]);
    expect(r.error).toBeInstanceOf(ConnectError);
    const error = r.error as ConnectError;
    expect(error.errors.map((e) => (e as Error).message)).toEqual(["sorry", "sorry", "sorry", "sorry"]);
    expect(error.attempts.map((a) => a.address)).toEqual(["1.1.1.1", "2.2.2.2", "4.4.4.4", "3.3.3.3"]);
    expect(error.message).toMatch(/^cannot connect to test\.example\.com port 80: /);
    expect(r.time).toBeCloseTo(0.1 + 0.2 + 10, 9);
    expect(r.connectTimes["4.4.4.4"]).toBeCloseTo(0.55, 9);
  });

  // trio test_highlevel_open_tcp_stream.py::test_multi_success
  it("several attempts in flight: one of them wins, the failures do not", async () => {
    const r = await runScenario(
      80,
      [
        ["1.1.1.1", 0.5, "error"],
        ["2.2.2.2", 10, "success"],
        ["3.3.3.3", 10 - 1, "success"],
        ["4.4.4.4", 10 - 2, "success"],
        ["5.5.5.5", 0.5, "error"],
      ],
      { happyEyeballsDelay: 1000 },
    );
    expect(["2.2.2.2", "3.3.3.3", "4.4.4.4"]).toContain(r.ip);
    expect(r.sockets.has("1.1.1.1")).toBe(false);
    expect(r.sockets.has("5.5.5.5")).toBe(false);
    expect(r.time).toBeCloseTo(0.5 + 10, 9);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "2.2.2.2": 0.5, "3.3.3.3": 1.5, "4.4.4.4": 2.5, "5.5.5.5": 3.5 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_does_reorder
  it("reorders: the IPv6 address is tried second, and wins", async () => {
    const r = await runScenario(
      80,
      [
        ["1.1.1.1", 10, "error"],
        ["2.2.2.2", 1, "success"],
        ["::3", 0.5, "success"],
      ],
      { happyEyeballsDelay: 1000 },
    );
    expect([r.ip, r.time]).toEqual(["::3", 1.5]);
    expect(r.connectTimes).toEqual({ "1.1.1.1": 0, "::3": 1 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_handles_no_ipv4
  it("no IPv4: those attempts fail at once and the next IPv6 address wins", async () => {
    const r = await runScenario(
      80,
      [
        ["::1", 10, "success"],
        ["2.2.2.2", 0, "success"],
        ["::3", 0.1, "success"],
        ["4.4.4.4", 0, "success"],
      ],
      { happyEyeballsDelay: 1000, ipv4Supported: false },
    );
    expect(r.ip).toBe("::3");
    expect(r.time).toBeCloseTo(1.1, 9);
    expect(r.connectTimes).toEqual({ "::1": 0, "::3": 1 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_handles_no_ipv6
  it("no IPv6: those attempts fail at once and the next IPv4 address wins", async () => {
    const r = await runScenario(
      80,
      [
        ["::1", 0, "success"],
        ["2.2.2.2", 10, "success"],
        ["::3", 0, "success"],
        ["4.4.4.4", 0.1, "success"],
      ],
      { happyEyeballsDelay: 1000, ipv6Supported: false },
    );
    expect(r.ip).toBe("4.4.4.4");
    expect(r.time).toBeCloseTo(1.1, 9);
    expect(r.connectTimes).toEqual({ "2.2.2.2": 0, "4.4.4.4": 1 });
  });

  // trio test_highlevel_open_tcp_stream.py::test_no_hosts
  it("no hosts: a ConnectError saying the name resolved to no address", async () => {
    const r = await runScenario(80, []);
    expect(r.error).toBeInstanceOf(ConnectError);
    expect((r.error as Error).message).toContain("resolved to no address");
  });

  // trio test_highlevel_open_tcp_stream.py::test_cancel
  it("cancelled by moveOnAfter(5000): Cancelled absorbed by that scope, every attempt aborted, nothing left open", async () => {
    let caught: boolean | null = null;
    const r = await runScenario(
      80,
      [
        ["1.1.1.1", 10, "success"],
        ["2.2.2.2", 10, "success"],
        ["3.3.3.3", 10, "success"],
        ["4.4.4.4", 10, "success"],
      ],
      {
        around: async (cx, connect) => {
          const moved = await cx.moveOnAfter(5000, (cx) => connect(cx));
          caught = moved.cancelled;
        },
      },
    );
    expect(caught).toBe(true);
    expect(r.error).toBeInstanceOf(Cancelled);
    expect(r.time).toBe(5);
    expect(r.sockets.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// trio test_highlevel_serve_listeners.py (serve is SocketListener.serve: one listener per call)

/**
 * A SocketListener over a fake RawListener (the constructor is not in the public types: adapters make listeners),
 * standing in for trio's fake listening sockets.
 */
function socketListenerOver(raw: RawListener): SocketListener {
  const Ctor = SocketListener as unknown as new (raw: RawListener, kind: "tcp") => SocketListener;
  return new Ctor(raw, "tcp");
}

/** A RawListener whose accept fails with `error` each time (trio's MemoryListener with an accept_hook). */
function failingListener(error: unknown): { listener: SocketListener; accepts: () => number } {
  let accepts = 0;
  const raw: RawListener = {
    address: { family: 4, host: "10.0.0.1", port: 9 },
    accept: () => {
      accepts++;
      return Promise.reject(error);
    },
    close: () => {},
  };
  return { listener: socketListenerOver(raw), accepts: () => accepts };
}

describe("trio test_highlevel_serve_listeners.py", () => {
  // trio test_highlevel_serve_listeners.py::test_serve_listeners_basic (two listeners, three clients each; every handler's stream closed when it returns)
  netIt("serve: handlers on two listeners talk to three clients each; each stream is closed when its handler returns", async (cx) => {
    await using l1 = await createTcpListener(cx, { host: "127.0.0.1" });
    await using l2 = await createTcpListener(cx, { host: "127.0.0.1" });
    const ends: string[] = [];
    await cx.taskGroup(async (tg, cx) => {
      for (const listener of [l1, l2]) {
        tg.startSoon((cx) =>
          listener.serve(cx, async (stream, cx) => {
            await stream.send(cx, text("123"));
            expect(str(await stream.receive(cx, 10))).toBe("456");
          }),
        );
      }
      await cx.taskGroup(async (clients) => {
        for (const listener of [l1, l2]) {
          for (let i = 0; i < 3; i++) {
            clients.startSoon(async (cx) => {
              await using s = await connectTcp(cx, "127.0.0.1", listener.port!);
              expect(str(await s.receive(cx, 10))).toBe("123");
              await s.send(cx, text("456"));
              // The handler returned and serve closed its stream: the client sees the end.
              await expect(s.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
              ends.push("closed");
            });
          }
        }
      });
      tg.cancelScope.cancel();
    });
    expect(ends.length).toBe(6);
  });

  // trio test_highlevel_serve_listeners.py::test_serve_listeners_accept_unrecognized_error (ECONNABORTED there is a
  // MemoryListener's; a SocketListener's accept skips it, as trio's does, so EFAULT stands in for an OS error)
  it("serve: an unrecognized accept error (a KeyError, an OS error) propagates as itself", async () => {
    for (const error of [new Error("KeyError"), Object.assign(new Error("EFAULT"), { code: "EFAULT" })]) {
      const { listener } = failingListener(error);
      const got = await run((cx) => listener.serve(cx, () => {})).catch((e: unknown) => e);
      expect(got).toBe(error);
    }
  });

  // trio test_highlevel_serve_listeners.py::test_serve_listeners_accept_capacity_error
  it("serve: out of file descriptors (EMFILE) is retried every 100 ms, not raised", async () => {
    const emfile = Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" });
    const { listener, accepts } = failingListener(emfile);
    const clock = new MockClock({ autojumpThreshold: 0 });
    const outcome = await run(
      async (cx) => {
        const moved = await cx.moveOnAfter(950, (cx) => listener.serve(cx, () => {}));
        return moved.cancelled;
      },
      { clock },
    ).catch((e: unknown) => e);
    expect(outcome).toBe(true);
    // Tried at 0, 100, ..., 900 ms: 10 times.
    expect(accepts()).toBe(10);
  });

  // trio test_highlevel_serve_listeners.py::test_serve_listeners_connection_nursery (handlers in a given task group)
  netIt("serve: handlers run in the task group passed to it", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    class Done extends Error {}
    let handlers = 0;
    const error = await cx
      .taskGroup(async (tg, cx) => {
        const handlerGroup = await tg.start<TaskGroup>(cx, (cx) =>
          cx.taskGroup(async (hg, cx) => {
            cx.started(hg);
            while (handlers < 10) await cx.sleep(1);
            await waitAllTasksBlocked(cx);
            throw new Done();
          }),
        );
        tg.startSoon((cx) =>
          listener.serve(
            cx,
            async (_stream, cx) => {
              handlers++;
              await cx.sleep(1000);
            },
            handlerGroup,
          ),
        );
        for (let i = 0; i < 10; i++) {
          tg.startSoon(async (cx) => {
            await using _ = await connectTcp(cx, "127.0.0.1", listener.port!);
            await cx.sleepForever();
          });
        }
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Done);
    expect(handlers).toBe(10);
  });
});

// ---------------------------------------------------------------------------
// trio test_highlevel_socket.py

/** A RawListener that plays `events` in order: a RawSocket is accepted, anything else rejected with. */
function scriptedListener(events: unknown[]): SocketListener {
  let at = 0;
  const raw: RawListener = {
    address: { family: 4, host: "10.0.0.1", port: 9 },
    accept: () => {
      const event = events[at++];
      return event instanceof FakeSocket ? Promise.resolve(event) : Promise.reject(event);
    },
    close: () => {},
  };
  return socketListenerOver(raw);
}

const osError = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });

describe("trio test_highlevel_socket.py", () => {
  // trio test_highlevel_socket.py::test_SocketStream_send_all
  netIt("a 10 MB send that must be split, read by a receiver that starts once the sender blocked; then one byte, then the end", async (cx) => {
    await checkSendAllSplit(cx, await tcpPair(cx));
  });

  // trio test_highlevel_socket.py::test_SocketStream_generic (the clogged pairs are tcp.test.ts's: filling the kernel
  // buffers is load-dependent, so this file keeps to the unclogged checks)
  netIt("checkHalfCloseableStream passes on TCP pairs", async (cx) => {
    await checkHalfCloseableStream(cx, (cx) => tcpPair(cx));
  }, 120_000);

  // trio test_highlevel_socket.py::test_SocketListener (close takes no cx in Skein, so it is no checkpoint; an accept
  // after close is misuse, a ClosedResourceError before any checkpoint: rule 1 of waiter-queue.ts)
  netIt("SocketListener: accept is a checkpoint and gives the connection's stream; close is idempotent; accept after close is ClosedResourceError", async (cx) => {
    const listener = await createTcpListener(cx, { host: "127.0.0.1" });
    const client = await connectTcp(cx, "127.0.0.1", listener.port!);
    const server = await assertCheckpoints(cx, (cx) => listener.accept(cx));
    try {
      expect(server.localAddress).toEqual(listener.localAddress);
      expect(server.remoteAddress).toEqual(client.localAddress);
      await listener.close();
      await listener.close();
      await expect(listener.accept(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_highlevel_socket.py::test_SocketListener_socket_closed_underfoot
  it("SocketListener: a raw listener closed underneath makes accept raise ClosedResourceError", async () => {
    const raw: RawListener = { address: { family: 4, host: "10.0.0.1", port: 9 }, accept: () => Promise.resolve(null), close: () => {} };
    const listener = socketListenerOver(raw);
    await run(async (cx) => {
      expect(await assertCheckpoints(cx, failing((cx) => listener.accept(cx)))).toBeInstanceOf(ClosedResourceError);
    });
  });

  // trio test_highlevel_socket.py::test_SocketListener_accept_errors
  it("SocketListener: accept skips ECONNABORTED, EPERM and EPROTO (the connection's own failures) and raises EMFILE, EFAULT, ENOBUFS", async () => {
    const fakeServerSock = new FakeSocket({ family: 4, host: "10.0.0.2", port: 1234 });
    const listener = scriptedListener([
      osError("ECONNABORTED", "Connection aborted"),
      osError("EPERM", "Permission denied"),
      osError("EPROTO", "Bad protocol"),
      fakeServerSock,
      osError("EMFILE", "Out of file descriptors"),
      osError("EFAULT", "attempt to write to read-only memory"),
      osError("ENOBUFS", "out of buffers"),
      fakeServerSock,
    ]);
    await run(async (cx) => {
      const first = await assertCheckpoints(cx, (cx) => listener.accept(cx));
      expect(first.remoteAddress).toEqual(fakeServerSock.remoteAddress);
      for (const code of ["EMFILE", "EFAULT", "ENOBUFS"]) {
        const error = await assertCheckpoints(cx, failing((cx) => listener.accept(cx)));
        expect((error as { code?: string }).code).toBe(code);
      }
      const last = await assertCheckpoints(cx, (cx) => listener.accept(cx));
      expect(last.remoteAddress).toEqual(fakeServerSock.remoteAddress);
    });
  });

  // trio test_highlevel_socket.py::test_socket_stream_works_when_peer_has_already_closed
  netIt("a stream whose peer sent a byte and closed: the byte, then EndOfStream", async (cx) => {
    await checkPeerClosedFirst(cx, await tcpPair(cx));
  });
});

// ---------------------------------------------------------------------------
// trio test_highlevel_open_tcp_listeners.py (createTcpListener makes one listener, not a list)

/** This runtime's adapter with `listenTcp` replaced (the rest of the network kept). */
function listenSpy(onListen: (options: skein.RawTcpListenOptions) => void): skein.Adapter {
  const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
  const base = (skein as unknown as Record<string, skein.Adapter>)[name]!;
  const raw: RawListener = { address: { family: 4, host: "0.0.0.0", port: 1 }, accept: () => new Promise(() => {}), close: () => {} };
  const net: NetSupport = {
    lookup: () => Promise.resolve([]),
    connectTcp: () => Promise.reject(new Error("not in this test")),
    listenTcp: (options) => {
      onListen(options);
      return Promise.resolve(raw);
    },
    connectUnix: () => Promise.reject(new Error("not in this test")),
    listenUnix: () => Promise.reject(new Error("not in this test")),
  };
  return { ...base, net } as skein.Adapter;
}

describe("trio test_highlevel_open_tcp_listeners.py", () => {
  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_basic
  netIt("createTcpListener binds the wildcard address by default and queues two connections before accepting", async (cx) => {
    await using listener = await createTcpListener(cx);
    expect(["0.0.0.0", "::"]).toContain((listener.localAddress as { host: string }).host);
    await using c1 = await connectTcp(cx, "127.0.0.1", listener.port!);
    await using c2 = await connectTcp(cx, "127.0.0.1", listener.port!);
    await using s1 = await listener.accept(cx);
    await using s2 = await listener.accept(cx);
    await s1.send(cx, text("x"));
    await s2.send(cx, text("x"));
    expect(str(await c1.receive(cx, 1))).toBe("x");
    expect(str(await c2.receive(cx, 1))).toBe("x");
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_specific_port_specific_host
  netIt("createTcpListener on a given host and port binds exactly there", async (cx) => {
    const probe = await createTcpListener(cx, { host: "127.0.0.1" });
    const port = probe.port!;
    await probe.close();
    await using listener = await createTcpListener(cx, { host: "127.0.0.1", port });
    expect(listener.localAddress).toEqual({ family: 4, host: "127.0.0.1", port });
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_ipv6_v6only
  netIt("a listener on ::1 is IPv6 only: connecting to 127.0.0.1 on its port is refused", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "::1" });
    const error = await connectTcp(cx, "127.0.0.1", listener.port!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(((error as ConnectError).attempts[0]!.error as { code?: string }).code).toBe("ECONNREFUSED");
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_rebind
  netIt("rebinding: the port is in use while the listener is open; once closed, a new listener takes it despite live and TIME_WAIT connections", async (cx) => {
    const l1 = await createTcpListener(cx, { host: "127.0.0.1" });
    const sockaddr1 = l1.localAddress;
    const inUse = await createTcpListener(cx, { host: "127.0.0.1", port: l1.port! }).catch((e: unknown) => e);
    expect((inUse as { code?: string }).code).toBe("EADDRINUSE");
    const cEstablished = await connectTcp(cx, "127.0.0.1", l1.port!);
    const sEstablished = await l1.accept(cx);
    const cTimeWait = await connectTcp(cx, "127.0.0.1", l1.port!);
    const sTimeWait = await l1.accept(cx);
    await sTimeWait.close(); // the server closes first: its end goes to TIME_WAIT
    await l1.close();
    await using l2 = await createTcpListener(cx, { host: "127.0.0.1", port: l1.port! });
    expect(l2.localAddress).toEqual(sockaddr1);
    expect(sEstablished.localAddress).toEqual(l2.localAddress);
    expect(cTimeWait.remoteAddress).toEqual(l2.localAddress);
    for (const stream of [cEstablished, sEstablished, cTimeWait]) await stream.close();
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_port_checking
  it("createTcpListener: a port that is not a number (null, bytes-like, a service name) is a TypeError", async () => {
    await run(async (cx) => {
      for (const host of ["127.0.0.1", undefined]) {
        for (const port of [null, "80", "http"]) {
          await expect(createTcpListener(cx, { host, port: port as unknown as number })).rejects.toThrow(TypeError);
        }
      }
    });
  });

  // trio test_highlevel_open_tcp_listeners.py::test_serve_tcp (no serve_tcp: a task that listens, reports ready with start, and serves)
  netIt("a started task listens and serves: a client gets the handler's byte", async (cx) => {
    await cx.taskGroup(async (tg, cx) => {
      const listener = await tg.start<SocketListener>(cx, async (cx) => {
        await using listener = await createTcpListener(cx);
        cx.started(listener);
        await listener.serve(cx, (stream, cx) => stream.send(cx, text("x")));
      });
      await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
      expect(str(await stream.receive(cx, 1))).toBe("x");
      tg.cancelScope.cancel();
    });
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_backlog (passed through; Skein leaves the
  // default and the clamping to the runtime and the kernel, where trio clamps to 0xFFFF itself)
  it("createTcpListener passes backlog through to the runtime", async () => {
    const seen: unknown[] = [];
    await run(
      async (cx) => {
        for (const backlog of [undefined, 10, 1]) await createTcpListener(cx, backlog === undefined ? {} : { backlog });
      },
      { adapter: listenSpy((options) => seen.push(options.backlog)) },
    );
    expect(seen).toEqual([undefined, 10, 1]);
  });

  // trio test_highlevel_open_tcp_listeners.py::test_open_tcp_listeners_backlog_float_error (RangeError: a number of the wrong kind)
  it("createTcpListener: a backlog that is not a whole number is a RangeError naming it", async () => {
    await run(async (cx) => {
      for (const backlog of [2.18, 3.14, 9.75]) {
        await expect(createTcpListener(cx, { backlog })).rejects.toThrow(new RangeError(`options.backlog must be a whole number >= 0, got ${backlog}`));
      }
    });
  });
});

// ---------------------------------------------------------------------------
// anyio tests/streams/test_tls.py and the TLS parts of test_sockets.py

/** A TLS listener on 127.0.0.1 with the CA-signed (or the untrusted) certificate. */
function tlsListener(cx: Context, options: { untrusted?: boolean; alpnProtocols?: string[] } = {}): Promise<SocketListener<TlsStream>> {
  return createTcpListener(cx, {
    host: "127.0.0.1",
    tls: {
      cert: options.untrusted === true ? untrusted : serverCert,
      key: options.untrusted === true ? untrustedKey : serverKey,
      ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: options.alpnProtocols }),
    },
  });
}

describe("anyio test_tls.py", () => {
  // anyio test_sockets.py::TestTCPStream::test_connect_tcp_with_tls and test_tls.py::TestTLSStream::test_send_receive
  tlsIt("TLS: connectTcp with tls; the server answers reversed", async (cx) => {
    await using listener = await tlsListener(cx);
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await using stream = await listener.accept(cx);
        await stream.send(cx, reversed(await stream.receive(cx, 100)));
      });
      await using stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
      await stream.send(cx, text("hello"));
      expect(str(await stream.receive(cx))).toBe("olleh");
    });
  });

  // anyio test_sockets.py::TestTCPStream::test_connect_tcp_with_tls_cert_check_fail
  tlsIt("TLS: an untrusted server certificate fails the client's handshake with TlsHandshakeError", async (cx) => {
    await using listener = await tlsListener(cx, { untrusted: true });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        // The failed handshake never reaches accept; cancelled below.
        await listener.accept(cx).catch(() => {});
      });
      const error = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TlsHandshakeError);
      tg.cancelScope.cancel();
    });
  });

  // anyio test_tls.py::TestTLSStream::test_alpn_negotiation
  tlsIt("TLS: the negotiated ALPN protocol is visible on both ends", async (cx) => {
    await using listener = await tlsListener(cx, { alpnProtocols: ["dummy1", "dummy2"] });
    let serverAlpn: string | null | undefined;
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await using stream = await listener.accept(cx);
        serverAlpn = stream.alpnProtocol;
        await stream.send(cx, text("x"));
      });
      await using stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca, alpnProtocols: ["dummy2", "dummy3"] } });
      expect(stream.alpnProtocol).toBe("dummy2");
      expect(str(await stream.receive(cx))).toBe("x");
    });
    expect(serverAlpn).toBe("dummy2");
  });

  // anyio test_tls.py::TestTLSStream::test_extra_attributes (the socket attributes pass through; ALPN; the ssl-object attributes have no equivalent)
  tlsIt("TLS: a wrapped stream keeps the plain stream's addresses and reports ALPN", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        const plain = await listener.accept(cx);
        await using secure = await wrapTls(cx, plain, { server: { cert: serverCert, key: serverKey, alpnProtocols: ["h2"] } });
        await secure.receive(cx, 1);
      });
      const plain = await connectTcp(cx, "127.0.0.1", listener.port!);
      const addresses = [plain.localAddress, plain.remoteAddress];
      await using secure = await wrapTls(cx, plain, { ca, serverName: "localhost", alpnProtocols: ["h2"], standardCompatible: false });
      expect([secure.localAddress, secure.remoteAddress]).toEqual(addresses);
      expect(secure.alpnProtocol).toBe("h2");
      await secure.send(cx, new Uint8Array([0]));
    });
  });

  // anyio test_tls.py::TestTLSStream::test_send_receive (TLSStream.wrap over a connect_tcp stream: wrapTls, here on both sides)
  tlsIt("TLS: wrapTls upgrades an agreed plain connection on both sides", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        const plain = await listener.accept(cx);
        expect(str(await plain.receive(cx))).toBe("STARTTLS");
        await plain.send(cx, text("GO"));
        await using secure = await wrapTls(cx, plain, { server: { cert: serverCert, key: serverKey } });
        await secure.send(cx, reversed(await secure.receive(cx)));
      });
      const plain = await connectTcp(cx, "127.0.0.1", listener.port!);
      await plain.send(cx, text("STARTTLS"));
      expect(str(await plain.receive(cx))).toBe("GO");
      await using secure = await wrapTls(cx, plain, { ca, serverName: "localhost" });
      await secure.send(cx, text("secret"));
      expect(str(await secure.receive(cx))).toBe("terces");
      // The plain stream handed its connection over: it acts as closed.
      await expect(plain.send(cx, text("x"))).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  // anyio test_tls.py::TestTLSStream::test_send_eof_not_implemented (Skein's TLS streams all half-close: close_notify, then EndOfStream on the peer)
  tlsIt("TLS: sendEof ends the peer's receiving with EndOfStream while the other direction goes on", async (cx) => {
    await using listener = await tlsListener(cx);
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await using stream = await listener.accept(cx);
        const request = await receiveAll(cx, stream);
        await stream.send(cx, reversed(request));
      });
      await using stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
      await stream.send(cx, text("hello"));
      await stream.sendEof(cx);
      expect(str(await receiveAll(cx, stream))).toBe("olleh");
    });
  });

  // anyio test_tls.py::TestTLSStream::test_ragged_eofs[both_standard], [server_standard], test_ragged_eof_on_receive and
  // test_receive_send_after_eof (the server sends "hello"-like bytes and closes cleanly: the bytes, then EndOfStream;
  // the ragged cases need a server that drops TCP without close_notify, which Skein's API cannot make)
  tlsIt("TLS: a peer that closes cleanly ends receive with EndOfStream; standardCompatible false never raises for a ragged end", async (cx) => {
    for (const standardCompatible of [true, false]) {
      await using listener = await tlsListener(cx);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          const stream = await listener.accept(cx);
          await stream.send(cx, text("bye"));
          await stream.close();
        });
        await using stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca, standardCompatible } });
        const chunks: Uint8Array[] = [];
        const end = await (async () => {
          for (;;) chunks.push(await stream.receive(cx));
        })().catch((e: unknown) => e);
        expect(str(concat(chunks))).toBe("bye");
        expect(end).toBeInstanceOf(EndOfStream);
      });
    }
  });

  // anyio test_sockets.py::TestTCPStream::test_receive_after_close / test_send_after_close, on a TLS stream
  tlsIt("TLS: receive and send after close are ClosedResourceError", async (cx) => {
    // The listener completes its side of the handshake by itself (no accept needed).
    await using listener = await tlsListener(cx);
    const stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
    await stream.close();
    await expect(stream.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(stream.send(cx, text("x"))).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // anyio test_tls.py::TestTLSListener::test_handshake_fail (a client that fails the handshake never reaches the handler; the listener goes on)
  tlsIt("TLS listener: a client that fails the handshake never reaches serve's handler, and the next client is served", async (cx) => {
    // A plain client that connects and hangs up at once: the server's handshake fails, out of the handler's sight.
    {
      await using listener = await tlsListener(cx);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => listener.serve(cx, () => expect.unreachable("the handler should never be called")));
        const plain = await connectTcp(cx, "127.0.0.1", listener.port!);
        await plain.close();
        await cx.sleep(20);
        tg.cancelScope.cancel();
      });
    }
    await using listener = await tlsListener(cx);
    const handled: string[] = [];
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) =>
        listener.serve(cx, async (stream, cx) => {
          handled.push(str(await stream.receive(cx)));
        }),
      );
      // Trusts nothing: its handshake fails (no CA).
      const error = await connectTcp(cx, "localhost", listener.port!, { tls: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TlsHandshakeError);
      await using good = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
      await good.send(cx, text("ok"));
      await expect(good.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      tg.cancelScope.cancel();
    });
    expect(handled).toEqual(["ok"]);
  });

  // anyio test_tls.py::TestTLSStream::test_send_receive (bulk)
  tlsIt("TLS: 1 MiB echoed intact", async (cx) => {
    await using listener = await tlsListener(cx);
    const data = pattern(1024 * 1024, 4);
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await using stream = await listener.accept(cx);
        await echo(stream, cx);
      });
      await using stream = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
      const got = await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await stream.send(cx, data);
          await stream.sendEof(cx);
        });
        return receiveAll(cx, stream);
      });
      expect(sameBytes(got!, data)).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------
// trio src/trio/_tests/test_ssl.py (over loopback TCP: Skein's TLS runs on sockets, not on any stream, so the
// memory-stream, renegotiation, unwrap and TLS-over-TLS tests have no counterpart)

/** A TLS pair over loopback: [client, server], the handshake done. */
async function tlsPair(cx: Context, options: { alpnProtocols?: string[] } = {}): Promise<[TlsStream, TlsStream]> {
  await using listener = await tlsListener(cx, options);
  let server!: TlsStream;
  const client = await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx) => {
      server = await listener.accept(cx);
    });
    return connectTcp(cx, "localhost", listener.port!, { tls: { ca, ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: options.alpnProtocols }) } });
  });
  return [client!, server];
}

describe("trio test_ssl.py", () => {
  // trio test_ssl.py::test_SSLStream_generic (over loopback TCP; the clogged pairs are filled with junk first, as
  // tcp.test.ts's are: concurrent sends, and a close that wakes a send blocked on a full connection). Deno (2.9.6)
  // fails it, a runtime limitation asserted as such: its native TLS connection closes in the background
  // (denoland/deno#10146), so the peer's sends still succeed for a while after the close (MBs, tens of ms), and a
  // peer's blocked send is never broken while the closed side has ciphertext of its own stuck (the clogging send,
  // cancelled, whose write stays in flight): that flush has no limit, and the TCP connection, consumed by the TLS one,
  // is out of the adapter's reach.
  tlsIt("checkTwoWayStream passes on TLS pairs and on clogged pairs (Deno: StreamCheckError, its TLS close runs in the background)", async (cx) => {
    const checking = checkTwoWayStream(cx, (cx) => tlsPair(cx), async (cx) => clog(cx, await tlsPair(cx)));
    if (runtime !== "deno") return checking;
    await expect(checking).rejects.toThrow(/^checkTwoWayStream: (send after the receiver closed|the receiver's close breaks a blocked send \(clogged\)): /);
  }, 120_000);

  // trio test_ssl.py::test_ssl_client_basics
  tlsIt("client basics: an echo works; no CA or a wrong host name fails the handshake with TlsHandshakeError", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      await client.send(cx, text("x"));
      await server.send(cx, await server.receive(cx, 1));
      expect(str(await client.receive(cx, 1))).toBe("x");
    } finally {
      await client.close();
      await server.close();
    }
    await using listener = await tlsListener(cx);
    for (const tls of [true, { ca, serverName: "trio-test-2.example.org" }] as const) {
      const error = await connectTcp(cx, "localhost", listener.port!, { tls }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TlsHandshakeError);
      expect(error).toBeInstanceOf(BrokenResourceError);
      expect((error as Error).cause).toBeDefined();
    }
  });

  // trio test_ssl.py::test_ssl_server_basics (the server side of a plain connection upgraded with wrapTls)
  tlsIt("server basics: x, y, z, then the client's close is EndOfStream on the server", async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        const plain = await listener.accept(cx);
        await using server = await wrapTls(cx, plain, { server: { cert: serverCert, key: serverKey } });
        expect(str(await server.receive(cx, 1))).toBe("x");
        await server.send(cx, text("y"));
        expect(str(await server.receive(cx, 1))).toBe("z");
        await expect(server.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
      });
      await using client = await wrapTls(cx, await connectTcp(cx, "127.0.0.1", listener.port!), { ca, serverName: "localhost" });
      await client.send(cx, text("x"));
      expect(str(await client.receive(cx, 1))).toBe("y");
      await client.send(cx, text("z"));
      await client.sendEof(cx);
    });
  });

  // trio test_ssl.py::test_full_duplex_basics
  tlsIt("full duplex: 30 chunks of 32 KiB sent while the echo comes back, in half-chunk receives", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      const CHUNKS = 30;
      const CHUNK_SIZE = 32768;
      const sent: Uint8Array[] = [];
      const received: Uint8Array[] = [];
      let got = 0;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (;;) {
            let chunk: Uint8Array;
            try {
              chunk = await server.receive(cx);
            } catch (error) {
              if (error instanceof EndOfStream) return;
              throw error;
            }
            await server.send(cx, chunk);
          }
        });
        tg.startSoon(async (cx) => {
          for (let i = 0; i < CHUNKS; i++) {
            const chunk = new Uint8Array(CHUNK_SIZE).fill(i);
            sent.push(chunk);
            await client.send(cx, chunk);
          }
        });
        while (got < CHUNKS * CHUNK_SIZE) {
          const chunk = await client.receive(cx, CHUNK_SIZE / 2);
          received.push(chunk.slice());
          got += chunk.length;
        }
        await client.sendEof(cx);
      });
      expect(sameBytes(concat(received), concat(sent))).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_ssl.py::test_resource_busy_errors (send/send and receive/receive; no wait_send_all_might_not_block)
  tlsIt("a second concurrent send or receive on a TLS stream is a BusyResourceError", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => client.send(cx, new Uint8Array(64 * 1024 * 1024)).catch(() => {}));
        tg.startSoon((cx) => client.receive(cx).catch(() => {}));
        await waitAllTasksBlocked(cx);
        await expect(client.send(cx, text("x"))).rejects.toBeInstanceOf(BusyResourceError);
        await expect(client.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
        tg.cancelScope.cancel();
      });
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_ssl.py::test_checkpoints (send, and receives whose bytes are already buffered, are checkpoints; the
  // handshake runs inside connect/accept, there is no wait_send_all_might_not_block, and close takes no cx)
  tlsIt("send and every receive are checkpoints, also when the bytes are already buffered", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      await assertCheckpoints(cx, (cx) => client.send(cx, text("xxx"))); // the cancelled round sends nothing
      for (let i = 0; i < 3; i++) expect(str(await assertCheckpoints(cx, (cx) => server.receive(cx, 1)))).toBe("x");
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_ssl.py::test_send_all_empty_string
  tlsIt("sending empty bytes is a checkpoint and sends no end of stream: the next bytes still arrive", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      await assertCheckpoints(cx, (cx) => client.send(cx, new Uint8Array(0)));
      await client.send(cx, new Uint8Array(0));
      await client.send(cx, text("x"));
      expect(str(await server.receive(cx, 1))).toBe("x");
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_ssl.py::test_closing_nice_case
  tlsIt("closing, the nice case: the peer sees EndOfStream (again and again); close is idempotent; then sends and receives are ClosedResourceError", async (cx) => {
    const [client, server] = await tlsPair(cx);
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(() => client.close());
      tg.startSoon(async (cx) => {
        await expect(server.receive(cx, 10)).rejects.toBeInstanceOf(EndOfStream);
        await expect(server.receive(cx, 10)).rejects.toBeInstanceOf(EndOfStream);
        await server.close();
      });
    });
    await client.close();
    await client.close();
    await expect(server.send(cx, text("123"))).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(client.receive(cx, 10)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // trio test_ssl.py::test_selected_alpn_protocol_when_not_set
  tlsIt("with no ALPN configured, both ends report no protocol (null), not an error", async (cx) => {
    const [client, server] = await tlsPair(cx);
    try {
      expect(client.alpnProtocol).toBe(null);
      expect(server.alpnProtocol).toBe(null);
    } finally {
      await client.close();
      await server.close();
    }
  });

  // trio test_ssl.py::test_SSLListener
  tlsIt("a TLS listener: accept gives a working stream; once closed, accept is ClosedResourceError", async (cx) => {
    const listener = await tlsListener(cx);
    const [client, server] = await cx.taskGroup(async (tg, cx) => {
      const server = listener.accept(cx);
      const client = await connectTcp(cx, "localhost", listener.port!, { tls: { ca } });
      return [client, await server] as const;
    }).then((pair) => pair!);
    try {
      await client.send(cx, text("x"));
      expect(str(await server.receive(cx, 1))).toBe("x");
      await listener.close();
      await expect(listener.accept(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
