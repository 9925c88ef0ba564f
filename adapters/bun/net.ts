/**
 * Sockets and name lookups on Bun: the {@link NetSupport} of the Bun adapter.
 * Listeners (TCP and Unix) and Unix connections on Bun's native `Bun.listen`
 * and `Bun.connect`; outgoing TCP connections on Bun's `node:net`
 * (`../shared/node-net.ts`, shared with the Node and Deno adapters); lookups on `node:dns`.
 *
 * Why native: Bun's native sockets give everything the contract in
 * `src/net/net-support.ts` needs, directly and without a stream layer in
 * between:
 * - `socket.write()` is unbuffered: it returns how many bytes the kernel took
 *   (less than asked, or 0, when the socket buffer is full) and the `drain`
 *   handler fires when there is room again. So `write` resolving "once the
 *   runtime has accepted every byte" means "the kernel has them", and a
 *   stalled peer blocks the writer after the kernel's buffers, never after an
 *   unbounded user-space queue.
 * - `socket.pause()` / `socket.resume()` stop and restart reading from the
 *   OS (checked: a paused peer receives nothing and the writer's `write`
 *   returns 0 once the kernel buffers are full), so read backpressure is real.
 * - Every `data` callback gets a fresh buffer (checked: one `ArrayBuffer` per
 *   chunk), so chunks are handed out without copying; with `binaryType:
 *   "uint8array"` it is a plain `Uint8Array`, so no `Buffer` has to be turned
 *   into one (reading a small `Buffer`'s `.buffer` makes Bun copy it out).
 *
 * Why outgoing TCP is not native: `Bun.connect` cannot be aborted. Its
 * promise is the only handle on an attempt until it connects, so an attempt
 * to an address that does not answer (a black-holed route, a full accept
 * queue: the happy-eyeballs loser that matters) keeps its file descriptor
 * and keeps the process alive until the kernel gives up (Linux: about two
 * minutes of SYN retries), whatever we do on abort. Checked: after an abort
 * at 200 ms the process was still alive 20 s later, where `node:net`'s
 * `destroy()` on the same attempt closed it at once and the process exited.
 * The contract says an aborted connect leaks nothing, so TCP connects use
 * `node:net` (Bun implements it on its own sockets; it also binds
 * `localHost`, which `Bun.connect` cannot). A Unix connect cannot hang that
 * way (it succeeds or fails at once), so it stays native.
 *
 * What that costs (bench/tcp-ab.ts, 100 connections ping-ponging 1 KiB,
 * CPU time per 20 000 messages, Bun 1.4): raw 319 ms, Skein 509 ms; with
 * the client's native socket taken out of `node:net` after the connect
 * (`_handle.reload`), 407 ms. Not done: `node:tls` (client TLS, STARTTLS)
 * needs the `node:net` socket, and Bun gives no way to hand the native
 * socket back to it.
 *
 * Throughput over loopback (64 KiB chunks, read(65536) loop, on the
 * development machine: 2 cores shared with other jobs, load ~7, so only
 * rough): raw `Bun.connect`/`Bun.listen` and the adapter on them were within
 * ±10% of each other (about 900–1000 MiB/s); `node:net` in Bun raw was
 * 1090–1500 MiB/s against native 1390–1800 MiB/s in a quieter moment; with
 * the adapter, median of 9 runs of 64 MiB: client sending 880 (native
 * client) vs 971 MiB/s (`node:net` client), client receiving 1270 vs
 * 971 MiB/s.
 *
 * Invariants:
 * - One {@link BunRawSocket} per native Bun socket, reachable from the socket as
 *   `socket.data`; the handler functions are shared by every socket (Bun's
 *   own design: one handler set per listener or connection, no closure per
 *   socket), except the listener's `open`, one closure per listener.
 * - Read side: chunks are queued only while no `read` waits; as soon as one
 *   is queued with no reader, the socket is paused, and it is resumed when a
 *   `read` empties the queue. So a socket whose reader stalls holds at most
 *   what Bun had already read (one chunk, up to Bun's read buffer) plus the
 *   kernel's socket buffer.
 * - Write side: at most one write in flight (the contract's), its remaining
 *   bytes written from the `drain` handler; a write that the kernel takes at
 *   once resolves without waiting for anything.
 * - Every socket is made with `allowHalfOpen: true`, so a peer's end of
 *   stream (`end` handler) leaves our sending side open, and `shutdown()`
 *   (the `shutdown(2)` syscall) leaves our receiving side open.
 * - `close()` is `socket.end()`: Bun closes the handle synchronously (the
 *   `close` handler runs inside the call), the kernel sends a FIN.
 *
 * - `readTo`/`writeTo` (the callback forms the stream halves use) hand the
 *   outcome to a target object: the `data` callback gives the chunk to the
 *   parked receiver's `readDone` directly. `read`/`write` are those plus a
 *   promise.
 *
 * Costs: one object per socket; nothing per `readTo`, nothing per
 * `writeTo` that the kernel takes at once, one promise (for `shutdown`)
 * per one that has to wait; `read`/`write` add a promise and its target;
 * one `pause()`/`resume()` pair each time data arrives while no read is in
 * flight.
 *
 * Gaps in Bun's API (reported to the lead):
 * - `Bun.connect` has no abort and no local address (above).
 * - `Bun.listen` has no backlog option: `backlog` is accepted and ignored
 *   (Bun uses its own default).
 * - Errors on writes to a socket that Bun has already closed (Bun returns
 *   -1 without an error object) are Node-style `EPIPE` errors made here.
 *
 * Bun's types (`@types/bun`) are not visible to the one program that builds
 * the typings and the docs (Node + DOM types), so this file declares the
 * small part of Bun's API it uses; `bun-api-check.ts` checks those
 * declarations against the real types in the Bun project's type check.
 *
 * @internal
 * @module
 */

import type {
  NetSupport,
  RawListener,
  RawSocket,
  RawTcpConnectOptions,
  RawTcpListenOptions,
  SocketAddress,
} from "../../src/net/net-support.ts";
import type { RawReadTarget, RawWriteTarget } from "../../src/streams/raw-half.ts";
import { nodeLookup } from "../shared/node-lookup.ts";
import { nodeStyleNet, PromiseTarget } from "../shared/node-net.ts";

// ---------------------------------------------------------------------------
// The part of Bun's socket API used here
// ---------------------------------------------------------------------------

/** A Bun socket, as far as this file uses it. @internal */
export interface BunSocket {
  data: BunRawSocket | undefined;
  write(data: Uint8Array): number;
  end(): void;
  shutdown(halfClose?: boolean): void;
  pause(): void;
  resume(): void;
  readonly localFamily: "IPv4" | "IPv6";
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteFamily: "IPv4" | "IPv6";
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** Bun's socket handlers, as far as this file uses them. @internal */
export interface BunSocketHandler {
  /** What `data` gets: a plain `Uint8Array` (Bun's default is a `Buffer`, whose `.buffer` costs a copy for small chunks). */
  binaryType: "uint8array";
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

/** A Bun listener, as far as this file uses it. @internal */
export interface BunListener {
  stop(closeActiveConnections?: boolean): void;
}

/** A Bun TCP listener. @internal */
export interface BunTcpListener extends BunListener {
  readonly hostname: string;
  readonly port: number;
}

/** `Bun.connect` and `Bun.listen`, as far as this file uses them. @internal */
export interface BunNetApi {
  connect(options: { unix: string; data: BunRawSocket; allowHalfOpen: boolean; socket: BunSocketHandler }): Promise<BunSocket>;
  listen(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    allowHalfOpen: boolean;
    socket: BunSocketHandler;
  }): BunTcpListener;
  listen(options: { unix: string; allowHalfOpen: boolean; socket: BunSocketHandler }): BunListener;
}

/** The global `Bun`, read when first needed (this module is also compiled where it does not exist). */
const bun = (): BunNetApi => (globalThis as unknown as { Bun: BunNetApi }).Bun;

// ---------------------------------------------------------------------------
// Errors made here (the runtime gives none)
// ---------------------------------------------------------------------------

/** A Node-style system error (`code`, `errno`, `syscall`), for failures Bun reports without an error object. */
function systemError(code: string, errno: number, syscall: string): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
}

/** The error a call gets on a socket this side has closed. */
function closedError(): Error {
  return Object.assign(new Error("The socket is closed"), { code: "ERR_SOCKET_CLOSED" });
}

/** Settles nothing: a write that the kernel took at once. */
const DONE: Promise<void> = Promise.resolve();

// ---------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------

const UNIX_UNNAMED: SocketAddress = { family: "unix", path: "" };
const NO_ADDRESS: SocketAddress = { family: 4, host: "", port: 0 };

function ipAddress(family: "IPv4" | "IPv6", host: string, port: number): SocketAddress {
  return { family: family === "IPv6" ? 6 : 4, host, port };
}

/**
 * One Bun socket as a {@link RawSocket}: a queue of received chunks with the
 * socket paused while it is not empty, and at most one write in flight.
 *
 * @internal
 */
export class BunRawSocket implements RawSocket {
  localAddress: SocketAddress = NO_ADDRESS;
  remoteAddress: SocketAddress = NO_ADDRESS;

  /** The Bun socket; null before `open` and after Bun closed it. */
  #socket: BunSocket | null = null;
  /** Set by `close()`. */
  #closed = false;
  /** For Unix sockets: the path, and whether this is the listening side. */
  readonly #unixPath: string | undefined;
  readonly #unixServer: boolean;

  // Read side.
  readonly #chunks: Uint8Array[] = [];
  #eof = false;
  #error: Error | undefined = undefined;
  #paused = false;
  #readMax = 0;
  /** Who hears the read in flight (the receiver itself, or a {@link PromiseTarget} for `read`). */
  #reader: RawReadTarget | null = null;

  // Write side.
  #writeBytes: Uint8Array | null = null;
  #writeOffset = 0;
  #writer: RawWriteTarget | null = null;
  #writing: Promise<void> = DONE;
  #writeDrained: (() => void) | null = null;

  constructor(unixPath: string | undefined, unixServer: boolean) {
    this.#unixPath = unixPath;
    this.#unixServer = unixServer;
  }

  /** Bun's `open`: the socket is connected (or accepted). */
  attach(socket: BunSocket): void {
    if (this.#closed) {
      // Aborted while connecting, or closed before it was accepted.
      socket.end();
      return;
    }
    this.#socket = socket;
    if (this.#unixPath !== undefined) {
      const named: SocketAddress = { family: "unix", path: this.#unixPath };
      this.localAddress = this.#unixServer ? named : UNIX_UNNAMED;
      this.remoteAddress = this.#unixServer ? UNIX_UNNAMED : named;
    } else {
      this.localAddress = ipAddress(socket.localFamily, socket.localAddress, socket.localPort);
      this.remoteAddress = ipAddress(socket.remoteFamily, socket.remoteAddress, socket.remotePort);
    }
  }

  read(maxBytes: number): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => this.readTo(maxBytes, new PromiseTarget(resolve, reject)));
  }

  readTo(maxBytes: number, target: RawReadTarget): void {
    const chunks = this.#chunks;
    if (chunks.length > 0) {
      let chunk = chunks[0]!;
      if (chunk.byteLength > maxBytes) {
        chunks[0] = chunk.subarray(maxBytes);
        chunk = chunk.subarray(0, maxBytes);
      } else {
        chunks.shift();
        if (chunks.length === 0) this.#resume();
      }
      target.readDone(chunk);
      return;
    }
    if (this.#error !== undefined) return target.readFailed(this.#error);
    if (this.#eof || this.#closed) return target.readDone(null);
    this.#resume();
    this.#readMax = maxBytes;
    this.#reader = target;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      const target = new PromiseTarget(resolve, reject);
      if (this.writeTo(bytes, target)) resolve();
    });
  }

  writeTo(bytes: Uint8Array, target: RawWriteTarget): boolean {
    if (this.#closed) {
      target.writeFailed(closedError());
      return false;
    }
    const socket = this.#socket;
    if (socket === null) {
      target.writeFailed(this.#error ?? systemError("EPIPE", -32, "write"));
      return false;
    }
    const length = bytes.byteLength;
    const written = length === 0 ? 0 : socket.write(bytes);
    if (written === length) return true;
    if (written < 0) {
      target.writeFailed(this.#error ?? systemError("EPIPE", -32, "write"));
      return false;
    }
    this.#writeBytes = bytes;
    this.#writeOffset = written;
    this.#writer = target;
    // For `shutdown`, which waits for the write in flight; made only when a write has to wait.
    this.#writing = new Promise<void>((resolve) => (this.#writeDrained = resolve));
    return false;
  }

  async shutdown(): Promise<void> {
    // "After pending writes": the one write in flight, if any, goes first.
    if (this.#writeBytes !== null) await this.#writing;
    this.#socket?.shutdown();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    const socket = this.#socket;
    this.#socket = null;
    this.#settleRead(null, undefined);
    this.#settleWrite(closedError());
    socket?.end();
  }

  /**
   * Hands the Bun socket over (to `upgradeTLS`, `tls.ts`): this object lets
   * go of it (reading resumed, `socket.data` cleared so the shared handlers
   * ignore it) and acts as closed from then on. Null if the socket is
   * closed, failed or ended, holds unread bytes, or a read or write is in
   * flight.
   * @internal
   */
  detach(): BunSocket | null {
    const socket = this.#socket;
    if (socket === null || this.#closed || this.#eof || this.#error !== undefined) return null;
    if (this.#reader !== null || this.#writeBytes !== null || this.#chunks.length > 0) return null;
    this.#resume();
    this.#closed = true;
    this.#socket = null;
    socket.data = undefined;
    return socket;
  }

  /** Bun's `data`: a fresh plain `Uint8Array` per chunk (`binaryType: "uint8array"`), handed out as is. */
  onData(data: Uint8Array): void {
    let chunk = data;
    if (this.#closed) return;
    const reader = this.#reader;
    if (reader !== null) {
      this.#reader = null;
      const max = this.#readMax;
      if (chunk.byteLength > max) {
        this.#chunks.push(chunk.subarray(max));
        this.#pause();
        chunk = chunk.subarray(0, max);
      }
      reader.readDone(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#pause();
  }

  /** Bun's `drain`: the kernel has room again; go on with the write in flight. */
  onDrain(): void {
    const bytes = this.#writeBytes;
    const socket = this.#socket;
    if (bytes === null || socket === null) return;
    const written = socket.write(this.#writeOffset === 0 ? bytes : bytes.subarray(this.#writeOffset));
    if (written < 0) {
      this.#settleWrite(this.#error ?? systemError("EPIPE", -32, "write"));
      return;
    }
    this.#writeOffset += written;
    if (this.#writeOffset === bytes.byteLength) this.#settleWrite(undefined);
  }

  /** Bun's `end`: the peer sent end of stream. */
  onEnd(): void {
    this.#eof = true;
    if (this.#chunks.length === 0) this.#settleRead(null, undefined);
  }

  /** Bun's `close` (and `error`): the handle is gone, with the error that closed it if any. */
  onClose(error: Error | undefined): void {
    this.#socket = null;
    if (error !== undefined) this.#error ??= error;
    else this.#eof = true;
    if (this.#chunks.length === 0) this.#settleRead(null, this.#error);
    this.#settleWrite(this.#error ?? systemError("EPIPE", -32, "write"));
  }

  #pause(): void {
    if (this.#paused || this.#socket === null) return;
    this.#paused = true;
    this.#socket.pause();
  }

  #resume(): void {
    if (!this.#paused || this.#socket === null) return;
    this.#paused = false;
    this.#socket.resume();
  }

  #settleRead(chunk: Uint8Array | null, error: Error | undefined): void {
    const reader = this.#reader;
    if (reader === null) return;
    this.#reader = null;
    if (error !== undefined) reader.readFailed(error);
    else reader.readDone(chunk);
  }

  #settleWrite(error: unknown): void {
    const writer = this.#writer;
    const drained = this.#writeDrained;
    this.#writeBytes = null;
    this.#writeOffset = 0;
    this.#writer = null;
    this.#writeDrained = null;
    drained?.();
    if (writer === null) return;
    if (error !== undefined) writer.writeFailed(error);
    else writer.writeDone();
  }
}

/** Handlers shared by every socket: they find their {@link BunRawSocket} as `socket.data`. */
const socketHandlers: Omit<BunSocketHandler, "open"> = {
  // A fresh plain Uint8Array per chunk: no Buffer to turn into one (checked:
  // Bun makes a new one per `data` call, so it can be handed out uncopied).
  binaryType: "uint8array",
  data: (socket, data) => socket.data?.onData(data),
  drain: (socket) => socket.data?.onDrain(),
  end: (socket) => socket.data?.onEnd(),
  close: (socket, error) => socket.data?.onClose(error),
  // Bun calls `error` when a handler throws (ours do not) and when a TLS
  // session fails; the socket then closes, and `close` carries on.
  error: (socket, error) => socket.data?.onClose(error),
};

/** Handlers of a connecting socket: `socket.data` is set from the start (the `data` option). */
const clientHandlers: BunSocketHandler = {
  ...socketHandlers,
  open: (socket) => socket.data?.attach(socket),
};

/**
 * Starts one Unix connection; rejects with `signal.reason` on abort, and
 * closes the socket if it connects after that.
 */
function connectUnixRaw(raw: BunRawSocket, path: string, signal: AbortSignal): Promise<RawSocket> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<RawSocket>((resolve, reject) => {
    const onAbort = (): void => {
      raw.close();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    bun().connect({ unix: path, data: raw, allowHalfOpen: true, socket: clientHandlers }).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve(raw); // a no-op after an abort (and `attach` closed the socket)
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Listeners
// ---------------------------------------------------------------------------

/**
 * A Bun listener as a {@link RawListener}: accepted sockets queue (each
 * pauses itself after its first chunk) until `accept` takes them.
 *
 * @internal
 */
export class BunRawListener implements RawListener {
  address: SocketAddress = NO_ADDRESS;
  #listener: BunListener | null = null;
  readonly #unixPath: string | undefined;
  readonly #queue: BunRawSocket[] = [];
  #acceptResolve: ((socket: RawSocket | null) => void) | null = null;
  #closed = false;
  /** The handlers of this listener's sockets: the shared ones plus this listener's `open`. */
  readonly handlers: BunSocketHandler;

  constructor(unixPath: string | undefined) {
    this.#unixPath = unixPath;
    this.handlers = { ...socketHandlers, open: (socket) => this.#onOpen(socket) };
  }

  /** Takes the Bun listener once `Bun.listen` has returned it. */
  start(listener: BunListener, address: SocketAddress): void {
    this.#listener = listener;
    this.address = address;
  }

  accept(): Promise<RawSocket | null> {
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#acceptResolve = resolve;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Stop listening; the connections already accepted stay open.
    this.#listener?.stop(false);
    this.#listener = null;
    for (const raw of this.#queue.splice(0)) raw.close();
    const resolve = this.#acceptResolve;
    this.#acceptResolve = null;
    resolve?.(null);
  }

  #onOpen(socket: BunSocket): void {
    const raw = new BunRawSocket(this.#unixPath, true);
    socket.data = raw;
    raw.attach(socket);
    if (this.#closed) {
      raw.close();
      return;
    }
    const resolve = this.#acceptResolve;
    if (resolve !== null) {
      this.#acceptResolve = null;
      resolve(raw);
    } else this.#queue.push(raw);
  }
}

// ---------------------------------------------------------------------------
// NetSupport
// ---------------------------------------------------------------------------

/**
 * The networking capability of the Bun adapter (`bunAdapter.net`):
 * listeners and Unix connections on `Bun.listen`/`Bun.connect`, outgoing
 * TCP on Bun's `node:net`, lookups on `node:dns`.
 *
 * @example
 * ```ts
 * const listener = await bunNet.listenTcp({ host: "127.0.0.1", port: 0 });
 * const address = listener.address as { host: string; port: number };
 * const client = await bunNet.connectTcp({ host: address.host, port: address.port, noDelay: true }, new AbortController().signal);
 * const server = (await listener.accept())!;
 * await client.write(new TextEncoder().encode("hi"));
 * console.log(await server.read(1024)); // Uint8Array [104, 105]
 * client.close();
 * server.close();
 * listener.close();
 * ```
 *
 * @internal
 */
export const bunNet: NetSupport = {
  lookup: nodeLookup,

  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket> {
    // node:net, not Bun.connect: see the module comment (abort, localHost).
    return nodeStyleNet.connectTcp(options, signal);
  },

  async listenTcp(options: RawTcpListenOptions): Promise<RawListener> {
    const raw = new BunRawListener(undefined);
    // No backlog option in Bun.listen: `options.backlog` is ignored.
    const listen = (hostname: string): BunTcpListener =>
      bun().listen({
        hostname,
        port: options.port,
        ...(options.reusePort === true ? { reusePort: true } : {}),
        allowHalfOpen: true,
        socket: raw.handlers,
      });
    let listener: BunTcpListener;
    if (options.host !== undefined) listener = listen(options.host);
    else {
      // Every interface: dual stack on "::" where the machine has IPv6.
      try {
        listener = listen("::");
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL") throw error;
        listener = listen("0.0.0.0");
      }
    }
    const host = listener.hostname;
    raw.start(listener, { family: host.includes(":") ? 6 : 4, host, port: listener.port });
    return raw;
  },

  connectUnix(path: string, signal: AbortSignal): Promise<RawSocket> {
    return connectUnixRaw(new BunRawSocket(path, false), path, signal);
  },

  async listenUnix(path: string, _backlog?: number): Promise<RawListener> {
    const raw = new BunRawListener(path);
    raw.start(bun().listen({ unix: path, allowHalfOpen: true, socket: raw.handlers }), { family: "unix", path });
    return raw;
  },
};
