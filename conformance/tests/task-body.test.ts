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
