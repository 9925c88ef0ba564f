// Every blocking call reports cancellation the same way: in a cancelled scope
// it returns a rejected promise (never a synchronous throw) carrying
// Cancelled, whether or not it would have had to wait, and it takes nothing.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  Cancelled,
  CapacityLimiter,
  Condition,
  type Context,
  createMemoryObjectStream,
  Event,
  Lock,
  Queue,
  run,
  Semaphore,
} from "skein";

type Call = readonly [name: string, call: (cx: Context) => unknown];

/** Calls each in `cx` (a cancelled context) and checks it returned a promise rejected with Cancelled. */
async function expectAllRejectCancelled(cx: Context, calls: readonly Call[]): Promise<void> {
  const sync: string[] = [];
  for (const [name, call] of calls) {
    let p: unknown;
    try {
      p = call(cx);
    } catch (error) {
      sync.push(`${name}: threw ${(error as Error)?.constructor?.name} synchronously`);
      continue;
    }
    expect(p, name).toBeInstanceOf(Promise);
    await expect(p, name).rejects.toBeInstanceOf(Cancelled);
  }
  expect(sync).toEqual([]);
}

describe("blocking calls in a cancelled scope", () => {
  it("every blocking call returns a rejected promise with Cancelled, and takes nothing", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        // Resources in both states: one the call could take at once, one it would wait for.
        const unset = new Event();
        const set = new Event();
        set.set();
        const free = new Lock();
        const held = new Lock();
        const broken = new Lock();
        const holding = new Event();
        tg.startSoon({ name: "holder" }, async (cx) => {
          await held.acquire(cx);
          holding.set();
          await cx.sleepForever();
        });
        tg.startSoon({ name: "quitter" }, async (cx) => {
          await broken.acquire(cx); // ends without releasing: the lock is broken
        });
        await holding.wait(cx);
        await cx.sleep(1);
        const permit = new Semaphore(1);
        const noPermit = new Semaphore(0);
        const token = new CapacityLimiter(1);
        const noToken = new CapacityLimiter(1);
        noToken.acquireOnBehalfOfNowait({});
        const cond = new Condition();
        await cond.acquire(cx);
        const ready = new Queue<number>(1);
        ready.putNowait(1);
        const empty = new Queue<number>(1);
        const [roomSend, roomReceive] = createMemoryObjectStream<number>(1);
        const [fullSend, fullReceive] = createMemoryObjectStream<number>(1);
        fullSend.sendNowait(1);
        const [endedSend, endedReceive] = createMemoryObjectStream<number>(1);
        endedSend.close();
        const [brokenSend, brokenReceive] = createMemoryObjectStream<number>(1);
        brokenReceive.close();
        const job = {};

        await cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          await expectAllRejectCancelled(cx, [
            ["cx.checkpoint()", (cx) => cx.checkpoint()],
            ["cx.sleep(10)", (cx) => cx.sleep(10)],
            ["cx.sleepForever()", (cx) => cx.sleepForever()],
            ["Event.wait, not set", (cx) => unset.wait(cx)],
            ["Event.wait, set", (cx) => set.wait(cx)],
            ["Lock.acquire, free", (cx) => free.acquire(cx)],
            ["Lock.acquire, held by another task", (cx) => held.acquire(cx)],
            ["Lock.acquire, broken", (cx) => broken.acquire(cx)],
            ["Lock.withLock", (cx) => free.withLock(cx, () => 1)],
            ["Lock.hold", (cx) => free.hold(cx)],
            ["Semaphore.acquire, permit free", (cx) => permit.acquire(cx)],
            ["Semaphore.acquire, no permit", (cx) => noPermit.acquire(cx)],
            ["Semaphore.withSemaphore", (cx) => permit.withSemaphore(cx, () => 1)],
            ["CapacityLimiter.acquire, token free", (cx) => token.acquire(cx)],
            ["CapacityLimiter.acquire, no token", (cx) => noToken.acquire(cx)],
            ["CapacityLimiter.acquireOnBehalfOf, token free", (cx) => token.acquireOnBehalfOf(cx, job)],
            ["CapacityLimiter.acquireOnBehalfOf, no token", (cx) => noToken.acquireOnBehalfOf(cx, job)],
            ["CapacityLimiter.withToken", (cx) => token.withToken(cx, () => 1)],
            ["Condition.wait", (cx) => cond.wait(cx)],
            ["Condition.waitFor, predicate true", (cx) => cond.waitFor(cx, () => true)],
            ["Condition.waitFor, predicate false", (cx) => cond.waitFor(cx, () => false)],
            ["Queue.get, item ready", (cx) => ready.get(cx)],
            ["Queue.get, empty", (cx) => empty.get(cx)],
            ["Queue.put, room", (cx) => empty.put(cx, 1)],
            ["Queue.put, full", (cx) => ready.put(cx, 2)],
            ["Queue.join, nothing unfinished", (cx) => empty.join(cx)],
            ["Queue.join, unfinished items", (cx) => ready.join(cx)],
            ["send, room", (cx) => roomSend.send(cx, 1)],
            ["send, full", (cx) => fullSend.send(cx, 2)],
            ["send, every receiver closed", (cx) => brokenSend.send(cx, 1)],
            ["receive, item ready", (cx) => fullReceive.receive(cx)],
            ["receive, empty", (cx) => roomReceive.receive(cx)],
            ["receive, ended", (cx) => endedReceive.receive(cx)],
          ]);
        });

        // Nothing was taken, added or left waiting.
        expect(free.locked()).toBe(false);
        expect(held.statistics()).toEqual({ locked: true, owner: "holder", waiting: 0 });
        expect(permit.statistics()).toMatchObject({ value: 1, waiting: 0 });
        expect(noPermit.statistics()).toMatchObject({ value: 0, waiting: 0 });
        expect(token.statistics()).toEqual({ borrowed: 0, total: 1, waiting: 0 });
        expect(noToken.statistics()).toEqual({ borrowed: 1, total: 1, waiting: 0 });
        expect(cond.statistics()).toEqual({ waiting: 0, lock: { locked: true, owner: "main", waiting: 0 } });
        expect(ready.statistics()).toMatchObject({ size: 1, unfinished: 1, waitingGet: 0, waitingPut: 0 });
        expect(empty.statistics()).toMatchObject({ size: 0, unfinished: 0, waitingGet: 0, waitingPut: 0 });
        expect(roomSend.statistics()).toMatchObject({ currentBufferUsed: 0, tasksWaitingSend: 0, tasksWaitingReceive: 0 });
        expect(fullSend.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 0, tasksWaitingReceive: 0 });
        expect(unset.statistics()).toEqual({ waiting: 0 });
        cond.release(cx);
        tg.cancelScope.cancel();
      }),
    );
  });

  it("outcomes other than misuse also arrive through the promise: EndOfStream, BrokenResourceError", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(1);
      receive.close();
      const p = send.send(cx, 1);
      expect(p).toBeInstanceOf(Promise);
      await expect(p).rejects.toBeInstanceOf(BrokenResourceError);
    });
  });
});
