/**
 * Generic checks of a byte stream implementation, in the spirit of trio's
 * `trio/testing/_check_streams.py`: {@link checkOneWayStream},
 * {@link checkTwoWayStream} and {@link checkHalfCloseableStream} take a
 * factory of connected pairs and put the pairs through every rule written in
 * `streams/byte-stream.ts`: ordering and byte integrity over random chunk
 * sizes, `maxBytes`, end of stream, closing (locally, by the peer, and while
 * a task is blocked), `BusyResourceError` on concurrent use, cancel safety
 * of `receive`, `BrokenResourceError` after the receiver closed, and
 * half-closing. The first violation throws a {@link StreamCheckError} whose
 * message names the checker and the check.
 *
 * No test framework is imported, so the checks run on every runtime and
 * under any test runner. They never measure time: a task that should have
 * been woken is given a number of checkpoints, and a check that does not
 * finish within `hangTimeoutMs` fails as hung instead of hanging the test.
 * Randomness comes from a small seeded generator, so a failure repeats.
 *
 * Invariants: every pair a check makes is closed before the check returns
 * or throws; each check uses fresh pairs.
 *
 * Costs: a few hundred sends and receives of up to a few KiB per checker.
 *
 * @module
 */

import { CancelScope } from "../core/cancel-scope.ts";
import type { Context } from "../core/context.ts";
import { BrokenResourceError, BusyResourceError, Cancelled, ClosedResourceError, EndOfStream, SkeinError } from "../core/errors.ts";
import type { TaskGroup } from "../core/task-group.ts";
import { checkCount, checkDelay, checkFunction, describeValue } from "../core/validate.ts";
import type { ByteReceiveStream, ByteSendStream, ByteStream, HalfCloseableStream } from "../streams/byte-stream.ts";
import { Event } from "../sync/event.ts";

/**
 * Thrown by the stream checkers when an implementation breaks a rule; the
 * message says which checker and which check, and `cause` holds the error
 * the stream threw, if any.
 *
 * @example
 * ```ts
 * try {
 *   await checkOneWayStream(cx, makePair);
 * } catch (error) {
 *   if (error instanceof StreamCheckError) console.log(error.message);
 * }
 * ```
 */
export class StreamCheckError extends SkeinError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StreamCheckError";
  }
}

/**
 * Makes a fresh pair of connected streams for a check: what the first
 * sends, the second receives (and, for two-way streams, the other way
 * round). It may be async (to connect sockets, say).
 *
 * @example
 * ```ts
 * const makePair: StreamPairFactory<ByteSendStream, ByteReceiveStream> = () => memoryStreamOneWayPair();
 * ```
 */
export type StreamPairFactory<A, B> = (cx: Context) => readonly [A, B] | PromiseLike<readonly [A, B]>;

/**
 * Options of the stream checkers.
 *
 * @example
 * ```ts
 * await checkTwoWayStream(cx, makePair, makeClogged, { seed: 7, hangTimeoutMs: 2000 });
 * ```
 */
export interface StreamCheckOptions {
  /**
   * After this many ms a wait that should have ended (a blocked task that
   * should have been woken, a call that should have returned) fails the
   * check as hung; a whole check gets three times as long (5000 by default).
   */
  readonly hangTimeoutMs?: number;
  /** Seed of the random chunk sizes and data (1 by default). */
  readonly seed?: number;
}

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

function show(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `${bytes.length} bytes [${head}${bytes.length > 16 ? " ..." : ""}]`;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
}

/** A call running in a background task; its outcome is read once `done` is set. */
class Call<T> {
  readonly done = new Event();
  value: T | undefined = undefined;
  failed = false;
  error: unknown = undefined;
}

async function closeQuietly(stream: { close(): Promise<void> }): Promise<void> {
  try {
    await stream.close();
  } catch {
    /* the check already reported what matters */
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The state of one checker run: its name, the current check, options and random numbers. */
class Checker {
  check = "";
  private state: number;
  readonly hangMs: number;

  constructor(
    readonly name: string,
    options: StreamCheckOptions,
  ) {
    if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    const hangMs = options.hangTimeoutMs ?? 5000;
    checkDelay("options.hangTimeoutMs", hangMs);
    const seed = options.seed ?? 1;
    checkCount("options.seed", seed, 0);
    this.hangMs = hangMs;
    this.state = seed >>> 0;
  }

  /** A random whole number in [min, max] (mulberry32). */
  int(min: number, max: number): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(r * (max - min + 1));
  }

  randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  fail(detail: string, cause?: unknown): never {
    const message = `${this.name}: ${this.check}: ${detail}`;
    throw cause === undefined ? new StreamCheckError(message) : new StreamCheckError(message, { cause });
  }

  /** Runs one named check, failing it as hung after 3 × `hangMs` (each wait in it has `hangMs`). */
  async run(cx: Context, check: string, body: (cx: Context) => Promise<void>): Promise<void> {
    this.check = check;
    const result = await cx.moveOnAfter(3 * this.hangMs, body);
    if (result.cancelled) this.fail(`did not finish within ${3 * this.hangMs} ms (a task was never woken?)`);
  }

  /** Runs `fn` in a background task of `tg`, recording its outcome. */
  start<T>(tg: TaskGroup, fn: (cx: Context) => Promise<T>): Call<T> {
    const call = new Call<T>();
    tg.startSoon(async (cx) => {
      try {
        call.value = await fn(cx);
      } catch (error) {
        call.failed = true;
        call.error = error;
        if (error instanceof Cancelled) throw error;
      } finally {
        call.done.set();
      }
    });
    return call;
  }

  /** Lets background tasks run until they block. */
  async settle(cx: Context, rounds = 10): Promise<void> {
    for (let i = 0; i < rounds; i++) await cx.checkpoint();
  }

  /** Waits for a background call to end (failing as hung after `hangMs`). */
  async finish<T>(cx: Context, call: Call<T>, what: string): Promise<Call<T>> {
    const result = await cx.moveOnAfter(this.hangMs, (cx) => call.done.wait(cx));
    if (result.cancelled) this.fail(`${what} was not woken within ${this.hangMs} ms`);
    return call;
  }

  /** Expects a background call to have failed with `expected`. */
  expectFailed(call: Call<unknown>, expected: ErrorClass, what: string): void {
    if (!call.failed) this.fail(`${what} returned (${describeResult(call.value)}), expected ${expected.name}`);
    if (!(call.error instanceof expected)) this.fail(`${what} threw ${nameOf(call.error)}, expected ${expected.name}`, call.error);
  }

  /** Expects `fn()` (a sync throw counts) to fail with `expected`. */
  async expectThrows(cx: Context, expected: ErrorClass, what: string, fn: (cx: Context) => Promise<unknown>): Promise<void> {
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    const result = await cx.moveOnAfter(this.hangMs, async (cx) => {
      try {
        outcome = { ok: true, value: await fn(cx) };
      } catch (error) {
        if (error instanceof Cancelled && !(expected === Cancelled)) throw error;
        outcome = { ok: false, error };
      }
    });
    if (result.cancelled) this.fail(`${what} blocked for ${this.hangMs} ms, expected ${expected.name}`);
    const o = outcome!;
    if (o.ok) this.fail(`${what} returned (${describeResult(o.value)}), expected ${expected.name}`);
    if (!(o.error instanceof expected)) this.fail(`${what} threw ${nameOf(o.error)}, expected ${expected.name}`, o.error);
  }

  /**
   * Expects `fn()` to fail with `expected` at once: without waiting for
   * another task (it is given a few checkpoints, no more).
   */
  async expectPrompt(cx: Context, expected: ErrorClass, what: string, fn: (cx: Context) => Promise<unknown>): Promise<void> {
    await cx.taskGroup(async (tg, cx) => {
      const call = this.start(tg, fn);
      await this.settle(cx);
      if (!call.done.isSet()) {
        tg.cancelScope.cancel();
        this.fail(`${what} blocked, expected ${expected.name} at once`);
      }
      this.expectFailed(call, expected, what);
    });
  }

  /** Makes a pair, runs `body` on it, and closes both ends. */
  async withPair<A extends { close(): Promise<void> }, B extends { close(): Promise<void> }>(
    cx: Context,
    factory: StreamPairFactory<A, B>,
    body: (a: A, b: B) => Promise<void>,
  ): Promise<void> {
    const pair = await factory(cx);
    if (!Array.isArray(pair) || pair.length !== 2) this.fail(`the pair factory returned ${describeValue(pair)}, expected [a, b]`);
    const [a, b] = pair;
    try {
      await body(a, b);
    } finally {
      await closeQuietly(a);
      await closeQuietly(b);
    }
  }

  /** Receives until `n` bytes have arrived, checking each chunk's size against a random `maxBytes`. */
  async receiveExactly(cx: Context, stream: ByteReceiveStream, n: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const max = this.int(1, 4096);
      let chunk: Uint8Array;
      try {
        chunk = await stream.receive(cx, max);
      } catch (error) {
        if (error instanceof Cancelled) throw error;
        this.fail(`receive threw ${nameOf(error)} after ${got} of ${n} bytes`, error);
      }
      if (!(chunk instanceof Uint8Array)) this.fail(`receive returned ${describeValue(chunk)}, expected a Uint8Array`);
      if (chunk.length < 1 || chunk.length > max) this.fail(`receive(cx, ${max}) returned ${chunk.length} bytes, expected 1 to ${max}`);
      chunks.push(chunk.slice());
      got += chunk.length;
    }
    if (got > n) this.fail(`received ${got} bytes, only ${n} were sent`);
    return concat(chunks);
  }

  /** Receives until `EndOfStream`. */
  async receiveToEnd(cx: Context, stream: ByteReceiveStream): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for (;;) {
      try {
        chunks.push((await stream.receive(cx, this.int(1, 4096))).slice());
      } catch (error) {
        if (error instanceof EndOfStream) return concat(chunks);
        if (error instanceof Cancelled) throw error;
        this.fail(`receive threw ${nameOf(error)}, expected data or EndOfStream`, error);
      }
    }
  }

  expectSame(got: Uint8Array, sent: Uint8Array, what: string): void {
    const at = firstDifference(got, sent);
    if (at === -1) return;
    this.fail(`${what}: received ${show(got)}, sent ${show(sent)}; first difference at byte ${at}`);
  }

  /** Random chunks totalling about `total` bytes, some of them empty. */
  randomChunks(total: number, maxChunk: number): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let n = 0;
    while (n < total) {
      const size = this.int(0, 9) === 0 ? 0 : this.int(1, maxChunk);
      chunks.push(this.randomBytes(size));
      n += size;
    }
    return chunks;
  }
}

function describeResult(value: unknown): string {
  return value instanceof Uint8Array ? show(value) : describeValue(value);
}

function checkFactory(name: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return;
  checkFunction(name, value);
}

// ---------------------------------------------------------------------------
// One-way checks

async function oneWayChecks(
  ch: Checker,
  cx: Context,
  makePair: StreamPairFactory<ByteSendStream, ByteReceiveStream>,
  makeClogged: StreamPairFactory<ByteSendStream, ByteReceiveStream> | undefined,
): Promise<void> {
  await ch.run(cx, "ordering and byte integrity", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const chunks = ch.randomChunks(20000, 3000);
        const sending = ch.start(tg, async (cx) => {
          for (const chunk of chunks) await s.send(cx, chunk);
        });
        const sent = concat(chunks);
        const got = await ch.receiveExactly(cx, r, sent.length);
        ch.expectSame(got, sent, "bytes out of order or corrupted");
        await ch.finish(cx, sending, "send");
        if (sending.failed) ch.fail(`send threw ${nameOf(sending.error)}`, sending.error);
      }),
    ),
  );

  await ch.run(cx, "maxBytes validation", (cx) =>
    ch.withPair(cx, makePair, async (_s, r) => {
      for (const bad of [0, -1, 1.5, NaN]) await ch.expectPrompt(cx, RangeError, `receive(cx, ${bad})`, (cx) => r.receive(cx, bad));
    }),
  );

  await ch.run(cx, "end of stream after the sender closes", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const sent = bytesOf("abc");
        const sending = ch.start(tg, async (cx) => {
          await s.send(cx, sent);
          await s.close();
        });
        const got = await ch.receiveToEnd(cx, r);
        ch.expectSame(got, sent, "data before the end of stream");
        await ch.expectPrompt(cx, EndOfStream, "receive after EndOfStream", (cx) => r.receive(cx));
        await ch.finish(cx, sending, "send");
        if (sending.failed) ch.fail(`send then close threw ${nameOf(sending.error)}`, sending.error);
      }),
    ),
  );

  await ch.run(cx, "send after local close", (cx) =>
    ch.withPair(cx, makePair, async (s) => {
      await s.close();
      await ch.expectPrompt(cx, ClosedResourceError, "send after close", (cx) => s.send(cx, bytesOf("x")));
      await s.close(); // idempotent
      await ch.expectPrompt(cx, ClosedResourceError, "send after a second close", (cx) => s.send(cx, bytesOf("x")));
    }),
  );

  await ch.run(cx, "receive after local close", (cx) =>
    ch.withPair(cx, makePair, async (_s, r) => {
      await r.close();
      await ch.expectPrompt(cx, ClosedResourceError, "receive after close", (cx) => r.receive(cx));
      await r.close(); // idempotent
      await ch.expectPrompt(cx, ClosedResourceError, "receive after a second close", (cx) => r.receive(cx));
    }),
  );

  await ch.run(cx, "send after the receiver closed", (cx) =>
    ch.withPair(cx, makePair, async (s, r) => {
      await r.close();
      const chunk = new Uint8Array(1000);
      for (let i = 0; i < 1000; i++) {
        try {
          await s.send(cx, chunk);
        } catch (error) {
          if (error instanceof BrokenResourceError) return;
          if (error instanceof Cancelled) throw error;
          ch.fail(`send threw ${nameOf(error)}, expected BrokenResourceError`, error);
        }
      }
      ch.fail("1000 sends after the receiver closed succeeded, expected BrokenResourceError");
    }),
  );

  await ch.run(cx, "concurrent receive", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const first = ch.start(tg, (cx) => r.receive(cx));
        await ch.settle(cx);
        if (first.done.isSet()) ch.fail(`a receive with nothing sent ended (${first.failed ? nameOf(first.error) : "returned"})`);
        await ch.expectPrompt(cx, BusyResourceError, "a second concurrent receive", (cx) => r.receive(cx));
        const sending = ch.start(tg, (cx) => s.send(cx, bytesOf("x")));
        await ch.finish(cx, first, "the first receive");
        if (first.failed) ch.fail(`the first receive threw ${nameOf(first.error)} after a concurrent one was refused`, first.error);
        ch.expectSame(first.value!, bytesOf("x"), "the first receive");
        await ch.finish(cx, sending, "send");
      }),
    ),
  );

  await ch.run(cx, "close wakes a blocked receive", (cx) =>
    ch.withPair(cx, makePair, (_s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const blocked = ch.start(tg, (cx) => r.receive(cx));
        await ch.settle(cx);
        await r.close();
        await ch.finish(cx, blocked, "a receive blocked when its stream was closed");
        ch.expectFailed(blocked, ClosedResourceError, "a receive blocked when its stream was closed");
      }),
    ),
  );

  await ch.run(cx, "the sender's close ends a blocked receive", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const blocked = ch.start(tg, (cx) => r.receive(cx));
        await ch.settle(cx);
        await s.close();
        await ch.finish(cx, blocked, "a receive blocked when the sender closed");
        ch.expectFailed(blocked, EndOfStream, "a receive blocked when the sender closed");
      }),
    ),
  );

  await ch.run(cx, "receive in a cancelled scope", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const sent = bytesOf("q");
        const sending = ch.start(tg, (cx) => s.send(cx, sent));
        await ch.settle(cx);
        const scope = new CancelScope();
        scope.cancel();
        await cx.withCancelScope(scope, (cx) => ch.expectThrows(cx, Cancelled, "receive in a cancelled scope", (cx) => r.receive(cx)));
        ch.expectSame(await ch.receiveExactly(cx, r, sent.length), sent, "after a receive in a cancelled scope");
        await ch.finish(cx, sending, "send");
      }),
    ),
  );

  await ch.run(cx, "cancel safety: a cancelled receive loses nothing", (cx) =>
    ch.withPair(cx, makePair, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < 40; i++) chunks.push(ch.randomBytes(ch.int(1, 64)));
        const sent = concat(chunks);
        const sending = ch.start(tg, async (cx) => {
          for (const chunk of chunks) {
            await s.send(cx, chunk);
            for (let k = ch.int(0, 3); k > 0; k--) await cx.checkpoint();
          }
          await s.close();
        });
        const got: Uint8Array[] = [];
        for (let round = 0; round < 60; round++) {
          const scope = new CancelScope();
          const delay = round % 6;
          await cx.taskGroup(async (tg, cx) => {
            tg.startSoon(async (cx) => {
              await cx.withCancelScope(scope, async (cx) => {
                const chunk = await r.receive(cx, ch.int(1, 48));
                got.push(chunk.slice());
              });
            });
            for (let k = 0; k < delay; k++) await cx.checkpoint();
            scope.cancel();
          });
        }
        const received = concat(got);
        const rest = await ch.receiveToEnd(cx, r);
        ch.expectSame(concat([received, rest]), sent, "bytes lost or repeated around cancelled receives");
        await ch.finish(cx, sending, "send");
      }),
    ),
  );

  if (makeClogged === undefined) return;

  await ch.run(cx, "concurrent send (clogged)", (cx) =>
    ch.withPair(cx, makeClogged, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const first = ch.start(tg, (cx) => s.send(cx, new Uint8Array(65536)));
        await ch.settle(cx);
        if (first.done.isSet()) ch.fail("a send on the clogged pair did not block");
        await ch.expectPrompt(cx, BusyResourceError, "a second concurrent send", (cx) => s.send(cx, bytesOf("x")));
        const drain = new CancelScope();
        tg.startSoon((cx) =>
          cx.withCancelScope(drain, async (cx) => {
            for (;;) await r.receive(cx);
          }),
        );
        await ch.finish(cx, first, "the first send");
        drain.cancel();
        if (first.failed) ch.fail(`the first send threw ${nameOf(first.error)}`, first.error);
      }),
    ),
  );

  await ch.run(cx, "close wakes a blocked send (clogged)", (cx) =>
    ch.withPair(cx, makeClogged, (s) =>
      cx.taskGroup(async (tg, cx) => {
        const blocked = ch.start(tg, (cx) => s.send(cx, new Uint8Array(65536)));
        await ch.settle(cx);
        if (blocked.done.isSet()) ch.fail("a send on the clogged pair did not block");
        await s.close();
        await ch.finish(cx, blocked, "a send blocked when its stream was closed");
        ch.expectFailed(blocked, ClosedResourceError, "a send blocked when its stream was closed");
      }),
    ),
  );

  await ch.run(cx, "the receiver's close breaks a blocked send (clogged)", (cx) =>
    ch.withPair(cx, makeClogged, (s, r) =>
      cx.taskGroup(async (tg, cx) => {
        const blocked = ch.start(tg, (cx) => s.send(cx, new Uint8Array(65536)));
        await ch.settle(cx);
        if (blocked.done.isSet()) ch.fail("a send on the clogged pair did not block");
        await r.close();
        await ch.finish(cx, blocked, "a send blocked when the receiver closed");
        ch.expectFailed(blocked, BrokenResourceError, "a send blocked when the receiver closed");
      }),
    ),
  );
}

/**
 * Checks a one-way byte stream implementation (trio's
 * `check_one_way_stream`): ordering and integrity, `maxBytes`, end of
 * stream, local close (also of a blocked receive), the sender's close,
 * concurrent receives, cancel safety, and `BrokenResourceError` after the
 * receiver closed. With `makeCloggedPair` (pairs whose `send` blocks until
 * the receiver reads, such as `lockstepStreamOneWayPair`), also concurrent
 * sends and closing during a blocked send.
 *
 * @param makePair makes a fresh connected `[send, receive]` pair.
 * @param makeCloggedPair makes a pair whose sends block (optional).
 * @throws {@link StreamCheckError} on the first rule broken, naming the check.
 * @throws {@link !TypeError} if a factory is not a function.
 * @example
 * ```ts
 * import { run } from "skein";
 * import { checkOneWayStream, lockstepStreamOneWayPair, memoryStreamOneWayPair } from "skein/testing";
 * await run((cx) => checkOneWayStream(cx, () => memoryStreamOneWayPair(), () => lockstepStreamOneWayPair()));
 * ```
 */
export async function checkOneWayStream(
  cx: Context,
  makePair: StreamPairFactory<ByteSendStream, ByteReceiveStream>,
  makeCloggedPair?: StreamPairFactory<ByteSendStream, ByteReceiveStream>,
  options: StreamCheckOptions = {},
): Promise<void> {
  checkFactory("makePair", makePair, false);
  checkFactory("makeCloggedPair", makeCloggedPair, true);
  await oneWayChecks(new Checker("checkOneWayStream", options), cx, makePair, makeCloggedPair);
}

// ---------------------------------------------------------------------------
// Two-way checks

function flipped<A, B>(factory: StreamPairFactory<A, B>): StreamPairFactory<B, A> {
  return async (cx) => {
    const [a, b] = await factory(cx);
    return [b, a];
  };
}

async function twoWayChecks(
  ch: Checker,
  cx: Context,
  makePair: StreamPairFactory<ByteStream, ByteStream>,
  makeClogged: StreamPairFactory<ByteStream, ByteStream> | undefined,
): Promise<void> {
  await oneWayChecks(ch, cx, makePair, makeClogged);
  await oneWayChecks(ch, cx, flipped(makePair), makeClogged && flipped(makeClogged));

  await ch.run(cx, "both directions at once", (cx) =>
    ch.withPair(cx, makePair, (a, b) =>
      cx.taskGroup(async (tg, cx) => {
        const toB = ch.randomChunks(20000, 3000);
        const toA = ch.randomChunks(20000, 3000);
        const sends = [
          ch.start(tg, async (cx) => {
            for (const chunk of toB) await a.send(cx, chunk);
          }),
          ch.start(tg, async (cx) => {
            for (const chunk of toA) await b.send(cx, chunk);
          }),
        ];
        const atA = ch.start(tg, (cx) => ch.receiveExactly(cx, a, concat(toA).length));
        const atB = ch.start(tg, (cx) => ch.receiveExactly(cx, b, concat(toB).length));
        for (const call of [atA, atB, ...sends] as Call<unknown>[]) {
          await ch.finish(cx, call, "a transfer");
          if (call.failed && call.error instanceof StreamCheckError) throw call.error;
          if (call.failed) ch.fail(`a transfer threw ${nameOf(call.error)}`, call.error);
        }
        ch.expectSame(atB.value!, concat(toB), "a to b");
        ch.expectSame(atA.value!, concat(toA), "b to a");
      }),
    ),
  );

  await ch.run(cx, "closing one end", (cx) =>
    ch.withPair(cx, makePair, async (a, b) => {
      await a.close();
      await ch.expectThrows(cx, EndOfStream, "the peer's receive after close", (cx) => b.receive(cx));
      await ch.expectPrompt(cx, ClosedResourceError, "receive on the closed end", (cx) => a.receive(cx));
      await ch.expectPrompt(cx, ClosedResourceError, "send on the closed end", (cx) => a.send(cx, bytesOf("x")));
    }),
  );
}

/**
 * Checks a two-way byte stream implementation (trio's
 * `check_two_way_stream`): every check of {@link checkOneWayStream} in
 * each direction, then traffic both ways at once, and closing one end.
 *
 * @param makePair makes a fresh connected pair `[a, b]`.
 * @param makeCloggedPair makes a pair whose sends block until the peer reads (optional).
 * @throws {@link StreamCheckError} on the first rule broken, naming the check.
 * @throws {@link !TypeError} if a factory is not a function.
 * @example
 * ```ts
 * import { run } from "skein";
 * import { checkTwoWayStream, lockstepStreamPair, memoryStreamPair } from "skein/testing";
 * await run((cx) => checkTwoWayStream(cx, () => memoryStreamPair(), () => lockstepStreamPair()));
 * ```
 */
export async function checkTwoWayStream(
  cx: Context,
  makePair: StreamPairFactory<ByteStream, ByteStream>,
  makeCloggedPair?: StreamPairFactory<ByteStream, ByteStream>,
  options: StreamCheckOptions = {},
): Promise<void> {
  checkFactory("makePair", makePair, false);
  checkFactory("makeCloggedPair", makeCloggedPair, true);
  await twoWayChecks(new Checker("checkTwoWayStream", options), cx, makePair, makeCloggedPair);
}

// ---------------------------------------------------------------------------
// Half-close checks

/**
 * Checks a half-closeable byte stream implementation (trio's
 * `check_half_closeable_stream`): every check of
 * {@link checkTwoWayStream}, then `sendEof`: the peer reads to
 * `EndOfStream`, later sends throw `ClosedResourceError`, `sendEof` is
 * idempotent, and the other direction keeps working. With
 * `makeCloggedPair`, also `BusyResourceError` for `sendEof` during a send.
 *
 * @param makePair makes a fresh connected pair `[a, b]`.
 * @param makeCloggedPair makes a pair whose sends block until the peer reads (optional).
 * @throws {@link StreamCheckError} on the first rule broken, naming the check.
 * @throws {@link !TypeError} if a factory is not a function.
 * @example
 * ```ts
 * import { run } from "skein";
 * import { checkHalfCloseableStream, lockstepStreamPair, memoryStreamPair } from "skein/testing";
 * await run((cx) => checkHalfCloseableStream(cx, () => memoryStreamPair(), () => lockstepStreamPair()));
 * ```
 */
export async function checkHalfCloseableStream(
  cx: Context,
  makePair: StreamPairFactory<HalfCloseableStream, HalfCloseableStream>,
  makeCloggedPair?: StreamPairFactory<HalfCloseableStream, HalfCloseableStream>,
  options: StreamCheckOptions = {},
): Promise<void> {
  checkFactory("makePair", makePair, false);
  checkFactory("makeCloggedPair", makeCloggedPair, true);
  const ch = new Checker("checkHalfCloseableStream", options);
  await twoWayChecks(ch, cx, makePair, makeCloggedPair);

  await ch.run(cx, "sendEof", (cx) =>
    ch.withPair(cx, makePair, (a, b) =>
      cx.taskGroup(async (tg, cx) => {
        const sent = bytesOf("request");
        const sending = ch.start(tg, async (cx) => {
          await a.send(cx, sent);
          await a.sendEof(cx);
        });
        ch.expectSame(await ch.receiveToEnd(cx, b), sent, "data before sendEof");
        await ch.finish(cx, sending, "send then sendEof");
        if (sending.failed) ch.fail(`send then sendEof threw ${nameOf(sending.error)}`, sending.error);
        await ch.expectPrompt(cx, EndOfStream, "the peer's receive after EndOfStream", (cx) => b.receive(cx));
        await ch.expectPrompt(cx, ClosedResourceError, "send after sendEof", (cx) => a.send(cx, bytesOf("x")));
        try {
          await a.sendEof(cx);
        } catch (error) {
          ch.fail(`a second sendEof threw ${nameOf(error)}; it must be idempotent`, error);
        }
        const reply = bytesOf("response");
        const replying = ch.start(tg, async (cx) => {
          await b.send(cx, reply);
          await b.sendEof(cx);
        });
        ch.expectSame(await ch.receiveToEnd(cx, a), reply, "the other direction after sendEof");
        await ch.finish(cx, replying, "the reply");
        if (replying.failed) ch.fail(`the reply after sendEof threw ${nameOf(replying.error)}`, replying.error);
      }),
    ),
  );

  if (makeCloggedPair === undefined) return;

  await ch.run(cx, "sendEof during a send (clogged)", (cx) =>
    ch.withPair(cx, makeCloggedPair, (a, b) =>
      cx.taskGroup(async (tg, cx) => {
        const blocked = ch.start(tg, (cx) => a.send(cx, new Uint8Array(65536)));
        await ch.settle(cx);
        if (blocked.done.isSet()) ch.fail("a send on the clogged pair did not block");
        await ch.expectPrompt(cx, BusyResourceError, "sendEof during a send", (cx) => a.sendEof(cx));
        const drain = new CancelScope();
        tg.startSoon((cx) =>
          cx.withCancelScope(drain, async (cx) => {
            for (;;) await b.receive(cx);
          }),
        );
        await ch.finish(cx, blocked, "the blocked send");
        drain.cancel();
        if (blocked.failed) ch.fail(`the blocked send threw ${nameOf(blocked.error)}`, blocked.error);
      }),
    ),
  );
}
