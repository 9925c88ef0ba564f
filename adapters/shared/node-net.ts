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
 * reading bounds the memory (backpressure). On Node itself
 * ({@link nodeOwnNet}) the sockets Skein connects read instead through
 * Node's `onread` option into reused slots ({@link NodeOnreadSocket}), with
 * the same bound. Sockets are
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
  protected readonly socket: Socket;
  /** Bytes Node delivered that no read took yet (views of its buffers, oldest first). */
  private queue: Uint8Array[] = [];
  private queued = 0;
  protected ended = false;
  protected closed = false;
  protected error: unknown = undefined;
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
    const unread = this.queued > 0;
    this.queue = [];
    this.queued = 0;
    this.letGo(unread);
    this.settleReader();
    this.settleWriter();
  }

  /**
   * Lets go of the socket once closed (`unread`: bytes the peer sent that
   * no read took were dropped): destroys it at once (the TLS socket may
   * close gracefully instead).
   */
  protected letGo(_unread: boolean): void {
    this.socket.destroy();
  }

  /** Up to `max` queued bytes, or null if none are queued (what `readTo` and a parked reader get). */
  protected take(max: number): Uint8Array | null {
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

  protected settleReader(): void {
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

/** The size of a {@link NodeOnreadSocket}'s slots (Node's own read size). */
const SLOT_SIZE = 65536;
/** Its most slots: four of unread bytes (as {@link QUEUE_LIMIT}), and the next read's. */
const MAX_SLOTS = 5;
/** The first slot's size: reads go to it until one fills it (see {@link NodeOnreadSocket}). */
const FIRST_SLOT_SIZE = 4096;

/**
 * A socket Skein connects on Node, read through Node's `onread` option:
 * Node reads into buffers this object supplies (its slots, reused), not
 * into a fresh buffer per read handed through the stream machinery. The
 * bytes wait in their slot until a read takes them: `readInto` copies them
 * into the receiver's scratch (a parked `readInto` gets them straight from
 * the read), `readTo` returns a copy, or the slot itself when it holds one
 * whole read of 32 KiB or more (a new slot is made when one is needed: no
 * copy, one buffer per large read, as Node's own reading makes). Node reads
 * into a free slot only:
 * when every slot but the next read's holds unread bytes, reading stops
 * (backpressure), and resumes once a slot is free. Reads go to one 4 KiB
 * slot until one fills it or finds it still holding unread bytes (a
 * connection of small messages holds no more); then to slots of 64 KiB,
 * made as reads need them, up to five (320 KiB, kept until `close`).
 * Accepted sockets have no `onread` option, so they are plain
 * {@link NodeRawSocket}s. @internal
 */
export class NodeOnreadSocket extends NodeRawSocket {
  /** The 64 KiB slots this socket owns (not those given away), and those of them free. */
  private readonly slots: Uint8Array[] = [];
  private readonly free: Uint8Array[] = [];
  /** Unread bytes: slot, start, end, in order (flat triples). */
  private entries: (Uint8Array | number)[] = [];
  /** The slot the next read fills. */
  private next: Uint8Array;
  /** Reading stopped for want of a free slot. */
  private starved = false;
  /** A parked `readInto`: its buffer and promise. */
  private intoBuffer: Uint8Array | null = null;
  private intoResolve: ((n: number | null) => void) | null = null;
  private intoReject: ((error: unknown) => void) | null = null;

  constructor(socket: Socket, first: Uint8Array, unix?: [string, string]) {
    super(socket, unix);
    this.next = first;
  }

  /** The `onread` option for `net.connect`, feeding the socket `holder` gets once connected (before the first read). */
  static options(): { holder: { socket: NodeOnreadSocket | null }; onread: NonNullable<NetConnectOpts["onread"]>; first: Uint8Array } {
    const holder: { socket: NodeOnreadSocket | null } = { socket: null };
    const first = new Uint8Array(FIRST_SLOT_SIZE);
    return {
      holder,
      first,
      onread: {
        buffer: () => holder.socket?.next ?? first,
        // Node starts reading after 'connect', whose listener sets `holder.socket`.
        callback: (n: number, buf: Uint8Array): boolean => holder.socket === null || holder.socket.onRead(n, buf),
      },
    };
  }

  /** Copies unread bytes into `buffer` (the receiver's scratch); parks if there are none. */
  readInto(buffer: Uint8Array): Promise<number | null> {
    const n = this.copyInto(buffer, 0);
    if (n > 0) return Promise.resolve(n);
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended || this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.intoBuffer = buffer;
      this.intoResolve = resolve;
      this.intoReject = reject;
    });
  }

  override detach(): Socket | null {
    if (this.intoBuffer !== null) return null;
    const entries = this.entries;
    const socket = super.detach();
    if (socket === null) return null;
    // Unread bytes go back into the socket (copies: the slots are dropped).
    for (let i = entries.length - 3; i >= 0; i -= 3) {
      const slot = entries[i] as Uint8Array;
      socket.unshift(slot.slice(entries[i + 1] as number, entries[i + 2] as number));
    }
    this.entries = [];
    return socket;
  }

  override close(): void {
    this.entries = [];
    super.close();
  }

  /** Node read `n` bytes into `buf` (the slot it was given: `next`); false stops reading. */
  private onRead(n: number, buf: Uint8Array): boolean {
    if (this.closed) return true;
    this.entries.push(buf, 0, n);
    this.settleReader();
    // The next read's slot (free, as `next` always is): this one again if
    // the reader took it whole (the small first slot: if the read did not
    // fill it either), else a free one, else a new one.
    if ((buf.length === SLOT_SIZE ? this.slots.includes(buf) : n < buf.length) && !this.holds(buf)) this.next = buf;
    else this.next = this.free.pop() ?? this.makeSlot();
    // No free slot for the read after it: stop reading until one is.
    if (this.free.length === 0 && this.slots.length >= MAX_SLOTS) {
      this.starved = true;
      return false;
    }
    return true;
  }

  private makeSlot(): Uint8Array {
    const slot = new Uint8Array(SLOT_SIZE);
    this.slots.push(slot);
    return slot;
  }

  /** Whether an unread entry lies in `slot`. */
  private holds(slot: Uint8Array): boolean {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 3) if (entries[i] === slot) return true;
    return false;
  }

  /** The first entry was taken whole: its slot is free again; reading resumes if it had stopped. */
  private release(): void {
    const slot = this.entries[0] as Uint8Array;
    this.entries.splice(0, 3);
    if (slot.length === SLOT_SIZE && slot !== this.next) this.free.push(slot);
    this.resumeIfStarved();
  }

  /** Reading stopped for want of a slot, and one is free (or may be made) now: it resumes. */
  private resumeIfStarved(): void {
    if (this.starved && !this.closed) {
      this.starved = false;
      this.socket.resume();
    }
  }

  /**
   * Up to `max` unread bytes, or null if there are none: a copy, or, when
   * they are a whole read of at least half a slot, the slot itself (given
   * away: a new one is made when needed), as Node would hand over its read.
   */
  protected override take(max: number): Uint8Array | null {
    const entries = this.entries;
    if (entries.length === 0) return null;
    const slot = entries[0] as Uint8Array;
    const start = entries[1] as number;
    const end = entries[2] as number;
    if (start === 0 && end <= max && end >= SLOT_SIZE / 2 && slot.length === SLOT_SIZE) {
      this.slots.splice(this.slots.indexOf(slot), 1);
      entries.splice(0, 3);
      this.resumeIfStarved();
      return slot.subarray(0, end);
    }
    const stop = end - start > max ? start + max : end;
    const chunk = slot.slice(start, stop);
    if (stop === end) this.release();
    else entries[1] = stop;
    return chunk;
  }

  /** Copies unread bytes into `buffer` from `at`; returns how many. */
  private copyInto(buffer: Uint8Array, at: number): number {
    const entries = this.entries;
    let n = 0;
    while (entries.length > 0 && at + n < buffer.length) {
      const slot = entries[0] as Uint8Array;
      const start = entries[1] as number;
      const end = entries[2] as number;
      const room = buffer.length - at - n;
      const stop = end - start > room ? start + room : end;
      buffer.set(start === 0 && stop === slot.length ? slot : slot.subarray(start, stop), at + n);
      n += stop - start;
      if (stop === end) this.release();
      else entries[1] = stop;
    }
    return n;
  }

  protected override settleReader(): void {
    const buffer = this.intoBuffer;
    if (buffer !== null) {
      const resolve = this.intoResolve!;
      const reject = this.intoReject!;
      const n = this.copyInto(buffer, 0);
      if (n > 0) {
        this.intoBuffer = this.intoResolve = this.intoReject = null;
        resolve(n);
      } else if (this.error !== undefined) {
        this.intoBuffer = this.intoResolve = this.intoReject = null;
        reject(this.error);
      } else if (this.ended || this.closed) {
        this.intoBuffer = this.intoResolve = this.intoReject = null;
        resolve(null);
      }
      return;
    }
    super.settleReader();
  }
}

function connectSocket(options: NetConnectOpts, signal: AbortSignal, unix?: [string, string], onread = false): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const read = onread ? NodeOnreadSocket.options() : null;
    const socket = connect(read === null ? options : { ...options, onread: read.onread });
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
      if (read === null) resolve(new NodeRawSocket(socket, unix));
      else resolve((read.holder.socket = new NodeOnreadSocket(socket, read.first, unix)));
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

function connectTcpSocket(options: RawTcpConnectOptions, signal: AbortSignal, onread: boolean): Promise<RawSocket> {
  return connectSocket(
    {
      host: options.host,
      port: options.port,
      noDelay: options.noDelay,
      allowHalfOpen: true,
      ...(options.localHost === undefined ? {} : { localAddress: options.localHost }),
    },
    signal,
    undefined,
    onread,
  );
}

/** `node:net` and `node:dns` for {@link NetSupport} (on Node: {@link nodeOwnNet}). @internal */
export const nodeStyleNet: NetSupport = {
  lookup: nodeLookup,

  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket> {
    return connectTcpSocket(options, signal, false);
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

/**
 * {@link nodeStyleNet} on Node itself: the sockets it connects are
 * {@link NodeOnreadSocket}s (Node's `onread` option; Deno's and Bun's
 * `node:net` are not known to honour it). @internal
 */
export const nodeOwnNet: NetSupport = {
  ...nodeStyleNet,
  connectTcp: (options, signal) => connectTcpSocket(options, signal, true),
  connectUnix: (path, signal) => connectSocket({ path, allowHalfOpen: true }, signal, ["", path], true),
};
