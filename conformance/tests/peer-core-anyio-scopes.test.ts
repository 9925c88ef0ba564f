// anyio's cancel scope and timeout tests, translated to Skein:
// anyio tests/test_taskgroups.py (task groups: peer-core-anyio.test.ts; `start`: peer-core-start.test.ts).
// Each test names its source. Real sleeps become virtual ones on a MockClock
// that jumps when every task is blocked, so the orders are anyio's and the
// file takes milliseconds. Adapted throughout: one error leaves a group as
// itself (anyio: an ExceptionGroup of one), several as a TaskGroupError;
// Cancelled never appears inside one.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, type Context, Event, run, type TaskGroup, TimeoutError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { errorOf, fail, vrun } from "../helpers/peer.ts";

describe("anyio test_taskgroups.py: cancel scopes and timeouts", () => {
  // anyio test_taskgroups.py::test_cancel_before_entering_scope
  it("test_cancel_before_entering_scope: a scope cancelled before entry cancels its first checkpoint", async () => {
    await vrun(async (cx) => {
      const scope = new CancelScope();
      scope.cancel();
      await cx.withCancelScope(scope, async (cx) => {
        await cx.sleep(1000);
        fail("after the sleep");
      });
    });
  });

  // anyio test_taskgroups.py::test_escaping_cancelled_exception
  it("test_escaping_cancelled_exception: a group's own cancellation does not escape it", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.cancelScope.cancel();
        await cx.sleep(0);
      })
    );
  });

  // anyio test_taskgroups.py::test_cancel_scope_cleared
  it("test_cancel_scope_cleared: after a timeout, the next checkpoint is not cancelled", async () => {
    await vrun(async (cx) => {
      await cx.moveOnAfter(100, (cx) => cx.sleep(1000));
      await cx.sleep(0);
    });
  });

  for (const delay of [0, 100]) {
    // anyio test_taskgroups.py::test_fail_after[instant, delayed]
    it(`test_fail_after[${delay ? "delayed" : "instant"}]: failAfter throws TimeoutError; its scope was cancelled and caught it`, async () => {
      await vrun(async (cx) => {
        let scope: CancelScope | undefined;
        const e = await errorOf(cx.failAfter(delay, async (cx) => {
          scope = cx.cancelScope;
          await cx.sleep(1000);
        }));
        expect(e).toBeInstanceOf(TimeoutError);
        expect(scope!.cancelCalled).toBe(true);
        expect(scope!.cancelledCaught).toBe(true);
      });
    });

    // anyio test_taskgroups.py::test_move_on_after[instant, delayed]
    it(`test_move_on_after[${delay ? "delayed" : "instant"}]: moveOnAfter stops the body; its scope was cancelled and caught it`, async () => {
      await vrun(async (cx) => {
        let result = false;
        const r = await cx.moveOnAfter(delay, async (cx) => {
          await cx.sleep(1000);
          result = true;
        });
        expect(result).toBe(false);
        expect(r.cancelled).toBe(true);
        expect(r.scope.cancelCalled).toBe(true);
        expect(r.scope.cancelledCaught).toBe(true);
      });
    });
  }

  // anyio test_taskgroups.py::test_fail_after_no_timeout (adapted: no timeout is Infinity, not None)
  it("test_fail_after_no_timeout: failAfter(Infinity) has no deadline and never fires", async () => {
    await vrun(async (cx) => {
      let scope: CancelScope | undefined;
      await cx.failAfter(Infinity, async (cx) => {
        scope = cx.cancelScope;
        expect(scope.deadline).toBe(Infinity);
        await cx.sleep(100);
      });
      expect(scope!.cancelCalled).toBe(false);
      expect(scope!.cancelledCaught).toBe(false);
    });
  });

  // anyio test_taskgroups.py::test_fail_after_after_cancellation
  it("test_fail_after_after_cancellation: a timeout still works after a group was cancelled", async () => {
    await vrun(async (cx) => {
      const event = new Event();
      await cx.taskGroup(async (tg, cx) => {
        tg.cancelScope.cancel();
        await event.wait(cx);
      });
      let blockComplete = false;
      const e = await errorOf(cx.failAfter(100, async (cx) => {
        await cx.sleep(500);
        blockComplete = true;
      }));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(blockComplete).toBe(false);
    });
  });

  // anyio test_taskgroups.py::test_move_on_after_no_timeout
  it("test_move_on_after_no_timeout: moveOnAfter(Infinity) lets the body finish", async () => {
    await vrun(async (cx) => {
      let result = false;
      const r = await cx.moveOnAfter(Infinity, async (cx) => {
        expect(cx.cancelScope.deadline).toBe(Infinity);
        await cx.sleep(100);
        result = true;
      });
      expect(result).toBe(true);
      expect(r.scope.cancelCalled).toBe(false);
    });
  });

  // anyio test_taskgroups.py::test_nested_move_on_after
  it("test_nested_move_on_after: the outer, earlier deadline fires; the inner scope is untouched", async () => {
    await vrun(async (cx) => {
      let sleepCompleted = false;
      let innerScopeCompleted = false;
      let inner: CancelScope | undefined;
      const r = await cx.moveOnAfter(100, async (cx) => {
        expect(cx.deadline).toBe(cx.cancelScope.deadline);
        const outerDeadline = cx.cancelScope.deadline;
        await cx.moveOnAfter(1000, async (cx) => {
          inner = cx.cancelScope;
          expect(cx.deadline).toBe(outerDeadline);
          await cx.sleep(2000);
          sleepCompleted = true;
        });
        innerScopeCompleted = true;
      });
      expect([sleepCompleted, innerScopeCompleted]).toEqual([false, false]);
      expect([r.scope.cancelCalled, r.scope.cancelledCaught]).toEqual([true, true]);
      expect([inner!.cancelCalled, inner!.cancelledCaught]).toEqual([false, false]);
    });
  });

  // anyio test_taskgroups.py::test_shielding
  it("test_shielding: a shielded timeout scope finishes its sleep while the group is cancelled", async () => {
    let innerSleepCompleted = false;
    let outerSleepCompleted = false;
    let inner: CancelScope | undefined;
    let group: TaskGroup | undefined;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        group = tg;
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          tg.cancelScope.cancel();
        });
        await cx.moveOnAfter(10_000, async (cx) => {
          inner = cx.cancelScope;
          expect(inner.shield).toBe(true);
          await cx.sleep(100);
          innerSleepCompleted = true;
        }, { shield: true });
        await cx.sleep(1000);
        outerSleepCompleted = true;
      })
    );
    expect([innerSleepCompleted, outerSleepCompleted]).toEqual([true, false]);
    expect(group!.cancelScope.cancelCalled).toBe(true);
    expect(inner!.cancelCalled).toBe(false);
  });

  // anyio test_taskgroups.py::test_cancel_from_shielded_scope
  it("test_cancel_from_shielded_scope: cancelling the group from inside a shield takes effect once out of it", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await cx.withCancelScope({ shield: true }, async (cx) => {
          expect(cx.cancelScope.shield).toBe(true);
          tg.cancelScope.cancel();
          expect(cx.deadline).toBe(Infinity);
        });
        expect(cx.deadline).toBe(-Infinity);
        await expect(cx.sleep(10)).rejects.toBeInstanceOf(Cancelled);
        await expect(cx.sleep(10)).rejects.toBeInstanceOf(Cancelled);
      })
    );
  });

  // anyio test_taskgroups.py::test_cancel_shielded_scope
  it("test_cancel_shielded_scope: a shield does not keep out its own cancellation", async () => {
    await run((cx) =>
      cx.withCancelScope({ shield: true }, async (cx) => {
        expect(cx.cancelScope.shield).toBe(true);
        cx.cancelScope.cancel();
        expect(cx.deadline).toBe(-Infinity);
        await expect(cx.sleep(0)).rejects.toBeInstanceOf(Cancelled);
      })
    );
  });

  // anyio test_taskgroups.py::test_cancelled_not_caught
  it("test_cancelled_not_caught: a scope cancelled with no checkpoint after caught nothing", async () => {
    await run(async (cx) => {
      const scope = new CancelScope();
      await cx.withCancelScope(scope, async () => scope.cancel());
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(false);
    });
  });

  // anyio test_taskgroups.py::test_shielding_immediate_scope_cancelled
  it("test_shielding_immediate_scope_cancelled: a shielded scope cancelled by another task stops its sleep", async () => {
    let sleepCompleted = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const scope = new CancelScope({ shield: true });
        await cx.withCancelScope(scope, async (cx) => {
          tg.startSoon(async (cx) => {
            await waitAllTasksBlocked(cx);
            scope.cancel();
          });
          await cx.sleep(500);
          sleepCompleted = true;
        });
      })
    );
    expect(sleepCompleted).toBe(false);
  });

  // anyio test_taskgroups.py::test_shielding_mutate
  it("test_shielding_mutate: a shield raised after entry protects; lowered again, the cancellation arrives", async () => {
    let completed = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, (cx) =>
          cx.withCancelScope({}, async (cx) => {
            await cx.sleep(100);
            cx.cancelScope.shield = true;
            cx.started();
            await cx.sleep(100);
            completed = true;
            cx.cancelScope.shield = false;
            await cx.sleep(1000);
            fail("after the unshielded sleep");
          })
        );
        tg.cancelScope.cancel();
      })
    );
    expect(completed).toBe(true);
  });

  // anyio test_taskgroups.py::test_cancel_scope_in_child_task
  it("test_cancel_scope_in_child_task: cancelling a child's scope does not cancel the group", async () => {
    let hostDone = false;
    let group: TaskGroup | undefined;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        group = tg;
        const childScope = new CancelScope();
        tg.startSoon((cx) => cx.withCancelScope(childScope, (cx) => cx.sleep(2000)));
        await waitAllTasksBlocked(cx);
        childScope.cancel();
        await cx.sleep(100);
        hostDone = true;
      })
    );
    expect(hostDone).toBe(true);
    expect(group!.cancelScope.cancelCalled).toBe(false);
  });

  // anyio test_taskgroups.py::test_shielded_deadline
  it("test_shielded_deadline: a shield hides the outer deadline from cx.deadline", async () => {
    await vrun((cx) =>
      cx.moveOnAfter(10, (cx) =>
        cx.withCancelScope({ shield: true }, (cx) =>
          cx.moveOnAfter(1_000_000, async (cx) => {
            expect(cx.deadline - cx.currentTime()).toBeGreaterThan(900_000);
          })
        )
      )
    );
  });

  // anyio test_taskgroups.py::test_deadline_reached_on_start
  it("test_deadline_reached_on_start: moveOnAfter(0) cancels the first checkpoint", async () => {
    await run(async (cx) => {
      const r = await cx.moveOnAfter(0, async (cx) => {
        await cx.sleep(0);
        fail("after the sleep");
      });
      expect(r.cancelled).toBe(true);
    });
  });

  // anyio test_taskgroups.py::test_deadline_moved
  it("test_deadline_moved: a deadline moved later lets the body finish", async () => {
    await vrun((cx) =>
      cx.failAfter(100, async (cx) => {
        cx.cancelScope.deadline += 300;
        await cx.sleep(200);
      })
    );
  });

  // anyio test_taskgroups.py::test_timeout_error_with_multiple_cancellations
  it("test_timeout_error_with_multiple_cancellations: a timeout that cancels a whole group is one TimeoutError", async () => {
    const e = await errorOf(vrun((cx) =>
      cx.failAfter(100, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) => cx.sleep(2000));
          await cx.sleep(2000);
        })
      )
    ));
    expect(e).toBeInstanceOf(TimeoutError);
  });

  // anyio test_taskgroups.py::test_nested_fail_after
  it("test_nested_fail_after: an outer scope cancelled while failAfter waits is not a timeout", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const scope = new CancelScope();
        await cx.withCancelScope(scope, (cx) =>
          cx.withCancelScope({}, async (cx) => {
            tg.startSoon(async (cx) => {
              await waitAllTasksBlocked(cx);
              scope.cancel();
            });
            await cx.failAfter(1000, async (cx) => {
              await cx.sleep(2000);
              fail("after the sleep");
            });
            fail("after failAfter");
          })
        );
        expect(scope.cancelCalled).toBe(true);
      })
    );
  });

  // anyio test_taskgroups.py::test_nested_shield (adapted: the one TimeoutError comes out as itself)
  it("test_nested_shield: a failAfter inside a shield still times out", async () => {
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const scope = new CancelScope();
        await cx.withCancelScope(scope, (cx) =>
          cx.withCancelScope({ shield: true }, async (cx) => {
            tg.startSoon(async (cx) => {
              await waitAllTasksBlocked(cx);
              scope.cancel();
            });
            await cx.failAfter(200, (cx) => cx.sleep(2000));
          })
        );
      })
    ));
    expect(e).toBeInstanceOf(TimeoutError);
  });

  // anyio test_taskgroups.py::test_triple_nested_shield_checkpoint_in_outer
  it("test_triple_nested_shield_checkpoint_in_outer: after the shield, a checkpoint in the outer cancelled scope raises", async () => {
    let gotPastCheckpoint = false;
    await run((cx) =>
      cx.taskGroup((tg) =>
        tg.startSoon(async (cx) => {
          const scope1 = new CancelScope();
          const scope2 = new CancelScope();
          await cx.withCancelScope(scope1, async (cx) => {
            await cx.withCancelScope(scope2, (cx) =>
              cx.withCancelScope({ shield: true }, async () => {
                scope1.cancel();
                scope2.cancel();
              })
            );
            await cx.checkpoint();
            gotPastCheckpoint = true;
          });
        })
      )
    );
    expect(gotPastCheckpoint).toBe(false);
  });

  // anyio test_taskgroups.py::test_triple_nested_shield_checkpoint_in_middle
  it("test_triple_nested_shield_checkpoint_in_middle: after the shield, a checkpoint in the middle scope raises", async () => {
    let gotPastCheckpoint = false;
    await run((cx) =>
      cx.taskGroup((tg) =>
        tg.startSoon(async (cx) => {
          const scope1 = new CancelScope();
          await cx.withCancelScope(scope1, (cx) =>
            cx.withCancelScope({}, async (cx) => {
              await cx.withCancelScope({ shield: true }, async () => scope1.cancel());
              await cx.checkpoint();
              gotPastCheckpoint = true;
            })
          );
        })
      )
    );
    expect(gotPastCheckpoint).toBe(false);
  });

  // anyio test_taskgroups.py::test_escaping_cancelled_error_from_cancelled_task
  it("test_escaping_cancelled_error_from_cancelled_task: no Cancelled escapes after a timeout inside a scope then cancelled", async () => {
    await vrun(async (cx) => {
      const scope = new CancelScope();
      await cx.withCancelScope(scope, async (cx) => {
        await cx.moveOnAfter(100, (cx) => cx.sleep(1000));
        scope.cancel();
      });
    });
  });
});
