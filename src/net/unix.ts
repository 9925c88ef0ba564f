/**
 * Unix domain sockets: `connectUnix` and `createUnixListener`, on the
 * adapter's networking. The streams and listeners are the same classes as
 * TCP's ({@link SocketStream}, {@link SocketListener}). A path starting with
 * a NUL byte names a socket in Linux's abstract namespace.
 *
 * Costs: one adapter call each.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { Cancelled } from "../core/errors.ts";
import { checkContext, describeValue } from "../core/validate.ts";
import { awaitOwned, netOf } from "./await-raw.ts";
import { ConnectError } from "./connect-error.ts";
import { SocketListener } from "./listener.ts";
import { SocketStream } from "./socket-stream.ts";

/**
 * Options of {@link createUnixListener}.
 *
 * @example
 * ```ts
 * const options: UnixListenerOptions = { path: "/tmp/app.sock", backlog: 128 };
 * ```
 */
export interface UnixListenerOptions {
  /** The socket's path (it must not exist yet); a leading NUL byte: Linux's abstract namespace. */
  readonly path: string;
  /** The length of the queue of connections not yet accepted. */
  readonly backlog?: number;
}

function checkPath(name: string, path: unknown): asserts path is string {
  if (typeof path !== "string") throw new TypeError(`${name} must be a string, got ${describeValue(path)}`);
  if (path === "") throw new RangeError(`${name} must not be empty`);
}

/**
 * Connects to the Unix domain socket at `path`; a checkpoint, cancellable.
 *
 * @throws {@link !TypeError} if `path` is not a string.
 * @throws {@link !RangeError} if `path` is empty.
 * @throws {@link ConnectError} if the connection failed (no such socket, refused); `cause` is the runtime's error.
 * @throws {@link UnsupportedError} if the runtime has no Unix sockets (browsers).
 * @example
 * ```ts
 * import { connectUnix, run } from "skein";
 * await run(async (cx) => {
 *   await using stream = await connectUnix(cx, "/run/app.sock");
 *   await stream.send(cx, new TextEncoder().encode("status\n"));
 * });
 * ```
 */
export async function connectUnix(cx: Context, path: string): Promise<SocketStream> {
  checkContext(cx, "connectUnix");
  checkPath("path", path);
  const net = netOf(cx, "unix sockets");
  const origin = cx.cancelScope._origin;
  if (origin !== null) throw origin._raise();
  const controller = new AbortController();
  try {
    const raw = await awaitOwned(cx, `connect unix ${path}`, net.connectUnix(path, controller.signal), (late) => late.close());
    return new SocketStream(raw, "unix");
  } catch (error) {
    if (error instanceof Cancelled) throw error;
    throw new ConnectError(path, undefined, [{ address: path, error }]);
  } finally {
    controller.abort();
  }
}

/**
 * Listens on a Unix domain socket at `options.path`; a checkpoint. The
 * adapter removes the socket file when the listener is closed.
 *
 * @throws {@link !TypeError} if `options.path` is not a string or `options.backlog` not a number.
 * @throws {@link !RangeError} if `options.path` is empty or `options.backlog` not a whole number >= 0.
 * @throws {@link UnsupportedError} if the runtime has no Unix sockets (browsers).
 * @throws {@link !Error} the runtime's error (EADDRINUSE and the like) if it cannot listen.
 * @example
 * ```ts
 * import { createUnixListener, run } from "skein";
 * await run(async (cx) => {
 *   await using listener = await createUnixListener(cx, { path: "/tmp/app.sock" });
 *   await listener.serve(cx, async (stream, cx) => {
 *     await stream.send(cx, new TextEncoder().encode("hello\n"));
 *   });
 * });
 * ```
 */
export async function createUnixListener(cx: Context, options: UnixListenerOptions): Promise<SocketListener> {
  checkContext(cx, "createUnixListener");
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const { path, backlog } = options;
  checkPath("options.path", path);
  if (backlog !== undefined) {
    if (typeof backlog !== "number") throw new TypeError(`options.backlog must be a number, got ${describeValue(backlog)}`);
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`options.backlog must be a whole number >= 0, got ${describeValue(backlog)}`);
  }
  const net = netOf(cx, "unix sockets");
  const origin = cx.cancelScope._origin;
  if (origin !== null) throw origin._raise();
  const raw = await awaitOwned(cx, `listen unix ${path}`, net.listenUnix(path, backlog), (late) => late.close());
  return new SocketListener(raw, "unix");
}
