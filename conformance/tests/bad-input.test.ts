// Bad input: a clear TypeError/RangeError at the call site, naming the argument.
import { describe, expect, it } from "vitest";
import {
  asCompleted,
  BufferedByteReceiveStream,
  Cancelled,
  CancelScope,
  CapacityLimiter,
  Condition,
  type Context,
  ContextVar,
  createMemoryObjectStream,
  Event,
  fromReadableStream,
  fromWritableStream,
  gather,
  Lock,
  Queue,
  ResourceGuard,
  run,
  Semaphore,
  StapledObjectStream,
  TaskGroup,
  TextReceiveStream,
  TextSendStream,
  toThread,
  toWritableStream,
  wait,
  waitFor,
  workerModule,
  connectTcp,
  connectUnix,
  connectWebSocket,
  copyFile,
  createConnectedUdpSocket,
  createTcpListener,
  createUdpSocket,
  createUnixListener,
  exists,
  lookup,
  openProcess,
  runProcess,
  toProcess,
  makeTempDir,
  mkdir,
  openFile,
  readDir,
  readFile,
  readTextFile,
  rename,
  rm,
  stat,
  withTempDir,
  writeFile,
  writeTextFile,
} from "skein";
import { memoryStreamOneWayPair } from "skein/testing";

describe("bad input", () => {
  it("run rejects a non-function main at the call site", () => {
    expect(() => run(42 as never)).toThrow(TypeError);
    expect(() => run(42 as never)).toThrow(/main must be a function, got 42/);
    expect(() => run(async () => {}, { adapter: 5 as never })).toThrow(/options.adapter/);
  });

  it("sleep and timeouts reject negative and NaN delays with RangeError", async () => {
    await run(async (cx) => {
      expect(() => cx.sleep(-1)).toThrow(RangeError);
      expect(() => cx.sleep(-1)).toThrow(/ms must be >= 0.*-1/);
      expect(() => cx.sleep(Number.NaN)).toThrow(/ms must not be NaN/);
      expect(() => cx.sleep("10" as never)).toThrow(TypeError);
      expect(() => cx.sleepUntil(Number.NaN)).toThrow(RangeError);
      expect(() => cx.moveOnAfter(-5, async () => {})).toThrow(RangeError);
      expect(() => cx.failAfter(Number.NaN, async () => {})).toThrow(RangeError);
      expect(() => cx.moveOnAt(Number.NaN, async () => {})).toThrow(RangeError);
      expect(() => cx.failAt("x" as never, async () => {})).toThrow(TypeError);
    });
  });

  it("non-function tasks and bodies are TypeErrors naming the argument", async () => {
    await run(async (cx) => {
      expect(() => cx.taskGroup(null as never)).toThrow(/body must be a function, got null/);
      expect(() => cx.moveOnAfter(1, "x" as never)).toThrow(/body must be a function/);
      expect(() => cx.withCancelScope({}, 1 as never)).toThrow(/body must be a function/);
      await cx.taskGroup(async (tg) => {
        expect(() => tg.startSoon(undefined as never)).toThrow(/fn must be a function, got undefined/);
        expect(() => tg.startSoon({ name: "n" }, {} as never)).toThrow(/fn must be a function/);
        expect(() => tg.startSoon({ name: 3 } as never, async () => {})).toThrow(/options.name must be a string/);
        expect(() => tg.start(cx, "x" as never)).toThrow(TypeError);
        expect(() => tg.start((async () => {}) as never, async () => {})).toThrow(TypeError);
      });
      expect(() => cx.abandonOnCancel(3 as never)).toThrow(/promise must be a promise/);
    });
  });

  it("a TaskGroup cannot be constructed directly (a TypeError naming cx.taskGroup)", () => {
    const Group = TaskGroup as unknown as new () => unknown;
    expect(() => new Group()).toThrow(TypeError);
    expect(() => new Group()).toThrow(/cx\.taskGroup/);
  });

  it("Cancelled has no public constructor (as trio's): new Cancelled() is a TypeError saying how to cancel", async () => {
    expect(() => new Cancelled()).toThrow(TypeError);
    expect(() => new Cancelled("stop")).toThrow(/cancelScope\.cancel\(\)/);
    // Skein's own still work, before and after a refused construction.
    await run(async (cx) => {
      const error = await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel("done");
        try {
          await cx.checkpoint();
        } catch (caught) {
          return caught;
        }
      });
      expect(error).toBeInstanceOf(Cancelled);
      expect((error as Cancelled).reason).toBe("done");
    });
  });

  it("cancel scopes validate their options and settings", () => {
    expect(() => new CancelScope({ deadline: Number.NaN })).toThrow(RangeError);
    expect(() => new CancelScope({ shield: "yes" as never })).toThrow(/options.shield must be a boolean/);
    expect(() => new CancelScope(7 as never)).toThrow(TypeError);
    const scope = new CancelScope();
    expect(() => {
      scope.deadline = Number.NaN;
    }).toThrow(RangeError);
    expect(() => scope.cancel(5 as never)).toThrow(/reason must be a string/);
  });

  it("context variables check their name and their context", async () => {
    expect(() => new ContextVar(1 as never, 0)).toThrow(/name must be a string/);
    const v = new ContextVar("v", 0);
    expect(() => v.get({} as never)).toThrow(/ContextVar.get\(cx\): pass the context \(cx\) as the first argument, got an object/);
  });
});

// Issue 13: every public blocking call made without its context (or with
// something else first) is a TypeError naming the call, never "Cannot read
// properties of undefined".
describe("calls without cx", () => {
  type Call = readonly [name: string, call: (bad: unknown) => unknown];
  const calls = (cx: Context, tg: TaskGroup): Call[] => {
    const lock = new Lock();
    const event = new Event();
    const semaphore = new Semaphore(1);
    const limiter = new CapacityLimiter(1);
    const condition = new Condition();
    const guard = new ResourceGuard();
    const [send, receive] = createMemoryObjectStream<number>(1);
    const queue = new Queue<number>();
    const [bytesOut, bytesIn] = memoryStreamOneWayPair();
    const buffered = new BufferedByteReceiveStream(bytesIn);
    const textIn = new TextReceiveStream(bytesIn);
    const textOut = new TextSendStream(bytesOut);
    const stapled = new StapledObjectStream(send, receive);
    const readable = fromReadableStream(new ReadableStream<Uint8Array>());
    const writable = fromWritableStream(new WritableStream<Uint8Array<ArrayBuffer>>());
    const handle = tg.createTask(async () => 1);
    const v = new ContextVar("v", 0);
    const module = workerModule<{ f(cx: Context): number }>(new URL("./never.js", import.meta.url));
    void cx;
    return [
      ["Lock.acquire", (b) => lock.acquire(b as never)],
      ["Lock.acquireNowait", (b) => lock.acquireNowait(b as never)],
      ["Lock.release", (b) => lock.release(b as never)],
      ["Lock.withLock", (b) => lock.withLock(b as never, async () => {})],
      ["Lock.hold", (b) => lock.hold(b as never)],
      ["Event.wait", (b) => event.wait(b as never)],
      ["Semaphore.acquire", (b) => semaphore.acquire(b as never)],
      ["Semaphore.withSemaphore", (b) => semaphore.withSemaphore(b as never, async () => {})],
      ["Semaphore.hold", (b) => semaphore.hold(b as never)],
      ["CapacityLimiter.acquire", (b) => limiter.acquire(b as never)],
      ["CapacityLimiter.acquireOnBehalfOf", (b) => limiter.acquireOnBehalfOf(b as never, {})],
      ["CapacityLimiter.acquireNowait", (b) => limiter.acquireNowait(b as never)],
      ["CapacityLimiter.release", (b) => limiter.release(b as never)],
      ["CapacityLimiter.withToken", (b) => limiter.withToken(b as never, async () => {})],
      ["CapacityLimiter.hold", (b) => limiter.hold(b as never)],
      ["Condition.acquire", (b) => condition.acquire(b as never)],
      ["Condition.release", (b) => condition.release(b as never)],
      ["Condition.withLock", (b) => condition.withLock(b as never, async () => {})],
      ["Condition.wait", (b) => condition.wait(b as never)],
      ["Condition.waitFor", (b) => condition.waitFor(b as never, () => true)],
      ["Condition.notify", (b) => condition.notify(b as never)],
      ["Condition.notifyAll", (b) => condition.notifyAll(b as never)],
      ["ResourceGuard.use", (b) => guard.use(b as never, async () => {})],
      ["MemoryObjectSendStream.send", (b) => send.send(b as never, 1)],
      ["MemoryObjectReceiveStream.receive", (b) => receive.receive(b as never)],
      ["MemoryObjectReceiveStream.iterate", (b) => receive.iterate(b as never)],
      ["Queue.put", (b) => queue.put(b as never, 1)],
      ["Queue.get", (b) => queue.get(b as never)],
      ["Queue.join", (b) => queue.join(b as never)],
      ["BufferedByteReceiveStream.receive", (b) => buffered.receive(b as never)],
      ["BufferedByteReceiveStream.receiveExactly", (b) => buffered.receiveExactly(b as never, 1)],
      ["BufferedByteReceiveStream.receiveUntil", (b) => buffered.receiveUntil(b as never, new Uint8Array([10]), 10)],
      ["TextReceiveStream.receive", (b) => textIn.receive(b as never)],
      ["TextSendStream.send", (b) => textOut.send(b as never, "x")],
      ["StapledObjectStream.send", (b) => stapled.send(b as never, 1)],
      ["StapledObjectStream.receive", (b) => stapled.receive(b as never)],
      ["StapledObjectStream.sendEof", (b) => stapled.sendEof(b as never)],
      ["ReadableStream receive", (b) => readable.receive(b as never)],
      ["WritableStream send", (b) => writable.send(b as never, new Uint8Array(1))],
      ["WritableStream sendEof", (b) => writable.sendEof(b as never)],
      ["toThread", (b) => toThread(b as never, module, "f")],
      ["gather", (b) => gather(b as never, [async () => 1])],
      ["wait", (b) => wait(b as never, [async () => 1])],
      ["asCompleted", (b) => asCompleted(b as never, tg, [async () => 1])],
      ["TaskHandle.result", (b) => handle.result(b as never)],
      ["ContextVar.get", (b) => v.get(b as never)],
      ["ContextVar.set", (b) => v.set(b as never, 1)],
      ["tg.start", (b) => tg.start(b as never, async () => {})],
      ["toWritableStream", (b) => toWritableStream(b as never, bytesOut)],
      ["waitFor", (b) => waitFor(b as never, 10, async () => {})],
      ["readFile", (b) => readFile(b as never, "x")],
      ["readTextFile", (b) => readTextFile(b as never, "x")],
      ["writeFile", (b) => writeFile(b as never, "x", "")],
      ["writeTextFile", (b) => writeTextFile(b as never, "x", "")],
      ["stat", (b) => stat(b as never, "x")],
      ["exists", (b) => exists(b as never, "x")],
      ["mkdir", (b) => mkdir(b as never, "x")],
      ["readDir", (b) => readDir(b as never, "x")],
      ["rm", (b) => rm(b as never, "x")],
      ["rename", (b) => rename(b as never, "x", "y")],
      ["copyFile", (b) => copyFile(b as never, "x", "y")],
      ["makeTempDir", (b) => makeTempDir(b as never)],
      ["withTempDir", (b) => withTempDir(b as never, async () => {})],
      ["openFile", (b) => openFile(b as never, "x")],
      ["connectTcp", (b) => connectTcp(b as never, "127.0.0.1", 1)],
      ["createTcpListener", (b) => createTcpListener(b as never)],
      ["connectUnix", (b) => connectUnix(b as never, "/nonexistent/skein.sock")],
      ["createUnixListener", (b) => createUnixListener(b as never, { path: "/nonexistent/skein.sock" })],
      ["createUdpSocket", (b) => createUdpSocket(b as never)],
      ["createConnectedUdpSocket", (b) => createConnectedUdpSocket(b as never, { remoteHost: "127.0.0.1", remotePort: 1 })],
      ["connectWebSocket", (b) => connectWebSocket(b as never, "ws://127.0.0.1:1")],
      ["lookup", (b) => lookup(b as never, "localhost")],
      ["openProcess", (b) => openProcess(b as never, ["true"])],
      ["runProcess", (b) => runProcess(b as never, ["true"])],
      ["toProcess", (b) => toProcess(b as never, module, "f")],
    ];
  };

  it("is a TypeError that names the call and what was passed, for every public blocking call", async () => {
    const failures: string[] = [];
    await run(async (cx) => {
      await cx.taskGroup(async (tg) => {
        for (const bad of [undefined, 42, {}, tg]) {
          for (const [name, call] of calls(cx, tg)) {
            let error: unknown;
            try {
              await call(bad);
            } catch (e) {
              error = e;
            }
            const message = error instanceof Error ? error.message : String(error);
            const shown = bad === undefined ? "undefined" : bad === 42 ? "42" : bad === tg ? "an instance of TaskGroup" : "an Object|an object";
            if (!(error instanceof TypeError) || !/pass the context \(cx\) as the first argument, got /.test(message) ||
              !new RegExp(`got (${shown})`).test(message) || !message.includes("(cx")) {
              failures.push(`${name}(${String(bad)}): ${error === undefined ? "no error" : `${(error as Error).name}: ${message}`}`);
            }
          }
        }
      });
    });
    expect(failures).toEqual([]);
  });

  it("names the context Context, never Task, in messages", async () => {
    await run(async (cx) => {
      let message = "";
      try {
        await cx.sleep(cx as never);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/got a Context\b/);
      expect(message).not.toMatch(/Task/);
    });
  });

  it("startSoon and start given a promise say so and show the fix", async () => {
    await run(async (cx) => {
      await cx.taskGroup(async (tg) => {
        const work = async (_cx: Context) => {};
        const promise = work(cx);
        expect(() => tg.startSoon(promise as never)).toThrow(TypeError);
        expect(() => tg.startSoon(promise as never)).toThrow(
          /startSoon: fn must be a function, got a Promise \(did you call the function\? pass it uncalled: startSoon\(fn, \.\.\.args\)\)/,
        );
        expect(() => tg.startSoon({ name: "x" }, promise as never)).toThrow(/got a Promise \(did you call the function/);
        expect(() => tg.start(cx, promise as never)).toThrow(/start: fn must be a function, got a Promise \(did you call the function\? pass it uncalled: start\(cx, fn, \.\.\.args\)\)/);
        expect(() => tg.startSoon(undefined as never)).toThrow(/startSoon: fn must be a function, got undefined$/);
      });
    });
  });
});

// Issue 13: receive streams are iterated with iterate(cx) (explicit context);
// `for await (x of stream)` is a TypeError that says so.
describe("for await over a receive stream", () => {
  it("is a TypeError naming the way that works, and iterate(cx) ends at the end of the stream", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(3);
      await send.send(cx, 1);
      await send.send(cx, 2);
      send.close();
      let error: unknown;
      try {
        for await (const _ of receive as unknown as AsyncIterable<number>) break;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/MemoryObjectReceiveStream is not async-iterable.*for await \(const item of stream\.iterate\(cx\)\)/);
      const got: number[] = [];
      for await (const item of receive.iterate(cx)) got.push(item);
      expect(got).toEqual([1, 2]);

      const [bytesOut, bytesIn] = memoryStreamOneWayPair();
      for (const stream of [new TextReceiveStream(bytesIn), new BufferedByteReceiveStream(bytesIn)]) {
        let e2: unknown;
        try {
          for await (const _ of stream as unknown as AsyncIterable<unknown>) break;
        } catch (e) {
          e2 = e;
        }
        expect(e2).toBeInstanceOf(TypeError);
        expect((e2 as Error).message).toMatch(/is not async-iterable.*receive\(cx\)/);
      }
      void bytesOut;
    });
  });
});
