// Context variables: inheritance by tasks started afterwards, isolation from siblings and parent.
import { describe, expect, it } from "vitest";
import { ContextVar, run } from "skein";

describe("context variables", () => {
  it("a value set in a task is seen by it and by children started afterwards, not by siblings or the parent", async () => {
    const v = new ContextVar<string>("v", "default");
    const seen: Record<string, string> = {};
    await run(async (cx) => {
      seen.rootBefore = v.get(cx);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          seen.early = v.get(cx);
        });
        v.set(cx, "from-body"); // the body runs in the root task
        tg.startSoon(async (cx) => {
          seen.late = v.get(cx);
          v.set(cx, "from-child");
          await cx.sleep(5);
          seen.childOwn = v.get(cx);
        });
        tg.startSoon(async (cx) => {
          await cx.sleep(10);
          seen.sibling = v.get(cx);
        });
      });
      seen.rootAfter = v.get(cx);
    });
    expect(seen).toEqual({
      rootBefore: "default",
      early: "default",
      late: "from-body",
      childOwn: "from-child",
      sibling: "from-body",
      rootAfter: "from-body",
    });
  });

  it("a child's set never reaches its parent; reset restores the previous value", async () => {
    const v = new ContextVar<number>("n", 0);
    await run(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          const token = v.set(cx, 1);
          expect(v.get(cx)).toBe(1);
          v.reset(cx, token);
          expect(v.get(cx)).toBe(0);
          v.set(cx, 2);
        });
      });
      expect(v.get(cx)).toBe(0);
      const t1 = v.set(cx, 5);
      const t2 = v.set(cx, 6);
      v.reset(cx, t2);
      expect(v.get(cx)).toBe(5);
      v.reset(cx, t1);
      expect(v.get(cx)).toBe(0);
      const other = new ContextVar<number>("other", 0);
      expect(() => other.reset(cx, t1 as never)).toThrow(TypeError);
    });
  });

  it("values are visible in nested scopes of the same task", async () => {
    const v = new ContextVar("v", "a");
    await run(async (cx) => {
      v.set(cx, "b");
      await cx.moveOnAfter(1000, async (cx) => {
        expect(v.get(cx)).toBe("b");
        v.set(cx, "c");
      });
      expect(v.get(cx)).toBe("c");
    });
  });
});
