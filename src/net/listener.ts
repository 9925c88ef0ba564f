/**
 * Listeners: the {@link Listener} interface (anyio's `Listener`) and
 * {@link SocketListener}, a TCP or Unix listening socket on the adapter's
 * {@link RawListener}.
 *
 * `serve(cx, handler)` accepts connections in a loop and runs
 * `handler(stream, cx)` in a task per connection, in a task group of its own
 * or the one passed. As in anyio, a handler's error is the group's business:
 * it cancels the group (and so `serve`) and is thrown from it. As in trio's
 * `serve_listeners`, the handler owns its stream and the stream is closed
 * when the handler ends, however it ends (anyio's `serve` leaves closing to
 * the handler). An accept that fails for want of capacity (EMFILE, ENFILE,
 * ENOMEM, ENOBUFS) is retried after 100 ms, as in trio; any other accept
 * error is thrown from `serve`. Closing the listener while `serve`
 * runs makes `serve` return once its handlers have ended (with its own
 * group; with a group passed in, at once).
 *
 * Invariants: one raw `accept` in flight at most, never abandoned: if the
 * `accept` that started it is cancelled, the connection it brings is kept
 * for the next `accept` (or closed if the listener was closed meanwhile).
 * `close` resolves once the runtime freed the address (the raw listener's
 * `close` may return a promise for that), so the port or path can be bound
 * again right after it.
 *
 * Costs: one waiter per `accept` that waits; one task per connection.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError, ClosedResourceError } from "../core/errors.ts";
import type { TaskGroup } from "../core/task-group.ts";
import { checkContext, checkFunction, describeValue } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";
import type { RawListener, RawSocket, SocketAddress } from "./net-support.ts";
import { formatAddress, SocketStream } from "./socket-stream.ts";
import type { RawTlsSocket } from "./tls-support.ts";
import { TlsStream } from "./tls-stream.ts";

/** Accept errors that concern the one connection being accepted (trio's _ignorable_accept_errnos): `accept` skips them. */
const SKIPPED_ACCEPT_ERRORS = new Set(["ECONNABORTED", "EPERM", "EPROTO"]);

/** Accept errors that mean "out of capacity for now" (trio's ACCEPT_CAPACITY_ERRNOS): `serve` retries them. */
const CAPACITY_ERRORS = new Set(["EMFILE", "ENFILE", "ENOMEM", "ENOBUFS"]);

/**
 * Something that accepts connections, each a stream of type `T` (anyio's
 * `Listener`).
 *
 * @example
 * ```ts
 * import type { Context, Listener, SocketStream } from "skein";
 * async function acceptOne(cx: Context, listener: Listener<SocketStream>): Promise<void> {
 *   await using stream = await listener.accept(cx);
 *   await stream.send(cx, new TextEncoder().encode("hello\n"));
 * }
 * ```
 */
export interface Listener<T> extends AsyncDisposable {
  /**
   * Waits for the next connection; a checkpoint.
   *
   * @throws {@link ClosedResourceError} if the listener is closed (also while waiting).
   * @example
   * ```ts
   * const stream = await listener.accept(cx);
   * ```
   */
  accept(cx: Context): Promise<T>;

  /**
   * Accepts connections until the listener is closed, running
   * `handler(stream, cx)` in a task per connection in `taskGroup` (a group
   * of its own when omitted). The stream is closed when its handler ends. A
   * handler's error cancels the group and is thrown from it.
   *
   * @example
   * ```ts
   * await listener.serve(cx, async (stream, cx) => {
   *   await stream.send(cx, await stream.receive(cx));
   * });
   * ```
   */
  serve(cx: Context, handler: (stream: T, cx: Context) => unknown, taskGroup?: TaskGroup): Promise<void>;

  /**
   * Stops listening; idempotent. A blocked `accept` wakes with
   * `ClosedResourceError`; `serve` ends.
   *
   * @example
   * ```ts
   * await listener.close();
   * ```
   */
  close(): Promise<void>;
}

/**
 * A listening TCP or Unix socket. Made by `createTcpListener` and
 * `createUnixListener`; each connection is a {@link SocketStream} (a
 * `TlsStream`, its handshake done, for a TLS listener).
 *
 * @example
 * ```ts
 * import { createTcpListener, run } from "skein";
 * await run(async (cx) => {
 *   await using listener = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
 *   console.log(listener.port);
 *   await using stream = await listener.accept(cx);
 * });
 * ```
 */
export class SocketListener<T extends SocketStream = SocketStream> implements Listener<T> {
  private readonly raw: RawListener;
  private readonly kind: "tcp" | "unix" | "tls";
  private readonly label: string;
  private accepting = false;
  private acceptInFlight = false;
  private ready: RawSocket | null = null;
  /** The raw listener ended by itself (its accept resolved null): every accept fails. */
  private ended = false;
  /** A failed raw accept (out of file descriptors, say): the next accept throws it, once. */
  private failure: { error: unknown } | null = null;
  private closed = false;
  /** What `close` returns: settled once the runtime released the address. */
  private released: Promise<void> | null = null;
  private waiter: Waiter<void> | null = null;

  /** @internal Made by `createTcpListener` and `createUnixListener`; "tls": the raw sockets are `RawTlsSocket`s. */
  constructor(raw: RawListener, kind: "tcp" | "unix" | "tls") {
    this.raw = raw;
    this.kind = kind;
    this.label = `${kind} ${formatAddress(raw.address)}`;
  }

  /**
   * The bound address (with the port the system picked).
   *
   * @example
   * ```ts
   * console.log(listener.localAddress); // { family: 4, host: "127.0.0.1", port: 40123 }
   * ```
   */
  get localAddress(): SocketAddress {
    return this.raw.address;
  }

  /**
   * The bound TCP port (undefined for a Unix listener).
   *
   * @example
   * ```ts
   * const stream = await connectTcp(cx, "127.0.0.1", listener.port!);
   * ```
   */
  get port(): number | undefined {
    const address = this.raw.address;
    return address.family === "unix" ? undefined : address.port;
  }

  /**
   * Waits for the next connection and returns it as a stream; a checkpoint,
   * cancel-safe (a connection that arrives for a cancelled accept goes to
   * the next one).
   *
   * @throws {@link ClosedResourceError} if the listener is closed (also while waiting).
   * @throws {@link !Error} the runtime's error if accepting failed (out of file descriptors, say); the next accept tries again. A connection aborted before it was accepted (ECONNABORTED, EPERM, EPROTO) is skipped, as in trio.
   * @throws {@link BusyResourceError} if another task is accepting on this listener.
   * @example
   * ```ts
   * await using stream = await listener.accept(cx);
   * ```
   */
  async accept(cx: Context): Promise<T> {
    checkContext(cx, "SocketListener.accept");
    if (this.closed) throw new ClosedResourceError(`accept on a closed ${this.label} listener`);
    if (this.accepting) throw new BusyResourceError(`another task is already accepting on this ${this.label} listener`);
    const origin = cx.cancelScope._origin;
    if (origin !== null) throw origin._raise();
    this.accepting = true;
    const runner = cx._task.runner;
    const ticks = runner.ticks;
    try {
      for (;;) {
        if (this.closed) throw new ClosedResourceError(`the ${this.label} listener was closed`);
        // Whatever the accept ends with, if the run's tick did not pass meanwhile (a connection
        // or error already queued, or brought by I/O before the tick), it is still a schedule
        // point, shielded: trio's cancel_shielded_checkpoint.
        const raw = this.ready;
        if (raw !== null) {
          this.ready = null;
          if (runner.ticks === ticks) await runner.later(undefined, cx._task);
          return (this.kind === "tls" ? new TlsStream(raw as RawTlsSocket) : new SocketStream(raw, this.kind)) as T;
        }
        const ended = this.ended;
        const failure = this.failure;
        if (ended || failure !== null) {
          if (!ended) this.failure = null;
          if (runner.ticks === ticks) await runner.later(undefined, cx._task);
          throw ended ? new ClosedResourceError(`the ${this.label} listener was closed by the runtime`) : failure?.error;
        }
        if (!this.acceptInFlight) this.startAccept();
        const waiter = new Waiter<void>();
        this.waiter = waiter;
        const parked = parkWhereBlocked(waiter, cx.cancelScope);
        const instruments = runner.instruments;
        await (instruments === null ? parked : instruments.block(cx._task, `accept on ${this.label}`, parked));
      }
    } finally {
      this.accepting = false;
    }
  }

  /**
   * Accepts connections until the listener is closed, running
   * `handler(stream, cx)` in a task per connection in `taskGroup` (a group
   * of its own when omitted); see the module text. The stream is closed when
   * its handler ends.
   *
   * @throws {@link !TypeError} if `handler` is not a function.
   * @throws {@link !Error} whatever a handler threw (several: {@link TaskGroupError}), with its own group.
   * @throws {@link !Error} the runtime's error if accepting failed, except for want of capacity (EMFILE, ENFILE, ENOMEM, ENOBUFS), which is retried every 100 ms.
   * @example
   * ```ts
   * import { createTcpListener, run } from "skein";
   * await run(async (cx) => {
   *   await using listener = await createTcpListener(cx, { port: 7000 });
   *   await listener.serve(cx, async (stream, cx) => {
   *     for (;;) await stream.send(cx, await stream.receive(cx)); // echo until EndOfStream
   *   });
   * });
   * ```
   */
  async serve(cx: Context, handler: (stream: T, cx: Context) => unknown, taskGroup?: TaskGroup): Promise<void> {
    checkContext(cx, "SocketListener.serve");
    checkFunction("handler", handler);
    const loop = async (tg: TaskGroup, cx: Context): Promise<void> => {
      for (;;) {
        let stream: T;
        try {
          stream = await this.accept(cx);
        } catch (error) {
          if (error instanceof ClosedResourceError && this.closed) return;
          // Out of file descriptors or buffers: as trio's serve_listeners, wait 100 ms and accept again.
          if (CAPACITY_ERRORS.has((error as { code?: unknown } | null)?.code as string)) {
            await cx.sleep(100);
            continue;
          }
          throw error;
        }
        tg.startSoon({ name: `serve ${this.label}` }, runHandler, handler, stream);
      }
    };
    if (taskGroup === undefined) await cx.taskGroup(loop);
    else {
      if (typeof (taskGroup as { startSoon?: unknown } | null)?.startSoon !== "function") {
        throw new TypeError(`taskGroup must be a TaskGroup, got ${describeValue(taskGroup)}`);
      }
      await loop(taskGroup, cx);
    }
  }

  /**
   * Stops listening and releases the handle; idempotent. A blocked `accept`
   * wakes with `ClosedResourceError`, and `serve` ends. Once the promise
   * resolves the address is free: a new listener can bind it (on Deno,
   * with an accept in flight, that takes one turn of the event loop).
   *
   * @example
   * ```ts
   * await listener.close();
   * ```
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const released = this.raw.close() as Promise<void> | undefined;
      this.ready?.close();
      this.ready = null;
      this.wake();
      this.released = released === undefined ? null : released.then(noop, noop);
    }
    return this.released ?? Promise.resolve();
  }

  /**
   * Closes the listener, for `await using`.
   *
   * @example
   * ```ts
   * await using listener = await createTcpListener(cx);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private startAccept(): void {
    this.acceptInFlight = true;
    this.raw.accept().then(
      (raw) => {
        this.acceptInFlight = false;
        if (raw === null) {
          this.ended = true;
        } else if (this.closed) raw.close();
        else this.ready = raw;
        this.wake();
      },
      (error: unknown) => {
        this.acceptInFlight = false;
        // A connection that failed before it was accepted is that connection's problem, not the
        // listener's: as trio's SocketListener, accept the next one.
        if (!SKIPPED_ACCEPT_ERRORS.has((error as { code?: unknown } | null)?.code as string)) this.failure ??= { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.wake();
    }
  }
}

function noop(): void {}

async function runHandler<T extends SocketStream>(cx: Context, handler: (stream: T, cx: Context) => unknown, stream: T): Promise<void> {
  try {
    await handler(stream, cx);
  } finally {
    await stream.close();
  }
}
