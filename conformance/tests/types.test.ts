// Result types of the scope-opening calls (issue 13), checked by tsc
// (`npm run typecheck` includes conformance/) and run as an ordinary test:
// the values asserted at run time are the ones the types promise.
//
// The rule: a call that can absorb a cancellation (end normally without its
// body's value) says so in its type; one that cannot returns the body's type.
// - taskGroup: a body without parameters -> T (it has no handle on the group's scope); a void body -> void;
//   a body taking tg returning T -> T | undefined (undefined only when the group cancelled its own scope
//   before the body returned). See TaskGroupResult.
// - withCancelScope: T | undefined (the scope absorbs its own cancellation).
// - moveOnAfter/moveOnAt: MoveOnResult<T>, a union on `cancelled`.
// - failAfter/failAt: T (the deadline throws TimeoutError; a signal rejects with its reason).
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Context, type MoveOnResult, run, type TaskGroup } from "skein";

describe("result types", () => {
  it("taskGroup, withCancelScope, moveOnAfter, failAfter", async () => {
    await run(async (cx) => {
      const nothing = await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => cx.checkpoint());
      });
      expectTypeOf(nothing).toEqualTypeOf<void>();

      const syncNothing = cx.taskGroup(() => {});
      expectTypeOf(syncNothing).toEqualTypeOf<Promise<void>>();
      await syncNothing;

      // A body without parameters has no handle on the group's own scope: nothing can cut it short but an
      // outer cancellation, which throws. So the value is always there.
      const five: number = await cx.taskGroup(async () => 5);
      expectTypeOf(five).toEqualTypeOf<number>();
      expect(five).toBe(5);

      const six = await cx.taskGroup(async (tg) => (tg.startSoon(async () => {}), 6));
      expectTypeOf(six).toEqualTypeOf<number | undefined>();
      expect(six).toBe(6);

      const cut = await cx.taskGroup(async (tg, cx) => {
        tg.cancelScope.cancel();
        await cx.checkpoint();
        return "unreachable";
      });
      expectTypeOf(cut).toEqualTypeOf<string | undefined>();
      expect(cut).toBeUndefined();

      expectTypeOf(cx.taskGroup).parameter(0).parameters.toEqualTypeOf<[tg: TaskGroup, cx: Context]>();

      const scoped = await cx.withCancelScope({}, async () => "x");
      expectTypeOf(scoped).toEqualTypeOf<string | undefined>();
      expect(scoped).toBe("x");

      const moved = await cx.moveOnAfter(1000, async () => 1);
      expectTypeOf(moved).toEqualTypeOf<MoveOnResult<number>>();
      if (!moved.cancelled) expectTypeOf(moved.value).toEqualTypeOf<number>();
      else expectTypeOf(moved.value).toEqualTypeOf<undefined>();
      expect(moved).toMatchObject({ cancelled: false, value: 1 });

      const movedAt = await cx.moveOnAt(cx.currentTime() + 1000, () => "s");
      expectTypeOf(movedAt).toEqualTypeOf<MoveOnResult<string>>();

      const failed = await cx.failAfter(1000, async () => 2);
      expectTypeOf(failed).toEqualTypeOf<number>();
      expect(failed).toBe(2);

      const failedAt = await cx.failAt(cx.currentTime() + 1000, () => true);
      expectTypeOf(failedAt).toEqualTypeOf<boolean>();
    });
  });
});
