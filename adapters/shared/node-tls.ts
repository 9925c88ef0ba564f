/**
 * TLS through `node:tls`, for {@link TlsSupport}: the Node adapter's TLS,
 * the Bun adapter's but for server STARTTLS over a native socket
 * (`adapters/bun/tls.ts`), and the Deno adapter's for `verify: false`,
 * server STARTTLS and `node:net` sockets (`adapters/deno/tls.ts`: there the
 * handshakes run over a `Duplex` and a {@link TlsFlow}), through each
 * runtime's Node compatibility.
 *
 * Client: `startTls` takes the Node socket out of the adapter's
 * {@link NodeRawSocket} (`detach`: its listeners removed, unread bytes put
 * back) and runs `tls.connect({ socket })` over it; the resulting
 * `TLSSocket` is a `net.Socket`, so the same {@link NodeRawSocket} reads and
 * writes it (same backpressure, same write rule). Verification: the chain
 * against `ca` (or Node's roots) and the name with Node's own
 * `checkServerIdentity`; `verify: false` turns both off. An IP literal as
 * `serverName` is checked against the certificate's IP addresses and not
 * sent as SNI (RFC 6066 forbids it).
 *
 * Server: `tls.createServer`, sockets handed out on `secureConnection`, so
 * `accept` only ever sees finished handshakes; a failed handshake
 * (`tlsClientError`) just destroys that socket, and closing the listener
 * destroys the ones still in their handshake (`server.close()` does not). Server-side STARTTLS
 * (`startNodeTlsServer`): `new TLSSocket(socket, { isServer: true })` over
 * the detached socket, done on `secure`; an `error`, or an `end` or `close`
 * before `secure` (a peer that hung up), fails it. The socket may also be
 * any Node `Duplex` (the Deno adapter passes one over a native `Deno.Conn`).
 *
 * End of stream: `node:tls` reports a peer's TCP end without close_notify
 * exactly as a clean close_notify (checked on Node 24, Deno 2.9 and Bun
 * 1.4), so a truncated stream ends with end of stream here whatever
 * `standardCompatible` says. `shutdown` is `end()`: close_notify, then a TCP
 * end, reading goes on (TLS 1.3 half-close; checked on all three).
 *
 * Close: graceful when nothing would be lost (no unread bytes held, none
 * left to write): `end()` (close_notify, then a TCP end), the socket reading
 * on and discarding until the peer ends, unreferenced, destroyed on the
 * peer's end, on any application byte arriving (a peer sending to a closed
 * stream gets a reset, as over TCP), or after {@link CLOSE_GRACE_MS}. A
 * destroy at once (the old way) left the server's TLS 1.3 session tickets
 * unread on a client that closed right after its handshake: the kernel
 * answered them with a reset, and the server got ECONNRESET instead of the
 * end of stream after the client's last bytes (Node 24). Otherwise
 * destroyed at once.
 *
 * Costs: one `TLSSocket` per connection on top of the TCP socket; a
 * handshake's abort listener lives until the handshake ends; a closed
 * socket, up to {@link CLOSE_GRACE_MS} of lingering and one timer.
 *
 * @internal
 * @module
 */

import { isIP, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, createSecureContext, createServer as createTlsServer, TLSSocket } from "node:tls";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawListener, RawSocket, RawTcpListenOptions, SocketAddress } from "../../src/net/net-support.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import { abortError, listenTcpWith, NodeRawListener, NodeRawSocket } from "./node-net.ts";

/** How long a closed TLS socket waits for its peer's end before it is destroyed anyway (see the module text). */
const CLOSE_GRACE_MS = 1000;

/** A `node:tls` socket as a {@link RawTlsSocket}. @internal */
export class NodeRawTlsSocket extends NodeRawSocket implements RawTlsSocket {
  readonly alpnProtocol: string | null;
  constructor(socket: TLSSocket, addresses?: readonly [SocketAddress, SocketAddress]) {
    super(socket, undefined, addresses);
    const alpn = socket.alpnProtocol;
    this.alpnProtocol = typeof alpn === "string" && alpn !== "" ? alpn : null;
  }

  /**
   * A graceful close when nothing is lost by it (no unread bytes, no
   * unwritten ones): close_notify and a TCP end, the socket reading on
   * (discarding) until the peer ends, for at most {@link CLOSE_GRACE_MS},
   * unreferenced. Destroyed at once if application bytes arrive meanwhile
   * (the peer sends to a closed stream: it gets a reset, as with TCP).
   */
  protected override letGo(unread: boolean): void {
    const socket = this.socket;
    if (unread || socket.destroyed || socket.writableLength > 0) {
      socket.destroy();
      return;
    }
    const destroy = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(destroy, CLOSE_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
    socket.on("data", destroy);
    socket.once("end", destroy);
    socket.once("close", destroy);
    socket.unref();
    socket.end();
    socket.resume();
  }
}

class NodeTlsListener extends NodeRawListener {
  /** The connections still in their handshake, by peer address: `server.close()` leaves them open. */
  private readonly handshaking = new Map<string, Socket>();

  constructor(server: Server) {
    super(server, undefined, "secureConnection");
    const handshaking = this.handshaking;
    // tls.Server emits the plain socket on "connection" (its own listener wraps it first) and the TLS socket on
    // "secureConnection"; the peer's address and port tie the two together (`_parent` does on Node, not on Bun).
    server.on("connection", (socket: Socket) => {
      const key = peerOf(socket);
      handshaking.set(key, socket);
      socket.once("close", () => {
        if (handshaking.get(key) === socket) handshaking.delete(key);
      });
    });
    server.on("secureConnection", (socket: TLSSocket) => handshaking.delete(peerOf(socket)));
  }

  /** Also drops the connections still in their handshake (a client that never sends its hello would keep its socket, and the process, alive until `node:tls`'s 120 s handshake timeout). */
  override close(): void {
    super.close();
    for (const socket of this.handshaking.values()) socket.destroy();
    this.handshaking.clear();
  }

  protected override wrap(socket: Socket): RawSocket {
    return new NodeRawTlsSocket(socket as TLSSocket);
  }
}

/** "address|port" of a socket's peer. */
function peerOf(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/**
 * Where a TLS socket's backpressure goes instead of pausing it: `pause`,
 * `resume` and `isPaused` of the `TLSSocket` are redirected to these (the
 * source of the ciphertext is held instead). The Deno adapter uses it: Deno's
 * `node:tls` loses the end of stream of a TLS socket that was paused. @internal
 */
export interface TlsFlow {
  pause(): void;
  resume(): void;
  isPaused(): boolean;
}

function redirectFlow(tls: TLSSocket, flow: TlsFlow | undefined): void {
  if (flow === undefined) return;
  const resume = tls.resume.bind(tls);
  tls.pause = () => {
    flow.pause();
    return tls;
  };
  tls.resume = () => {
    flow.resume();
    return resume();
  };
  tls.isPaused = () => flow.isPaused();
}

/** Runs a `node:tls` client handshake over `raw`, a {@link NodeRawSocket}; see the module text. @internal */
export function startNodeTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  const socket = detachForTls(raw, " (an outgoing TCP connection)");
  if (socket instanceof Error) return Promise.reject(socket);
  return startNodeTlsOver(socket, [raw.localAddress, raw.remoteAddress], options, signal);
}

/**
 * Takes the `node:net` socket out of `raw` for a TLS handshake over it, or
 * closes `raw` and returns the error to reject with (not a node:net socket;
 * closed, ended, failed or busy).
 */
function detachForTls(raw: RawSocket, what: string): Socket | Error {
  if (!(raw instanceof NodeRawSocket)) {
    raw.close();
    return new UnsupportedError(`tls over this socket is not supported: only a node:net socket${what} can start TLS here`);
  }
  const socket = raw.detach();
  if (socket === null) {
    raw.close();
    return new Error("this socket cannot start TLS: it is closed, ended, failed or busy");
  }
  return socket;
}

/** An aborted `signal` before a handshake starts: destroys `socket`, rejects, and says so. */
function rejectIfAborted(socket: Duplex, signal: AbortSignal, reject: (error: unknown) => void): boolean {
  if (!signal.aborted) return false;
  socket.destroy();
  reject(abortError(signal));
  return true;
}

/**
 * Runs a `node:tls` client handshake over `socket` (a detached `node:net`
 * socket, or any `Duplex`), owned from the call on: destroyed on failure or
 * abort. `addresses` are the connection's (local, remote). @internal
 */
export function startNodeTlsOver(
  socket: Duplex,
  addresses: readonly [SocketAddress, SocketAddress],
  options: RawTlsClientOptions,
  signal: AbortSignal,
  flow?: TlsFlow,
): Promise<RawTlsSocket> {
  return new Promise((resolve, reject) => {
    if (rejectIfAborted(socket, signal, reject)) return;
    const name = options.serverName;
    const tls = tlsConnect({
      socket,
      host: name,
      ...(isIP(name) === 0 ? { servername: name } : {}),
      ...(options.ca === undefined ? {} : { ca: [...options.ca] }),
      rejectUnauthorized: options.verify,
      ...(options.verify ? {} : { checkServerIdentity: () => undefined }),
      ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: [...options.alpnProtocols] }),
    });
    redirectFlow(tls, flow);
    const onAbort = () => {
      tls.destroy();
      socket.destroy();
      reject(abortError(signal));
    };
    const onError = (error: Error) => {
      signal.removeEventListener("abort", onAbort);
      tls.destroy();
      socket.destroy();
      reject(error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    tls.once("error", onError);
    tls.once("secureConnect", () => {
      signal.removeEventListener("abort", onAbort);
      tls.off("error", onError);
      resolve(new NodeRawTlsSocket(tls, addresses));
    });
  });
}

/**
 * Runs a `node:tls` server handshake over `socket` (a detached `node:net`
 * socket, or any `Duplex`), owned from the call on: destroyed on failure or
 * abort. `addresses` are the connection's (local, remote). @internal
 */
export function startNodeTlsServerOver(
  socket: Duplex,
  addresses: readonly [SocketAddress, SocketAddress],
  options: RawTlsServerOptions,
  signal: AbortSignal,
  flow?: TlsFlow,
): Promise<RawTlsSocket> {
  return new Promise((resolve, reject) => {
    if (rejectIfAborted(socket, signal, reject)) return;
    let tls: TLSSocket;
    try {
      tls = new TLSSocket(socket as Socket, {
        isServer: true,
        secureContext: createSecureContext({ cert: options.cert, key: options.key }),
        ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: [...options.alpnProtocols] }),
      });
    } catch (error) {
      socket.destroy();
      reject(error);
      return;
    }
    redirectFlow(tls, flow);
    const fail = (error: unknown) => {
      signal.removeEventListener("abort", onAbort);
      tls.off("error", fail);
      tls.off("end", onHangUp);
      tls.off("close", onHangUp);
      tls.on("error", () => {}); // late errors of a socket being destroyed
      tls.destroy();
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(abortError(signal));
    const onHangUp = () => fail(new Error("the peer closed the connection during the TLS handshake"));
    signal.addEventListener("abort", onAbort, { once: true });
    tls.once("error", fail);
    tls.once("end", onHangUp);
    tls.once("close", onHangUp);
    tls.once("secure", () => {
      signal.removeEventListener("abort", onAbort);
      tls.off("error", fail);
      tls.off("end", onHangUp);
      tls.off("close", onHangUp);
      resolve(new NodeRawTlsSocket(tls, addresses));
    });
  });
}

/** Server-side STARTTLS over `raw`, a {@link NodeRawSocket}; see the module text. @internal */
export function startNodeTlsServer(raw: RawSocket, options: RawTlsServerOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  const socket = detachForTls(raw, "");
  if (socket instanceof Error) return Promise.reject(socket);
  return startNodeTlsServerOver(socket, [raw.localAddress, raw.remoteAddress], options, signal);
}

/** Starts a `node:tls` server listening on TCP; see the module text. @internal */
export function listenNodeTls(tcp: RawTcpListenOptions, options: RawTlsServerOptions): Promise<RawListener> {
  const server = createTlsServer({
    cert: options.cert,
    key: options.key,
    allowHalfOpen: true,
    noDelay: true,
    ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: [...options.alpnProtocols] }),
  });
  // A client whose handshake fails never reaches accept: its socket is dropped.
  server.on("tlsClientError", (_error: Error, socket: TLSSocket) => socket.destroy());
  return listenTcpWith(server as unknown as Server, tcp, (server) => new NodeTlsListener(server));
}

/** `node:tls` for {@link TlsSupport} (Node and Bun). @internal */
export const nodeStyleTls: TlsSupport = {
  startTls: startNodeTls,
  startTlsServer: startNodeTlsServer,
  listenTls: listenNodeTls,
};
