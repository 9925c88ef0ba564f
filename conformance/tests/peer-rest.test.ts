// The audit of the I/O peers' tests: what the earlier translations
// (peer-sync, peer-streams, peer-net, peer-net-trio, peer-process,
// peer-subprocess) left out of trio's test_sync.py and test_channel.py, and
// anyio's test_synchronization.py, streams/test_memory.py, test_buffered.py,
// test_text.py, test_stapled.py, test_sockets.py, streams/test_tls.py and
// test_subprocesses.py (their newest stored versions: anyio 4.x added tests
// the earlier translations, made from older versions, did not have),
// translated where Skein has the API. Each test names its source.
//
// Everything else those files test is translated in the files above, or is a
// deliberate difference (no as_safe_channel: no async generators; the text
// wrappers send UTF-8 only; no raw sockets or socket options; no from_socket;
// no wait_readable/wait_writable/notify_closing; no connectables; no fd
// passing; string Unix paths only; no Unix datagram sockets; no getnameinfo;
// no TLS unwrap; no client certificates; no default thread limiter object; no
// file objects as stdio, no start_new_session/user/group/umask; a one-string
// command needs shell: true), or is not applicable (asyncio-only regressions,
// CPython's gc and ResourceWarning, mocks of the backend, keyword arguments,
// deprecation warnings, a real DNS lookup of an internationalised name, a
// link-local IPv6 interface, CPython's process-reaping fallbacks).
//
// Memory streams: a send or receive that need not wait is a cancel point but
// not a schedule point in Skein, by documented design (docs/guide.md,
// "Channels are the one exception, for speed"); peer-streams.test.ts asserts
// that for trio's checkpoint assertions on channels.
import { describe, expect, inject, it } from "vitest";
import {
  BrokenResourceError,
  BufferedByteReceiveStream,
  BufferedByteStream,
  type ByteReceiveStream,
  type ByteSendStream,
  ClosedResourceError,
  ConnectError,
  type Context,
  connectTcp,
  connectUnix,
  createMemoryObjectStream,
  createTcpListener,
  createUnixListener,
  EndOfStream,
  Event,
  ExecutableNotFoundError,
  type MemoryObjectReceiveStream,
  type MemoryObjectSendStream,
  type ObjectReceiveStream,
  type ObjectSendStream,
  openProcess,
  run,
  runProcess,
  type SocketListener,
  type SocketStream,
  StapledByteStream,
  StapledObjectStream,
  TextReceiveStream,
  TextSendStream,
  TextStream,
  UnsupportedError,
} from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import { ca, server as serverCert, serverKey } from "../fixtures/tls/certs.js";
import { netIt, tlsIt } from "../helpers/net.ts";

const runtime = inject("runtime");
const noSockets = runtime === "chromium";
const hasProcesses = runtime !== "chromium";
const execPath = (globalThis as { process?: { execPath?: string } }).process?.execPath ?? "";
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);


describe("anyio tests/streams/test_memory.py", () => {
  // anyio test_memory.py::test_type_variance (a compile-time check: the suite is typechecked, so an
  // assignment the variance forbids fails `npm run typecheck`; at run time the streams work as the wider types)
  it("test_type_variance", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      // A receive stream of numbers is a receive stream of number | string (covariant).
      const receive1: MemoryObjectReceiveStream<number | string> = receive;
      const receive2: ObjectReceiveStream<number | string> = receive;
      // A send stream of number | string takes numbers (contravariant); a narrower view of it is sound.
      const [wideSend, wideReceive] = createMemoryObjectStream<number | string>(1);
      const send1: MemoryObjectSendStream<number> = wideSend;
      const send2: ObjectSendStream<number> = wideSend;
      await send.send(cx, 1);
      expect(await receive2.receive(cx)).toBe(1);
      expect(receive1).toBe(receive);
      await send2.send(cx, 2);
      expect(await wideReceive.receive(cx)).toBe(2);
      expect(send1).toBe(wideSend);
      send.close();
      receive.close();
      wideSend.close();
      wideReceive.close();
    });
  });
});

/** A test on a fresh name in Linux's abstract Unix namespace; on chromium it asserts the UnsupportedError instead. */
function abstractIt(name: string, body: (cx: Context, path: string) => Promise<void>): void {
  it(name, async () => {
    if (noSockets) {
      await run(async (cx) => {
        await expect(createUnixListener(cx, { path: "\0x" })).rejects.toThrow(new UnsupportedError("unix sockets is not supported on the browser adapter"));
      });
      return;
    }
    await run((cx) => body(cx, `\0skein-test-${Math.random().toString(36).slice(2)}`));
  }, 30_000);
}

describe("anyio test_sockets.py: Unix sockets in the abstract namespace (the [abstract] parameters)", () => {
  // anyio test_sockets.py::TestUNIXStream::test_send_receive[abstract] and TestUNIXListener::test_accept[abstract]
  abstractIt("TestUNIXStream::test_send_receive[abstract]", async (cx, path) => {
    await using listener = await createUnixListener(cx, { path });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx: Context) => {
        await using stream = await listener.accept(cx);
        await stream.send(cx, Uint8Array.from(await stream.receive(cx)).reverse());
      });
      await using client = await connectUnix(cx, path);
      await client.send(cx, text("blah"));
      expect(str(await client.receive(cx))).toBe("halb");
    });
  });

  // anyio test_sockets.py::TestUNIXStream::test_cannot_connect[abstract] (ConnectionRefusedError there: nothing to
  // find on the disk; a ConnectError carrying the runtime's ECONNREFUSED here)
  abstractIt("TestUNIXStream::test_cannot_connect[abstract]", async (cx, path) => {
    const error = await connectUnix(cx, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(((error as ConnectError).attempts[0]!.error as { code?: string }).code).toBe("ECONNREFUSED");
  });

  // anyio test_sockets.py::TestUNIXListener::test_bind_twice[abstract] (the name is free again once closed)
  abstractIt("TestUNIXListener::test_bind_twice[abstract]", async (cx, path) => {
    for (let i = 0; i < 2; i++) {
      await using _ = await createUnixListener(cx, { path });
    }
  });
});

/** A memory object stream of bytes, typed as the byte stream it acts as. */
function bytePair(size: number) {
  const [send, receive] = createMemoryObjectStream<Uint8Array>(size);
  return [send, receive as MemoryObjectReceiveStream<Uint8Array> & ByteReceiveStream] as const;
}

describe("anyio tests/streams/test_buffered.py (anyio 4.x additions)", () => {
  // anyio test_buffered.py::test_buffered_stream (sendEof closes only the sending end; close closes both)
  it("test_buffered_stream", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = bytePair(1);
      const stapled = new StapledObjectStream(sendStream, receiveStream);
      const buffered = new BufferedByteStream(stapled as StapledObjectStream<Uint8Array> & StapledByteStream);
      await sendStream.send(cx, text("abcd"));
      expect(str(await buffered.receiveExactly(cx, 2))).toBe("ab");
      expect(str(await buffered.receiveExactly(cx, 2))).toBe("cd");
      // sendEof closes only the sending end
      await buffered.sendEof(cx);
      expect(() => sendStream.sendNowait(text("abc"))).toThrow(ClosedResourceError);
      expect(() => receiveStream.receiveNowait()).toThrow(EndOfStream);
      // close closes the receive stream too
      await buffered.close();
      expect(() => receiveStream.receiveNowait()).toThrow(ClosedResourceError);
    });
  });

  // anyio test_buffered.py::TestMaxBytesValidation::test_receive_max_bytes_validation[0], [-1], [-5] and
  // ::test_receive_max_bytes_validation_with_buffer (RangeError naming maxBytes: anyio's ValueError)
  for (const withBuffer of [false, true]) {
    it(`TestMaxBytesValidation::test_receive_max_bytes_validation${withBuffer ? "_with_buffer" : ""}`, async () => {
      await run(async (cx) => {
        const [sendStream, receiveStream] = bytePair(2);
        await using buffered = new BufferedByteReceiveStream(receiveStream);
        await sendStream.send(cx, text(withBuffer ? "ablah" : "blah"));
        if (withBuffer) {
          await buffered.receiveExactly(cx, 1);
          expect(buffered.buffer.length).toBeGreaterThan(0);
        }
        for (const maxBytes of [0, -1, -5]) {
          await expect(buffered.receive(cx, maxBytes)).rejects.toThrow(RangeError);
          await expect(buffered.receive(cx, maxBytes)).rejects.toThrow(/maxBytes/);
        }
        sendStream.close();
      });
    });
  }

  // anyio test_buffered.py::TestMaxBytesValidation::test_receive_exactly_nbytes_validation[-1], [-5] (RangeError
  // naming n). [0] differs by design: receiveExactly(cx, 0) returns no bytes (a length-prefixed frame may be empty)
  it("TestMaxBytesValidation::test_receive_exactly_nbytes_validation", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = bytePair(2);
      await using buffered = new BufferedByteReceiveStream(receiveStream);
      await sendStream.send(cx, text("blah"));
      for (const n of [-1, -5]) {
        await expect(buffered.receiveExactly(cx, n)).rejects.toThrow(RangeError);
        await expect(buffered.receiveExactly(cx, n)).rejects.toThrow(/\bn\b/);
      }
      expect((await buffered.receiveExactly(cx, 0)).length).toBe(0);
      sendStream.close();
    });
  });

  // anyio test_buffered.py::TestMaxBytesValidation::test_receive_until_max_bytes_validation[0], [-1], [-5]
  it("TestMaxBytesValidation::test_receive_until_max_bytes_validation", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = bytePair(2);
      await using buffered = new BufferedByteReceiveStream(receiveStream);
      await sendStream.send(cx, text("blah\n"));
      for (const maxBytes of [0, -1, -5]) {
        await expect(buffered.receiveUntil(cx, text("\n"), maxBytes)).rejects.toThrow(RangeError);
        await expect(buffered.receiveUntil(cx, text("\n"), maxBytes)).rejects.toThrow(/maxBytes/);
      }
      sendStream.close();
    });
  });

  // anyio test_buffered.py::test_feed_data (fed bytes come out first, before what the wrapped stream holds)
  it("test_feed_data", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = bytePair(1);
      const stapled = new StapledObjectStream(sendStream, receiveStream);
      const buffered = new BufferedByteStream(stapled as StapledObjectStream<Uint8Array> & StapledByteStream);
      sendStream.sendNowait(text("abcd"));
      buffered.feedData(text("xxx"));
      buffered.feedData(text("foo"));
      expect(str(await buffered.receiveExactly(cx, 10))).toBe("xxxfooabcd");
      await buffered.close();
    });
  });
});

/** Everything a receive stream gives until EndOfStream, joined. */
async function receiveAllBytes(cx: Context, stream: ByteReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    try {
      chunks.push(await stream.receive(cx));
    } catch (error) {
      if (!(error instanceof EndOfStream)) throw error;
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return all;
    }
  }
}

describe("anyio tests/streams/test_text.py (anyio 4.x additions)", () => {
  // anyio test_text.py::test_send_finalizes_encoding_on_close (iso2022_jp there; Skein sends UTF-8 only, whose
  // encoder holds no state: the bytes of each send go out whole, close ends the stream, and closing is idempotent)
  it("test_send_finalizes_encoding_on_close", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>(3);
      const stream = new TextSendStream(send as typeof send & ByteSendStream);
      await stream.send(cx, "日本");
      await stream.send(cx, "語");
      await stream.close();
      expect(str(await receiveAllBytes(cx, receive as typeof receive & ByteReceiveStream))).toBe("日本語");
      await stream.close();
      // Awaited: a memory stream's send on a closed end throws synchronously, by its documented design.
      const error = await (async () => {
        await stream.send(cx, "closed");
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClosedResourceError);
      receive.close();
    });
  });

  // anyio test_text.py::test_close_unused_send_stream[utf-8-sig], [utf-16], [utf-32] (UTF-8 here: no BOM to flush)
  it("test_close_unused_send_stream", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
      const stream = new TextSendStream(send as typeof send & ByteSendStream);
      await stream.close();
      await expect(receive.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      await stream.close();
      receive.close();
    });
  });

  // anyio test_text.py::test_send_eof_finalizes_encoding (iso2022_jp there, UTF-8 here): sendEof reaches the
  // transport without closing it, receiving goes on, and a send after it is ClosedResourceError
  it("test_send_eof_finalizes_encoding", async () => {
    await run(async (cx) => {
      const transport = {
        chunks: [] as Uint8Array[],
        eofSent: false,
        closed: false,
        async send(_cx: Context, item: Uint8Array): Promise<void> {
          if (this.eofSent) throw new ClosedResourceError("send after sendEof");
          this.chunks.push(item);
        },
        async sendEof(_cx: Context): Promise<void> {
          this.eofSent = true;
        },
        async receive(_cx: Context): Promise<Uint8Array> {
          return text("response");
        },
        async close(): Promise<void> {
          this.closed = true;
        },
        [Symbol.asyncDispose](): Promise<void> {
          return this.close();
        },
      };
      const stream = new TextStream(transport);
      await stream.send(cx, "日本");
      await stream.send(cx, "語");
      await stream.sendEof(cx);
      expect(str(Uint8Array.from(transport.chunks.flatMap((c) => [...c])))).toBe("日本語");
      expect(transport.eofSent).toBe(true);
      expect(transport.closed).toBe(false);
      expect(await stream.receive(cx)).toBe("response");
      await expect(stream.send(cx, "closed")).rejects.toBeInstanceOf(ClosedResourceError);
      await stream.close();
      expect(transport.closed).toBe(true);
    });
  });

  // anyio test_text.py::test_send_keeps_encoding_state[utf-8-sig], [utf-16], [utf-32] (UTF-8 here: no other
  // encoding to send): through TextSendStream and TextStream, each sent text comes out whole
  it("test_send_keeps_encoding_state[utf-8]", async () => {
    await run(async (cx) => {
      for (const kind of ["TextSendStream", "TextStream"] as const) {
        const [send, receive] = createMemoryObjectStream<Uint8Array>(1);
        const transport = new StapledObjectStream(send, receive) as StapledObjectStream<Uint8Array> & StapledByteStream;
        const stream = kind === "TextSendStream" ? new TextSendStream(transport) : new TextStream(transport);
        const reader = new TextReceiveStream(receive as typeof receive & ByteReceiveStream);
        for (const item of ["first", "second", "日本語"]) {
          await stream.send(cx, item);
          expect(await reader.receive(cx)).toBe(item);
        }
        await stream.close();
      }
    });
  });
});

/** A connected [client, server] pair through `listener`, the client connecting to `host`. */
async function pairOn(cx: Context, listener: SocketListener, host: string): Promise<[SocketStream, SocketStream]> {
  let server!: SocketStream;
  const client = await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx: Context) => {
      server = await listener.accept(cx);
    });
    return connectTcp(cx, host, listener.port!);
  });
  return [client!, server];
}

describe("anyio test_sockets.py (anyio 4.x additions)", () => {
  // anyio test_sockets.py::TestTCPStream::test_receive_after_peer_closed[ipv4] and [ipv6]
  for (const host of ["127.0.0.1", "::1"]) {
    netIt(`test_receive_after_peer_closed[${host}]`, async (cx) => {
      await using listener = await createTcpListener(cx, { host });
      const [stream, server] = await pairOn(cx, listener, host);
      {
        await using _ = stream;
        await server.close();
        await expect(stream.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
      }
      await expect(stream.receive(cx, 1)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  }

  // anyio test_sockets.py::TestTCPStream::test_send_after_peer_closed[ipv4] and [ipv6] (anyio 4.x: after the
  // BrokenResourceError, a send on the stream one closed is ClosedResourceError)
  for (const host of ["127.0.0.1", "::1"]) {
    netIt(`test_send_after_peer_closed[${host}]`, async (cx) => {
      await using listener = await createTcpListener(cx, { host });
      const [stream, server] = await pairOn(cx, listener, host);
      {
        await using _ = stream;
        await server.close();
        const broke = await (async () => {
          for (let i = 0; i < 1000; i++) {
            await stream.send(cx, text("foo"));
            await cx.sleep(1);
          }
        })().catch((e: unknown) => e);
        expect(broke).toBeInstanceOf(BrokenResourceError);
      }
      await expect(stream.send(cx, text("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
    });
  }

  // anyio test_sockets.py::TestTCPListener::test_tcp_listener_same_port (Skein makes one socket per listener, so
  // anyio's listener counts do not apply: each listener has one port, the one asked for when one was)
  for (const host of [undefined, "localhost", "::", "127.0.0.1", "::1"]) {
    netIt(`test_tcp_listener_same_port[${host ?? "any"}]`, async (cx) => {
      let free: number;
      {
        await using probe = await createTcpListener(cx, host === undefined ? {} : { host });
        free = probe.port!;
        expect(free).toBeGreaterThan(0);
      }
      await using listener = await createTcpListener(cx, host === undefined ? { port: free } : { host, port: free });
      expect(listener.port).toBe(free);
    });
  }
});

/**
 * A TLS server that sends "hello", reached through a plain TCP proxy that, on
 * `cut`, closes the client's TCP connection without the server's
 * close_notify: a truncated ("ragged") TLS stream, as anyio's tests make with
 * `suppress_ragged_eofs`. Returns what the client's first receive got and
 * what its second one threw.
 */
async function raggedEnd(cx: Context, standardCompatible: boolean): Promise<{ first: string; end: unknown }> {
  await using server = await createTcpListener(cx, { host: "127.0.0.1", tls: { cert: serverCert, key: serverKey } });
  await using proxy = await createTcpListener(cx, { host: "127.0.0.1" });
  const cut = new Event();
  const done = new Event();
  let first = "";
  let end: unknown = null;
  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx: Context) => {
      await using stream = await server.accept(cx);
      await stream.send(cx, text("hello"));
      await done.wait(cx);
    });
    tg.startSoon(async (cx: Context) => {
      await using downstream = await proxy.accept(cx);
      await using upstream = await connectTcp(cx, "127.0.0.1", server.port!);
      await cx.taskGroup(async (pumps, cx) => {
        const pump = async (cx: Context, from: SocketStream, to: SocketStream) => {
          for (;;) await to.send(cx, await from.receive(cx));
        };
        pumps.startSoon((cx: Context) => pump(cx, downstream, upstream));
        pumps.startSoon((cx: Context) => pump(cx, upstream, downstream));
        await cut.wait(cx);
        pumps.cancelScope.cancel();
      });
      // A plain TCP end to the client: no close_notify ever reaches it.
      await downstream.close();
      await done.wait(cx);
    });
    await using client = await connectTcp(cx, "localhost", proxy.port!, { tls: { ca, standardCompatible } });
    first = str(await client.receive(cx));
    cut.set();
    end = await client.receive(cx).catch((e: unknown) => e);
    done.set();
  });
  return { first, end };
}

describe("anyio tests/streams/test_tls.py", () => {
  // anyio test_tls.py::TestTLSStream::test_ragged_eof_on_receive and test_ragged_eofs[neither_standard]
  // (standard_compatible=False: a TCP end without close_notify ends receive with EndOfStream, on every runtime)
  tlsIt("test_ragged_eof_on_receive", async (cx) => {
    const { first, end } = await raggedEnd(cx, false);
    expect(first).toBe("hello");
    expect(end).toBeInstanceOf(EndOfStream);
  });

  // anyio test_tls.py::TestTLSStream::test_ragged_eofs[client_standard] (standard_compatible=True, a server
  // that drops TCP without close_notify: BrokenResourceError where the runtime reports the truncation, Deno's
  // native TLS; node:tls (Node, Bun) reports it as a clean end, documented in docs/networking.md, so EndOfStream)
  tlsIt("test_ragged_eofs[client_standard]", async (cx) => {
    const { first, end } = await raggedEnd(cx, true);
    expect(first).toBe("hello");
    expect(end).toBeInstanceOf(runtime === "deno" ? BrokenResourceError : EndOfStream);
  });
});

/** This runtime's argv prefix to run a script (deno needs `run -A`). */
function runtimePrefix(): string[] {
  return runtime === "deno" ? [execPath, "run", "-A", "--no-config"] : [execPath];
}

/** The argv that runs conformance/fixtures/peer-rest-child.mjs in `mode` with this runtime. */
function child(mode: string, ...args: string[]): string[] {
  const script = decodeURIComponent(new URL("../fixtures/peer-rest-child.mjs", import.meta.url).pathname);
  return [...runtimePrefix(), script, mode, ...args];
}

/** Runs `body` where subprocesses exist; elsewhere asserts the named UnsupportedError. */
function processIt(name: string, body: (cx: Context) => Promise<void>, timeout = 30_000): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    const error = await run((cx) => runProcess(cx, ["true"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("subprocesses are not supported on the browser adapter");
  }, timeout);
}

describe("anyio test_subprocesses.py", () => {
  // anyio test_subprocesses.py::test_process_receive_invalid_max_bytes[0] and [-1] (RangeError naming maxBytes: anyio's ValueError)
  processIt("test_process_receive_invalid_max_bytes", async (cx) => {
    await using proc = await openProcess(cx, child("write-x"));
    for (const maxBytes of [0, -1]) {
      await expect(proc.stdout!.receive(cx, maxBytes)).rejects.toThrow(RangeError);
      await expect(proc.stdout!.receive(cx, maxBytes)).rejects.toThrow(/maxBytes/);
    }
    expect(await proc.wait(cx)).toBe(0);
  });

  // anyio test_subprocesses.py::test_stdin_input_both_passed (TypeError naming both: anyio's ValueError "only one of")
  processIt("test_stdin_input_both_passed", async (cx) => {
    await expect(runProcess(cx, child("noop"), { input: text("abc"), stdin: "inherit" })).rejects.toThrow(
      new TypeError("options.stdin cannot be given with options.input"),
    );
  });

  // anyio test_subprocesses.py::test_exceptions_after_subprocess_closes_standard_streams
  processIt("test_exceptions_after_subprocess_closes_standard_streams", async (cx) => {
    const proc = await openProcess(cx, child("noop"));
    {
      await using _ = proc;
      await proc.wait(cx);
      // The child's end of stdin is closed: a send breaks, at once or within a few (anyio allows three).
      const broke = await (async () => {
        for (let i = 0; i < 3; i++) await proc.stdin!.send(cx, text("foo"));
      })().catch((e: unknown) => e);
      expect(broke).toBeInstanceOf(BrokenResourceError);
      await expect(proc.stdin!.send(cx, text("foo"))).rejects.toBeInstanceOf(BrokenResourceError);
      await expect(proc.stdout!.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
      await expect(proc.stderr!.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
    }
    await expect(proc.stdin!.send(cx, text("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stdout!.receive(cx, 1)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stderr!.receive(cx, 1)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // anyio test_subprocesses.py::test_close_early (anyio #490: closing a process whose output nobody read)
  processIt("test_close_early", async (cx) => {
    await using _ = await openProcess(cx, child("write-ranges"));
  });

  // anyio test_subprocesses.py::test_close_while_reading
  processIt("test_close_while_reading", async (cx) => {
    await using proc = await openProcess(cx, child("sleep-3s"));
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx: Context) => {
        await waitAllTasksBlocked(cx);
        await proc.stdout!.close();
      });
      await expect(proc.stdout!.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
      proc.terminate();
    });
  });

  // anyio test_subprocesses.py::test_wait_returns_on_process_exit_with_open_stdout (a grandchild keeps the
  // child's stdout and stderr open after the child exited: wait still returns)
  processIt("test_wait_returns_on_process_exit_with_open_stdout", async (cx) => {
    const proc = await openProcess(cx, child("spawn-grandchild", ...child("wait-stdin")));
    // Closing stdin unblocks the grandchild, but only after the wait returned.
    expect(await proc.wait(cx)).toBe(0);
    await proc.stdin!.close();
    // The grandchild held the pipes: it says "bye" on stdout once its stdin ended, then the pipes end.
    const outputs: string[] = [];
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let output = "";
      for (;;) {
        const chunk = await stream.receive(cx).catch((e: unknown) => e);
        if (chunk instanceof EndOfStream) break;
        output += str(chunk as Uint8Array);
      }
      outputs.push(output);
    }
    expect(outputs).toEqual(["bye", ""]);
    await proc[Symbol.asyncDispose]();
  });

  // anyio test_subprocesses.py::test_close_with_stdout_blocked_subprocess (anyio #1166: closing a process blocked
  // writing to a full stdout pipe does not deadlock; Skein's close stops it, so it returns)
  processIt("test_close_with_stdout_blocked_subprocess", async (cx) => {
    const proc = await openProcess(cx, child("write-1mb"));
    await proc[Symbol.asyncDispose]();
    expect(proc.returnCode === null ? proc.signal : proc.returnCode).not.toBe(null);
  });

  // anyio test_subprocesses.py::test_returncode_polls_after_exit (returnCode is set once the process exits, with no wait)
  processIt("test_returncode_polls_after_exit", async (cx) => {
    await using proc = await openProcess(cx, child("noop"));
    while (proc.returnCode === null) await cx.sleep(10);
    expect(proc.returnCode).toBe(0);
  });

  // anyio test_subprocesses.py::test_signal_already_exited_process (no-ops, no error)
  processIt("test_signal_already_exited_process", async (cx) => {
    await using proc = await openProcess(cx, child("noop"));
    await proc.wait(cx);
    proc.terminate();
    proc.kill();
    proc.sendSignal("SIGTERM");
    expect(proc.returnCode).toBe(0);
  });

  // anyio test_subprocesses.py::test_open_process_nonexistent_executable (ExecutableNotFoundError naming it: anyio's
  // FileNotFoundError); the run then ends cleanly, nothing left open
  processIt("test_open_process_nonexistent_executable", async (cx) => {
    const missing = `${runtimePrefix()[0]!.replace(/[^/]*$/, "")}nonexistent-skein-test-executable`;
    const error = await openProcess(cx, [missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutableNotFoundError);
    expect((error as ExecutableNotFoundError).executable).toBe(missing);
  });

  // anyio test_subprocesses.py::test_receive_smaller_than_chunk
  processIt("test_receive_smaller_than_chunk", async (cx) => {
    await using proc = await openProcess(cx, child("hello-then-read"));
    let data = "";
    while (data.length < 5) {
      const chunk = await proc.stdout!.receive(cx, 1);
      expect(chunk.length).toBe(1);
      data += str(chunk);
    }
    expect(data).toBe("hello");
    await proc.stdin!.close();
    expect(await proc.wait(cx)).toBe(0);
  });

  // anyio test_subprocesses.py::test_send_backpressure (1 MiB to a child not reading yet: the send waits, then completes)
  processIt("test_send_backpressure", async (cx) => {
    await using proc = await openProcess(cx, child("sleep-then-read"));
    await proc.stdin!.send(cx, new Uint8Array(1024 * 1024).fill(0x78));
    await proc.stdin!.close();
    expect(await proc.wait(cx)).toBe(0);
  });
});
