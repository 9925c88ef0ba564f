/**
 * TLS through `node:tls`, for {@link TlsSupport}: the Node and Bun adapters'
 * TLS, and the Deno adapter's for everything but STARTTLS over a native
 * `Deno.Conn` (see `adapters/deno/tls.ts`), through each runtime's Node
 * compatibility.
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
 * (`tlsClientError`) just destroys that socket.
 *
 * End of stream: `node:tls` reports a peer's TCP end without close_notify
 * exactly as a clean close_notify (checked on Node 24, Deno 2.9 and Bun
 * 1.4), so a truncated stream ends with end of stream here whatever
 * `standardCompatible` says. `shutdown` is `end()`: close_notify, then a TCP
 * end, reading goes on (TLS 1.3 half-close; checked on all three).
 *
 * Costs: one `TLSSocket` per connection on top of the TCP socket; a
 * handshake's abort listener lives until the handshake ends.
 *
 * @internal
 * @module
 */

import { isIP, type Server, type Socket } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from "node:tls";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawListener, RawSocket, RawTcpListenOptions, SocketAddress } from "../../src/net/net-support.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import { abortError, listenTcpWith, NodeRawListener, NodeRawSocket } from "./node-net.ts";

/** A `node:tls` socket as a {@link RawTlsSocket}. @internal */
export class NodeRawTlsSocket extends NodeRawSocket implements RawTlsSocket {
  readonly alpnProtocol: string | null;
  constructor(socket: TLSSocket, addresses?: readonly [SocketAddress, SocketAddress]) {
    super(socket, undefined, addresses);
    const alpn = socket.alpnProtocol;
    this.alpnProtocol = typeof alpn === "string" && alpn !== "" ? alpn : null;
  }
}

class NodeTlsListener extends NodeRawListener {
  protected override wrap(socket: Socket): RawSocket {
    return new NodeRawTlsSocket(socket as TLSSocket);
  }
}

/** Runs a `node:tls` client handshake over `raw`, a {@link NodeRawSocket}; see the module text. @internal */
export function startNodeTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      raw.close();
      reject(abortError(signal));
      return;
    }
    if (!(raw instanceof NodeRawSocket)) {
      raw.close();
      reject(new UnsupportedError("tls over this socket is not supported: only a node:net socket (an outgoing TCP connection) can start TLS here"));
      return;
    }
    const socket = raw.detach();
    if (socket === null) {
      raw.close();
      reject(new Error("this socket cannot start TLS: it is closed, ended, failed or busy"));
      return;
    }
    const addresses = [raw.localAddress, raw.remoteAddress] as const;
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
  return listenTcpWith(server as unknown as Server, tcp, (server) => new NodeTlsListener(server, undefined, "secureConnection"));
}

/** `node:tls` for {@link TlsSupport} (Node and Bun). @internal */
export const nodeStyleTls: TlsSupport = {
  startTls: startNodeTls,
  listenTls: listenNodeTls,
};
