// Bad input: a clear TypeError/RangeError at the call site, naming the argument.
import { describe, expect, it } from "vitest";
import { CancelScope, ContextVar, run } from "skein";

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
    expect(() => v.get({} as never)).toThrow(/cx must be a Skein context/);
  });
});
