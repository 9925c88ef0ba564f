/**
 * TLS on Bun, for {@link TlsSupport}: `node:tls` (`../shared/node-tls.ts`)
 * for clients, listeners and sockets made by `node:net` (outgoing TCP), and
 * Bun's native `socket.upgradeTLS` for the server side of STARTTLS over a
 * connection accepted by `Bun.listen` (a native socket, which `node:tls`
 * cannot wrap).
 *
 * Native upgrade: the {@link BunRawSocket} lets go of its socket
 * (`detach`), and `upgradeTLS({ tls: { cert, key } })` on a socket accepted
 * by a listener runs a server handshake (checked on Bun 1.4: the side is
 * the listener's). The TLS socket gets its own handlers and a
 * {@link BunRawTlsSocket} as its `data`, so reading and writing work as on
 * any native socket (same backpressure, same write rule); the `handshake`
 * handler settles the upgrade (its `authorizationError` is about a client
 * certificate, which is not asked for, so only `success` counts). The raw
 * socket Bun returns alongside keeps receiving the ciphertext; its `data`
 * is cleared, so the shared handlers ignore it. ALPN protocols go to Bun in
 * the wire format (length-prefixed names), which is what it takes.
 *
 * Client STARTTLS over an accepted native socket stays unsupported (the
 * upgrade would run as the server there).
 *
 * Costs: one object per upgraded socket; one abort listener while the
 * handshake runs.
 *
 * @internal
 * @module
 */

import type { RawSocket } from "../../src/net/net-support.ts";
import type { RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import { nodeStyleTls, startNodeTlsServer } from "../shared/node-tls.ts";
import { BunRawSocket, type BunSocket, type BunSocketHandler } from "./net.ts";

/** Bun's TLS handlers: the socket ones plus `handshake`. @internal */
export interface BunTlsSocketHandler extends BunSocketHandler {
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}

/** A native socket that can be upgraded to TLS, as far as this file uses it. @internal */
export interface BunUpgradableSocket extends BunSocket {
  upgradeTLS(options: {
    data: BunRawSocket;
    tls: { cert: string; key: string; ALPNProtocols?: Uint8Array };
    socket: BunTlsSocketHandler;
  }): [raw: BunSocket, tls: BunSocket];
}

/** A native TLS socket as a {@link RawTlsSocket}: a {@link BunRawSocket} that also settles its upgrade. @internal */
export class BunRawTlsSocket extends BunRawSocket implements RawTlsSocket {
  alpnProtocol: string | null = null;
  /** The upgrade's settlement, until the handshake ends. */
  #settle: ((error: unknown) => void) | null;

  constructor(settle: (error: unknown) => void) {
    super(undefined, true);
    this.#settle = settle;
  }

  /** Bun's `handshake`. */
  onHandshake(socket: BunSocket, success: boolean, error: Error | null): void {
    const settle = this.#settle;
    if (settle === null) return;
    this.#settle = null;
    if (success) {
      const alpn = (socket as { alpnProtocol?: unknown }).alpnProtocol;
      this.alpnProtocol = typeof alpn === "string" && alpn !== "" ? alpn : null;
      settle(undefined);
    } else settle(error ?? new Error("the TLS handshake failed"));
  }

  /** Bun's `close` (and `error`): before the handshake ended, it failed. */
  override onClose(error: Error | undefined): void {
    super.onClose(error);
    const settle = this.#settle;
    if (settle === null) return;
    this.#settle = null;
    settle(error ?? new Error("the peer closed the connection during the TLS handshake"));
  }
}

const tlsHandlers: BunTlsSocketHandler = {
  binaryType: "uint8array",
  open: (socket) => socket.data?.attach(socket),
  handshake: (socket, success, error) => (socket.data as BunRawTlsSocket | undefined)?.onHandshake(socket, success, error),
  data: (socket, data) => socket.data?.onData(data),
  drain: (socket) => socket.data?.onDrain(),
  end: (socket) => socket.data?.onEnd(),
  close: (socket, error) => socket.data?.onClose(error),
  error: (socket, error) => socket.data?.onClose(error),
};

/** ALPN protocol names in the TLS wire format (each prefixed by its length), as Bun takes them. */
function alpnWire(protocols: readonly string[]): Uint8Array {
  const names = protocols.map((p) => new TextEncoder().encode(p));
  const out = new Uint8Array(names.reduce((n, b) => n + 1 + b.length, 0));
  let at = 0;
  for (const name of names) {
    out[at++] = name.length;
    out.set(name, at);
    at += name.length;
  }
  return out;
}

/** Server-side STARTTLS over a connection accepted by `Bun.listen`; see the module text. */
function startBunTlsServer(raw: BunRawSocket, options: RawTlsServerOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      raw.close();
      reject(signal.reason);
      return;
    }
    const socket = raw.detach() as BunUpgradableSocket | null;
    if (socket === null) {
      raw.close();
      reject(new Error("this socket cannot start TLS: it is closed, ended, failed or busy"));
      return;
    }
    const onAbort = (): void => {
      tlsRaw.close();
      reject(signal.reason);
    };
    const tlsRaw = new BunRawTlsSocket((error) => {
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) {
        resolve(tlsRaw);
        return;
      }
      tlsRaw.close();
      reject(error);
    });
    tlsRaw.localAddress = raw.localAddress;
    tlsRaw.remoteAddress = raw.remoteAddress;
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      socket.upgradeTLS({
        data: tlsRaw,
        tls: { cert: options.cert, key: options.key, ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: alpnWire(options.alpnProtocols) }) },
        socket: tlsHandlers,
      });
    } catch (error) {
      signal.removeEventListener("abort", onAbort);
      socket.end();
      reject(error);
      return;
    }
    // `open` ran inside upgradeTLS and took the TLS socket's own addresses: keep the connection's.
    tlsRaw.localAddress = raw.localAddress;
    tlsRaw.remoteAddress = raw.remoteAddress;
  });
}

/** `node:tls`, and Bun's `upgradeTLS` for server-side STARTTLS over a native socket, for {@link TlsSupport}. @internal */
export const bunTls: TlsSupport = {
  ...nodeStyleTls,
  startTlsServer(raw: RawSocket, options: RawTlsServerOptions, signal: AbortSignal): Promise<RawTlsSocket> {
    if (raw instanceof BunRawSocket) return startBunTlsServer(raw, options, signal);
    return startNodeTlsServer(raw, options, signal);
  },
};

