/**
 * WebSocket client: {@link connectWebSocket} opens a connection and gives a
 * {@link WebSocketConnection}, a two-way object stream of messages (text as
 * `string`, binary as `Uint8Array`), cancel-safe and structured like every
 * Skein stream.
 *
 * It is built on the global `WebSocket` constructor of the Web platform,
 * which browsers, Deno, Bun and Node 22+ all have, so it needs no adapter
 * capability and works the same wherever that global exists. It is
 * feature-tested, never guessed from the runtime: without it (Node 20),
 * connecting throws `UnsupportedError`.
 *
 * ## Model
 *
 * The socket's events are turned into state the moment they arrive: a
 * message is appended to a FIFO buffer, a close records its code and
 * reason. Blocking calls (`receive`, a `send` held back by backpressure, the
 * connect itself) go through the core's `block` rule (misuse first, then
 * `Cancelled` in a cancelled scope, then a fast path, then park a waiter),
 * and every event wakes the parked task, which looks at the state again.
 * So a waiter only ever signals "look again", and what a call returns or
 * throws is decided in one place, its operation's `now`.
 *
 * Invariants:
 * - **No message lost.** `receive` takes a message out of the buffer only in
 *   the synchronous step that returns it; a cancelled receive took nothing,
 *   so the next receive gets that message. Messages come out in arrival order.
 * - **Bounded send buffer.** A send hands its message to the socket only
 *   while `bufferedAmount <= highWaterMark`; otherwise it waits. The Web API
 *   has no event for "the buffer drained", so the waiting sender polls
 *   `bufferedAmount` on the run's timers (1 ms, doubling up to 16 ms). The
 *   memory queued for sending is thus at most the high-water mark plus one
 *   message.
 * - **No read backpressure.** The Web API cannot pause a WebSocket, so
 *   messages that arrive while nobody receives are buffered without limit.
 *   A reader that stops reading does not slow the peer down; if that
 *   matters, the protocol must have its own flow control (acknowledgements).
 * - At most one task receives and one task sends at a time (a second one
 *   gets `BusyResourceError`), so one waiter slot per direction suffices.
 * - **No leak on cancel.** A connect cancelled during the handshake closes
 *   its socket before raising `Cancelled`.
 * - After `close()` every call throws `ClosedResourceError`, the buffer is
 *   dropped, and blocked tasks wake with that error.
 *
 * Peer close: the clean codes 1000 (normal), 1001 (going away) and 1005
 * (no code given) end the stream (`EndOfStream` once the buffer is drained);
 * every other code (application codes 3000 to 4999, 1006 for a connection
 * lost without a close frame, protocol errors) makes `receive` throw
 * `BrokenResourceError`, as the Python `websockets` package splits
 * `ConnectionClosedOK` from `ConnectionClosedError`. `closeCode` and
 * `closeReason` say what the peer sent. Deno reports a lost connection with
 * code 0; it is reported as 1006, the code the standard gives it.
 *
 * What runtimes report for a failed handshake differs, so the connect fails
 * on the first `error` or `close` event, whichever comes first: Node 22
 * fires `error` and never `close` (the socket stays CONNECTING); Node 24,
 * Bun and browsers fire `error` then `close` 1006; Deno fires `error` (with
 * a message naming the cause) then `close` with code 0. The runtime's error
 * (or the event, where it has none) becomes the `cause` of the
 * `WebSocketError`.
 *
 * Costs: per message received, one buffer slot (and a `Uint8Array` view on
 * the runtime's `ArrayBuffer` for binary); `receive` is an async frame and,
 * when it must wait, one waiter. A send that need not wait allocates
 * nothing of its own; a waiting one allocates one timer waiter per poll.
 * Per connection: one event-listener closure.
 *
 * @module
 */

import type { Adapter, TimerHandle } from "../core/adapter.ts";
import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, ClosedResourceError, EndOfStream, SkeinError, UnsupportedError } from "../core/errors.ts";
import { Fifo } from "../core/fifo.ts";
import type { TimerQueue } from "../core/timer-queue.ts";
import { checkContext, checkCount, checkDelay, describeValue } from "../core/validate.ts";
import { block, type BlockingOp, MUST_WAIT } from "../core/waiter-queue.ts";
import { RESOLVED, SleepWaiter, Waiter } from "../core/waiter.ts";

/** One WebSocket message: text as a string, binary as bytes. */
export type WebSocketMessage = string | Uint8Array;

/**
 * Options of {@link connectWebSocket}.
 *
 * @example
 * ```ts
 * const options: WebSocketConnectOptions = { protocols: ["chat.v2", "chat.v1"], highWaterMark: 64 * 1024 };
 * ```
 */
export interface WebSocketConnectOptions {
  /** Subprotocols to offer, in order of preference; the server picks one (see {@link WebSocketConnection.protocol}). */
  readonly protocols?: string | readonly string[];
  /**
   * Bytes queued for sending (`bufferedAmount`) above which `send` waits
   * before handing over its message. 1 MiB by default; `Infinity` never waits.
   */
  readonly highWaterMark?: number;
  /**
   * How long `close()` waits for the peer's half of the closing handshake, in
   * ms (5000 by default). Real time, on the adapter's timers (not a mock
   * clock's): `close` takes no context.
   */
  readonly closeTimeout?: number;
}

const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
const DEFAULT_CLOSE_TIMEOUT = 5000;
const MAX_POLL_MS = 16;
// readyState values (the constants are on the constructor, which may be absent).
const CONNECTING = 0;
const OPEN = 1;

/**
 * A WebSocket connection could not be opened: the server refused it, the
 * handshake failed (a non-101 answer, a subprotocol it does not speak), or
 * the connection failed. `cause` is what the runtime reported (its error,
 * or the error or close event itself); what it says differs between
 * runtimes, and browsers say nothing, on purpose.
 *
 * @example
 * ```ts
 * import { connectWebSocket, run, WebSocketError } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await connectWebSocket(cx, "ws://127.0.0.1:1/");
 *   } catch (error) {
 *     if (error instanceof WebSocketError) console.log(error.url, error.cause);
 *   }
 * });
 * ```
 */
export class WebSocketError extends SkeinError {
  /** The URL the connection was for. */
  readonly url: string;
  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebSocketError";
    this.url = url;
  }
}

/** Gives `error` a `cause`, as `new Error(message, { cause })` would. */
function withCause<E extends Error>(error: E, cause: unknown): E {
  if (cause !== undefined) Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return error;
}

/** What the runtime reported in an error event: its error if it has one, else the event. */
function errorOf(event: Event): unknown {
  const error = (event as { error?: unknown }).error;
  return error !== undefined && error !== null ? error : event;
}

function messageOf(event: Event | undefined): string {
  const text = (event as { message?: unknown } | undefined)?.message;
  return typeof text === "string" && text !== "" ? text : "";
}

/** A connect waiting for the handshake; cancelled, it closes the socket. */
class ConnectWaiter extends Waiter<void> {
  constructor(private readonly connection: WebSocketConnection) {
    super();
  }
  protected override onCancel(): void {
    this.connection._abortConnect();
  }
}

/** A receive waiting for a message or a close; cancelled, it empties its slot. */
class ReceiveWaiter extends Waiter<WebSocketMessage | undefined> {
  constructor(private readonly connection: WebSocketConnection) {
    super();
  }
  protected override onCancel(): void {
    if (this.connection._receiver === this) this.connection._receiver = null;
  }
}

/** A send held back by backpressure: wakes at its poll deadline, or earlier on any event. */
class SendWaiter extends SleepWaiter {
  constructor(
    private readonly connection: WebSocketConnection,
    private readonly queue: TimerQueue,
    deadline: number,
  ) {
    super(queue, deadline);
  }
  override wake(): boolean {
    this.queue.remove(this);
    if (this.connection._sender === this) this.connection._sender = null;
    return super.wake();
  }
  protected override onCancel(): void {
    super.onCancel();
    if (this.connection._sender === this) this.connection._sender = null;
  }
}

const CONNECT: BlockingOp<WebSocketConnection, void, void> = {
  name: "connectWebSocket",
  now(connection) {
    connection._open();
    return MUST_WAIT;
  },
  enqueue(connection) {
    const waiter = new ConnectWaiter(connection);
    connection._connecting = waiter;
    return waiter;
  },
};

const RECEIVE: BlockingOp<WebSocketConnection, void, WebSocketMessage | undefined> = {
  name: "WebSocket.receive",
  now(connection) {
    connection._checkOpen();
    const messages = connection._messages;
    if (messages.length > 0) return messages.shift();
    if (connection._closeEvent !== null) throw connection._endError();
    return MUST_WAIT;
  },
  enqueue(connection) {
    const waiter = new ReceiveWaiter(connection);
    connection._receiver = waiter;
    return waiter;
  },
};

const SEND: BlockingOp<WebSocketConnection, WebSocketMessage, boolean> = {
  name: "WebSocket.send",
  now(connection, _cx, message) {
    connection._checkOpen();
    const socket = connection._socket;
    if (connection._closeEvent !== null || socket.readyState !== OPEN) {
      throw withCause(new BrokenResourceError(`cannot send: the peer closed the WebSocket${connection._describeClose()}`), connection._closeCause());
    }
    if (socket.bufferedAmount > connection.highWaterMark) return MUST_WAIT;
    socket.send(message as string | Uint8Array<ArrayBuffer>); // shared memory was copied by send()
    return true;
  },
  enqueue(connection, cx) {
    const runner = cx._task.runner;
    const delay = connection._pollDelay;
    connection._pollDelay = Math.min(delay * 2, MAX_POLL_MS);
    const waiter = new SendWaiter(connection, runner.timers, runner.clock.now() + delay);
    connection._sender = waiter;
    return waiter as unknown as Waiter<boolean>;
  },
};

/**
 * An open WebSocket: a two-way stream of messages. Made by
 * {@link connectWebSocket}; close it with `close()` or `await using`.
 *
 * - `receive(cx)` returns the next message (`string` for text, `Uint8Array`
 *   for binary), in arrival order, waiting while there is none. It is
 *   cancel-safe: a cancelled receive loses no message. Messages are
 *   buffered as they arrive, without limit: browsers' WebSocket cannot be
 *   paused, so there is no read backpressure.
 * - `send(cx, message)` waits while more than `highWaterMark` bytes are
 *   queued for sending (`bufferedAmount`), then hands the message over.
 * - When the peer closes, `receive` drains the buffer and then throws
 *   `EndOfStream` for a clean close (codes 1000, 1001, 1005) or
 *   `BrokenResourceError` for any other; `closeCode` and `closeReason` say
 *   what the peer sent. `send` throws `BrokenResourceError`.
 * - One task at a time may receive, and one may send: a second gets
 *   `BusyResourceError`. After `close()`, everything throws
 *   `ClosedResourceError`, and tasks blocked on it wake with that error.
 *
 * @example
 * ```ts
 * import { connectWebSocket, run } from "skein";
 * await run(async (cx) => {
 *   await using ws = await connectWebSocket(cx, "wss://echo.example/");
 *   await ws.send(cx, "hello");
 *   console.log(await ws.receive(cx)); // "hello"
 * });
 * ```
 */
export class WebSocketConnection implements AsyncDisposable {
  /** The send buffer's high-water mark in bytes (see {@link WebSocketConnectOptions.highWaterMark}). */
  readonly highWaterMark: number;
  /** @internal */ _socket!: WebSocket;
  /** @internal */ readonly _messages: Fifo<WebSocketMessage> = new Fifo();
  /** @internal */ _connecting: ConnectWaiter | null = null;
  /** @internal */ _receiver: ReceiveWaiter | null = null;
  /** @internal */ _sender: SendWaiter | null = null;
  /** @internal */ _pollDelay = 1;
  /** @internal */ _closeEvent: CloseEvent | null = null;
  private readonly constructorFn: typeof WebSocket;
  private readonly target: string;
  private readonly protocols: string[];
  private readonly closeTimeout: number;
  private readonly adapter: Adapter;
  private errorEvent: Event | null = null;
  private failed: WebSocketError | null = null;
  private localClosed = false;
  private receiving = false;
  private sending = false;
  private closing: Promise<void> | null = null;
  private closeDone: (() => void) | null = null;
  private closeTimer: TimerHandle | undefined = undefined;
  private readonly listener = (event: Event): void => this.onEvent(event);

  /** @internal */
  constructor(constructorFn: typeof WebSocket, url: string, protocols: string[], highWaterMark: number, closeTimeout: number, adapter: Adapter) {
    this.constructorFn = constructorFn;
    this.target = url;
    this.protocols = protocols;
    this.highWaterMark = highWaterMark;
    this.closeTimeout = closeTimeout;
    this.adapter = adapter;
  }

  /** The URL connected to (as the runtime reports it). */
  get url(): string {
    return this._socket.url;
  }

  /** The subprotocol the server chose, or `""` if none was offered or chosen. */
  get protocol(): string {
    return this._socket.protocol;
  }

  /** Bytes handed to the socket and not yet sent (the runtime's `bufferedAmount`). */
  get bufferedAmount(): number {
    return this._socket.bufferedAmount;
  }

  /**
   * The close code of the closing handshake (what the peer sent; 1005 if it
   * sent none, 1006 if the connection was lost without one), or `null`
   * while the connection is not closed.
   */
  get closeCode(): number | null {
    const event = this._closeEvent;
    if (event === null) return null;
    return event.code === 0 ? 1006 : event.code;
  }

  /** The close reason the peer sent (`""` if none), or `null` while the connection is not closed. */
  get closeReason(): string | null {
    return this._closeEvent === null ? null : this._closeEvent.reason;
  }

  /**
   * Waits for the next message and returns it: a `string` for a text
   * message, a `Uint8Array` for a binary one. A checkpoint, and cancel-safe:
   * a cancelled receive took nothing, so no message is lost.
   *
   * @throws {@link EndOfStream} once the peer closed cleanly (1000, 1001, 1005) and every message was received.
   * @throws {@link BrokenResourceError} once the peer closed with another code, or the connection was lost, and every message was received.
   * @throws {@link ClosedResourceError} if this connection was closed (also when it is closed while waiting).
   * @throws {@link BusyResourceError} if another task is receiving.
   * @example
   * ```ts
   * const message = await ws.receive(cx);
   * if (typeof message === "string") console.log("text", message);
   * else console.log("binary", message.length, "bytes");
   * ```
   */
  async receive(cx: Context): Promise<WebSocketMessage> {
    checkContext(cx, "WebSocketConnection.receive");
    this._checkOpen();
    if (this.receiving) throw new BusyResourceError("another task is already receiving from this WebSocket");
    this.receiving = true;
    try {
      for (;;) {
        const message = await block(RECEIVE, this, cx, undefined);
        if (message !== undefined) return message;
      }
    } finally {
      this.receiving = false;
    }
  }

  /**
   * Sends a message: a `string` as text, a `Uint8Array` as binary. First
   * waits while more than `highWaterMark` bytes are queued for sending;
   * then the runtime takes the message (it copies it). A checkpoint; a
   * cancelled send sent nothing.
   *
   * @throws {@link !TypeError} if `message` is neither a string nor a `Uint8Array`.
   * @throws {@link BrokenResourceError} if the peer closed the connection or it was lost.
   * @throws {@link ClosedResourceError} if this connection was closed (also when it is closed while waiting).
   * @throws {@link BusyResourceError} if another task is sending.
   * @example
   * ```ts
   * await ws.send(cx, JSON.stringify({ op: "subscribe", topic: "prices" }));
   * await ws.send(cx, new Uint8Array([1, 2, 3]));
   * ```
   */
  async send(cx: Context, message: WebSocketMessage): Promise<void> {
    checkContext(cx, "WebSocketConnection.send");
    if (typeof message !== "string" && !(message instanceof Uint8Array)) {
      throw new TypeError(`message must be a string or a Uint8Array, got ${describeValue(message)}`);
    }
    this._checkOpen();
    if (this.sending) throw new BusyResourceError("another task is already sending on this WebSocket");
    // WebSocket.send refuses views of shared memory: send a copy of those.
    const payload = typeof message !== "string" && typeof SharedArrayBuffer === "function" && message.buffer instanceof SharedArrayBuffer ? message.slice() : message;
    this.sending = true;
    this._pollDelay = 1;
    try {
      while (!(await block(SEND, this, cx, payload)));
    } finally {
      this.sending = false;
    }
  }

  /**
   * Closes the connection: sends a close frame with `code` and `reason`,
   * then waits for the peer's close frame (the closing handshake), at most
   * `closeTimeout` ms. Idempotent: later calls wait for the same handshake.
   * Not a checkpoint, and it never throws for a failed handshake: the
   * connection is closed either way. Tasks blocked on this connection wake
   * with `ClosedResourceError`, and unreceived messages are dropped.
   *
   * @param code 1000 (normal, the default) or an application code from 3000 to 4999.
   * @param reason at most 123 bytes of UTF-8 ("" by default).
   * @throws {@link !RangeError} if `code` or the length of `reason` is out of range.
   * @throws {@link !TypeError} if `reason` is not a string.
   * @example
   * ```ts
   * await ws.close(4000, "shutting down");
   * ```
   */
  close(code = 1000, reason = ""): Promise<void> {
    if (typeof code !== "number" || !Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
      throw new RangeError(`code must be 1000 or an integer from 3000 to 4999, got ${describeValue(code)}`);
    }
    if (typeof reason !== "string") throw new TypeError(`reason must be a string, got ${describeValue(reason)}`);
    const bytes = new TextEncoder().encode(reason).length;
    if (bytes > 123) throw new RangeError(`reason must be at most 123 bytes of UTF-8, got ${bytes}`);
    if (this.localClosed) return this.closing ?? RESOLVED;
    this.localClosed = true;
    this._messages.clear();
    this.wakeAll();
    const socket = this._socket;
    if (this._closeEvent !== null) return RESOLVED;
    this.closing = new Promise<void>((resolve) => {
      this.closeDone = resolve;
    });
    this.closeTimer = this.adapter.setTimer(() => this.finishClose(), this.closeTimeout);
    try {
      socket.close(code, reason);
    } catch {
      this.finishClose();
    }
    return this.closing;
  }

  /**
   * Closes the connection, for `await using` (as `close()`).
   *
   * @example
   * ```ts
   * await using ws = await connectWebSocket(cx, url);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Creates the socket (in `CONNECT.now`: never in a cancelled scope). */
  _open(): void {
    let socket: WebSocket;
    try {
      socket = new this.constructorFn(this.target, this.protocols);
    } catch (error) {
      throw withCause(new TypeError(`cannot connect to ${this.target}: ${error instanceof Error ? error.message : String(error)}`), error);
    }
    this._socket = socket;
    socket.binaryType = "arraybuffer";
    for (const type of ["open", "message", "error", "close"]) socket.addEventListener(type, this.listener);
  }

  /** @internal A connect was cancelled: drop the attempt so that nothing leaks. */
  _abortConnect(): void {
    this._connecting = null;
    this.localClosed = true;
    this.detach();
  }

  /** @internal Throws if this end was closed. */
  _checkOpen(): void {
    if (this.localClosed) throw new ClosedResourceError("the WebSocket is closed");
  }

  /** @internal The error `receive` throws once the peer closed and the buffer is drained. */
  _endError(): Error {
    const code = this.closeCode!;
    const event = this._closeEvent!;
    if (event.wasClean && (code === 1000 || code === 1001 || code === 1005)) {
      return new EndOfStream(`end of stream: the peer closed the WebSocket${this._describeClose()}`);
    }
    return withCause(new BrokenResourceError(`the WebSocket was closed${this._describeClose()}`), this._closeCause());
  }

  /** @internal " (code 4001, "bye")" */
  _describeClose(): string {
    if (this._closeEvent === null) return "";
    const reason = this.closeReason;
    return ` (code ${this.closeCode}${reason ? `, ${JSON.stringify(reason)}` : ""})`;
  }

  /** @internal What caused the close: the runtime's error if it reported one, else the close event. */
  _closeCause(): unknown {
    return this.errorEvent !== null ? errorOf(this.errorEvent) : (this._closeEvent ?? undefined);
  }

  private onEvent(event: Event): void {
    switch (event.type) {
      case "open": {
        const waiter = this._connecting;
        this._connecting = null;
        waiter?.wake();
        return;
      }
      case "message": {
        if (this.localClosed) return;
        const data: unknown = (event as MessageEvent).data;
        if (typeof data === "string") this._messages.push(data);
        else if (data instanceof ArrayBuffer) this._messages.push(new Uint8Array(data));
        else if (ArrayBuffer.isView(data)) this._messages.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        else return; // binaryType is "arraybuffer": nothing else arrives
        this.wakeReceiver();
        return;
      }
      case "error":
        this.errorEvent ??= event;
        if (this._connecting !== null) this.failConnect(event);
        return;
      case "close":
        this._closeEvent = event as CloseEvent;
        if (this._connecting !== null) this.failConnect(event);
        this.detach();
        this.wakeAll();
        this.finishClose();
        return;
    }
  }

  /** The handshake failed (some runtimes report only an error event, never a close). */
  private failConnect(event: Event): void {
    const waiter = this._connecting!;
    this._connecting = null;
    const close = this._closeEvent;
    const detail = messageOf(this.errorEvent ?? undefined) || (close !== null ? `closed with code ${this.closeCode}` : "connection failed");
    this.failed = new WebSocketError(`cannot connect to ${this.target}: ${detail}`, this.target, { cause: errorOf(this.errorEvent ?? event) });
    this.localClosed = true;
    this.detach();
    waiter.fail(this.failed);
  }

  /** Stops listening and makes sure the socket is closed (or closing). */
  private detach(): void {
    const socket = this._socket;
    for (const type of ["open", "message", "error", "close"]) socket.removeEventListener(type, this.listener);
    if (socket.readyState === CONNECTING || socket.readyState === OPEN) {
      try {
        socket.close();
      } catch {
        // already failing: nothing more to release
      }
    }
  }

  private wakeReceiver(): void {
    const waiter = this._receiver;
    if (waiter !== null) {
      this._receiver = null;
      waiter.wake(undefined);
    }
  }

  /** Wakes both directions to look at the state again. */
  private wakeAll(): void {
    this.wakeReceiver();
    const sender = this._sender;
    if (sender !== null) {
      this._sender = null;
      sender.wake();
    }
  }

  private finishClose(): void {
    if (this.closeTimer !== undefined) {
      this.adapter.clearTimer(this.closeTimer);
      this.closeTimer = undefined;
    }
    const done = this.closeDone;
    this.closeDone = null;
    done?.();
  }
}

function checkProtocols(protocols: unknown): string[] {
  if (protocols === undefined) return [];
  const list = typeof protocols === "string" ? [protocols] : protocols;
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string")) {
    throw new TypeError(`options.protocols must be a string or an array of strings, got ${describeValue(protocols)}`);
  }
  return [...(list as string[])];
}

/** Parses `url`; `http:`/`https:` become `ws:`/`wss:`, as the standard now does. */
function checkUrl(url: unknown): string {
  if (typeof url !== "string" && !(url instanceof URL)) throw new TypeError(`url must be a string or a URL, got ${describeValue(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`url must be an absolute ws:, wss:, http: or https: URL, got ${describeValue(String(url))}`);
  }
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(`url must be a ws:, wss:, http: or https: URL, got ${describeValue(String(url))}`);
  }
  if (parsed.hash !== "") throw new TypeError(`url must not have a fragment, got ${describeValue(String(url))}`);
  return parsed.href;
}

/**
 * Opens a WebSocket connection to `url` and waits for the handshake; a
 * checkpoint. Cancelling it during the handshake closes the socket and
 * throws `Cancelled`; nothing is left open. Uses the runtime's global
 * `WebSocket` (browsers, Deno, Bun, Node 22+).
 *
 * @param url a `ws:` or `wss:` URL (`http:`/`https:` are taken as `ws:`/`wss:`).
 * @param options subprotocols to offer, the send buffer's high-water mark, and the close timeout.
 * @throws {@link !TypeError} if `url` is not a WebSocket URL, or an option has the wrong type.
 * @throws {@link !RangeError} if `highWaterMark` or `closeTimeout` is negative or NaN.
 * @throws {@link UnsupportedError} if the runtime has no global `WebSocket` (Node 20).
 * @throws {@link WebSocketError} if the connection or its handshake failed.
 * @example
 * ```ts
 * import { connectWebSocket, EndOfStream, run } from "skein";
 * await run(async (cx) => {
 *   await using ws = await cx.failAfter(5000, (cx) => connectWebSocket(cx, "wss://stream.example/feed", { protocols: "feed.v1" }));
 *   try {
 *     for (;;) console.log(await ws.receive(cx));
 *   } catch (error) {
 *     if (!(error instanceof EndOfStream)) throw error;
 *   }
 * });
 * ```
 */
export function connectWebSocket(cx: Context, url: string | URL, options: WebSocketConnectOptions = {}): Promise<WebSocketConnection> {
  checkContext(cx, "connectWebSocket");
  const target = checkUrl(url);
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const protocols = checkProtocols(options.protocols);
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  checkCount("options.highWaterMark", highWaterMark, 0, true);
  const closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
  checkDelay("options.closeTimeout", closeTimeout);
  const adapter = cx._task.runner.adapter;
  const constructorFn = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (typeof constructorFn !== "function") {
    return Promise.reject(new UnsupportedError(`WebSocket is not available on the ${adapter.name} adapter: this runtime has no global WebSocket (browsers, Deno, Bun and Node 22+ have one)`));
  }
  const connection = new WebSocketConnection(constructorFn, target, protocols, highWaterMark, closeTimeout, adapter);
  return block(CONNECT, connection, cx, undefined).then(() => connection);
}
