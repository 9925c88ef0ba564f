/**
 * Argument checks shared by the public API. Each throws a `TypeError` or
 * `RangeError` that names the argument and shows the value, at the call site,
 * so bad input never turns into a hang.
 *
 * The context check ({@link checkContext}) sits at the top of every public
 * call that takes `cx`, so it is on hot paths (lock, channel, checkpoint).
 * It costs one property load and a compare: `Context.prototype` carries the
 * brand {@link CONTEXT}, so the test works for a task's own context (a
 * `Task`, a subclass) and a scope's alike, and validate.ts needs no import
 * of context.ts (which imports it). The message is built only on failure.
 *
 * @internal
 * @module
 */

/** The brand `Context.prototype` carries; see {@link checkContext}. @internal */
export const CONTEXT: unique symbol = Symbol("skein.Context");

/** Describes a value for an error message. @internal */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (value !== null && typeof value === "object") {
    if ((value as { [CONTEXT]?: true })[CONTEXT] === true) return "a Context";
    if (typeof (value as { then?: unknown }).then === "function") return "a Promise";
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `an instance of ${name}` : "an object";
  }
  return String(value);
}

/**
 * The TypeError for `name` that is not `what` (`"a boolean"`), showing
 * `value`: one body for every "must be ..., got ..." message. @internal
 */
export function mustBe(name: string, what: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${what}, got ${describeValue(value)}`);
}

/** Throws unless `value` is a function. @internal */
export function checkFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") throw mustBe(name, "a function", value);
}

/** %AsyncGeneratorPrototype%: the prototype of the prototype of every async generator object. */
const ASYNC_GENERATOR_PROTOTYPE: unknown = (Object.getPrototypeOf(async function* () {}) as { prototype: unknown }).prototype;

/**
 * Whether a task function's result is an async generator object: the
 * function was an `async function*` (checked on the result, off the spawn
 * path: only a result that is not a native promise is looked at). @internal
 */
export function isAsyncGenerator(result: unknown): boolean {
  if (result instanceof Promise || result === null || typeof result !== "object") return false;
  const proto: unknown = Object.getPrototypeOf(result);
  return proto !== null && Object.getPrototypeOf(proto) === ASYNC_GENERATOR_PROTOTYPE;
}

/** The TypeError for an `async function*` given where a task function is expected. @internal */
export function notGenerator(name: string, fn: unknown): TypeError {
  return mustBe(name, "an async function, not an async generator function", fn);
}

/** Throws unless `value` is undefined or of `typeof` `type` (`"string"`, `"boolean"`, `"function"`). @internal */
export function checkOptional(name: string, value: unknown, type: "string" | "boolean" | "function"): void {
  if (value !== undefined && typeof value !== type) throw mustBe(name, `a ${type}`, value);
}

/** Throws unless `value` is a non-null object (`options` when `name` is omitted). @internal */
export function checkObject(value: unknown, name = "options"): asserts value is object {
  if (value === null || typeof value !== "object") throw mustBe(name, "an object", value);
}

/**
 * Throws unless `cx` is a Skein context: the first check of every public
 * call that takes one. `call` names the call as users write it
 * (`"Lock.acquire"`); the message shows what was passed instead. @internal
 */
export function checkContext(cx: unknown, call: string): void {
  if ((cx as { [CONTEXT]?: true } | null | undefined)?.[CONTEXT] !== true) throw notAContext(cx, call);
}

function notAContext(cx: unknown, call: string): TypeError {
  return new TypeError(`${call}(cx): pass the context (cx) as the first argument, got ${describeValue(cx)}`);
}

/** Throws unless `value` is a number that is not NaN (Infinity allowed). @internal */
export function checkTime(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") throw mustBe(name, "a number", value);
  if (Number.isNaN(value)) throw new RangeError(`${name} must not be NaN`);
}

/** Throws unless `value` is a non-negative number (Infinity allowed). @internal */
export function checkDelay(name: string, value: unknown): asserts value is number {
  checkTime(name, value);
  if (value < 0) throw new RangeError(`${name} must be >= 0 milliseconds, got ${value}`);
}

/** Throws unless `value` is a boolean. @internal */
export function checkBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") throw mustBe(name, "a boolean", value);
}

/** Throws unless `value` is a thenable. @internal */
export function checkThenable(name: string, value: unknown): asserts value is PromiseLike<unknown> {
  if (
    value === null ||
    (typeof value !== "object" && typeof value !== "function") ||
    typeof (value as { then?: unknown }).then !== "function"
  ) {
    throw mustBe(name, "a promise (a thenable)", value);
  }
}

/** Throws unless `value` is a whole number >= `min` (or Infinity when allowed). @internal */
export function checkCount(name: string, value: unknown, min: number, allowInfinity = false): asserts value is number {
  if (typeof value !== "number") throw mustBe(name, "a number", value);
  if (allowInfinity && value === Infinity) return;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}${allowInfinity ? " or Infinity" : ""}, got ${value}`);
  }
}

/**
 * Makes `for await (x of stream)` on instances of a class whose receives
 * need the context throw a TypeError saying what to write instead. The
 * method is defined on the prototype but not declared in the class's type,
 * so TypeScript still reports `for await` over such a stream at compile
 * time; plain JavaScript gets this message at run time. @internal
 */
export function refuseAsyncIteration(proto: object, what: string, instead: string): void {
  Object.defineProperty(proto, Symbol.asyncIterator, {
    value: function notAsyncIterable(): never {
      throw new TypeError(
        `${what} is not async-iterable: its receives take the context (cx) explicitly. Write ${instead}`,
      );
    },
    configurable: true,
    writable: true,
  });
}
