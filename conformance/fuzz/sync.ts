/**
 * Property C: synchronization primitives under random cancellation.
 *
 * A program picks one primitive (Lock, Semaphore(n), CapacityLimiter(n),
 * Condition, Event; n in 1..3) and runs one to four tasks plus a controller.
 * A task's steps are sleeps and *holds*: acquire (plain, under
 * `moveOnAfter`, in a scope the controller may cancel, the non-blocking
 * variant, or the `with*` helper), then a few steps while holding (sleeps,
 * checkpoints, a Condition `wait` bounded by a deadline, `notify`,
 * `notifyAll`), then release. A guard covers the whole hold, so cancellation
 * can land while queued or while holding. For an Event, "acquire" is `wait`
 * and `notify` is `set`; a setter task always sets it after a short sleep, so
 * plain waits end.
 *
 * Invariants:
 * - `limit`: holders counted by the program (up after acquire returned, down
 *   before release) never exceed the limit (1 for Lock and Condition, n for
 *   Semaphore and CapacityLimiter);
 * - `early-wake`: an Event wait returns only once the event is set;
 * - `statistics`: at the end the primitive is back at its baseline (Lock not
 *   locked, no waiters, Semaphore value n, no tokens borrowed, ...);
 * - `waiting-count` (at every step): the statistics never count more waiting
 *   tasks than the program has inside blocking calls (a cancelled waiter
 *   leaves at once); `accounting`: what the statistics call free plus what
 *   the program holds never exceeds the limit (nothing is handed to a task
 *   that gave up, nothing released twice);
 * - `unexpected-error`: only Cancelled (inside a guard) and WouldBlock
 *   (from a non-blocking acquire) are thrown;
 * - `hang` (deadlock: the run does not settle), `unhandled-rejection`.
 *
 * Costs: one `run` per case, sleeps of 0-3 ms.
 *
 * @module
 */

import fc from "fast-check";
import {
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  run,
  Semaphore,
  WouldBlock,
  type Context,
} from "skein";
import {
  type Cancellable,
  type CaseResult,
  describe,
  guarded,
  HUNG,
  type How,
  settleMacrotasks,
  unhandledCount,
  unhandledSince,
  type Violation,
  withWatchdog,
} from "./harness.ts";
import { type CtlOp, controller, pickGuarded, printCtl } from "./streams.ts";

export type Primitive = "lock" | "semaphore" | "limiter" | "condition" | "event";

/** A step while holding. `wait` is a Condition wait (a sleep for the others); `notify`/`notifyAll` set an Event. */
export type HoldOp =
  | { readonly k: "sleep"; readonly ms: number }
  | { readonly k: "checkpoint" }
  | { readonly k: "wait"; readonly how: "moveOn" | "scoped"; readonly ms: number }
  | { readonly k: "notify" }
  | { readonly k: "notifyAll" };

export type SyncOp =
  | { readonly k: "sleep"; readonly ms: number }
  | { readonly k: "hold"; readonly how: How | "with"; readonly ms: number; readonly hold: HoldOp[] };

export interface SyncProgram {
  readonly primitive: Primitive;
  readonly n: number;
  readonly tasks: SyncOp[][];
  readonly controller: CtlOp[];
  /** When the setter task sets the Event (ms). */
  readonly setAfter: number;
}

const ms = fc.constantFrom(0, 1, 0, 0, 2, 0, 1, 3);
const holdOp: fc.Arbitrary<HoldOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("sleep" as const), ms }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant("checkpoint" as const) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("wait" as const), how: fc.constantFrom<"moveOn" | "scoped">("moveOn", "scoped"), ms }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("notify" as const) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant("notifyAll" as const) }), weight: 1 },
);
const syncOp: fc.Arbitrary<SyncOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("sleep" as const), ms }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant("hold" as const),
      how: fc.constantFrom<How | "with">("plain", "moveOn", "scoped", "scoped", "nowait", "with"),
      ms,
      hold: fc.array(holdOp, { maxLength: 3 }),
    }),
    weight: 3,
  },
);

/** Random sync-primitive programs. */
export const syncProgram: fc.Arbitrary<SyncProgram> = fc.record({
  primitive: fc.constantFrom<Primitive>("lock", "semaphore", "limiter", "condition", "event"),
  n: fc.integer({ min: 1, max: 3 }),
  tasks: fc.array(fc.array(syncOp, { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
  controller,
  setAfter: ms,
});

function limitOf(p: SyncProgram): number {
  return p.primitive === "semaphore" || p.primitive === "limiter" ? p.n : p.primitive === "event" ? Infinity : 1;
}

function describePrimitive(p: SyncProgram): string {
  switch (p.primitive) {
    case "lock":
      return "new Lock()";
    case "semaphore":
      return `new Semaphore(${p.n})`;
    case "limiter":
      return `new CapacityLimiter(${p.n})`;
    case "condition":
      return "new Condition()";
    case "event":
      return `new Event(); a setter task sets it after sleep ${p.setAfter}`;
  }
}

function printHow(how: How | "with", ms: number): string {
  return how === "moveOn" ? `in moveOnAfter(${ms})` : how === "scoped" ? "in a cancellable scope" : how === "nowait" ? "nowait" : how === "with" ? "with the with* helper, in a cancellable scope" : "plain";
}

/** A sync program as text. */
export function printSync(p: SyncProgram): string {
  const event = p.primitive === "event";
  const lines = [describePrimitive(p)];
  p.tasks.forEach((ops, i) => {
    const text = ops.map((op) => {
      if (op.k === "sleep") return `sleep ${op.ms}`;
      const hold = op.hold.map((h) =>
        h.k === "sleep"
          ? `sleep ${h.ms}`
          : h.k === "checkpoint"
            ? "checkpoint"
            : h.k === "wait"
              ? p.primitive === "condition"
                ? `wait ${h.how === "moveOn" ? `in moveOnAfter(${h.ms})` : `in a cancellable scope (deadline ${h.ms + 2} ms)`}`
                : `sleep ${h.ms}`
              : event
                ? "set"
                : p.primitive === "condition"
                  ? h.k
                  : "(nothing)",
      );
      return `${event ? "wait" : "acquire"} ${printHow(op.how, op.ms)} { ${hold.join("; ")} }`;
    });
    lines.push(`task ${i}: ${text.join("; ") || "(nothing)"}`);
  });
  lines.push(`controller: ${printCtl(p.controller)}`);
  return lines.join("\n");
}

interface Holder extends Cancellable {
  readonly name: string;
}

/** The primitive behind one interface: acquire/release/with, and the end-of-run baseline check. */
interface Subject {
  acquire(cx: Context): Promise<void>;
  acquireNowait(cx: Context): void;
  release(cx: Context): void;
  withHeld(cx: Context, body: (cx: Context) => Promise<void>): Promise<void>;
  wait(cx: Context): Promise<void>;
  notify(cx: Context, all: boolean): void;
  /** A description of what is off baseline, or null. */
  offBaseline(): string | null;
  /** Tasks the statistics count as waiting. */
  waiting(): number;
  /** Permits/tokens/lock still free by the statistics (Infinity for an Event). */
  available(): number;
}

function subject(p: SyncProgram): Subject {
  switch (p.primitive) {
    case "lock": {
      const lock = new Lock();
      return {
        acquire: (cx) => lock.acquire(cx),
        acquireNowait: (cx) => lock.acquireNowait(cx),
        release: (cx) => lock.release(cx),
        withHeld: (cx, body) => lock.withLock(cx, body),
        wait: (cx) => cx.checkpoint(),
        notify: () => {},
        offBaseline: () => {
          const s = lock.statistics();
          return s.locked || s.owner !== null || s.waiting !== 0 ? JSON.stringify(s) : null;
        },
        waiting: () => lock.statistics().waiting,
        available: () => (lock.locked() ? 0 : 1),
      };
    }
    case "semaphore": {
      const sem = new Semaphore(p.n);
      return {
        acquire: (cx) => sem.acquire(cx),
        acquireNowait: () => sem.acquireNowait(),
        release: () => sem.release(),
        withHeld: (cx, body) => sem.withSemaphore(cx, body),
        wait: (cx) => cx.checkpoint(),
        notify: () => {},
        offBaseline: () => {
          const s = sem.statistics();
          return s.value !== p.n || s.waiting !== 0 ? JSON.stringify(s) : null;
        },
        waiting: () => sem.statistics().waiting,
        available: () => sem.value,
      };
    }
    case "limiter": {
      const limiter = new CapacityLimiter(p.n);
      return {
        acquire: (cx) => limiter.acquire(cx),
        acquireNowait: (cx) => limiter.acquireNowait(cx),
        release: (cx) => limiter.release(cx),
        withHeld: (cx, body) => limiter.withToken(cx, body),
        wait: (cx) => cx.checkpoint(),
        notify: () => {},
        offBaseline: () => {
          const s = limiter.statistics();
          return s.borrowed !== 0 || s.waiting !== 0 || s.total !== p.n ? JSON.stringify(s) : null;
        },
        waiting: () => limiter.statistics().waiting,
        available: () => limiter.availableTokens,
      };
    }
    case "condition": {
      const cond = new Condition();
      return {
        acquire: (cx) => cond.acquire(cx),
        acquireNowait: (cx) => cond.lock.acquireNowait(cx),
        release: (cx) => cond.release(cx),
        withHeld: (cx, body) => cond.withLock(cx, body),
        wait: (cx) => cond.wait(cx),
        notify: (cx, all) => (all ? cond.notifyAll(cx) : cond.notify(cx)),
        offBaseline: () => {
          const s = cond.statistics();
          return s.waiting !== 0 || s.lock.locked || s.lock.waiting !== 0 ? JSON.stringify(s) : null;
        },
        waiting: () => {
          const s = cond.statistics();
          return s.waiting + s.lock.waiting;
        },
        available: () => (cond.locked() ? 0 : 1),
      };
    }
    case "event": {
      const event = new Event();
      let setCalled = false;
      const wait = async (cx: Context): Promise<void> => {
        await event.wait(cx);
        if (!setCalled) throw new EarlyWake();
      };
      return {
        acquire: wait,
        acquireNowait: () => {
          if (!event.isSet()) throw new WouldBlock("not set");
        },
        release: () => {},
        withHeld: async (cx, body) => {
          await wait(cx);
          await body(cx);
        },
        wait: (cx) => cx.checkpoint(),
        notify: () => {
          setCalled = true;
          event.set();
        },
        offBaseline: () => {
          const s = event.statistics();
          return s.waiting !== 0 || !event.isSet() ? JSON.stringify({ ...s, isSet: event.isSet() }) : null;
        },
        waiting: () => event.statistics().waiting,
        available: () => Infinity,
      };
    }
  }
}

class EarlyWake extends Error {
  constructor() {
    super("Event.wait returned before set()");
    this.name = "EarlyWake";
  }
}

/** Runs one sync program and checks the invariants of property C. */
export async function runSyncCase(p: SyncProgram): Promise<CaseResult> {
  const trace: string[] = [];
  const violations: Violation[] = [];
  const violate = (invariant: string, detail: string): void => {
    if (violations.length < 50) violations.push({ invariant, detail });
    trace.push(`!! ${invariant}: ${detail}`);
  };
  const unhandledBefore = unhandledCount();
  const subj = subject(p);
  const limit = limitOf(p);
  const tasks: Holder[] = p.tasks.map((_, i) => ({ name: `task ${i}`, current: null }));
  let holders = 0;
  /** Tasks inside a blocking acquire, wait, or with* helper before its body. */
  let blocked = 0;
  const once = new Set<string>();
  const audit = (who: string): void => {
    const waiting = subj.waiting();
    if (waiting > blocked && !once.has("waiting-count")) {
      once.add("waiting-count");
      violate("waiting-count", `${who}: statistics count ${waiting} waiting task(s), ${blocked} are inside a blocking call`);
    }
    const available = subj.available();
    if (available + holders > limit && !once.has("accounting")) {
      once.add("accounting");
      violate("accounting", `${who}: ${available} free by the statistics while the program holds ${holders}, limit ${limit}`);
    }
  };
  const up = (who: string): void => {
    holders++;
    trace.push(`${who}: holds (${holders} holder(s))`);
    if (holders > limit) violate("limit", `${holders} holders at once, limit ${limit} (${who} just acquired)`);
  };
  const down = (who: string): void => {
    holders--;
    trace.push(`${who}: releases`);
  };
  const unexpected = (who: string, error: unknown): void => {
    if (error instanceof EarlyWake) violate("early-wake", `${who}: ${error.message}`);
    else violate("unexpected-error", `${who}: ${describe(error)}`);
  };

  const holdSteps = async (cx: Context, me: Holder, hold: HoldOp[]): Promise<void> => {
    const who = me.name;
    for (const h of hold) {
      audit(who);
      if (h.k === "sleep") await cx.sleep(h.ms);
      else if (h.k === "checkpoint") await cx.checkpoint();
      else if (h.k === "notify" || h.k === "notifyAll") subj.notify(cx, h.k === "notifyAll");
      else if (p.primitive !== "condition") await cx.sleep(h.ms);
      else {
        // A Condition wait releases the lock while waiting and takes it back before it returns or throws.
        down(`${who} (waits)`);
        try {
          await guarded(
            cx,
            me,
            h.how,
            h.ms,
            async (cx) => {
              blocked++;
              try {
                await subj.wait(cx);
              } finally {
                blocked--;
              }
            },
            true,
          );
        } finally {
          up(`${who} (woke)`);
        }
      }
    }
  };

  const task = async (cx: Context, i: number): Promise<void> => {
    const me = tasks[i]!;
    try {
      for (const op of p.tasks[i]!) {
        audit(me.name);
        if (op.k === "sleep") {
          await cx.sleep(op.ms);
          continue;
        }
        if (op.how === "with") {
          await guarded(cx, me, "scoped", op.ms, async (cx) => {
            blocked++;
            let inBody = false;
            try {
              await subj.withHeld(cx, async (cx) => {
                blocked--;
                inBody = true;
                up(me.name);
                try {
                  await holdSteps(cx, me, op.hold);
                } finally {
                  down(me.name);
                }
              });
            } finally {
              if (!inBody) blocked--;
            }
          });
          continue;
        }
        const how = op.how;
        await guarded(cx, me, how, op.ms, async (cx) => {
          try {
            if (how === "nowait") subj.acquireNowait(cx);
            else {
              blocked++;
              try {
                await subj.acquire(cx);
              } finally {
                blocked--;
              }
            }
          } catch (error) {
            trace.push(`${me.name}: acquire threw ${describe(error)}`);
            if (error instanceof WouldBlock && how === "nowait") return;
            throw error;
          }
          up(me.name);
          try {
            await holdSteps(cx, me, op.hold);
          } finally {
            down(me.name);
            subj.release(cx);
          }
        });
      }
    } catch (error) {
      unexpected(me.name, error);
    }
  };

  const control = async (cx: Context): Promise<void> => {
    for (const op of p.controller) {
      if (op.k === "sleep") {
        await cx.sleep(op.ms);
      } else {
        const t = await pickGuarded(cx, tasks, op.target);
        trace.push(t === null ? "controller: no task in a guarded op to cancel" : `controller: cancel ${t.name}'s guarded op`);
        t?.current?.cancel();
      }
      audit("controller");
    }
  };

  const outcome = await withWatchdog(
    run((cx) =>
      cx.taskGroup((tg) => {
        p.tasks.forEach((_, i) => tg.startSoon(task, i));
        tg.startSoon(control);
        if (p.primitive === "event") {
          tg.startSoon(async (cx) => {
            await cx.sleep(p.setAfter);
            trace.push("setter: set");
            subj.notify(cx, true);
          });
        }
      }),
    ),
  );
  if (outcome === HUNG) violate("hang", "run() did not settle within the watchdog (deadlock?)");
  else if (!outcome.ok) unexpected("run()", outcome.error);
  await settleMacrotasks();
  for (const reason of unhandledSince(unhandledBefore)) violate("unhandled-rejection", reason);
  if (outcome !== HUNG) {
    const off = subj.offBaseline();
    if (off !== null) violate("statistics", `at the end: ${off}`);
    if (holders !== 0) violate("statistics", `the program counts ${holders} holder(s) at the end`);
  }
  return { violations, trace };
}
