/**
 * TLS on Deno, for {@link TlsSupport}: the native `Deno.startTls` (clients,
 * over a native `Deno.Conn`) and `Deno.listenTls` (listeners), and
 * `node:tls` (`../shared/node-tls.ts`, loaded on first use) where the native
 * API falls short: `verify: false` (Deno's native TLS always verifies the
 * chain) and a socket made by `node:net` (`localHost`).
 *
 * Why native first: Deno's `node:tls` loses the end of stream of a TLS
 * socket that was paused and resumed (checked on Deno 2.9: every byte
 * arrives, `end` never comes), and pausing is how the `node:net` adapter
 * keeps backpressure; a native `TlsConn` is pull-based like a `Deno.Conn`.
 * So `verify: false` on Deno may hang at the end of a large transfer (a Deno
 * bug, reported in the TLS notes).
 *
 * Listener: `Deno.listenTls` hands out connections before their handshake.
 * The listener keeps one native `accept` in flight from the start until it
 * is closed, and runs each accepted connection's handshake concurrently (a
 * slow client does not hold up the others); finished ones queue up for
 * `accept`, failed ones are closed and forgotten. As with `node:tls` (whose
 * server accepts and handshakes on its own), connections nobody accepts
 * queue up; a client's handshake completes whether or not `accept` runs.
 *
 * Cancellation: `Deno.startTls` and `handshake` take no signal. An aborted
 * handshake rejects at once and closes the connection; Deno then releases
 * the TCP connection when its pending handshake read ends, i.e. as soon as
 * the peer sends anything or closes (checked), not before: a peer that stays
 * silent forever keeps that socket open (a Deno limitation).
 *
 * Costs: one object and one promise per connection; a handshake per
 * accepted connection on the listener's side.
 *
 * @internal
 * @module
 */

import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawListener, RawSocket, RawTcpConnectOptions, RawTcpListenOptions, SocketAddress } from "../../src/net/net-support.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import { addressOf, type DenoConn, type DenoListener, DenoRawSocket, denoNet } from "./net.ts";

interface DenoTlsConn extends DenoConn {
  handshake(): Promise<{ alpnProtocol: string | null }>;
}
interface DenoTlsListener extends DenoListener {
  accept(): Promise<DenoTlsConn>;
}
interface DenoTlsApi {
  startTls(conn: DenoConn, options: { hostname?: string; caCerts?: string[]; alpnProtocols?: string[] }): Promise<DenoTlsConn>;
  listenTls(options: { hostname: string; port: number; transport: "tcp"; cert: string; key: string; alpnProtocols?: string[] }): DenoTlsListener;
}
const Deno = (globalThis as unknown as { Deno: DenoTlsApi }).Deno;

class DenoRawTlsSocket extends DenoRawSocket implements RawTlsSocket {
  constructor(
    conn: DenoConn,
    readonly alpnProtocol: string | null,
    private readonly lenient: boolean,
  ) {
    super(conn);
  }

  /** With `standardCompatible: false`, rustls's "closed without close_notify" (`UnexpectedEof`) is end of stream. */
  override async read(maxBytes: number): Promise<Uint8Array | null> {
    try {
      return await super.read(maxBytes);
    } catch (error) {
      if (this.lenient && (error as { name?: unknown } | null)?.name === "UnexpectedEof") return null;
      throw error;
    }
  }
}

let nodeTls: Promise<typeof import("../shared/node-tls.ts")> | null = null;
function loadNodeTls(): Promise<typeof import("../shared/node-tls.ts")> {
  return (nodeTls ??= import("../shared/node-tls.ts"));
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

function startDenoTls(raw: DenoRawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      raw.close();
      reject(abortError(signal));
      return;
    }
    if (raw.readAhead > 0) {
      // Bytes past the plaintext, already read: Deno.startTls could not see them.
      raw.close();
      reject(new Error(`${raw.readAhead} bytes arrived before the TLS handshake began`));
      return;
    }
    let done = false;
    let upgraded: DenoTlsConn | null = null;
    const finish = (error: unknown) => {
      signal.removeEventListener("abort", onAbort);
      if (upgraded !== null) closeQuietly(upgraded);
      else raw.close();
      if (!done) reject(error);
      done = true;
    };
    const onAbort = () => finish(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Deno.startTls(raw.conn, {
      hostname: options.serverName,
      ...(options.ca === undefined ? {} : { caCerts: [...options.ca] }),
      ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: [...options.alpnProtocols] }),
    }).then((conn) => {
      upgraded = conn;
      if (done) {
        closeQuietly(conn);
        return;
      }
      conn.handshake().then((info) => {
        if (done) return;
        done = true;
        signal.removeEventListener("abort", onAbort);
        resolve(new DenoRawTlsSocket(conn, info.alpnProtocol ?? null, options.standardCompatible === false));
      }, finish);
    }, finish);
  });
}

/** `Deno.listenTls`, handing out connections whose handshake is done (see the module text). */
class DenoTlsRawListener implements RawListener {
  readonly address: SocketAddress;
  private readonly ready: RawTlsSocket[] = [];
  private readonly handshaking = new Set<DenoTlsConn>();
  private accepting = false;
  private closed = false;
  private failure: { error: unknown } | null = null;
  private waiting: { resolve: (socket: RawSocket | null) => void; reject: (error: unknown) => void } | null = null;

  constructor(private readonly listener: DenoTlsListener) {
    this.address = addressOf(listener.addr);
    this.pump();
  }

  accept(): Promise<RawSocket | null> {
    const ready = this.ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(null);
    const failure = this.failure;
    if (failure !== null) {
      this.failure = null;
      return Promise.reject(failure.error);
    }
    this.pump();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.listener);
    for (const conn of this.handshaking) closeQuietly(conn);
    this.handshaking.clear();
    for (const raw of this.ready.splice(0)) raw.close();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(null);
  }

  /** Keeps one native accept in flight until the listener is closed. */
  private pump(): void {
    if (this.accepting || this.closed) return;
    this.accepting = true;
    this.listener.accept().then(
      (conn) => {
        this.accepting = false;
        if (this.closed) {
          closeQuietly(conn);
          return;
        }
        this.handshake(conn);
        this.pump();
      },
      (error: unknown) => {
        this.accepting = false;
        if (this.closed) return;
        const waiting = this.waiting;
        if (waiting !== null) {
          this.waiting = null;
          waiting.reject(error);
        } else this.failure ??= { error };
        // The next accept tries again (out of file descriptors, say): pumping resumes then.
      },
    );
  }

  private handshake(conn: DenoTlsConn): void {
    this.handshaking.add(conn);
    conn.handshake().then(
      (info) => {
        if (!this.handshaking.delete(conn)) return; // closed meanwhile
        conn.setNoDelay?.(true);
        const raw = new DenoRawTlsSocket(conn, info.alpnProtocol ?? null, false);
        const waiting = this.waiting;
        if (waiting !== null) {
          this.waiting = null;
          waiting.resolve(raw);
        } else this.ready.push(raw);
      },
      () => {
        // A client whose handshake failed never reaches accept.
        if (this.handshaking.delete(conn)) closeQuietly(conn);
      },
    );
  }
}

/** `Deno.startTls`, `Deno.listenTls`, and `node:tls` where they fall short, for {@link TlsSupport}. @internal */
export const denoTls: TlsSupport = {
  connectTcp(options: RawTcpConnectOptions, tls: RawTlsClientOptions, signal: AbortSignal): Promise<RawSocket> {
    if (!tls.verify) return import("../shared/node-net.ts").then((m) => m.nodeStyleNet.connectTcp(options, signal));
    return denoNet.connectTcp(options, signal);
  },
  startTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
    if (raw instanceof DenoRawSocket) {
      if (options.verify) return startDenoTls(raw, options, signal);
      raw.close();
      return Promise.reject(new UnsupportedError("tls verify: false over a native Deno connection is not supported on the deno adapter (Deno.startTls always verifies)"));
    }
    return loadNodeTls().then((m) => m.startNodeTls(raw, options, signal));
  },
  listenTls(tcp: RawTcpListenOptions, options: RawTlsServerOptions): Promise<RawListener> {
    if (tcp.reusePort === true) {
      return Promise.reject(new UnsupportedError("tcp reusePort is not supported on the deno adapter (Deno.listenTls's reusePort is unstable)"));
    }
    try {
      const listen = (hostname: string) =>
        Deno.listenTls({
          hostname,
          port: tcp.port,
          transport: "tcp",
          cert: options.cert,
          key: options.key,
          ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: [...options.alpnProtocols] }),
        });
      if (tcp.host !== undefined) return Promise.resolve(new DenoTlsRawListener(listen(tcp.host)));
      let listener: DenoTlsListener;
      try {
        listener = listen("::");
      } catch {
        listener = listen("0.0.0.0");
      }
      return Promise.resolve(new DenoTlsRawListener(listener));
    } catch (error) {
      return Promise.reject(error);
    }
  },
};
