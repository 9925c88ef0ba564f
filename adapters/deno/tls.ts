/**
 * TLS on Deno, for {@link TlsSupport}: `node:tls` (`../shared/node-tls.ts`)
 * for TLS connections and listeners, and the native `Deno.startTls` for
 * STARTTLS over a native `Deno.Conn` (a plain `connectTcp` then `wrapTls`).
 *
 * Why `node:tls` and not `Deno.connectTls`/`Deno.listenTls`: Deno's native
 * TLS cannot turn verification off in code (only the
 * `--unsafely-ignore-certificate-errors` flag does), and `Deno.listenTls`
 * hands out connections before their handshake, so accepting would either
 * wait on one slow client or need a task per handshake here. So
 * `connectTcp(..., { tls })` connects with `node:net` (this capability's
 * `connectTcp`) and `node:tls` runs the handshake, as on Node and Bun. Both
 * modules are loaded on first use, not with the adapter (workers load the
 * adapter too). STARTTLS over a native conn with `verify: false` raises
 * `UnsupportedError`.
 *
 * `Deno.startTls` takes no signal: an aborted handshake rejects at once and
 * the connection is closed (at once, and again if the upgrade completes).
 *
 * @internal
 * @module
 */

import { UnsupportedError } from "../../src/core/errors.ts";
import type { RawListener, RawSocket, RawTcpConnectOptions, RawTcpListenOptions } from "../../src/net/net-support.ts";
import type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "../../src/net/tls-support.ts";
import { type DenoConn, DenoRawSocket } from "./net.ts";

interface DenoTlsConn extends DenoConn {
  handshake(): Promise<{ alpnProtocol: string | null }>;
}
interface DenoTlsApi {
  startTls(conn: DenoConn, options: { hostname?: string; caCerts?: string[]; alpnProtocols?: string[] }): Promise<DenoTlsConn>;
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

function startDenoTls(raw: DenoRawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
  if (!options.verify) {
    raw.close();
    return Promise.reject(new UnsupportedError("tls verify: false over a native Deno connection is not supported on the deno adapter (Deno.startTls always verifies)"));
  }
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      raw.close();
      reject(abortError(signal));
      return;
    }
    let done = false;
    let upgraded: DenoTlsConn | null = null;
    const onAbort = () => {
      done = true;
      if (upgraded !== null) upgraded.close();
      else raw.close();
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const fail = (error: unknown) => {
      signal.removeEventListener("abort", onAbort);
      if (upgraded !== null) {
        try {
          upgraded.close();
        } catch {
          // already closed
        }
      } else raw.close();
      if (!done) reject(error);
      done = true;
    };
    Deno.startTls(raw.conn, {
      hostname: options.serverName,
      ...(options.ca === undefined ? {} : { caCerts: [...options.ca] }),
      ...(options.alpnProtocols === undefined ? {} : { alpnProtocols: [...options.alpnProtocols] }),
    }).then((conn) => {
      upgraded = conn;
      if (done) {
        conn.close();
        return;
      }
      conn.handshake().then((info) => {
        signal.removeEventListener("abort", onAbort);
        if (done) return;
        done = true;
        resolve(new DenoRawTlsSocket(conn, info.alpnProtocol ?? null, options.standardCompatible === false));
      }, fail);
    }, fail);
  });
}

/** `node:tls` and `Deno.startTls` for {@link TlsSupport}. @internal */
export const denoTls: TlsSupport = {
  connectTcp(options: RawTcpConnectOptions, signal: AbortSignal): Promise<RawSocket> {
    return import("../shared/node-net.ts").then((m) => m.nodeStyleNet.connectTcp(options, signal));
  },
  startTls(raw: RawSocket, options: RawTlsClientOptions, signal: AbortSignal): Promise<RawTlsSocket> {
    if (raw instanceof DenoRawSocket) return startDenoTls(raw, options, signal);
    return loadNodeTls().then((m) => m.startNodeTls(raw, options, signal));
  },
  listenTls(tcp: RawTcpListenOptions, options: RawTlsServerOptions): Promise<RawListener> {
    return loadNodeTls().then((m) => m.listenNodeTls(tcp, options));
  },
};
