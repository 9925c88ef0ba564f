// Spawn + join of N trivial tasks in one group, and cancelling N sleeping
// tasks, against raw Promise.all, Effect fibers and Effection tasks.
import { Effect, Fiber } from "effect";
import * as effection from "effection";
import { run } from "skein";
import { type Contender, measure, report, target, us } from "./harness.ts";

const noop = async (): Promise<void> => {};

const spawnJoin: Contender[] = [
  {
    name: "raw",
    async round(n) {
      const ps: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = noop();
      await Promise.all(ps);
    },
  },
  {
    name: "skein",
    async round(n) {
      await run((cx) =>
        cx.taskGroup(async (tg) => {
          for (let i = 0; i < n; i++) tg.startSoon(noop);
        }),
      );
    },
  },
  {
    name: "effect",
    async round(n) {
      await Effect.runPromise(
        Effect.gen(function* () {
          const fibers = new Array(n);
          for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.void);
          yield* Fiber.joinAll(fibers);
        }),
      );
    },
  },
  {
    name: "effection",
    async round(n) {
      await effection.run(function* () {
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(function* () {});
        for (const t of tasks) yield* t;
      });
    },
  },
];

const cancelSleepers: Contender[] = [
  {
    name: "raw",
    async round(n) {
      // The hand-written equivalent: one AbortController, a timer per sleeper.
      const controller = new AbortController();
      const signal = controller.signal;
      const sleep = () =>
        new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, 1e9);
          signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
        });
      const ps: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = sleep().catch(() => {});
      await new Promise((r) => setTimeout(r, 0));
      controller.abort();
      await Promise.all(ps);
    },
  },
  {
    name: "skein",
    async round(n) {
      await run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          for (let i = 0; i < n; i++) tg.startSoon((cx) => cx.sleep(1e9));
          await cx.checkpoint();
          tg.cancelScope.cancel();
        }),
      );
    },
  },
  {
    name: "effect",
    async round(n) {
      await Effect.runPromise(
        Effect.gen(function* () {
          const fibers = new Array(n);
          for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.sleep("1000 seconds"));
          yield* Effect.yieldNow;
          yield* Fiber.interruptAll(fibers);
        }),
      );
    },
  },
  {
    name: "effection",
    async round(n) {
      await effection.run(function* () {
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = yield* effection.spawn(() => effection.sleep(1e9));
        yield* effection.sleep(0);
        for (const t of tasks) yield* t.halt();
      });
    },
  },
];

export async function benchSpawn(): Promise<void> {
  for (const n of [10_000, 100_000]) {
    // 10k rounds take milliseconds and swing with when a GC lands: more of them, for a steadier median.
    const rows = await measure(spawnJoin, n, n <= 10_000 ? 11 : 5);
    report(`spawn + join of ${n} tasks`, rows, "raw", "skein");
    target(`spawn + join, ${n / 1000}k tasks`, "<= 2x raw", us(rows, "skein") / us(rows, "raw"), "lower", 2);
    target(`spawn + join, ${n / 1000}k tasks, vs Effect`, ">= 5x faster", us(rows, "effect") / us(rows, "skein"), "higher", 5);
  }
}

export async function benchCancel(): Promise<void> {
  for (const n of [10_000, 100_000]) {
    report(`cancel ${n} sleeping tasks (spawn, sleep, cancel, join)`, await measure(cancelSleepers, n, 3), "raw", "skein");
  }
}
