// Task bodies: what a task's function returns (a value, a promise, a foreign
// thenable) or throws synchronously ends the task exactly as `await fn(cx)`
// would: the same outcome, after the same number of microtasks. Pins the
// order of exits, which the task's own bookkeeping must not change.
import { describe, expect, it } from "vitest";
import { type Context, type Instrument, run, type TaskOutcome } from "skein";

function exits(): { log: string[]; instrument: Instrument } {
  const log: string[] = [];
  const show = (o: TaskOutcome): string =>
    o.kind === "returned" ? `returned ${String(o.value)}` : o.kind === "failed" ? `failed ${(o.error as Error).message}` : "cancelled";
  return { log, instrument: { taskExited: (t, o) => log.push(`${t.name} ${show(o)}`) } };
}

describe("task bodies", () => {
  it("a value, a promise and a foreign thenable end their tasks after the microtasks await takes", async () => {
    const { log, instrument } = exits();
    await run(
      (cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon({ name: "thenable" }, () => ({
            then(resolve: (v: string) => void) {
              log.push("then called");
              resolve("t");
            },
          }));
          tg.startSoon(async function twoSteps() {
            await null;
            return "n";
          });
          tg.startSoon(async function asyncValue() {
            return "a";
          });
          tg.startSoon(function plainValue() {
            return "v";
          });
          tg.startSoon(function withArgs(_cx: Context, x: number, y: string) {
            return `${x}${y}`;
          }, 1, "b");
          tg.startSoon({ name: "named" }, (_cx: Context, x: number) => x, 5);
        }),
      { instruments: [instrument] },
    );
    expect(log).toEqual([
      "then called",
      "asyncValue returned a",
      "plainValue returned v",
      "withArgs returned 1b",
      "named returned 5",
      "thenable returned t",
      "twoSteps returned n",
      "main returned undefined",
    ]);
  });

  it("bodies that settled before they returned end at their own microtask, each with its own outcome, in two runs at once", async () => {
    // Where the adapter can tell a settled promise (Bun), such bodies are
    // followed by handlers shared by the run and told apart by their order:
    // pins that each end still lands on its own task, at the turn `await` gives.
    const log: string[] = [];
    const show = (o: TaskOutcome): string =>
      o.kind === "returned" ? `returned ${String(o.value)}` : o.kind === "failed" ? `failed ${(o.error as Error).message}` : "cancelled";
    const oneRun = (tag: string) =>
      run(
        async (cx) => {
          try {
            await cx.taskGroup((tg) => {
              tg.startSoon({ name: "settled1" }, async () => 1);
              tg.startSoon({ name: "pending" }, async () => {
                queueMicrotask(() => log.push(`${tag} microtask`));
                await null;
                return "p";
              });
              tg.startSoon({ name: "plain" }, () => "v");
              tg.startSoon({ name: "failed" }, async () => {
                throw new Error("f");
              });
              tg.startSoon({ name: "settled2" }, async () => 2);
              tg.startSoon({ name: "foreign" }, () => Promise.resolve("r"));
            });
          } catch (error) {
            log.push(`${tag} group threw ${(error as Error).message}`);
          }
        },
        { instruments: [{ taskExited: (t, o) => log.push(`${tag} ${t.name} ${show(o)}`) }] },
      );
    await Promise.all([oneRun("A"), oneRun("B")]);
    const expected = (tag: string) => [
      `${tag} settled1 returned 1`,
      `${tag} microtask`,
      `${tag} plain returned v`,
      `${tag} failed failed f`,
      `${tag} settled2 returned 2`,
      `${tag} foreign returned r`,
      `${tag} pending returned p`,
      `${tag} group threw f`,
      `${tag} main returned undefined`,
    ];
    expect(log.filter((l) => l.startsWith("A"))).toEqual(expected("A"));
    expect(log.filter((l) => l.startsWith("B"))).toEqual(expected("B"));
  });

  it("a synchronous throw ends the task at once, with that error, and cancels its siblings", async () => {
    const { log, instrument } = exits();
    const boom = new Error("boom");
    const caught = await run(
      (cx) =>
        cx
          .taskGroup((tg) => {
            tg.startSoon(async function before(cx) {
              await cx.sleepForever();
            });
            tg.startSoon(function thrower() {
              throw boom;
            });
            tg.startSoon(async function after(cx) {
              log.push(`after sees cancelled ${String(cx.isCancelled)}`);
              await cx.checkpoint();
            });
          })
          .catch((e: unknown) => e),
      { instruments: [instrument] },
    );
    expect(caught).toBe(boom);
    expect(log).toEqual([
      "thrower failed boom",
      "after sees cancelled true",
      "after cancelled",
      "before cancelled",
      "main returned Error: boom",
    ]);
  });
});
