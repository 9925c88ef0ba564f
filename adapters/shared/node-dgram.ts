/**
 * UDP through `node:dgram`, for the Node, Deno and Bun adapters.
 *
 * Deno's native `Deno.listenDatagram` is still behind `--unstable-net`, and a
 * Skein user never needs an unstable flag, so Deno uses its `node:dgram`;
 * Bun implements `node:dgram` on its native `Bun.udpSocket`. One file thus
 * serves all three.
 *
 * Datagrams arrive as `message` events (dgram has no pause): while no
 * `receive` is waiting they queue, up to {@link QUEUE_LIMIT}, and the newest
 * are dropped beyond it, as a full OS buffer would. The socket is unref'd
 * while no `receive` is waiting, so an idle bound socket does not keep the
 * process alive, and ref'd while one is, so a waiting task does.
 *
 * @module
 */

import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { DatagramSupport, RawDatagram, RawDatagramSocket, RawUdpBindOptions } from "../../src/net/datagram-support.ts";
import type { SocketAddress } from "../../src/net/net-support.ts";

/** How many datagrams wait for a `receive` before new ones are dropped. */
const QUEUE_LIMIT = 1024;

class DgramSocket implements RawDatagramSocket {
  private readonly queue: RawDatagram[] = [];
  private head = 0;
  private waiting: ((d: RawDatagram | null) => void) | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  localAddress: SocketAddress;

  constructor(private readonly socket: Socket) {
    const a = socket.address();
    this.localAddress = { family: a.family === "IPv6" ? 6 : 4, host: a.address, port: a.port };
    socket.on("message", (msg: Uint8Array, rinfo: RemoteInfo) => {
      const d: RawDatagram = {
        data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
        host: rinfo.address,
        port: rinfo.port,
        family: rinfo.family === "IPv6" ? 6 : 4,
      };
      const waiting = this.waiting;
      if (waiting !== null) {
        this.waiting = null;
        socket.unref();
        waiting(d);
      } else if (this.queue.length - this.head < QUEUE_LIMIT) {
        this.queue.push(d);
      }
    });
    // Errors on a UDP socket (ICMP unreachable on a connected one) fail no
    // call by themselves; a failed send rejects through its callback.
    socket.on("error", () => {});
    socket.unref();
  }

  receive(): Promise<RawDatagram | null> {
    if (this.head < this.queue.length) {
      const d = this.queue[this.head++]!;
      if (this.head === this.queue.length) this.queue.length = this.head = 0;
      return Promise.resolve(d);
    }
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.ref();
    });
  }

  send(data: Uint8Array, host?: string, port?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null) => (error ? reject(error) : resolve());
      try {
        if (host === undefined) this.socket.send(data, done);
        else this.socket.send(data, port, host, done);
      } catch (error) {
        reject(error);
      }
    });
  }

  connect(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.socket.connect(port, host, () => resolve());
      } catch (error) {
        reject(error);
      }
    });
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    this.queue.length = this.head = 0;
    this.closing = new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(null);
    return this.closing;
  }
}

/**
 * UDP sockets through `node:dgram`.
 *
 * @example
 * ```ts
 * const raw = await nodeDatagrams.bind({ family: 4, host: "127.0.0.1", port: 0 });
 * raw.close();
 * ```
 */
export const nodeDatagrams: DatagramSupport = {
  bind(options: RawUdpBindOptions): Promise<RawDatagramSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: options.family === 6 ? "udp6" : "udp4", reuseAddr: options.reusePort === true });
      const onError = (error: Error) => {
        socket.close();
        reject(error);
      };
      socket.once("error", onError);
      socket.bind(options.port, options.host, () => {
        socket.off("error", onError);
        resolve(new DgramSocket(socket));
      });
    });
  },
};
