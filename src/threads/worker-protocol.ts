/**
 * The messages between a run and its workers, and how errors cross.
 *
 * Main → worker: `init` (which module to load), `call`, `cancel` (the caller's
 * scope was cancelled), `reply` (answer to a `fromThread` callback).
 * Worker → main: `ready` / `initFailed`, `result`, `callback` (a `fromThread`
 * call into a function the caller exposed).
 *
 * Messages posted in one microtask checkpoint travel together: a message
 * that is an array is that many messages, in order (both directions).
 *
 * Errors do not survive structured clone with their class, `cause` and extra
 * fields on every runtime, so they travel as plain {@link SerializedError}
 * records and are rebuilt on the other side with the same name, message,
 * stack and cause (recursively).
 *
 * @internal
 * @module
 */

/** An error flattened for postMessage. @internal */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  cause?: SerializedError | { value: unknown };
  isError: boolean;
}

/** Main → worker. @internal */
export type ToWorker =
  | { t: "init"; module: string }
  | { t: "call"; id: number; name: string; args: unknown[]; callbacks?: string[] }
  | { t: "cancel"; id: number }
  | { t: "reply"; id: number; cb: number; ok: boolean; value?: unknown; error?: SerializedError; cancelled?: true };

/** Worker → main. @internal */
export type FromWorker =
  | { t: "ready"; exports: string[] }
  | { t: "initFailed"; error: SerializedError }
  | { t: "result"; id: number; ok: true; value: unknown }
  | { t: "result"; id: number; ok: false; error: SerializedError; cancelled: boolean }
  | { t: "callback"; id: number; cb: number; name: string; args: unknown[] }
  | { t: "exiting"; code: number | undefined };

const BUILTIN_ERRORS: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Flattens an error (or any thrown value) for postMessage. @internal */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: String(error), stack: undefined, isError: false, cause: { value: safeClone(error) } };
  }
  const out: SerializedError = { name: error.name, message: error.message, stack: error.stack, isError: true };
  if (error.cause !== undefined && depth < 8) {
    out.cause = error.cause instanceof Error ? serializeError(error.cause, depth + 1) : { value: safeClone(error.cause) };
  }
  return out;
}

/** Rebuilds an error sent by {@link serializeError}. @internal */
export function deserializeError(data: SerializedError): unknown {
  if (!data.isError) return (data.cause as { value: unknown } | undefined)?.value;
  const Ctor = BUILTIN_ERRORS[data.name] ?? Error;
  const error = new Ctor(data.message);
  if (error.name !== data.name) error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.cause !== undefined) {
    (error as { cause?: unknown }).cause = "isError" in data.cause ? deserializeError(data.cause) : data.cause.value;
  }
  return error;
}

function safeClone(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

/** A value plus the objects to transfer (not copy) with it. @internal */
export const TRANSFER = Symbol.for("skein.transfer");

/**
 * Marks a value to be sent with some of its parts transferred instead of
 * copied (ArrayBuffers move zero-copy). Use it for an argument on the main
 * side or a return value in a worker.
 *
 * @example
 * ```ts
 * // in a worker module
 * export async function render(cx: Context, width: number) {
 *   const pixels = new Uint8Array(width * 4);
 *   return transfer(pixels, [pixels.buffer]);
 * }
 * ```
 */
export function transfer<T>(value: T, transferList: import("../core/adapter.ts").TransferableObject[]): T {
  // (The type is imported inline: this file's `@internal` header would strip an import statement from the d.ts.)
  if (!Array.isArray(transferList)) throw new TypeError("transferList must be an array of transferable objects");
  return { [TRANSFER]: true, value, transferList } as unknown as T;
}

/** Unwraps {@link transfer} markers; collects their transfer lists. @internal */
export function unwrapTransfer(value: unknown, into: Transferable[]): unknown {
  if (value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[TRANSFER] === true) {
    const marked = value as unknown as { value: unknown; transferList: Transferable[] };
    into.push(...marked.transferList);
    return marked.value;
  }
  return value;
}

// Wire format. Structured clone of a nested object (a message holding an
// `args` array) costs several times a flat array of primitives on some
// runtimes (JSC: ~1.5 µs against ~0.2 µs), so what is posted is one flat
// array of entries, each starting with a tag: a call without callbacks is
// `CALL, id, name, argc, ...args`, a successful result `RESULT, id, value`,
// anything else `OBJECT, message`. Several messages queued together are
// simply several entries. The outboxes (below) write entries as calls and
// results are queued; `encode` makes the same format from message objects
// (where a message posted alone has no flat form, it posts the object).
const CALL = 0;
const RESULT = 1;
const OBJECT = 2;

/** Appends `message` to a wire array. @internal */
export function encodeEntry(message: ToWorker | FromWorker, out: unknown[]): void {
  if (message.t === "call" && message.callbacks === undefined) {
    const args = message.args;
    out.push(CALL, message.id, message.name, args.length);
    for (let i = 0; i < args.length; i++) out.push(args[i]);
  } else if (message.t === "result" && message.ok) {
    out.push(RESULT, message.id, message.value);
  } else {
    out.push(OBJECT, message);
  }
}

/** What to post for `messages` (one or more, in order). @internal */
export function encode(messages: readonly (ToWorker | FromWorker)[]): unknown {
  if (messages.length === 1) {
    const m = messages[0]!;
    if (!(m.t === "call" && m.callbacks === undefined) && !(m.t === "result" && m.ok)) return m;
  }
  const out: unknown[] = [];
  for (let i = 0; i < messages.length; i++) encodeEntry(messages[i]!, out);
  return out;
}

/** Calls `each` with every message in what {@link encode} posted, in order. @internal */
export function decode<M>(data: unknown, each: (message: M) => void): void {
  if (!Array.isArray(data)) {
    each(data as M);
    return;
  }
  let i = 0;
  while (i < data.length) {
    const tag = data[i] as number;
    if (tag === CALL) {
      const argc = data[i + 3] as number;
      const args = data.slice(i + 4, i + 4 + argc);
      each({ t: "call", id: data[i + 1], name: data[i + 2], args } as M);
      i += 4 + argc;
    } else if (tag === RESULT) {
      each({ t: "result", id: data[i + 1], ok: true, value: data[i + 2] } as M);
      i += 3;
    } else {
      each(data[i + 1] as M);
      i += 2;
    }
  }
}

/**
 * The messages one end has queued but not posted yet, already in the wire
 * format (see `encode`): one flat array, what is posted, so queueing a call
 * or a result makes no message object and no array of its own. Each
 * message's transfer list is kept by its index (no array at all while
 * nothing is transferred). The first message of a batch schedules `flush`
 * at the next microtask checkpoint, so everything queued before it goes in
 * one post; `take` hands the batch over and starts a new one. Both ends
 * use it: the pool for `call`/`cancel`, the worker for results. @internal
 */
export class Outbox<M extends ToWorker | FromWorker> {
  /** The batch in wire format, `null` when nothing is queued. */
  private wire: unknown[] | null = null;
  /** Messages in the batch. */
  private count = 0;
  /** Transfer lists of the batch by message index, `null` while none was given. */
  private transfers: (Transferable[] | undefined)[] | null = null;
  /** The transfer lists of the last batch `take` returned (by message index), `null` when it had none. */
  taken: (Transferable[] | undefined)[] | null = null;

  constructor(private readonly flush: () => void) {}

  /** The batch's wire array, starting a batch (and scheduling its flush) if none is queued. */
  private batch(): unknown[] {
    let wire = this.wire;
    if (wire === null) {
      wire = this.wire = [];
      queueMicrotask(this.flush);
    }
    return wire;
  }

  /** Keeps `transfer` for the message about to be counted. */
  private keep(transfer: Transferable[] | undefined): void {
    if (transfer === undefined) return;
    const transfers = (this.transfers ??= []);
    while (transfers.length < this.count) transfers.push(undefined);
    transfers.push(transfer);
  }

  /** Queues `message` (and what it transfers) for the next post. */
  push(message: M, transfer: Transferable[] | undefined): void {
    encodeEntry(message, this.batch());
    this.keep(transfer);
    this.count++;
  }

  /** Queues a call without callbacks: `push({ t: "call", id, name, args })` without the object. */
  pushCall(id: number, name: string, args: readonly unknown[], transfer: Transferable[] | undefined): void {
    const wire = this.batch();
    wire.push(CALL, id, name, args.length);
    for (let i = 0; i < args.length; i++) wire.push(args[i]);
    this.keep(transfer);
    this.count++;
  }

  /** Queues a successful result: `push({ t: "result", id, ok: true, value })` without the object. */
  pushResult(id: number, value: unknown, transfer: Transferable[] | undefined): void {
    this.batch().push(RESULT, id, value);
    this.keep(transfer);
    this.count++;
  }

  /** The queued batch in wire format (`null` when none), its transfer lists left in `taken`; the outbox is empty after. */
  take(): unknown[] | null {
    const wire = this.wire;
    if (wire === null) return null;
    this.taken = this.transfers;
    this.wire = this.transfers = null;
    this.count = 0;
    return wire;
  }
}
