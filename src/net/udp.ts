/**
 * UDP sockets (anyio's `create_udp_socket` and
 * `create_connected_udp_socket`), on any adapter with datagram support.
 *
 * A {@link UdpSocket} is unconnected: `sendTo` any address, `receive` gives
 * each datagram with its sender. A {@link ConnectedUdpSocket} has one fixed
 * peer: `send` and `receive` carry bare payloads, and the OS drops datagrams
 * from anyone else. Both are object streams of datagrams; UDP keeps message
 * boundaries and promises neither delivery nor order.
 *
 * Invariants:
 * - **Cancel-safe receive.** The adapter's receive in flight is never
 *   abandoned: a cancelled `receive` leaves it, and the next `receive` gets
 *   its datagram. No datagram is lost to a cancellation.
 * - `receive` is a checkpoint (as in anyio), so a flood of datagrams cannot
 *   starve the other tasks of the run.
 * - One `receive` and one send at a time per socket; a second concurrent one
 *   raises `BusyResourceError`. After `close()`, every call raises
 *   `ClosedResourceError`, and a task blocked in `receive` is woken with it.
 * - A runtime failure (a send the OS refuses) raises
 *   `BrokenResourceError` with the runtime's error as `cause`.
 * - The socket is a service of its run: it is closed when the run ends if
 *   the program did not close it, so nothing outlives the run.
 *
 * Costs: per datagram, one adapter promise and one waiter; a checkpoint per
 * `receive`.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, Cancelled, ClosedResourceError, UnsupportedError } from "../core/errors.ts";
import { blockedOn } from "../core/instrument.ts";
import type { Runner } from "../core/runner.ts";
import { checkContext, describeValue } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";
import type { DatagramSupport, RawDatagram, RawDatagramSocket } from "./datagram-support.ts";
import type { SocketAddress } from "./net-support.ts";

/**
 * A datagram and the address it came from (or goes to).
 *
 * @example
 * ```ts
 * const packet: UdpPacket = { data: new TextEncoder().encode("ping"), host: "127.0.0.1", port: 9999 };
 * ```
 */
export interface UdpPacket {
  /** The payload. */
  readonly data: Uint8Array;
  /** The peer's IP address. */
  readonly host: string;
  /** The peer's port. */
  readonly port: number;
}

/**
 * Options of {@link createUdpSocket}.
 *
 * @example
 * ```ts
 * const options: UdpSocketOptions = { localHost: "127.0.0.1", localPort: 0 };
 * ```
 */
export interface UdpSocketOptions {
  /** IP version: 4 or 6. Default: that of `localHost`, else 4. */
  readonly family?: 4 | 6;
  /** The local IP address to bind. Default: every interface of the family (`"0.0.0.0"` or `"::"`). */
  readonly localHost?: string;
  /** The local port; 0 (the default) lets the OS pick one. */
  readonly localPort?: number;
  /** Let several sockets bind the same address and port (where the runtime can). Default false. */
  readonly reusePort?: boolean;
}

/**
 * Options of {@link createConnectedUdpSocket}.
 *
 * @example
 * ```ts
 * const options: ConnectedUdpSocketOptions = { remoteHost: "127.0.0.1", remotePort: 9999 };
 * ```
 */
export interface ConnectedUdpSocketOptions extends UdpSocketOptions {
  /** The peer's IP address (or a name, resolved through the adapter). */
  readonly remoteHost: string;
  /** The peer's port. */
  readonly remotePort: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The IP version of an address literal, or 0 for a name. */
function literalFamily(host: string): 0 | 4 | 6 {
  return IPV4.test(host) ? 4 : host.includes(":") ? 6 : 0;
}

function checkPort(name: string, value: unknown, allowZero: boolean): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) {
    throw new RangeError(`${name} must be an integer port from ${allowZero ? 0 : 1} to 65535, got ${describeValue(value)}`);
  }
}

function checkHost(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value === "") throw new TypeError(`${name} must be a non-empty string, got ${describeValue(value)}`);
}

function checkBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${describeValue(value)}`);
}

function datagramsOf(cx: Context): { runner: Runner; support: DatagramSupport } {
  const runner = cx._task.runner;
  const support = runner.adapter.datagrams;
  if (support === undefined) throw new UnsupportedError(`UDP sockets are not supported on the ${runner.adapter.name} adapter`);
  return { runner, support };
}

/** Runs the adapter call `promise` as a blocking call of `cx` named `what`. */
function blockOn<T>(cx: Context, what: string, promise: Promise<T>, socket: UdpCore): Promise<T> {
  const waiter = new Waiter<T>();
  socket.blocked.add(waiter as Waiter<unknown>);
  promise.then(
    (value) => waiter.wake(value),
    (error: unknown) => waiter.fail(error),
  );
  const parked = parkWhereBlocked(waiter, cx.cancelScope);
  const done = (): void => {
    socket.blocked.delete(waiter as Waiter<unknown>);
  };
  parked.then(done, done);
  return cx._task.runner.instruments === null ? parked : blockedOn(cx, what, parked);
}

function describeAddress(a: SocketAddress): string {
  return a.family === "unix" ? a.path : a.family === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** What the two socket classes share: the raw socket, the guards, and closing. @internal */
class UdpCore {
  /** The adapter's receive in flight, kept across a cancelled `receive`. */
  pending: Promise<RawDatagram | null> | null = null;
  receiving = false;
  sending = false;
  closed = false;
  private released: Promise<void> | null = null;
  /** Waiters of tasks blocked on this socket, woken by `close()`. */
  readonly blocked: Set<Waiter<unknown>> = new Set();

  constructor(
    readonly raw: RawDatagramSocket,
    /** The run's set of open sockets, which closes this one when the run ends. */
    private readonly open: Set<UdpCore>,
  ) {}

  checkOpen(): void {
    if (this.closed) throw new ClosedResourceError("this UDP socket is closed");
  }

  async receive(cx: Context): Promise<RawDatagram> {
    this.checkOpen();
    if (this.receiving) throw new BusyResourceError("another task is already receiving on this UDP socket");
    this.receiving = true;
    try {
      await cx.checkpoint();
      this.checkOpen();
      const pending = (this.pending ??= this.raw.receive());
      const datagram = await blockOn(cx, `UDP receive on ${describeAddress(this.raw.localAddress)}`, pending, this);
      this.pending = null;
      if (datagram === null) throw new ClosedResourceError("this UDP socket is closed");
      return datagram;
    } finally {
      this.receiving = false;
    }
  }

  async send(cx: Context, data: Uint8Array, host?: string, port?: number): Promise<void> {
    this.checkOpen();
    if (this.sending) throw new BusyResourceError("another task is already sending on this UDP socket");
    cx.checkpointIfCancelled();
    this.sending = true;
    try {
      await blockOn(cx, `UDP send on ${describeAddress(this.raw.localAddress)}`, this.raw.send(data, host, port), this);
    } catch (error) {
      if (error instanceof ClosedResourceError || error instanceof Cancelled) throw error;
      throw this.closed ? new ClosedResourceError("this UDP socket is closed") : runtimeError(error);
    } finally {
      this.sending = false;
    }
  }

  /** Closes the socket, waking blocked tasks at once; resolves when the address is released. */
  close(): Promise<void> {
    if (this.closed) return this.released!;
    this.closed = true;
    this.released = this.raw.close();
    this.open.delete(this);
    const error = new ClosedResourceError("this UDP socket was closed while a task was blocked on it");
    for (const waiter of this.blocked) waiter.fail(error);
    this.blocked.clear();
    return this.released;
  }
}

/** The run's open UDP sockets, closed when the run ends: a run service. */
class OpenSockets extends Set<UdpCore> {
  async close(): Promise<void> {
    await Promise.all([...this].map((core) => core.close()));
  }
}
const OPEN_SOCKETS = Symbol("UDP sockets");
function openSockets(runner: Runner): OpenSockets {
  return runner.service(OPEN_SOCKETS, () => new OpenSockets());
}

function runtimeError(error: unknown): unknown {
  if (error instanceof BrokenResourceError || error instanceof BusyResourceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BrokenResourceError(`UDP send failed: ${message}`, { cause: error });
}

async function bind(cx: Context, options: UdpSocketOptions, defaultFamily: 4 | 6): Promise<UdpCore> {
  const { runner, support } = datagramsOf(cx);
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const { family, localHost, localPort = 0, reusePort = false } = options;
  if (family !== undefined && family !== 4 && family !== 6) throw new RangeError(`options.family must be 4 or 6, got ${describeValue(family)}`);
  if (localHost !== undefined) checkHost("options.localHost", localHost);
  checkPort("options.localPort", localPort, true);
  if (typeof reusePort !== "boolean") throw new TypeError(`options.reusePort must be a boolean, got ${describeValue(reusePort)}`);
  let fam: 4 | 6 = family ?? defaultFamily;
  let host = localHost;
  if (host !== undefined) {
    const literal = literalFamily(host);
    if (literal === 0) throw new TypeError(`options.localHost must be an IP address literal, got ${describeValue(host)}`);
    if (family !== undefined && literal !== family) {
      throw new RangeError(`options.localHost ${describeValue(host)} is not an IPv${family} address (options.family is ${family})`);
    }
    fam = literal;
  }
  host ??= fam === 6 ? "::" : "0.0.0.0";
  cx.checkpointIfCancelled();
  const raw = await cx.abandonOnCancel(support.bind({ family: fam, host, port: localPort, reusePort }));
  const open = openSockets(runner);
  const core = new UdpCore(raw, open);
  open.add(core);
  return core;
}

/** Resolves `host` to an address of `family` (literals as they are) through the adapter's lookup. */
async function resolve(cx: Context, host: string, family: 0 | 4 | 6): Promise<{ address: string; family: 4 | 6 }> {
  const literal = literalFamily(host);
  if (literal !== 0) return { address: host, family: literal };
  const net = cx._task.runner.adapter.net;
  if (net === undefined) throw new UnsupportedError(`name lookups are not supported on the ${cx._task.runner.adapter.name} adapter`);
  const found = await cx.abandonOnCancel(net.lookup(host, family, cx.signal));
  const first = found[0];
  if (first === undefined) throw new BrokenResourceError(`no address found for ${JSON.stringify(host)}`);
  return first;
}

/**
 * An unconnected UDP socket: sends to any address and receives from anyone.
 * Make one with {@link createUdpSocket}.
 *
 * @example
 * ```ts
 * await using udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
 * await udp.sendTo(cx, new TextEncoder().encode("ping"), "127.0.0.1", 9999);
 * const { data, host, port } = await udp.receive(cx);
 * ```
 */
export class UdpSocket implements AsyncDisposable {
  /** @internal */
  constructor(private readonly core: UdpCore) {}

  /** The bound address (with the port the OS picked). */
  get localAddress(): SocketAddress {
    return this.core.raw.localAddress;
  }

  /**
   * Waits for the next datagram; a checkpoint. Cancel-safe: a cancelled
   * receive loses no datagram.
   *
   * @throws {@link ClosedResourceError} if the socket is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const { data, host, port } = await udp.receive(cx);
   * ```
   */
  async receive(cx: Context): Promise<UdpPacket> {
    checkContext(cx, "UdpSocket.receive");
    const d = await this.core.receive(cx);
    return { data: d.data, host: d.host, port: d.port };
  }

  /**
   * Sends `data` as one datagram to `host:port` (an IP address or a name).
   *
   * @throws {@link ClosedResourceError} if the socket is closed.
   * @throws {@link BrokenResourceError} if the runtime refuses it (`cause`: its error).
   * @example
   * ```ts
   * await udp.sendTo(cx, new Uint8Array([1, 2, 3]), "127.0.0.1", 9999);
   * ```
   */
  async sendTo(cx: Context, data: Uint8Array, host: string, port: number): Promise<void> {
    checkContext(cx, "UdpSocket.sendTo");
    checkBytes("data", data);
    checkHost("host", host);
    checkPort("port", port, false);
    this.core.checkOpen();
    const localFamily = this.core.raw.localAddress.family;
    const target = await resolve(cx, host, localFamily === 6 ? 6 : 4);
    await this.core.send(cx, data, target.address, port);
  }

  /**
   * Sends `packet.data` to `packet.host:packet.port` (anyio's `send`).
   *
   * @example
   * ```ts
   * const packet = await udp.receive(cx);
   * await udp.send(cx, packet); // echo it back
   * ```
   */
  send(cx: Context, packet: UdpPacket): Promise<void> {
    checkContext(cx, "UdpSocket.send");
    if (packet === null || typeof packet !== "object") return Promise.reject(new TypeError(`packet must be a UdpPacket, got ${describeValue(packet)}`));
    return this.sendTo(cx, packet.data, packet.host, packet.port);
  }

  /**
   * Closes the socket; a task blocked on it gets `ClosedResourceError`.
   * Idempotent.
   *
   * @example
   * ```ts
   * await udp.close();
   * ```
   */
  close(): Promise<void> {
    return this.core.close();
  }

  /** Closes the socket (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A UDP socket with one fixed peer. Make one with
 * {@link createConnectedUdpSocket}.
 *
 * @example
 * ```ts
 * await using udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 9999 });
 * await udp.send(cx, new TextEncoder().encode("ping"));
 * const reply = await udp.receive(cx);
 * ```
 */
export class ConnectedUdpSocket implements AsyncDisposable {
  /** @internal */
  constructor(
    private readonly core: UdpCore,
    /** The peer's address. */
    readonly remoteAddress: SocketAddress,
  ) {}

  /** The bound address (with the port the OS picked). */
  get localAddress(): SocketAddress {
    return this.core.raw.localAddress;
  }

  /**
   * Waits for the next datagram from the peer; a checkpoint, cancel-safe.
   *
   * @throws {@link ClosedResourceError} if the socket is (or gets) closed.
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const bytes = await connected.receive(cx);
   * ```
   */
  async receive(cx: Context): Promise<Uint8Array> {
    checkContext(cx, "ConnectedUdpSocket.receive");
    return (await this.core.receive(cx)).data;
  }

  /**
   * Sends `data` to the peer as one datagram.
   *
   * @throws {@link ClosedResourceError} if the socket is closed.
   * @throws {@link BrokenResourceError} if the runtime refuses it (`cause`: its error).
   * @example
   * ```ts
   * await connected.send(cx, new Uint8Array([1]));
   * ```
   */
  async send(cx: Context, data: Uint8Array): Promise<void> {
    checkContext(cx, "ConnectedUdpSocket.send");
    checkBytes("data", data);
    await this.core.send(cx, data);
  }

  /**
   * Closes the socket; a task blocked on it gets `ClosedResourceError`.
   * Idempotent.
   *
   * @example
   * ```ts
   * await connected.close();
   * ```
   */
  close(): Promise<void> {
    return this.core.close();
  }

  /** Closes the socket (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates an unconnected UDP socket bound to `localHost:localPort`.
 *
 * @throws {@link UnsupportedError} on an adapter without UDP (browsers).
 * @throws {@link !TypeError} or {@link !RangeError} for a bad option, naming it.
 * @example
 * ```ts
 * import { createUdpSocket, run } from "skein";
 * await run(async (cx) => {
 *   await using server = await createUdpSocket(cx, { localHost: "127.0.0.1" });
 *   const { data, host, port } = await server.receive(cx);
 *   await server.sendTo(cx, data, host, port); // echo
 * });
 * ```
 */
export async function createUdpSocket(cx: Context, options: UdpSocketOptions = {}): Promise<UdpSocket> {
  checkContext(cx, "createUdpSocket");
  return new UdpSocket(await bind(cx, options, 4));
}

/**
 * Creates a UDP socket whose peer is fixed to `remoteHost:remotePort`; the
 * local side binds `localHost:localPort` (default: any interface of the
 * peer's family, a free port).
 *
 * @throws {@link UnsupportedError} on an adapter without UDP (browsers).
 * @throws {@link !TypeError} or {@link !RangeError} for a bad option, naming it.
 * @example
 * ```ts
 * import { createConnectedUdpSocket, run } from "skein";
 * await run(async (cx) => {
 *   await using udp = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: 9999 });
 *   await udp.send(cx, new TextEncoder().encode("ping"));
 * });
 * ```
 */
export async function createConnectedUdpSocket(cx: Context, options: ConnectedUdpSocketOptions): Promise<ConnectedUdpSocket> {
  checkContext(cx, "createConnectedUdpSocket");
  datagramsOf(cx);
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  checkHost("options.remoteHost", options.remoteHost);
  checkPort("options.remotePort", options.remotePort, false);
  const family = options.family ?? (options.localHost !== undefined ? literalFamily(options.localHost) || undefined : undefined);
  const remote = await resolve(cx, options.remoteHost, family ?? 0);
  const core = await bind(cx, options, remote.family);
  try {
    await cx.abandonOnCancel(core.raw.connect(remote.address, options.remotePort));
  } catch (error) {
    await core.close();
    throw error;
  }
  return new ConnectedUdpSocket(core, { family: remote.family, host: remote.address, port: options.remotePort });
}
