/**
 * TLS on Deno, for {@link TlsSupport}: the native `Deno.startTls` (clients,
 * over a native `Deno.Conn`) and `Deno.listenTls` (listeners), and
 * `node:tls` (`../shared/node-tls.ts`, loaded on first use, as is
 * `node:stream`) where the native API falls short: `verify: false` (Deno's
 * native TLS always verifies the chain: `unsafelyDisableHostnameVerification`,
 * the only switch Deno 2.9 has, still checks it), a socket made by
 * `node:net` (`localHost`), and the server side of STARTTLS.
 *
 * `node:tls` over a native connection: the `Deno.Conn` is wrapped in a Node
 * `Duplex` ({@link connDuplex}) and `node:tls` runs the handshake (client
 * or server) over it; a `node:net` socket goes to `node:tls` directly.
 * Deno's `node:tls` loses the end of stream of a TLS socket that was paused
 * and resumed (checked on Deno 2.9.6, over a `node:net` socket and over a
 * `Duplex` alike, in flowing and in paused mode: every byte arrives, `end`
 * and `close` never come), and pausing is how `NodeRawSocket` keeps
 * backpressure. So over a native connection the TLS socket is never paused:
 * its `pause`/`resume`/`isPaused` are redirected (`TlsFlow`) to the
 * `Duplex`, which then stops reading the connection. The memory a stalled
 * reader holds stays bounded (one 64 KiB native read, plus what `node:tls`
 * had already taken in) and the end of stream arrives. A TLS connection made
 * by `node:net` (`localHost`) still has the bug: a large transfer may hang
 * at its end.
 *
 * Why native first for verified clients: a native `TlsConn` is pull-based
 * like a `Deno.Conn`, and its TLS runs in Rust.
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
 * silent forever keeps that socket open (a Deno limitation: checked on Deno
 * 2.9.6, closing the `TlsConn`, or the consumed `Deno.Conn` (`BadResource`),
 * does not end the pending read, and no stable API takes a signal). The
 * `node:tls` handshakes (`verify: false`, server side) have no such limit:
 * aborting destroys the `Duplex`, which closes the native connection.
 *
 * Close of a native TLS connection: Deno 2.9.6 closes it in the background
 * (denoland/deno#10146), not at once as a plain `Deno.Conn`: the peer's
 * sends still succeed for tens of ms after it (checked: MBs over loopback)
 * before they break. With a send stuck in it (its peer not reading; a
 * cancelled send's write stays in flight), Deno cancels the write but goes
 * on flushing the ciphertext it had taken in, without limit, so the TCP
 * connection stays open as long as the peer does not read, and a peer's
 * send blocked on it is not broken (checked; plain TCP is: its close drops
 * the socket). The TCP connection is consumed by the TLS one, so the
 * adapter cannot drop it sooner: a Deno limitation.
 *
 * Costs: one object and one promise per connection; a handshake per
 * accepted connection on the listener's side.
 *
 * @internal
 * @module
 */

import type { Duplex } from "node:stream";
import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawListener, RawSocket, RawTcpListenOptions, SocketAddress } from "../../src/net/net-support.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import type { TlsFlow } from "../shared/node-tls.ts";
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
  protected override endsStream(error: unknown): boolean {
    return this.lenient && (error as { name?: unknown } | null)?.name === "UnexpectedEof";
  }

  /** As {@link DenoRawTlsSocket.endsStream}, for the promise form. */
  override async read(maxBytes: number): Promise<Uint8Array | null> {
    try {
      return await super.read(maxBytes);
    } catch (error) {
      if (this.endsStream(error)) return null;
      throw error;
    }
  }

  /** As {@link DenoRawTlsSocket.read}, for `receiveInto`. */
  override async readInto(buffer: Uint8Array): Promise<number | null> {
    try {
      return await super.readInto(buffer);
    } catch (error) {
      if (this.endsStream(error)) return null;
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

/**
 * A native connection as a Node `Duplex`, for `node:tls` to run over: one
 * native read in flight while Node wants data (stopped when `push` says its
 * buffer is full, or while `flow` is paused), writes in order, `final` is
 * `closeWrite`, `destroy` closes the connection. `flow` takes the TLS
 * socket's backpressure (see `TlsFlow` in `../shared/node-tls.ts`): a paused
 * flow reads nothing more from the connection, so the TLS socket itself never
 * pauses and its end of stream is not lost.
 */
function connDuplex(DuplexClass: typeof Duplex, conn: DenoConn): { duplex: Duplex; flow: TlsFlow } {
  let reading = false;
  let held = false;
  let wanted = false;
  let buffer: Uint8Array | null = null;
  const pull = (): void => {
    if (reading) return;
    if (held) {
      wanted = true;
      return;
    }
    reading = true;
    buffer ??= new Uint8Array(65536);
    conn.read(buffer).then(
      (n) => {
        reading = false;
        if (n === null) duplex.push(null);
        else if (duplex.push(buffer!.slice(0, n))) pull();
      },
      (error: unknown) => duplex.destroy(error as Error),
    );
  };
  const duplex: Duplex = new DuplexClass({
    read: pull,
    write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
      const next = (at: number): void => {
        if (at >= chunk.length) {
          callback();
          return;
        }
        conn.write(chunk.subarray(at)).then((n) => next(at + n), (error: unknown) => callback(error as Error));
      };
      next(0);
    },
    final(callback: (error?: Error | null) => void) {
      conn.closeWrite().then(() => callback(), (error: unknown) => callback(error as Error));
    },
    destroy(error: Error | null, callback: (error?: Error | null) => void) {
      closeQuietly(conn);
      callback(error);
    },
  });
  const flow: TlsFlow = {
    pause: () => {
      held = true;
    },
    resume: () => {
      held = false;
      if (wanted) {
        wanted = false;
        pull();
      }
    },
    isPaused: () => held,
  };
  return { duplex, flow };
}

/** `node:tls` (a client handshake, or a server one) over a native connection, through {@link connDuplex}. */
function startNodeTlsOverConn(
  raw: DenoRawSocket,
  signal: AbortSignal,
  start: (m: typeof import("../shared/node-tls.ts"), duplex: Duplex, addresses: readonly [SocketAddress, SocketAddress], flow: TlsFlow) => Promise<RawTlsSocket>,
): Promise<RawTlsSocket> {
  if (signal.aborted) {
    raw.close();
    return Promise.reject(abortError(signal));
  }
  const addresses = [raw.localAddress, raw.remoteAddress] as const;
  return Promise.all([loadNodeTls(), import("node:stream")]).then(
    ([m, stream]) => {
      if (signal.aborted) {
        raw.close();
        throw abortError(signal);
      }
      const { duplex, flow } = connDuplex(stream.Duplex, raw.conn);
      return start(m, duplex, addresses, flow);
    },
    (error: unknown) => {
      raw.close();
      throw error;
    },
  );
}

/** `Deno.listenTls`, handing out connections whose handshake is done (see the module text). */
class DenoTlsRawListener implements RawListener {
  readonly address: SocketAddress;
  private readonly ready: RawTlsSocket[] = [];
  private readonly handshaking = new Set<DenoTlsConn>();
  /** The native accept in flight: Deno frees the address only once it settled after a close. */
  private accepting: Promise<DenoTlsConn> | null = null;
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

  /** Closes the listener; resolves once Deno freed the address (see `DenoRawListener.close` in net.ts). */
  close(): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.closed = true;
    closeQuietly(this.listener);
    for (const conn of this.handshaking) closeQuietly(conn);
    this.handshaking.clear();
    for (const raw of this.ready.splice(0)) raw.close();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(null);
    return this.accepting?.then(
      () => {},
      () => {},
    );
  }

  /** Keeps one native accept in flight until the listener is closed. */
  private pump(): void {
    if (this.accepting !== null || this.closed) return;
    const accepting = this.listener.accept();
    this.accepting = accepting;
    accepting.then(
      (conn) => {
        this.accepting = null;
        if (this.closed) {
          closeQuietly(conn);
          return;
        }
        this.handshake(conn);
        this.pump();
      },
      (error: unknown) => {
        this.accepting = null;
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

/** `Deno.startTls`, `Deno.listenTls`, and `node:tls` where they fall short (`verify: false`, server-side STARTTLS), for {@link TlsSupport}. @internal */
export const denoTls: TlsSupport = {
  startTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
    if (raw instanceof DenoRawSocket) {
      if (options.verify) return startDenoTls(raw, options, signal);
      return startNodeTlsOverConn(raw, signal, (m, duplex, addresses, flow) => m.startNodeTlsOver(duplex, addresses, options, signal, flow));
    }
    return loadNodeTls().then((m) => m.startNodeTls(raw, options, signal));
  },
  startTlsServer(raw: RawSocket, options: RawTlsServerOptions, signal: AbortSignal): Promise<RawTlsSocket> {
    if (raw instanceof DenoRawSocket) {
      return startNodeTlsOverConn(raw, signal, (m, duplex, addresses, flow) => m.startNodeTlsServerOver(duplex, addresses, options, signal, flow));
    }
    return loadNodeTls().then((m) => m.startNodeTlsServer(raw, options, signal));
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
