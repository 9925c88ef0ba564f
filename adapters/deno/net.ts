/**
 * Networking on Deno: the native, stable `Deno.connect` / `Deno.listen`
 * (TCP and Unix), and `node:dns`'s `lookup` for names (`Deno.resolveDns`
 * queries DNS servers directly and skips the hosts file, so it is not
 * `getaddrinfo`; loaded on the first lookup), for {@link NetSupport}.
 *
 * A `Deno.Conn` is pull-based by nature: `read` is one `conn.read(buffer)`,
 * so nothing is read from the OS while no read is in flight (backpressure is
 * the kernel's socket buffer). `write` loops `conn.write` until every byte
 * is taken. `Deno.connect` takes no signal: an aborted attempt rejects at
 * once and closes the connection if it completes later. Binding a local
 * address before connecting (`localHost`) has no native API: such a
 * connection goes through Deno's `node:net` (`adapters/shared/node-net.ts`,
 * loaded on first use). `reusePort` is unstable in Deno (without
 * `--unstable-net` Deno ends the process): it raises `UnsupportedError`.
 * `Deno.listen` takes no backlog:
 * the option is ignored (the runtime default is used).
 *
 * Reads ask the runtime for 64 KiB at first, and for 256 KiB once a read
 * filled its buffer (or `maxBytes` if more), and keep what exceeds
 * `maxBytes` for the next reads, which then return a microtask later:
 * fewer reads, each a promise round trip through the runtime, for a bulk
 * transfer, and no 256 KiB buffer for a connection of small messages. This
 * buffers at most one read's worth (256 KiB) beyond the kernel's socket
 * buffer, and only while the caller keeps reading (nothing is read from the
 * OS while no read is in flight).
 *
 * The stream halves use the callback forms, `readTo` and `writeTo`: one
 * `conn.read` / `conn.write` settled through two handlers made once per
 * socket, calling the receiver or sender directly (no async frame, no
 * closure, no extra promise per call). Deno completes a read or write at
 * once when the kernel can (its promise is already settled), yet a
 * `conn.write`'s bytes are only known to be taken when its promise settles,
 * so `writeTo` always answers later (returns false).
 *
 * Costs: a read that fills at least a quarter of its buffer allocates that
 * buffer and copies nothing (the caller gets views of it); a shorter read
 * copies its bytes out of a buffer kept for the next read. `readInto` (for
 * `receiveInto`) is `conn.read` itself into the receiver's reused buffer:
 * no allocation, no copy, no frame of its own. Per socket: four handlers.
 *
 * @module
 */

import { UnsupportedError } from "../../src/core/errors.ts";
import { nodeLookup } from "../shared/node-lookup.ts";
import type { RawReadTarget, RawWriteTarget } from "../../src/streams/raw-half.ts";
import type {
  NetSupport,
  RawListener,
  RawSocket,
  RawTcpConnectOptions,
  RawTcpListenOptions,
  SocketAddress,
} from "../../src/net/net-support.ts";

// The few `Deno` APIs used here, typed locally: the root type-check program
// (Node and DOM types, for the d.ts build) has no `Deno` namespace, while
// `deno check` checks this file against Deno's own (structurally compatible).
type DenoAddr =
  | { transport: "tcp" | "udp"; hostname: string; port: number }
  | { transport: "unix" | "unixpacket"; path: string | null }
  | { transport: string };
/** @internal */
export interface DenoConn {
  readonly localAddr: DenoAddr;
  readonly remoteAddr: DenoAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}
/** @internal */
export interface DenoListener {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
interface DenoNetApi {
  connect(options: { hostname: string; port: number; transport: "tcp" } | { transport: "unix"; path: string }): Promise<DenoConn>;
  listen(options: { hostname: string; port: number; transport: "tcp" } | { transport: "unix"; path: string }): DenoListener;
}
const Deno = (globalThis as unknown as { Deno: DenoNetApi }).Deno;

/** How many bytes one read asks the runtime for at most, once reads fill their buffers: 256 KiB. */
const READ_AHEAD = 262144;
/** How many bytes the first read asks the runtime for (unless asked for more): 64 KiB. */
const READ_START = 65536;

/** @internal */
export function addressOf(addr: DenoAddr, unixPath?: string): SocketAddress {
  if ("path" in addr) return { family: "unix", path: addr.path ?? unixPath ?? "" };
  if ("hostname" in addr) return { family: addr.hostname.includes(":") ? 6 : 4, host: addr.hostname, port: addr.port };
  return { family: "unix", path: unixPath ?? "" };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

/** A native `Deno.Conn` as a {@link RawSocket}. @internal */
export class DenoRawSocket implements RawSocket {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  /**
   * Reads and writes may settle without a macrotask passing (a `conn.read`
   * or `conn.write` the kernel can serve completes at once): the stream's
   * receive and send take their schedule point before they park
   * (`RawByteSource.eager`, `RawByteSink.eager`).
   */
  readonly eager = true;
  private closed = false;

  constructor(
    /** @internal The native connection (`adapters/deno/tls.ts` upgrades it). */
    readonly conn: DenoConn,
    unix?: [string, string],
  ) {
    this.localAddress = addressOf(conn.localAddr, unix?.[0]);
    this.remoteAddress = addressOf(conn.remoteAddr, unix?.[1]);
  }

  /**
   * The buffer the next read fills (null: make a fresh one). Reads ask the
   * runtime for up to {@link READ_AHEAD} bytes at once, straight into it:
   * a bulk transfer takes a quarter of the reads (and promise round trips)
   * it would take at 64 KiB each. A read that fills a quarter of the buffer
   * or more hands the buffer over (the caller gets views of it, no copy)
   * and the next read makes a fresh one; a shorter read is copied out and
   * the buffer kept, so small messages cost one small copy each and no
   * allocation. A returned chunk thus keeps at most four times its size
   * alive.
   */
  private scratch: Uint8Array | null = null;
  /**
   * The least size of a fresh scratch: 64 KiB at first (a connection of
   * small messages never makes a bigger one), four times the size of a read
   * that filled its buffer after that, up to {@link READ_AHEAD}, so a bulk
   * transfer reaches 256 KiB reads by its second read.
   */
  private readSize = READ_START;
  /** Bytes read ahead that no read returned yet (the tail of the last handed-over buffer). */
  private ahead: Uint8Array | null = null;
  /** Who hears the `readTo` in flight, and its `maxBytes`. */
  private readTarget: RawReadTarget | null = null;
  private readMax = 0;
  /** Who hears the `writeTo` in flight, its bytes, and how many of them are written. */
  private writeTarget: RawWriteTarget | null = null;
  private writing: Uint8Array | null = null;
  private written = 0;

  /**
   * Bytes read from the connection that no `read` returned yet (the TLS
   * upgrade refuses to take the connection over while there are any).
   * @internal
   */
  get readAhead(): number {
    return this.ahead === null ? 0 : this.ahead.length;
  }

  read(maxBytes: number): Promise<Uint8Array | null> {
    return this.ahead === null ? this.readConn(maxBytes) : Promise.resolve(this.fromAhead(maxBytes));
  }

  /** Up to `maxBytes` of the bytes read ahead (there must be some). */
  private fromAhead(maxBytes: number): Uint8Array {
    const ahead = this.ahead!;
    if (ahead.length <= maxBytes) {
      this.ahead = null;
      return ahead;
    }
    this.ahead = ahead.subarray(maxBytes);
    return ahead.subarray(0, maxBytes);
  }

  /**
   * The callback form of {@link DenoRawSocket.read}: one `conn.read` whose
   * settlement calls `target` through two handlers made once per socket
   * (no async frame, no closure per read). Bytes read ahead go to `target`
   * a microtask later, as the promise form gives them (and as a `conn.read`
   * that the runtime completes at once does): not at once, which would make
   * the receiver take a checkpoint, a macrotask, for each of them.
   */
  readTo(maxBytes: number, target: RawReadTarget): void {
    if (this.ahead === null && this.closed) return target.readDone(null);
    this.readTarget = target;
    this.readMax = maxBytes;
    if (this.ahead !== null) queueMicrotask(this.onAhead);
    else this.conn.read(this.readBuffer(maxBytes)).then(this.onRead, this.onReadError);
  }

  /** A `readTo` served from the bytes read ahead (none left if closed since). */
  private readonly onAhead = (): void => {
    const target = this.readTarget!;
    this.readTarget = null;
    target.readDone(this.ahead === null ? null : this.fromAhead(this.readMax));
  };

  /** `conn.read` of a `readTo` settled with `n`. */
  private readonly onRead = (n: number | null): void => {
    const target = this.readTarget!;
    this.readTarget = null;
    target.readDone(n === null || this.closed ? null : this.took(n, this.readMax));
  };

  /** `conn.read` of a `readTo` failed. */
  private readonly onReadError = (error: unknown): void => {
    const target = this.readTarget!;
    this.readTarget = null;
    if (this.endsStream(error)) target.readDone(null);
    else target.readFailed(error);
  };

  /**
   * Whether a read's `error` means end of stream (the TLS socket's lenient
   * mode says so of a close without `close_notify`).
   */
  protected endsStream(_error: unknown): boolean {
    return false;
  }

  /**
   * Reads straight into `buffer` (the receiver's reused scratch, for
   * `receiveInto`): `conn.read` itself, no allocation, no copy, no frame of
   * its own; or copies from the bytes a `read` left ahead.
   */
  readInto(buffer: Uint8Array): Promise<number | null> {
    const ahead = this.ahead;
    if (ahead === null) return this.closed ? Promise.resolve(null) : this.conn.read(buffer);
    if (ahead.length <= buffer.length) {
      this.ahead = null;
      buffer.set(ahead);
      return Promise.resolve(ahead.length);
    }
    buffer.set(ahead.subarray(0, buffer.length));
    this.ahead = ahead.subarray(buffer.length);
    return Promise.resolve(buffer.length);
  }

  /**
   * The buffer the next read fills: the kept scratch, or a fresh one of
   * `maxBytes` or {@link DenoRawSocket.readSize} bytes, whichever is more.
   */
  private readBuffer(maxBytes: number): Uint8Array {
    const buffer = this.scratch;
    if (buffer !== null && buffer.length >= maxBytes) return buffer;
    const size = this.readSize;
    return (this.scratch = new Uint8Array(maxBytes > size ? maxBytes : size));
  }

  /**
   * The bytes of a read that put `n` bytes into the scratch: handed over
   * (views, no copy) when it filled a quarter of it or more, else copied out;
   * beyond `maxBytes`, kept ahead for the next reads.
   */
  private took(n: number, maxBytes: number): Uint8Array {
    const buffer = this.scratch!;
    let bytes: Uint8Array;
    if (n * 4 < buffer.length) bytes = buffer.slice(0, n);
    else {
      // A full read: the next fresh buffer is larger, up to READ_AHEAD.
      if (n === buffer.length && n < READ_AHEAD) this.readSize = n * 4 < READ_AHEAD ? n * 4 : READ_AHEAD;
      this.scratch = null;
      bytes = n === buffer.length ? buffer : buffer.subarray(0, n);
    }
    if (n <= maxBytes) return bytes;
    this.ahead = bytes.subarray(maxBytes);
    return bytes.subarray(0, maxBytes);
  }

  private async readConn(maxBytes: number): Promise<Uint8Array | null> {
    if (this.closed) return null;
    const n = await this.conn.read(this.readBuffer(maxBytes));
    if (n === null || this.closed) return null;
    return this.took(n, maxBytes);
  }

  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.conn.write(at === 0 ? bytes : bytes.subarray(at));
  }

  /**
   * The callback form of {@link DenoRawSocket.write}: `conn.write` until
   * every byte is taken, through two handlers made once per socket, then
   * `target.writeDone()`. Never done at once (a `conn.write` settles
   * later), so it returns false.
   */
  writeTo(bytes: Uint8Array, target: RawWriteTarget): boolean {
    this.writeTarget = target;
    this.writing = bytes;
    this.written = 0;
    this.conn.write(bytes).then(this.onWrite, this.onWriteError);
    return false;
  }

  /** `conn.write` of a `writeTo` took `n` bytes: write the rest, or tell the target. */
  private readonly onWrite = (n: number): void => {
    const bytes = this.writing!;
    const at = (this.written += n);
    if (at < bytes.length) {
      this.conn.write(bytes.subarray(at)).then(this.onWrite, this.onWriteError);
      return;
    }
    const target = this.writeTarget!;
    this.writeTarget = this.writing = null;
    target.writeDone();
  };

  /** `conn.write` of a `writeTo` failed. */
  private readonly onWriteError = (error: unknown): void => {
    const target = this.writeTarget!;
    this.writeTarget = this.writing = null;
    target.writeFailed(error);
  };

  async shutdown(): Promise<void> {
    if (!this.closed) await this.conn.closeWrite();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ahead = null;
    try {
      this.conn.close();
    } catch {
      // already closed by the runtime
    }
  }
}

class DenoRawListener implements RawListener {
  readonly address: SocketAddress;
  private closed = false;
  /** The native accept in flight: Deno frees the address only once it settled after a close. */
  private accepting: Promise<DenoConn> | null = null;

  constructor(
    private readonly listener: DenoListener,
    private readonly unixPath?: string,
  ) {
    this.address = addressOf(listener.addr, unixPath);
  }

  async accept(): Promise<RawSocket | null> {
    if (this.closed) return null;
    let conn: DenoConn;
    const accepting = this.listener.accept();
    this.accepting = accepting;
    try {
      conn = await accepting;
    } catch (error) {
      if (this.closed) return null;
      throw error;
    } finally {
      this.accepting = null;
    }
    if (this.closed) {
      conn.close();
      return null;
    }
    if (this.unixPath !== undefined) return new DenoRawSocket(conn, [this.unixPath, ""]);
    conn.setNoDelay?.(true);
    return new DenoRawSocket(conn);
  }

  /**
   * Closes the listener. With a native accept in flight, Deno keeps the
   * socket (and so the port or path) until that accept settles, a turn of
   * the event loop later (checked on Deno 2.9.6: binding again at once is
   * EADDRINUSE, connecting is ECONNRESET): the promise returned resolves then.
   */
  close(): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    try {
      this.listener.close();
    } catch {
      // already closed
    }
    return this.accepting?.then(
      () => {},
      () => {},
    );
  }
}

function connectWith(connecting: Promise<DenoConn>, signal: AbortSignal, wrap: (conn: DenoConn) => RawSocket): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      connecting.then((conn) => conn.close(), () => {});
      reject(abortError(signal));
      return;
    }
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    connecting.then(
      (conn) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) conn.close();
        else resolve(wrap(conn));
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** `Deno.connect`, `Deno.listen` and `node:dns` for {@link NetSupport}. @internal */
export const denoNet: NetSupport = {
  lookup: nodeLookup,

  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket> {
    if (options.localHost !== undefined) {
      // Deno.connect cannot bind first; Deno's node:net can (loaded only for this).
      return import("../shared/node-net.ts").then((m) => m.nodeStyleNet.connectTcp(options, signal));
    }
    const connecting = Deno.connect({ hostname: options.host, port: options.port, transport: "tcp" });
    return connectWith(connecting, signal, (conn) => {
      conn.setNoDelay?.(options.noDelay);
      return new DenoRawSocket(conn);
    });
  },

  listenTcp(options: RawTcpListenOptions): Promise<RawListener> {
    if (options.reusePort === true) {
      // Deno.listen's reusePort is unstable: without --unstable-net, Deno ends the process.
      return Promise.reject(new UnsupportedError("tcp reusePort is not supported on the deno adapter (Deno.listen's reusePort is unstable)"));
    }
    const listen = (hostname: string) => Deno.listen({ hostname, port: options.port, transport: "tcp" });
    try {
      if (options.host !== undefined) return Promise.resolve(new DenoRawListener(listen(options.host)));
      // Every interface: dual stack ("::" also takes IPv4 on Linux and macOS), or IPv4 alone without IPv6.
      let listener: DenoListener;
      try {
        listener = listen("::");
      } catch {
        listener = listen("0.0.0.0");
      }
      return Promise.resolve(new DenoRawListener(listener));
    } catch (error) {
      return Promise.reject(error);
    }
  },

  connectUnix(path: string, signal: AbortSignal): Promise<RawSocket> {
    let connecting: Promise<DenoConn>;
    try {
      connecting = Deno.connect({ transport: "unix", path });
    } catch (error) {
      return Promise.reject(error);
    }
    return connectWith(connecting, signal, (conn) => new DenoRawSocket(conn, ["", path]));
  },

  listenUnix(path: string): Promise<RawListener> {
    try {
      return Promise.resolve(new DenoRawListener(Deno.listen({ transport: "unix", path }), path));
    } catch (error) {
      return Promise.reject(error);
    }
  },
};
