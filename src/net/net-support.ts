/**
 * The networking capability of an adapter: what a runtime supplies so that
 * `src/net` can offer TCP, Unix sockets and DNS lookups on it.
 *
 * This is the low, runtime-specific half of Skein's networking, in the spirit
 * of anyio's split between one abstract interface and one backend per event
 * loop. The adapter speaks its runtime's native API (`node:net`,
 * `Deno.connect`, `Bun.connect`, ...) and exposes plain promises with no
 * notion of cancel scopes; the runtime-neutral layer in `src/net` turns them
 * into cancel-safe, structured Skein streams.
 *
 * Contract between the two halves (the adapter must keep all of it):
 * - **Pull, one at a time.** `RawSocket.read` and `RawListener.accept` are
 *   called with at most one call in flight per object. The neutral layer never
 *   abandons a call in flight: if the Skein `receive` that started it is
 *   cancelled, the same promise is awaited by the next `receive`. So a read
 *   may resolve late without losing bytes.
 * - **Backpressure.** While no `read` is in flight, the adapter buffers at most
 *   a bounded amount (the runtime's own socket buffer plus one chunk) and stops
 *   reading from the OS (pauses the socket); it never buffers without limit.
 * - **`write` resolves on acceptance by the OS.** It resolves once the
 *   runtime has handed every byte to the operating system (Node: the write's
 *   callback, not merely `write()` returning true), so that a `close` right
 *   after drops nothing a resolved `write` reported taken; it rejects with the
 *   runtime's own error. At most one in flight.
 *   The caller does not reuse the bytes until the promise settles.
 * - **Errors are the runtime's own.** Rejections carry the runtime's error
 *   object unchanged (`ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`, ...), so the
 *   neutral layer can keep it as `cause`. End of stream is `read` resolving
 *   `null`, never an error.
 * - **`close` is immediate and idempotent.** It releases the handle at once
 *   (no linger); calls in flight then settle soon (resolve `null` or reject,
 *   either is fine: the neutral layer ignores them).
 * - **Abort means no leak.** A `connect*` whose `signal` aborts rejects soon
 *   and closes any socket the attempt made, even one that connects after the
 *   abort.
 * - A closed socket or listener holds nothing that keeps the process alive.
 *
 * @module
 */

import type { RawReadTarget, RawWriteTarget } from "../streams/raw-half.ts";

/**
 * The address of one end of a socket.
 *
 * @example
 * ```ts
 * const a: SocketAddress = { family: 4, host: "127.0.0.1", port: 8080 };
 * const u: SocketAddress = { family: "unix", path: "/tmp/app.sock" };
 * ```
 */
export type SocketAddress =
  | {
      /** The IP version. */
      readonly family: 4 | 6;
      /** An IP address literal. */
      readonly host: string;
      /** The TCP port. */
      readonly port: number;
    }
  | {
      /** A Unix domain socket. */
      readonly family: "unix";
      /** Its path ("" for an unnamed end, such as a connecting client's). */
      readonly path: string;
    };

/**
 * One result of a name lookup: an IP address literal and its family.
 *
 * @example
 * ```ts
 * const r: ResolvedAddress = { address: "::1", family: 6 };
 * ```
 */
export interface ResolvedAddress {
  /** An IP address literal. */
  readonly address: string;
  /** Its IP version. */
  readonly family: 4 | 6;
}

/**
 * Options for one raw TCP connection attempt to one IP address.
 *
 * @example
 * ```ts
 * const o: RawTcpConnectOptions = { host: "127.0.0.1", port: 80, noDelay: true };
 * ```
 */
export interface RawTcpConnectOptions {
  /** An IP address literal (never a name: the neutral layer resolves first). */
  readonly host: string;
  /** The TCP port, 1 to 65535. */
  readonly port: number;
  /** The local address to bind before connecting, if any. */
  readonly localHost?: string;
  /** Sets TCP_NODELAY. */
  readonly noDelay: boolean;
}

/**
 * Options for a raw TCP listener.
 *
 * @example
 * ```ts
 * const o: RawTcpListenOptions = { host: "127.0.0.1", port: 0 };
 * ```
 */
export interface RawTcpListenOptions {
  /** The address to bind; `undefined` means every interface (dual stack where the OS allows). */
  readonly host?: string;
  /** 0 picks a free port; read it from `RawListener.address`. */
  readonly port: number;
  /** The length of the queue of connections not yet accepted (the runtime's default when omitted). */
  readonly backlog?: number;
  /** SO_REUSEPORT, where the runtime supports it (else the adapter throws `UnsupportedError`). */
  readonly reusePort?: boolean;
}

/**
 * A connected stream socket (TCP or Unix), as an adapter gives it; see the
 * module comment for the contract.
 *
 * @example
 * ```ts
 * const chunk = await raw.read(65536); // null at end of stream
 * await raw.write(new TextEncoder().encode("hi"));
 * await raw.shutdown();
 * raw.close();
 * ```
 */
export interface RawSocket {
  /** Reads between 1 and `maxBytes` bytes; `null` at end of stream. */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /**
   * Optional (for `receiveInto`): reads between 1 and `buffer.length` bytes
   * into `buffer` from its start and returns their count; `null` at end of
   * stream. The caller reuses `buffer` after the promise settles. Adapters
   * whose runtime reads into a given buffer (Deno's `conn.read`) have it;
   * without it `receiveInto` copies out of `read`'s chunks.
   */
  readInto?(buffer: Uint8Array): Promise<number | null>;
  /** Writes every byte; resolves when the runtime has handed them to the OS. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional callback form of `read` (same contract, one read in flight
   * counting either form): the outcome goes to `target`, maybe before this
   * returns when bytes (or the end, or an error) are already there. Lets the
   * runtime's data callback hand bytes to a parked receive directly.
   */
  readTo?(maxBytes: number, target: RawReadTarget): void;
  /**
   * Optional callback form of `write` (same contract): true if the runtime
   * took every byte at once (`target` is not called), else false and
   * `target` hears when the write ends. Lets a send the OS takes at once
   * finish without a promise.
   */
  writeTo?(bytes: Uint8Array, target: RawWriteTarget): boolean;
  /** Half-closes: sends end-of-stream after pending writes; reading goes on. */
  shutdown(): Promise<void>;
  /** Closes at once and releases the handle. Idempotent. */
  close(): void;
  /** This end's address. */
  readonly localAddress: SocketAddress;
  /** The peer's address. */
  readonly remoteAddress: SocketAddress;
}

/**
 * A listening socket, as an adapter gives it.
 *
 * @example
 * ```ts
 * const raw = await rawListener.accept(); // null once the listener is closed
 * ```
 */
export interface RawListener {
  /** The bound address (with the port the OS picked for port 0). */
  readonly address: SocketAddress;
  /** Waits for the next connection; `null` once closed. */
  accept(): Promise<RawSocket | null>;
  /**
   * Stops listening at once and releases the handle. Idempotent. Where the
   * runtime frees the address only later (Deno, while a native accept is in
   * flight: until that accept settles), it returns a promise that resolves
   * once the address can be bound again; it never rejects.
   */
  close(): void | Promise<void>;
}

/**
 * What an adapter with networking supplies (`Adapter.net`). An adapter
 * without it (browsers) makes every socket call fail with `UnsupportedError`.
 *
 * @example
 * ```ts
 * const [first] = await adapter.net!.lookup("localhost", 0, AbortSignal.timeout(1000));
 * const raw = await adapter.net!.connectTcp({ host: first!.address, port: 80, noDelay: true }, new AbortController().signal);
 * ```
 */
export interface NetSupport {
  /** Resolves `host` like getaddrinfo (hosts file included), every address, in the system's order; `family` 0 means both. */
  lookup(host: string, family: 0 | 4 | 6, signal: AbortSignal): Promise<ResolvedAddress[]>;
  /** One TCP connection attempt to one IP address. */
  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket>;
  /** Binds and listens. */
  listenTcp(options: RawTcpListenOptions): Promise<RawListener>;
  /** Connects to a Unix domain socket (a path; a leading NUL byte means Linux's abstract namespace). */
  connectUnix(path: string, signal: AbortSignal): Promise<RawSocket>;
  /** Listens on a Unix domain socket path. */
  listenUnix(path: string, backlog?: number): Promise<RawListener>;
}
