// trio's own cancellation tests, translated to Skein: trio
// src/trio/_core/_tests/test_run.py (cancel scopes, shields, deadlines,
// checkpoints, the deep-nesting regression). Each test names its source.
// Deadlines run on a MockClock; orders and states are asserted, never
// wall-clock time. Scopes are callbacks (`cx.withCancelScope(scope, body)`)
// rather than `with` blocks; durations are in ms.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, type Context, run, UsageError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { assertCheckpoints, assertNoCheckpoints, errorOf, sleepForever, yieldsIn } from "../helpers/peer.ts";

class KeyErr extends Error {
  override name = "KeyError";
}

/** `with CancelScope(shield=True): await checkpoint()`: trio's cancel_shielded_checkpoint. */
const shieldedCheckpoint = (cx: Context): Promise<void> => cx.withCancelScope({ shield: true }, (cx) => cx.checkpoint());

describe("trio test_run.py: cancellation", () => {
  // trio test_run.py::test_cancel_scope_validation (adapted: TypeError for both deadlines, RangeError for NaN and negatives)
  it("test_cancel_scope_validation: bad deadlines are refused with a TypeError or RangeError", () => {
    expect(() => new CancelScope({ deadline: 7, relativeDeadline: 3 })).toThrow(TypeError);
    expect(() => new CancelScope({ deadline: NaN })).toThrow(RangeError);
    expect(() => new CancelScope({ relativeDeadline: NaN })).toThrow(RangeError);
    expect(() => new CancelScope({ relativeDeadline: -3 })).toThrow(RangeError);
    const scope = new CancelScope();
    expect(() => (scope.deadline = NaN)).toThrow(RangeError);
    expect(() => (scope.relativeDeadline = NaN)).toThrow(RangeError);
    expect(() => (scope.relativeDeadline = -3)).toThrow(RangeError);
    scope.relativeDeadline = 5;
    expect(scope.relativeDeadline).toBe(5);
  });

  // trio test_run.py::test_cancel_points
  it("test_cancel_points: checkpointIfCancelled, checkpoint and sleepForever raise in a cancelled scope; a shielded checkpoint does not", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.checkpointIfCancelled();
        cx.cancelScope.cancel();
        expect(() => cx.checkpointIfCancelled()).toThrow(Cancelled);
      });
      await cx.withCancelScope({}, async (cx) => {
        await cx.checkpoint();
        cx.cancelScope.cancel();
        await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
      });
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await expect(cx.sleepForever()).rejects.toBeInstanceOf(Cancelled);
      });
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await shieldedCheckpoint(cx);
        await shieldedCheckpoint(cx);
        await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
      });
    });
  });

  // trio test_run.py::test_cancel_edge_cases
  it("test_cancel_edge_cases: cancel is idempotent, and level-triggered", async () => {
    await run(async (cx) => {
      const scope = new CancelScope();
      await cx.withCancelScope(scope, async (cx) => {
        scope.cancel();
        scope.cancel();
        await cx.checkpoint();
      });
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await expect(cx.sleepForever()).rejects.toBeInstanceOf(Cancelled);
        await expect(cx.sleepForever()).rejects.toBeInstanceOf(Cancelled);
      });
    });
  });

  // trio test_run.py::test_cancel_scope_exceptiongroup_filtering (adapted: Cancelled never enters a TaskGroupError; one KeyError comes out as itself)
  it("test_cancel_scope_exceptiongroup_filtering: the Cancelled are absorbed, the one real error passes the outer scope", async () => {
    const keyError = new KeyErr();
    await run(async (cx) => {
      const outer = new CancelScope();
      const e = await errorOf(
        cx.withCancelScope(outer, (cx) =>
          cx.taskGroup(async (tg, cx) => {
            tg.startSoon(sleepForever);
            tg.startSoon(sleepForever);
            tg.cancelScope.cancel();
            await cx.withCancelScope({ shield: true }, (cx) => waitAllTasksBlocked(cx));
            tg.startSoon(sleepForever);
            outer.cancel();
            tg.startSoon(() => Promise.reject(keyError));
          })
        ),
      );
      expect(e).toBe(keyError);
      expect(outer.cancelledCaught).toBe(false);
    });
  });

  // trio test_run.py::test_precancelled_task
  it("test_precancelled_task: a task started in a cancelled group begins, and is cancelled at its first checkpoint", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup((tg) => {
        tg.cancelScope.cancel();
        tg.startSoon(async (cx) => {
          record.push("started");
          await cx.sleepForever();
        });
      })
    );
    expect(record).toEqual(["started"]);
  });

  // trio test_run.py::test_cancel_shielding
  it("test_cancel_shielding: a shield keeps an outer cancel out, can be turned off and on, and never blocks its own", async () => {
    await run(async (cx) => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await cx.withCancelScope(outer, (cx) =>
        cx.withCancelScope(inner, async (cx) => {
          await cx.checkpoint();
          outer.cancel();
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
          expect(inner.shield).toBe(false);
          expect(() => (inner.shield = "hello" as unknown as boolean)).toThrow(TypeError);
          expect(inner.shield).toBe(false);
          inner.shield = true;
          expect(inner.shield).toBe(true);
          await cx.checkpoint();
          await cx.withCancelScope({}, async (cx) => {
            cx.cancelScope.cancel();
            await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
          });
          await cx.checkpoint();
          inner.shield = false;
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
          inner.shield = true;
          await cx.checkpoint();
          inner.cancel();
          await cx.checkpoint(); // raises, absorbed by inner
        })
      );
      expect(inner.cancelledCaught).toBe(true);
    });
  });

  // trio test_run.py::test_cancel_inheritance
  it("test_cancel_inheritance: cancelling a group reaches the leaves of nested groups at once", async () => {
    const record = new Set<string>();
    const leaf = async (cx: Context, ident: string): Promise<void> => {
      try {
        await cx.sleepForever();
      } catch (e) {
        if (e instanceof Cancelled) record.add(ident);
      }
    };
    const worker = (cx: Context, ident: string) =>
      cx.taskGroup((tg) => (tg.startSoon(leaf, `${ident}-l1`), tg.startSoon(leaf, `${ident}-l2`)));
    await run((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(worker, "w1");
        tg.startSoon(worker, "w2");
        tg.cancelScope.cancel();
      })
    );
    expect([...record].sort()).toEqual(["w1-l1", "w1-l2", "w2-l1", "w2-l2"]);
  });

  // trio test_run.py::test_cancel_shield_abort
  it("test_cancel_shield_abort: un-shielding a group wakes its sleeping child with Cancelled", async () => {
    const record: string[] = [];
    await run(async (cx) => {
      const outer = new CancelScope();
      await cx.withCancelScope(outer, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          outer.cancel();
          tg.cancelScope.shield = true;
          tg.startSoon(async (cx) => {
            record.push("sleeping");
            try {
              await cx.sleepForever();
            } catch (e) {
              if (e instanceof Cancelled) record.push("cancelled");
            }
          });
          await waitAllTasksBlocked(cx);
          expect(record).toEqual(["sleeping"]);
          tg.cancelScope.shield = false;
          await cx.withCancelScope({ shield: true }, async (cx) => {
            await waitAllTasksBlocked(cx);
            expect(record).toEqual(["sleeping", "cancelled"]);
          });
        })
      );
    });
    expect(record).toEqual(["sleeping", "cancelled"]);
  });

  // trio test_run.py::test_basic_timeout
  it("test_basic_timeout: a deadline fires only while its scope is active; moving it earlier cancels", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      let start = cx.currentTime();
      const scope = new CancelScope();
      await cx.withCancelScope(scope, async () => {
        expect(scope.deadline).toBe(Infinity);
        scope.deadline = start + 1000;
        expect(scope.deadline).toBe(start + 1000);
      });
      expect(scope.cancelCalled).toBe(false);
      clock.jump(2000);
      await cx.checkpoint();
      await cx.checkpoint();
      await cx.checkpoint();
      expect(scope.cancelCalled).toBe(false);

      start = cx.currentTime();
      const scope2 = new CancelScope({ deadline: start + 1000 });
      await cx.withCancelScope(scope2, async (cx) => {
        clock.jump(2000);
        await cx.sleepForever();
      });
      expect(scope2.cancelCalled).toBe(true);
      expect(scope2.cancelledCaught).toBe(true);

      start = cx.currentTime();
      await cx.withCancelScope({}, async (cx) => {
        await cx.checkpoint();
        cx.cancelScope.deadline = start + 10_000;
        await cx.checkpoint();
        clock.jump(5000);
        await cx.checkpoint();
        cx.cancelScope.deadline = start + 1000;
        await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
        await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
      });
    }, { clock });
  });

  // trio test_run.py::test_cancel_scope_nesting
  it("test_cancel_scope_nesting: the outer of two cancelled scopes wins; shields; a cancel never delivered is not caught", async () => {
    await run(async (cx) => {
      const s1 = new CancelScope();
      const s2 = new CancelScope();
      const s3 = new CancelScope();
      await cx.withCancelScope(s1, (cx) =>
        cx.withCancelScope(s2, (cx) =>
          cx.withCancelScope(s3, async (cx) => {
            s3.cancel();
            s2.cancel();
            await cx.sleepForever();
          })
        )
      );
      expect([s3.cancelCalled, s3.cancelledCaught, s2.cancelCalled, s2.cancelledCaught, s1.cancelCalled, s1.cancelledCaught])
        .toEqual([true, false, true, true, false, false]);

      const t1 = new CancelScope();
      const t2 = new CancelScope();
      await cx.withCancelScope(t1, (cx) =>
        cx.withCancelScope(t2, async (cx) => {
          t1.cancel();
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
          t2.shield = true;
          await cx.checkpoint();
          t2.cancel();
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
        })
      );

      const scope = new CancelScope();
      await cx.withCancelScope(scope, async (cx) => {
        scope.cancel();
        await shieldedCheckpoint(cx);
      });
      await cx.checkpoint();
      expect(scope.cancelledCaught).toBe(false);
    });
  });

  // trio test_run.py::test_unshield_while_cancel_propagating
  it("test_unshield_while_cancel_propagating: shielding a scope while an outer Cancelled leaves it does not stop it", async () => {
    await run(async (cx) => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await cx.withCancelScope(outer, (cx) =>
        cx.withCancelScope(inner, async (cx) => {
          outer.cancel();
          try {
            await cx.checkpoint();
          } finally {
            inner.shield = true;
          }
        })
      );
      expect(outer.cancelledCaught).toBe(true);
      expect(inner.cancelledCaught).toBe(false);
    });
  });

  // trio test_run.py::test_cancel_unbound (adapted: re-entry is a UsageError; an unentered scope's past deadline is read on a MockClock starting at 0)
  it("test_cancel_unbound: cancel or shield before entry, after exit; a scope is entered once", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      const sleepUntilCancelled = (cx: Context, scope: CancelScope) =>
        cx.withCancelScope(scope, (cx) => cx.sleepForever());

      let scope = new CancelScope();
      scope.cancel();
      await cx.taskGroup((tg) => tg.startSoon(sleepUntilCancelled, scope));
      expect(scope.cancelledCaught).toBe(true);

      scope = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(sleepUntilCancelled, scope);
        await waitAllTasksBlocked(cx);
        scope.cancel();
      });
      expect(scope.cancelledCaught).toBe(true);

      scope = new CancelScope();
      scope.shield = true;
      const outer = new CancelScope();
      await cx.withCancelScope(outer, (cx) =>
        cx.withCancelScope(scope, async (cx) => {
          outer.cancel();
          await cx.checkpoint();
          scope.shield = false;
          await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
        })
      );

      // Can't reuse
      scope = new CancelScope();
      await cx.withCancelScope(scope, (cx) => cx.checkpoint());
      scope.cancel();
      await cx.checkpoint();
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(false);
      expect(() => cx.withCancelScope(scope, async () => {})).toThrow(UsageError);

      // Can't reenter
      const s = new CancelScope();
      await cx.withCancelScope(s, async (cx) => {
        expect(() => cx.withCancelScope(s, async () => {})).toThrow(UsageError);
      });

      // Can't enter from two tasks at once
      const shared = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon({ name: "this one" }, (cx) => cx.withCancelScope(shared, (cx) => cx.sleepForever()));
        await waitAllTasksBlocked(cx);
        expect(() => cx.withCancelScope(shared, async () => {})).toThrow(UsageError);
        tg.cancelScope.cancel();
      });

      // Not yet entered: cancelCalled once the deadline has passed, and it stays so
      const d = new CancelScope({ deadline: cx.currentTime() + 1000 });
      expect(d.cancelCalled).toBe(false);
      d.deadline -= 1000;
      expect(d.cancelCalled).toBe(true);
      d.deadline += 1000;
      expect(d.cancelCalled).toBe(true);
    }, { clock });
  });

  // trio test_run.py::test_yield_briefly_checks_for_timeout
  it("test_yield_briefly_checks_for_timeout: a checkpoint taken after the deadline passed raises", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      await cx.withCancelScope({ deadline: cx.currentTime() + 5000 }, async (cx) => {
        await cx.checkpoint();
        clock.jump(10_000);
        await expect(cx.checkpoint()).rejects.toBeInstanceOf(Cancelled);
      });
    }, { clock });
  });

  // trio test_run.py::test_current_effective_deadline (cx.deadline)
  it("test_current_effective_deadline: the earliest deadline up to the nearest shield; -Infinity once cancelled", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      expect(cx.deadline).toBe(Infinity);
      const scope1 = new CancelScope({ deadline: 5000 });
      const scope2 = new CancelScope({ deadline: 10_000 });
      await cx.withCancelScope(scope1, async (cx1) => {
        await cx1.withCancelScope(scope2, async (cx) => {
          expect(cx.deadline).toBe(5000);
          scope2.deadline = 3000;
          expect(cx.deadline).toBe(3000);
          scope2.deadline = 10_000;
          expect(cx.deadline).toBe(5000);
          scope2.shield = true;
          expect(cx.deadline).toBe(10_000);
          scope2.shield = false;
          expect(cx.deadline).toBe(5000);
          scope1.cancel();
          expect(cx.deadline).toBe(-Infinity);
          scope2.shield = true;
          expect(cx.deadline).toBe(10_000);
        });
        expect(cx1.deadline).toBe(-Infinity);
      });
      expect(cx.deadline).toBe(Infinity);
    }, { clock });
  });

  // trio test_run.py::test_trivial_yields (adapted: the schedule points trio counts on the task are observed
  // as another task getting to run; the one KeyError comes out as itself)
  it("test_trivial_yields: checkpoints are checkpoints; a group's end yields but checks no cancellation", async () => {
    await run(async (cx) => {
      await assertCheckpoints(cx, (cx) => cx.checkpoint());
      await assertCheckpoints(cx, async (cx) => {
        cx.checkpointIfCancelled();
        await shieldedCheckpoint(cx);
      });

      // Weird case: opening and closing a group schedules, but doesn't check
      // for cancellation (unless something inside the group does)
      let cs = new CancelScope();
      const out = await yieldsIn(cx, (cx) =>
        cx.withCancelScope(cs, async (cx) => {
          cs.cancel();
          await cx.taskGroup(async () => {});
        }));
      expect(cs.cancelledCaught).toBe(false);
      expect(out.yielded).toBe(true);

      // With a child that never checkpoints, the exit is a schedule point too.
      cs = new CancelScope();
      let childRan = false;
      const outWithChild = await yieldsIn(cx, (cx) =>
        cx.withCancelScope(cs, async (cx) => {
          cs.cancel();
          await cx.taskGroup((tg) => tg.startSoon(async () => void (childRan = true)));
        }));
      expect(cs.cancelledCaught).toBe(false);
      expect(childRan).toBe(true);
      expect(outWithChild.yielded).toBe(true);

      const key = new KeyErr();
      const e = await errorOf(
        cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          await cx.taskGroup(() => { throw key; });
        }),
      );
      expect(e).toBe(key);
    });
  });

  // trio test_run.py::test_cancel_scope_no_cancellederror (adapted: an AggregateError without a Cancelled in it)
  it("test_cancel_scope_no_cancellederror: a cancelled scope does not catch an error group with no Cancelled", async () => {
    await run(async (cx) => {
      const scope = new CancelScope();
      const group = new AggregateError([new Error("a"), new Error("b")], "test");
      const e = await errorOf(
        cx.withCancelScope(scope, async () => {
          scope.cancel();
          throw group;
        }),
      );
      expect(e).toBe(group);
      expect(scope.cancelledCaught).toBe(false);
    });
  });

  // trio test_run.py::test_very_deep_cancel_scope_nesting (adapted: nested scopes are nested callbacks, whose depth the JS stack limits; the deep tree is built from nested tasks instead)
  it("test_very_deep_cancel_scope_nesting: cancelling the top of a very deep tree of scopes reaches the bottom", async () => {
    const depth = 20_000;
    let reached = 0;
    let bottomCancelled = false;
    await run(async (cx) => {
      const outer = new CancelScope();
      const level = async (cx: Context, n: number): Promise<void> => {
        reached++;
        if (n === 0) {
          try {
            await cx.sleepForever();
          } catch (e) {
            bottomCancelled = e instanceof Cancelled;
            throw e;
          }
        }
        await cx.taskGroup((tg) => tg.startSoon(level, n - 1));
      };
      await cx.withCancelScope(outer, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(level, depth);
          await waitAllTasksBlocked(cx);
          outer.cancel();
        })
      );
      expect(outer.cancelledCaught).toBe(true);
      // And a deep chain of callbacks, as deep as the stack allows comfortably.
      const scopes = 500;
      const top = new CancelScope();
      const nest = (cx: Context, n: number): Promise<void> =>
        n === 0 ? (top.cancel(), cx.checkpoint()) : cx.withCancelScope({}, (cx) => nest(cx, n - 1));
      await cx.withCancelScope(top, (cx) => nest(cx, scopes));
      expect(top.cancelledCaught).toBe(true);
    });
    expect(reached).toBe(depth + 1);
    expect(bottomCancelled).toBe(true);
  }, 60_000);

  // trio test_run.py::test_cancel_scope_deadline_duplicates
  it("test_cancel_scope_deadline_duplicates: moving a deadline back and forth many times leaves one timer that works", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    await run(async (cx) => {
      const now = cx.currentTime();
      await cx.withCancelScope({}, async (cx) => {
        for (let i = 0; i < 2000; i++) {
          cx.cancelScope.deadline = now + 9_998_000;
          cx.cancelScope.deadline = now + 9_999_000;
        }
        await cx.sleep(10);
      });
      const r = await cx.moveOnAfter(1000, async (cx) => {
        for (let i = 0; i < 2000; i++) cx.cancelScope.deadline = cx.currentTime() + 500 + (i % 2) * 100;
        await cx.sleepForever();
      });
      expect(r.cancelled).toBe(true);
      expect(cx.currentTime()).toBe(now + 10 + 600);
    }, { clock });
  });

  // trio test_run.py::test_Cancelled_str (adapted: Skein's message carries the reason; the name is "Cancelled")
  it("test_Cancelled_str: a Cancelled is named Cancelled", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        const e = await errorOf(cx.checkpoint());
        expect(e).toBeInstanceOf(Cancelled);
        expect((e as Error).name).toBe("Cancelled");
        expect(String(e)).toMatch(/^Cancelled/);
        throw e;
      });
    });
  });
});

describe("trio test_testing.py (the checkpoint assertions, as the helpers the peer tests use)", () => {
  /** Whether `check` rejected (the peers' `pytest.raises(AssertionError)`). */
  const refuses = (check: Promise<unknown>) => check.then(() => false, () => true);

  // trio test_testing.py::test_assert_checkpoints
  it("test_assert_checkpoints: a checkpoint passes; nothing, a lone cancel point or a lone schedule point does not; both together do", async () => {
    await run(async (cx) => {
      await assertCheckpoints(cx, (cx) => cx.checkpoint());
      expect(await refuses(assertCheckpoints(cx, async () => 1 + 1))).toBe(true);
      // partial yield cases: a schedule point without a cancel point, or the reverse, is no checkpoint
      expect(await refuses(assertCheckpoints(cx, async (cx) => cx.checkpointIfCancelled()))).toBe(true);
      expect(await refuses(assertCheckpoints(cx, (cx) => shieldedCheckpoint(cx)))).toBe(true);
      // but both together count as a checkpoint
      await assertCheckpoints(cx, async (cx) => {
        cx.checkpointIfCancelled();
        await shieldedCheckpoint(cx);
      });
    });
  });

  // trio test_testing.py::test_assert_no_checkpoints
  it("test_assert_no_checkpoints: nothing passes; a checkpoint, a lone cancel point or a lone schedule point does not", async () => {
    await run(async (cx) => {
      expect(await assertNoCheckpoints(cx, async () => 1 + 1)).toBe(2);
      expect(await refuses(assertNoCheckpoints(cx, (cx) => cx.checkpoint()))).toBe(true);
      expect(await refuses(assertNoCheckpoints(cx, async (cx) => cx.checkpointIfCancelled()))).toBe(true);
      expect(await refuses(assertNoCheckpoints(cx, (cx) => shieldedCheckpoint(cx)))).toBe(true);
      expect(await refuses(assertNoCheckpoints(cx, async (cx) => {
        cx.checkpointIfCancelled();
        await shieldedCheckpoint(cx);
      }))).toBe(true);
      // awaiting a promise that is already settled is no schedule point either
      await assertNoCheckpoints(cx, async () => {
        for (let i = 0; i < 10; i++) await Promise.resolve(i);
      });
    });
  });
});
