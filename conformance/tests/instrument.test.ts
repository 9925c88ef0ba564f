// Instruments and introspection: the exact events an instrument records for
// small programs, cx.currentTask(), and the live task tree.
import { describe, expect, it } from "vitest";
import {
  type CancelScope,
  type Context,
  Event,
  formatTaskTree,
  type Instrument,
  Lock,
  run,
  type TaskInfo,
  type TaskOutcome,
  taskTree,
  UsageError,
} from "skein";
import { MockClock } from "skein/testing";

/** An instrument that logs every hook as one string. */
function recorder(): { log: string[]; instrument: Instrument } {
  const log: string[] = [];
  const outcome = (o: TaskOutcome): string =>
    o.kind === "returned" ? `returned ${String(o.value)}` : o.kind === "failed" ? `failed ${(o.error as Error).message}` : "cancelled";
  const instrument: Instrument = {
    taskSpawned: (t: TaskInfo) => log.push(`spawned ${t.name} ${t.status}`),
    taskStarted: (t) => log.push(`started ${t.name}`),
    taskExited: (t, o) => log.push(`exited ${t.name} ${outcome(o)}`),
    scopeCancelled: (_s: CancelScope, reason) => log.push(`cancelled ${String(reason)}`),
    beforeBlocking: (t, what) => log.push(`block ${t.name} ${what}`),
    afterBlocking: (t) => log.push(`unblock ${t.name}`),
    checkpoint: (t) => log.push(`checkpoint ${t.name}`),
    timerFired: (deadline) => log.push(`timer ${deadline}`),
  };
  return { log, instrument };
}

describe("instruments", () => {
  it("see tasks spawn, start and exit with each outcome", async () => {
    const { log, instrument } = recorder();
    await run(
      async (cx) => {
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async function ok() {
            return 1;
          });
          tg.startSoon({ name: "idle" }, async (cx) => cx.sleepForever());
          tg.startSoon(async function boom(cx) {
            await cx.checkpoint();
            throw new Error("no");
          });
        }).catch((e: Error) => log.push(`group threw ${e.message}`));
        return 7;
      },
      { instruments: [instrument], clock: new MockClock() },
    );
    expect(log).toEqual([
      "started main",
      "spawned ok waiting",
      "spawned idle waiting",
      "spawned boom waiting",
      "started ok",
      "started idle",
      "block idle sleepForever",
      "started boom",
      "checkpoint boom",
      "block main task group",
      "exited ok returned 1",
      "exited boom failed no",
      "cancelled a task in the group failed",
      "unblock idle",
      "exited idle cancelled",
      "unblock main",
      "group threw no",
      "exited main returned 7",
    ]);
  });

  it("see a deadline cancel a scope, with its reason, and the timer fire", async () => {
    const { log, instrument } = recorder();
    await run(
      async (cx) => {
        await cx.moveOnAfter(50, (cx) => cx.sleep(100));
        await cx.sleep(10);
      },
      { instruments: [instrument], clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(log).toEqual([
      "started main",
      "block main sleep until 100",
      "timer 50",
      "cancelled deadline exceeded",
      "unblock main",
      "block main sleep until 60",
      "timer 60",
      "unblock main",
      "exited main returned undefined",
    ]);
  });

  it("see tasks block on an Event and a Lock", async () => {
    const { log, instrument } = recorder();
    await run(
      (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const ready = new Event();
          const lock = new Lock();
          await lock.acquire(cx);
          tg.startSoon(async function waiter(cx) {
            await ready.wait(cx);
          });
          tg.startSoon(async function locker(cx) {
            await lock.acquire(cx);
            lock.release(cx);
          });
          await cx.checkpoint();
          log.push("-- set and release");
          ready.set();
          lock.release(cx);
        }),
      { instruments: [instrument], clock: new MockClock() },
    );
    expect(log).toEqual([
      "started main",
      "spawned waiter waiting",
      "spawned locker waiting",
      "checkpoint main",
      "started waiter",
      "block waiter Event.wait",
      "started locker",
      "block locker Lock.acquire",
      "-- set and release",
      "unblock waiter",
      "unblock locker",
      "block main task group",
      "exited waiter returned undefined",
      "exited locker returned undefined",
      "unblock main",
      "exited main returned undefined",
    ]);
  });

  it("are optional hook by hook", async () => {
    const seen: string[] = [];
    const good: Instrument = { taskExited: (t) => seen.push(t.name) };
    await run((cx) => cx.taskGroup((tg) => tg.startSoon(async function child() {})), { instruments: [good, {}] });
    expect(seen).toEqual(["child", "main"]);
  });

  it("rejects bad options", () => {
    expect(() => run(async () => {}, { instruments: "x" as never })).toThrow(TypeError);
    expect(() => run(async () => {}, { trackTasks: 1 as never })).toThrow(TypeError);
  });
});

describe("introspection", () => {
  it("cx.currentTask() is the same view of the same task, with its group and status", async () => {
    await run(async (cx) => {
      const main = cx.currentTask();
      expect(main).toBe(cx.currentTask());
      expect([main.name, main.status, main.group]).toEqual(["main", "running", null]);
      await cx.taskGroup(async (tg) => {
        tg.startSoon({ name: "child" }, async (cx: Context) => {
          const me = cx.currentTask();
          expect([me.name, me.status, me.group]).toEqual(["child", "running", tg]);
        });
      });
    });
  });

  it("taskTree needs a tracked run", async () => {
    await run(async (cx) => {
      expect(() => taskTree(cx)).toThrow(UsageError);
    });
  });

  it("taskTree shows groups, sleeping tasks, and tasks blocked on an Event and a Lock", async () => {
    let printed = "";
    await run(
      async (cx) => {
        await cx.sleep(5);
        await cx.taskGroup(async (tg, cx) => {
          const ready = new Event();
          const lock = new Lock();
          tg.startSoon(async function sleeper(cx) {
            await cx.sleep(1000);
          });
          tg.startSoon(async function waiter(cx) {
            await ready.wait(cx);
          });
          tg.startSoon(async function holder(cx) {
            await lock.acquire(cx);
            await cx.taskGroup(async (tg) => {
              tg.startSoon(async function inner(cx) {
                await cx.sleepForever();
              });
            });
          });
          tg.startSoon(async function contender(cx) {
            await cx.sleep(1);
            await lock.acquire(cx);
          });
          await cx.sleep(2);
          printed = formatTaskTree(taskTree(cx));
          tg.cancelScope.cancel();
        });
      },
      { trackTasks: true, clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(printed).toBe(
      [
        "main: running",
        "  group",
        "    sleeper: blocked on sleep until 1005 (since 5)",
        "    waiter: blocked on Event.wait (since 5)",
        "    holder: blocked on task group (since 5)",
        "      group",
        "        inner: blocked on sleepForever (since 5)",
        "    contender: blocked on Lock.acquire (since 6)",
      ].join("\n"),
    );
  });
});
