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
  | { t: "reply"; id: number; cb: number; ok: boolean; value?: unknown; error?: SerializedError };

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
