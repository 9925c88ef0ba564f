/**
 * Networking through `node:net` sockets and servers and `node:dns` lookups
 * (`all: true`, the resolver's own order), for {@link NetSupport}: the Node
 * adapter's networking, and the Deno adapter's for what `Deno.connect`
 * cannot do (binding a local address before connecting), through Deno's
 * Node compatibility.
 *
 * Reading: the socket flows, but is paused as soon as 256 KiB wait unread
 * (and resumed once a read takes them below 64 KiB: the gap spares a slow
 * reader a pause and a resume per chunk); a paused socket stops reading
 * from the OS once Node's own buffer is full, so a reader that stops
 * reading bounds the memory (backpressure). Sockets are
 * made with `allowHalfOpen`, so a peer's end of stream does not end our
 * sending side. `write` resolves once Node has handed the bytes to the OS:
 * at once when it wrote them synchronously, else from the write's callback
 * (resolving whenever Node's buffer is below its mark, as `drain` would,
 * let `close` drop bytes a send had reported accepted). Errors are Node's
 * own.
 *
 * `readTo`/`writeTo` are the callback forms the stream halves use (no
 * promise: the `data` event hands the chunk to the parked receiver's
 * `readDone`); `read`/`write` wrap them in a promise.
 *
 * Costs: per read, at most one chunk split (a view, no copy); per socket, a
 * handful of listeners; per `read`/`write` call (not `readTo`/`writeTo`), a
 * promise and its target.
 *
 * @module
 */

import { connect, createServer, type NetConnectOpts, type Server, type Socket } from "node:net";
import process from "node:process";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawReadTarget, RawWriteTarget } from "../../src/streams/raw-half.ts";
import { nodeLookup } from "./node-lookup.ts";
import type {
  NetSupport,
  RawListener,
  RawSocket,
  RawTcpConnectOptions,
  RawTcpListenOptions,
  SocketAddress,
} from "../../src/net/net-support.ts";

function family(value: string | number | undefined, host: string): 4 | 6 {
  if (value === "IPv6" || value === 6) return 6;
  if (value === "IPv4" || value === 4) return 4;
  return host.includes(":") ? 6 : 4;
}

/** The abort's reason, for rejections. @internal */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

/**
 * How many unread bytes make a socket pause (on top of Node's own buffer and
 * the OS's): four 64 KiB reads, so a reader slower than the socket pauses
 * and resumes it once per four chunks, not once per chunk (each pause and
 * resume costs Node a stop and a restart of reading: two system calls, one
 * wasted read, and its buffering).
 */
const QUEUE_LIMIT = 262144;
/** A paused socket resumes once a read takes the unread bytes below this (one 64 KiB read). */
const RESUME_BELOW = 65536;

/** A `node:net` socket (or a `node:tls` one: a subclass) as a {@link RawSocket}. @internal */
export class NodeRawSocket implements RawSocket {
  readonly localAddress: SocketAddress;
  readonly remoteAddress: SocketAddress;
  private readonly socket: Socket;
  /** Bytes Node delivered that no read took yet (views of its buffers, oldest first). */
  private queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private closed = false;
  private error: unknown = undefined;
  /** Who hears the read in flight, and its size. */
  private reader: RawReadTarget | null = null;
  private readerMax = 0;
  /** Who hears the write in flight, and its number. */
  private writer: RawWriteTarget | null = null;
  private writerSeq = 0;
  /** Writes started and writes whose callback ran: the writer's write is done once `writesDone` reaches its `seq`. */
  private writesStarted = 0;
  private writesDone = 0;
  private readonly onWrittenEvent = (error?: Error | null): void => {
    this.writesDone++;
    if (error) this.error ??= error;
    const writer = this.writer;
    if (writer !== null && (error || this.writesDone >= this.writerSeq)) this.settleWriter();
  };
  private readonly onDataEvent = (buffer: Buffer): void => this.onData(buffer);
  private readonly onEndEvent = (): void => {
    this.ended = true;
    this.settleReader();
  };
  private readonly onErrorEvent = (error: Error): void => {
    this.error ??= error;
    this.settleReader();
    this.settleWriter();
  };
  private readonly onCloseEvent = (): void => {
    this.closed = true;
    this.settleReader();
    this.settleWriter();
  };

  /**
   * `unix`: [local path, remote path] for a Unix socket (the OS leaves the
   * connecting side unnamed); `addresses`: [local, remote] to report instead
   * of the socket's own (a TLS socket over a TCP one).
   */
  constructor(socket: Socket, unix?: [string, string], addresses?: readonly [SocketAddress, SocketAddress]) {
    this.socket = socket;
    if (addresses !== undefined) {
      this.localAddress = addresses[0];
      this.remoteAddress = addresses[1];
    } else if (unix !== undefined) {
      this.localAddress = { family: "unix", path: unix[0] };
      this.remoteAddress = { family: "unix", path: unix[1] };
    } else {
      const lh = socket.localAddress ?? "";
      const rh = socket.remoteAddress ?? "";
      this.localAddress = { family: family(socket.localFamily, lh), host: lh, port: socket.localPort ?? 0 };
      this.remoteAddress = { family: family(socket.remoteFamily, rh), host: rh, port: socket.remotePort ?? 0 };
    }
    // Flowing mode, paused whenever QUEUE_LIMIT bytes wait unread (resumed
    // below RESUME_BELOW): the 'data' path is synchronous (no 'readable'
    // round trip per chunk), and a paused socket stops reading from the OS
    // once Node's own buffer is full.
    socket.on("data", this.onDataEvent);
    socket.on("end", this.onEndEvent);
    socket.on("error", this.onErrorEvent);
    socket.on("close", this.onCloseEvent);
  }

  /**
   * Hands the Node socket over (to `node:tls`, for a handshake over it):
   * this object lets go of it (its listeners removed, the bytes it held
   * unread put back into the socket) and acts as closed from then on. Null
   * if the socket is closed, ended, failed, or a read or write is in flight.
   * @internal
   */
  detach(): Socket | null {
    if (this.closed || this.ended || this.error !== undefined || this.reader !== null || this.writer !== null) return null;
    const socket = this.socket;
    socket.off("data", this.onDataEvent);
    socket.off("end", this.onEndEvent);
    socket.off("error", this.onErrorEvent);
    socket.off("close", this.onCloseEvent);
    socket.pause();
    for (let i = this.queue.length - 1; i >= 0; i--) socket.unshift(this.queue[i]!);
    this.queue = [];
    this.queued = 0;
    this.closed = true;
    return socket;
  }

  read(maxBytes: number): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => this.readTo(maxBytes, new PromiseTarget(resolve, reject)));
  }

  readTo(maxBytes: number, target: RawReadTarget): void {
    const chunk = this.take(maxBytes);
    if (chunk !== null) return target.readDone(chunk);
    if (this.error !== undefined) return target.readFailed(this.error);
    if (this.ended || this.closed) return target.readDone(null);
    this.readerMax = maxBytes;
    this.reader = target;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed) return Promise.reject(new Error("the socket is closed"));
    return new Promise((resolve, reject) => {
      if (this.writeTo(bytes, new PromiseTarget(resolve, reject))) resolve();
    });
  }

  writeTo(bytes: Uint8Array, target: RawWriteTarget): boolean {
    if (this.error !== undefined) {
      target.writeFailed(this.error);
      return false;
    }
    if (this.closed) {
      target.writeFailed(new Error("the socket is closed"));
      return false;
    }
    // Done once the bytes are with the OS, so a `close` (destroy) right
    // after cannot drop them from Node's buffer: at once if Node wrote them
    // synchronously (nothing left buffered), else when the write's callback
    // runs. One callback for every write (callbacks run in write order, so
    // counting them says which write finished), no closure per write.
    const seq = ++this.writesStarted;
    this.socket.write(bytes, this.onWrittenEvent);
    if (this.socket.writableLength === 0 && this.error === undefined) return true;
    this.writerSeq = seq;
    this.writer = target;
    if (this.writesDone >= seq) this.settleWriter(); // its callback already ran
    return false;
  }

  shutdown(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.end(() => (this.error !== undefined ? reject(this.error) : resolve()));
      // end's callback runs on 'finish', or with an error; a socket destroyed meanwhile settles on 'close'.
      this.socket.once("close", () => resolve());
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.socket.destroy();
    this.settleReader();
    this.settleWriter();
  }

  /** Up to `max` queued bytes, or null if none are queued. */
  private take(max: number): Uint8Array | null {
    if (this.queued === 0) return null;
    const first = this.queue[0]!;
    let chunk: Uint8Array;
    if (first.length > max) {
      chunk = first.subarray(0, max);
      this.queue[0] = first.subarray(max);
    } else {
      chunk = first;
      this.queue.shift();
    }
    this.queued -= chunk.length;
    if (this.queued < RESUME_BELOW && this.socket.isPaused() && !this.closed) this.socket.resume();
    return chunk;
  }

  private onData(buffer: Buffer): void {
    if (this.closed || buffer.length === 0) return;
    this.queue.push(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    this.queued += buffer.length;
    if (this.queued >= QUEUE_LIMIT) this.socket.pause();
    if (this.reader !== null) this.settleReader();
  }

  private settleReader(): void {
    const reader = this.reader;
    if (reader === null) return;
    const chunk = this.take(this.readerMax);
    if (chunk !== null) {
      this.reader = null;
      reader.readDone(chunk);
    } else if (this.error !== undefined) {
      this.reader = null;
      reader.readFailed(this.error);
    } else if (this.ended || this.closed) {
      this.reader = null;
      reader.readDone(null);
    }
  }

  private settleWriter(): void {
    const writer = this.writer;
    if (writer === null) return;
    this.writer = null;
    if (this.error !== undefined) writer.writeFailed(this.error);
    else if (this.closed) writer.writeFailed(new Error("the socket is closed"));
    else writer.writeDone();
  }
}

/** The callback target of a `read` or `write` called in promise form: settles its promise (also used by the Bun adapter). @internal */
export class PromiseTarget implements RawReadTarget, RawWriteTarget {
  readonly readDone: (chunk: Uint8Array | null) => void;
  readonly writeDone: () => void;
  readonly readFailed: (error: unknown) => void;
  readonly writeFailed: (error: unknown) => void;

  constructor(resolve: (value: never) => void, reject: (error: unknown) => void) {
    this.readDone = this.writeDone = resolve as () => void;
    this.readFailed = this.writeFailed = reject;
  }
}

/** A `node:net` server (or a `node:tls` one, whose sockets come from `secureConnection`) as a {@link RawListener}. @internal */
export class NodeRawListener implements RawListener {
  readonly address: SocketAddress;
  private readonly server: Server;
  private readonly queue: RawSocket[] = [];
  private closed = false;
  private error: unknown = undefined;
  private waiting: { resolve: (socket: RawSocket | null) => void; reject: (error: unknown) => void } | null = null;

  constructor(
    server: Server,
    private readonly unixPath?: string,
    event: "connection" | "secureConnection" = "connection",
  ) {
    this.server = server;
    const a = server.address();
    if (unixPath !== undefined || typeof a === "string" || a === null) this.address = { family: "unix", path: unixPath ?? String(a) };
    else this.address = { family: family(a.family, a.address), host: a.address, port: a.port };
    server.on(event, (socket: Socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      // Wrapped at once, so a queued connection has its error listener (a reset before accept is no crash).
      const raw = this.wrap(socket);
      const waiting = this.waiting;
      if (waiting !== null) {
        this.waiting = null;
        waiting.resolve(raw);
      } else this.queue.push(raw);
    });
    // An accept failure (EMFILE, say) goes to the next accept.
    server.on("error", (error) => {
      const waiting = this.waiting;
      if (waiting !== null) {
        this.waiting = null;
        waiting.reject(error);
      } else this.error ??= error;
    });
  }

  accept(): Promise<RawSocket | null> {
    const raw = this.queue.shift();
    if (raw !== undefined) return Promise.resolve(raw);
    if (this.closed) return Promise.resolve(null);
    const error = this.error;
    if (error !== undefined) {
      this.error = undefined;
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const raw of this.queue.splice(0)) raw.close();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(null);
  }

  /** Wraps an accepted socket (a TLS listener wraps its own kind). */
  protected wrap(socket: Socket): RawSocket {
    return new NodeRawSocket(socket, this.unixPath === undefined ? undefined : [this.unixPath, ""]);
  }
}

function connectSocket(options: NetConnectOpts, signal: AbortSignal, unix?: [string, string]): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const socket = connect(options);
    const onAbort = () => {
      socket.destroy();
      reject(abortError(signal));
    };
    const onError = (error: Error) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("connect", () => {
      signal.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      resolve(new NodeRawSocket(socket, unix));
    });
  });
}

/** Starts `server` listening; resolves with `make(server)` once it listens. @internal */
export function listen(
  server: Server,
  options: Parameters<Server["listen"]>[0],
  unixPath?: string,
  make: (server: Server) => RawListener = (server) => new NodeRawListener(server, unixPath),
): Promise<RawListener> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.close();
      reject(error);
    };
    server.once("error", onError);
    server.listen(options, () => {
      server.off("error", onError);
      resolve(make(server));
    });
  });
}

/** `server.listen({ reusePort })` exists from Node 22.12 (and 23.1); older versions ignore it silently. */
function hasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/** Starts a TCP server (`node:net` or `node:tls`) listening as `options` say. @internal */
export function listenTcpWith(server: Server, options: RawTcpListenOptions, make?: (server: Server) => RawListener): Promise<RawListener> {
  if (options.reusePort === true && !hasReusePort()) {
    server.close();
    return Promise.reject(new UnsupportedError(`tcp reusePort is not supported on the node adapter before Node 22.12 (this is ${process.version})`));
  }
  return listen(
    server,
    {
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.backlog === undefined ? {} : { backlog: options.backlog }),
      ...(options.reusePort === undefined ? {} : { reusePort: options.reusePort }),
    },
    undefined,
    make,
  );
}

/** `node:net` and `node:dns` for {@link NetSupport}. @internal */
export const nodeStyleNet: NetSupport = {
  lookup: nodeLookup,

  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket> {
    return connectSocket(
      {
        host: options.host,
        port: options.port,
        noDelay: options.noDelay,
        allowHalfOpen: true,
        ...(options.localHost === undefined ? {} : { localAddress: options.localHost }),
      },
      signal,
    );
  },

  listenTcp(options: RawTcpListenOptions): Promise<RawListener> {
    return listenTcpWith(createServer({ allowHalfOpen: true, noDelay: true }), options);
  },

  connectUnix(path: string, signal: AbortSignal): Promise<RawSocket> {
    return connectSocket({ path, allowHalfOpen: true }, signal, ["", path]);
  },

  listenUnix(path: string, backlog?: number): Promise<RawListener> {
    const server = createServer({ allowHalfOpen: true });
    return listen(server, { path, ...(backlog === undefined ? {} : { backlog }) }, path);
  },
};
