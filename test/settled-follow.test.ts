// The follow of a task whose body's promise had already settled when the
// body returned (adapters/bun/follow.ts, Bun's `Adapter._follow`): two shared
// handlers, told apart by the order of their microtasks, must end each task
// with its own outcome, at the same microtask as the per-task handlers do.
// Here on Node, with an adapter that knows which promises the test settled,
// so both follows mix in one run; the log must equal the one the Node
// adapter's own follow gives.
import { describe, expect, it } from "vitest";
import { nodeAdapter } from "../adapters/node/adapter.ts";
import { settledFollow } from "../adapters/bun/follow.ts";
import type { Adapter } from "../src/core/adapter.ts";
import { run } from "../src/core/run.ts";
import type { TaskOutcome } from "../src/core/instrument.ts";

/** One run of bodies that return settled and pending promises, values and throws; its log of microtasks and exits. */
async function scenario(adapter: Adapter, known: WeakSet<Promise<unknown>>, tag: string, log: string[]): Promise<void> {
  const settled = <T>(p: Promise<T>): Promise<T> => {
    known.add(p);
    return p;
  };
  const show = (o: TaskOutcome): string =>
    o.kind === "returned" ? `returned ${String(o.value)}` : o.kind === "failed" ? `failed ${(o.error as Error).message}` : "cancelled";
  await run(
    async (cx) => {
      try {
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon({ name: "resolved" }, () => settled(Promise.resolve(1)));
          tg.startSoon({ name: "pending" }, async () => {
            queueMicrotask(() => log.push(`${tag} microtask 1`));
            await null;
            queueMicrotask(() => log.push(`${tag} microtask 2`));
            return "p";
          });
          tg.startSoon({ name: "async" }, async () => 2);
          tg.startSoon({ name: "rejected" }, () => {
            const p = Promise.reject(new Error("r"));
            p.catch(() => {});
            return settled(p);
          });
          tg.startSoon({ name: "plain" }, () => "v");
          tg.startSoon({ name: "pending failure" }, async () => {
            await null;
            throw new Error("pf");
          });
          const handle = tg.createTask({ name: "handle" }, () => settled(Promise.resolve(3)));
          tg.startSoon({ name: "watcher" }, async () => {
            log.push(`${tag} handle ${handle.status}`);
            await null;
            log.push(`${tag} handle ${handle.status}`);
          });
          await cx.checkpoint();
        });
      } catch (error) {
        log.push(`${tag} group threw ${(error as Error).message}`);
      }
    },
    { adapter, instruments: [{ taskExited: (t, o) => log.push(`${tag} ${t.name} ${show(o)}`) }] },
  );
}

async function twoRuns(adapter: Adapter, known: WeakSet<Promise<unknown>>): Promise<string[]> {
  const log: string[] = [];
  await Promise.all([scenario(adapter, known, "A", log), scenario(adapter, known, "B", log)]);
  return log;
}

describe("following a body whose promise has already settled", () => {
  it("ends each task with its own outcome at the microtask its own handlers would", async () => {
    const reference = await twoRuns(nodeAdapter, new WeakSet());
    const known = new WeakSet<Promise<unknown>>();
    let asked = 0;
    const shared: Adapter = {
      ...nodeAdapter,
      _follow: settledFollow((p) => {
        asked++;
        return known.has(p);
      }),
    };
    const log = await twoRuns(shared, known);
    expect(asked).toBeGreaterThan(0);
    expect(log).toEqual(reference);
    expect(log.filter((l) => l.startsWith("A"))).toContain("A rejected failed r");
    expect(log.filter((l) => l.startsWith("A"))).toContain("A handle returned 3");
  });

  it("a pending body followed by one closure for both outcomes ends as with two handlers", async () => {
    const reference = await twoRuns(nodeAdapter, new WeakSet());
    const known = new WeakSet<Promise<unknown>>();
    // The state each promise settled with, recorded by a handler attached
    // before the follow's (handlers run in the order they were attached).
    const states = new WeakMap<Promise<unknown>, boolean>();
    let asked = 0;
    const shared: Adapter = {
      ...nodeAdapter,
      _follow: settledFollow(
        (p) => {
          p.then(
            () => states.set(p, false),
            () => states.set(p, true),
          );
          return known.has(p);
        },
        (p) => {
          asked++;
          return states.get(p)!;
        },
      ),
    };
    const log = await twoRuns(shared, known);
    expect(asked).toBeGreaterThan(0);
    expect(log).toEqual(reference);
    expect(log.filter((l) => l.startsWith("A"))).toContain("A pending returned p");
    expect(log.filter((l) => l.startsWith("A"))).toContain("A pending failure failed pf");
    expect(log.filter((l) => l.startsWith("A"))).toContain("A rejected failed r");
  });
});
