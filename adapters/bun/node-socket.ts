/**
 * A `node:net` socket as a {@link RawSocket}, used by the Bun adapter for
 * outgoing TCP connections, where Bun's native API falls short: an aborted
 * `Bun.connect` cannot be stopped (its attempt holds a descriptor and keeps
 * the process alive until the kernel gives up) and cannot bind a local
 * address, while `node:net`'s `destroy()` stops an attempt at once and its
 * `localAddress` binds `localHost`. Listeners and Unix connections stay on
 * `Bun.listen`/`Bun.connect` (see `net.ts`).
 *
 * Invariants (the contract of `src/net/net-support.ts`):
 * - The socket is in paused mode from the start. A `read` that finds
 *   nothing queued resumes it, and so does one that empties the queue; a
 *   `data` event that finds no `read` waiting queues its chunk and pauses
 *   the socket. So an idle reader holds at most one chunk here plus the
 *   stream's own buffer (one high-water mark) and the kernel's buffer.
 * - `write` resolves when `socket.write` reports the buffer below its
 *   high-water mark, or else on `drain`; it rejects with the socket's error.
 * - `close()` is `destroy()`: the handle is released at once.
 *
 * Costs: the stream machinery of `node:net` (one `EventEmitter` per socket
 * and closures for its listeners); fine for the one case it serves.
 *
 * @internal
 * @module
 */

import { connect, type Socket } from "node:net";
import type { RawSocket, SocketAddress } from "../../src/net/net-support.ts";

/** One `node:net` socket as a {@link RawSocket}. @internal */
export class NodeRawSocket implements RawSocket {
  readonly #socket: Socket;
  readonly #chunks: Uint8Array[] = [];
  #eof = false;
  #error: Error | undefined = undefined;
  #closed = false;
  #readMax = 0;
  #readResolve: ((chunk: Uint8Array | null) => void) | null = null;
  #readReject: ((error: unknown) => void) | null = null;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.pause();
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#settleRead(null, error);
    });
    socket.on("close", () => this.#onEnd());
  }

  get localAddress(): SocketAddress {
    const s = this.#socket;
    return { family: s.localFamily === "IPv6" ? 6 : 4, host: s.localAddress ?? "", port: s.localPort ?? 0 };
  }

  get remoteAddress(): SocketAddress {
    const s = this.#socket;
    return { family: s.remoteFamily === "IPv6" ? 6 : 4, host: s.remoteAddress ?? "", port: s.remotePort ?? 0 };
  }

  read(maxBytes: number): Promise<Uint8Array | null> {
    const chunks = this.#chunks;
    if (chunks.length > 0) {
      let chunk = chunks[0]!;
      if (chunk.byteLength > maxBytes) {
        chunks[0] = chunk.subarray(maxBytes);
        chunk = chunk.subarray(0, maxBytes);
      } else {
        chunks.shift();
        if (chunks.length === 0 && !this.#eof) this.#socket.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#eof || this.#closed) return Promise.resolve(null);
    this.#readMax = maxBytes;
    const waiting = new Promise<Uint8Array | null>((resolve, reject) => {
      this.#readResolve = resolve;
      this.#readReject = reject;
    });
    this.#socket.resume();
    return waiting;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(Object.assign(new Error("The socket is closed"), { code: "ERR_SOCKET_CLOSED" }));
    if (this.#error !== undefined) return Promise.reject(this.#error);
    const socket = this.#socket;
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        socket.off("drain", onDrain);
        socket.off("error", done);
        socket.off("close", onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.#error ?? Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" }));
      if (socket.write(bytes)) {
        resolve();
        return;
      }
      socket.on("drain", onDrain);
      socket.on("error", done);
      socket.on("close", onClose);
    });
  }

  shutdown(): Promise<void> {
    const socket = this.#socket;
    if (this.#closed || socket.destroyed || socket.writableEnded) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off("finish", done);
        socket.off("close", done);
        resolve();
      };
      socket.on("finish", done);
      socket.on("close", done);
      socket.end();
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#settleRead(null, undefined);
    this.#socket.destroy();
  }

  #onData(chunk: Uint8Array): void {
    const resolve = this.#readResolve;
    if (resolve !== null) {
      this.#readResolve = this.#readReject = null;
      const max = this.#readMax;
      if (chunk.byteLength > max) {
        this.#chunks.push(chunk.subarray(max));
        this.#socket.pause();
        chunk = chunk.subarray(0, max);
      }
      resolve(chunk);
      return;
    }
    // Nobody waits: queue the chunk and stop reading until a `read` empties the queue.
    this.#chunks.push(chunk);
    this.#socket.pause();
  }

  #onEnd(): void {
    this.#eof = true;
    if (this.#chunks.length === 0) this.#settleRead(null, this.#error);
  }

  #settleRead(chunk: Uint8Array | null, error: Error | undefined): void {
    const resolve = this.#readResolve;
    const reject = this.#readReject;
    if (resolve === null || reject === null) return;
    this.#readResolve = this.#readReject = null;
    if (error !== undefined) reject(error);
    else resolve(chunk);
  }
}

/**
 * One TCP connection attempt with `node:net`, binding `localHost` first if
 * given; an abort destroys the socket (connected or not) and rejects with
 * `signal.reason`.
 *
 * @internal
 */
export function connectNodeTcp(
  host: string,
  port: number,
  localHost: string | undefined,
  noDelay: boolean,
  signal: AbortSignal,
): Promise<RawSocket> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<RawSocket>((resolve, reject) => {
    const socket = connect({ host, port, ...(localHost === undefined ? {} : { localAddress: localHost }), allowHalfOpen: true });
    const finish = (): void => {
      signal.removeEventListener("abort", onAbort);
      socket.off("connect", onConnect);
      socket.off("error", onError);
    };
    const onAbort = (): void => {
      finish();
      socket.destroy();
      reject(signal.reason);
    };
    const onConnect = (): void => {
      finish();
      socket.setNoDelay(noDelay);
      resolve(new NodeRawSocket(socket));
    };
    const onError = (error: Error): void => {
      finish();
      socket.destroy();
      reject(error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", onConnect);
    socket.once("error", onError);
  });
}
