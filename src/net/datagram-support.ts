/**
 * The datagram (UDP) capability of an adapter: what a runtime supplies so
 * that `src/net/udp.ts` can offer UDP sockets on it.
 *
 * Like {@link NetSupport} for streams, this is the low, runtime-specific half:
 * plain promises, no cancel scopes. The neutral layer adds cancellation,
 * the closed/busy rules and name resolution.
 *
 * Contract (the adapter must keep all of it):
 * - **Pull, one at a time, never abandoned.** `receive` is called with at
 *   most one call in flight; a cancelled Skein `receive` leaves the call in
 *   flight, and the next `receive` awaits the same promise, so no datagram
 *   is lost to a cancellation.
 * - **Bounded queue.** While no `receive` is in flight, the adapter queues at
 *   most a bounded number of datagrams and drops the newest beyond it, as an
 *   OS does when its receive buffer is full (UDP promises no delivery).
 * - **`send` resolves when the runtime has handed the datagram to the OS**
 *   and rejects with the runtime's own error (`EMSGSIZE`, ...).
 * - **`close` is idempotent**: it stops the socket at once (a `receive` in
 *   flight then resolves `null`) and resolves once the runtime has released
 *   the address, so it can be bound again. A closed socket keeps nothing
 *   alive.
 *
 * @module
 */

import type { SocketAddress } from "./net-support.ts";

/**
 * One datagram as an adapter receives it.
 *
 * @example
 * ```ts
 * const d: RawDatagram = { data: new Uint8Array([1]), host: "127.0.0.1", port: 5353, family: 4 };
 * ```
 */
export interface RawDatagram {
  /** The payload. */
  readonly data: Uint8Array;
  /** The sender's IP address literal. */
  readonly host: string;
  /** The sender's port. */
  readonly port: number;
  /** The sender's IP version. */
  readonly family: 4 | 6;
}

/**
 * Options for binding a raw UDP socket.
 *
 * @example
 * ```ts
 * const o: RawUdpBindOptions = { family: 4, host: "127.0.0.1", port: 0 };
 * ```
 */
export interface RawUdpBindOptions {
  /** The IP version of the socket. */
  readonly family: 4 | 6;
  /** The local IP address literal to bind (`"0.0.0.0"` or `"::"` for every interface). */
  readonly host: string;
  /** The local port; 0 picks a free one. */
  readonly port: number;
  /** SO_REUSEPORT / address reuse where the runtime has it. */
  readonly reusePort?: boolean;
}

/**
 * A bound UDP socket, as an adapter gives it; see the module comment for the
 * contract.
 *
 * @example
 * ```ts
 * await raw.send(new Uint8Array([1, 2]), "127.0.0.1", 9999);
 * const d = await raw.receive(); // null once closed
 * raw.close();
 * ```
 */
export interface RawDatagramSocket {
  /** The bound address (with the port the OS picked for port 0). */
  readonly localAddress: SocketAddress;
  /** The next datagram; `null` once closed. */
  receive(): Promise<RawDatagram | null>;
  /** Sends one datagram; `host` and `port` are omitted on a connected socket. */
  send(data: Uint8Array, host?: string, port?: number): Promise<void>;
  /** Fixes the peer: sends go there and only its datagrams are received. */
  connect(host: string, port: number): Promise<void>;
  /** Closes; resolves once the address is released. Idempotent. */
  close(): Promise<void>;
}

/**
 * What an adapter with UDP supplies (`Adapter.datagrams`). Without it
 * (browsers) every UDP call fails with `UnsupportedError`.
 *
 * @example
 * ```ts
 * const raw = await adapter.datagrams!.bind({ family: 4, host: "127.0.0.1", port: 0 });
 * ```
 */
export interface DatagramSupport {
  /** Creates and binds a UDP socket. Rejects with the runtime's error (`EADDRINUSE`, ...). */
  bind(options: RawUdpBindOptions): Promise<RawDatagramSocket>;
}
