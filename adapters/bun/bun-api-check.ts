/**
 * A type-level check, compiled only by the Bun project's type check
 * (`adapters/bun/tsconfig.json`, with `@types/bun`): the declarations of
 * Bun's socket API that `net.ts` and `tls.ts` make for themselves (the one program of the
 * typings and docs build has no Bun types) agree with Bun's real types.
 * Nothing here runs; nothing imports this file.
 *
 * @internal
 * @module
 */

import type { BunSocket, BunSocketHandler, BunRawSocket } from "./net.ts";
import type { BunTlsSocketHandler } from "./tls.ts";

/** Bun's real socket, carrying our state as its `data`, is usable as our `BunSocket`. */
type RealSocket = Bun.Socket<BunRawSocket | undefined>;
const socketCheck = (s: RealSocket): BunSocket => s;

/** Our handlers are valid Bun handlers. */
const handlerCheck = (h: BunSocketHandler): Bun.SocketHandler<BunRawSocket | undefined, "buffer"> => h;

/** Our connect and listen options are valid for Bun's `connect` and `listen`. */
const unixConnectCheck = (raw: BunRawSocket, h: BunSocketHandler): Promise<RealSocket> =>
  Bun.connect<BunRawSocket | undefined>({ unix: "/tmp/x.sock", data: raw, allowHalfOpen: true, socket: handlerCheck(h) });
const listenCheck = (h: BunSocketHandler): { hostname: string; port: number; stop(close?: boolean): void } =>
  Bun.listen<BunRawSocket | undefined>({ hostname: "127.0.0.1", port: 0, allowHalfOpen: true, socket: handlerCheck(h) });
const unixListenCheck = (h: BunSocketHandler): { stop(close?: boolean): void } =>
  Bun.listen<BunRawSocket | undefined>({ unix: "/tmp/x.sock", allowHalfOpen: true, socket: handlerCheck(h) });

/** Our TLS handlers (`tls.ts`) are valid Bun handlers, and our `upgradeTLS` options valid for Bun's. */
const tlsHandlerCheck = (h: BunTlsSocketHandler): Bun.SocketHandler<BunRawSocket | undefined, "buffer"> => h;
const upgradeCheck = (s: RealSocket, raw: BunRawSocket, h: BunTlsSocketHandler): [RealSocket, RealSocket] =>
  s.upgradeTLS<BunRawSocket | undefined>({ data: raw, tls: { cert: "", key: "", ALPNProtocols: new Uint8Array(0) }, socket: tlsHandlerCheck(h) });

export type { RealSocket };
export { socketCheck, handlerCheck, unixConnectCheck, listenCheck, unixListenCheck, tlsHandlerCheck, upgradeCheck };
