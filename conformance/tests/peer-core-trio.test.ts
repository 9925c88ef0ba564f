// trio's own core tests, translated to Skein: trio src/trio/_core/_tests/test_run.py
// (nurseries, cancel scopes, shields, deadlines, start/started, checkpoints,
// error groups). Each test names its source. Deadlines run on a MockClock;
// orders and states are asserted, never wall-clock time. What is adapted
// (and why) is said where it happens: Skein's `cx` is explicit, durations are
// in ms, one error leaves a group as itself and several as a TaskGroupError,
// scopes and groups are callbacks rather than `with` blocks.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, ClosedResourceError, type Context, run, TaskGroupError, UsageError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";

class KeyErr extends Error {
  override name = "KeyError";
}
class ValueErr extends Error {
  override name = "ValueError";
}

/** A task that sleeps until cancelled. */
const sleepForever = (cx: Context): Promise<void> => cx.sleepForever();
/** `with CancelScope(shield=True): await checkpoint()`: trio's cancel_shielded_checkpoint. */
const shieldedCheckpoint = (cx: Context): Promise<void> => cx.withCancelScope({ shield: true }, (cx) => cx.checkpoint());

async function errorOf(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("trio test_run.py: run and nurseries", () => {
  // trio test_run.py::test_basic
  it("test_basic: run returns main's value; a non-function main is a TypeError", async () => {
    expect(await run(async () => 8)).toBe(8);
    expect(await run(async (cx) => (await cx.checkpoint(), 1))).toBe(1);
    expect(() => run(null as unknown as () => void)).toThrow(TypeError);
  });

  // trio test_run.py::test_initial_task_error
  it("test_initial_task_error: main's error is run's error, itself", async () => {
    const e = new ValueErr("17");
    expect(await errorOf(run(async () => Promise.reject(e)))).toBe(e);
  });

  // trio test_run.py::test_nursery_main_block_error_basic (adapted: one error comes out as itself, not in a group)
  it("test_nursery_main_block_error_basic: the body's error leaves the group as itself", async () => {
    const exc = new ValueErr("whoops");
    expect(await errorOf(run((cx) => cx.taskGroup(() => Promise.reject(exc))))).toBe(exc);
  });

  // trio test_run.py::test_child_crash_basic
  it("test_child_crash_basic: a child's error propagates out of the group", async () => {
    const myExc = new ValueErr("uh oh");
    const e = await errorOf(run((cx) => cx.taskGroup((tg) => tg.startSoon(() => Promise.reject(myExc)))));
    expect(e).toBe(myExc);
  });

  // trio test_run.py::test_basic_interleave
  it("test_basic_interleave: two loopers with checkpoints interleave step by step", async () => {
    const record: string[] = [];
    const looper = async (cx: Context, who: string): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        record.push(`${who}${i}`);
        await cx.checkpoint();
      }
    };
    await run((cx) => cx.taskGroup((tg) => (tg.startSoon(looper, "a"), tg.startSoon(looper, "b"))));
    const pairs = [record.slice(0, 2).sort(), record.slice(2, 4).sort(), record.slice(4, 6).sort()];
    expect(pairs).toEqual([["a0", "b0"], ["a1", "b1"], ["a2", "b2"]]);
  });

  // trio test_run.py::test_task_crash_propagation
  it("test_task_crash_propagation: a crash cancels a looping sibling, then propagates", async () => {
    const looperRecord: string[] = [];
    const argh = new ValueErr("argh");
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async (cx) => {
            try {
              for (;;) await cx.checkpoint();
            } catch (e) {
              if (e instanceof Cancelled) looperRecord.push("cancelled");
            }
          });
          tg.startSoon(() => Promise.reject(argh));
        })
      ),
    );
    expect(e).toBe(argh);
    expect(looperRecord).toEqual(["cancelled"]);
  });

  // trio test_run.py::test_main_and_task_both_crash
  it("test_main_and_task_both_crash: the body's and a child's errors both come out, in a TaskGroupError", async () => {
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(() => Promise.reject(new ValueErr()));
          throw new KeyErr();
        })
      ),
    );
    expect(e).toBeInstanceOf(TaskGroupError);
    expect((e as TaskGroupError).errors.map((x) => (x as Error).name).sort()).toEqual(["KeyError", "ValueError"]);
  });

  // trio test_run.py::test_two_child_crashes
  it("test_two_child_crashes: two crashing children give one TaskGroupError with both", async () => {
    const crasher = (_cx: Context, E: new () => Error) => Promise.reject(new E());
    const e = await errorOf(run((cx) => cx.taskGroup((tg) => (tg.startSoon(crasher, KeyErr), tg.startSoon(crasher, ValueErr)))));
    expect(e).toBeInstanceOf(TaskGroupError);
    expect((e as TaskGroupError).errors.map((x) => (x as Error).name).sort()).toEqual(["KeyError", "ValueError"]);
  });

  // trio test_run.py::test_child_crash_wakes_parent
  it("test_child_crash_wakes_parent: a child's crash wakes the body sleeping forever", async () => {
    const crash = new ValueErr("this is a crash");
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(() => Promise.reject(crash));
          await cx.sleepForever();
        })
      ),
    );
    expect(e).toBe(crash);
  });

  // trio test_run.py::test_current_time
  it("test_current_time: the run's clock moves forward", async () => {
    await run(async (cx) => {
      const t1 = cx.currentTime();
      await cx.sleep(2);
      expect(cx.currentTime()).toBeGreaterThan(t1);
    });
  });

  // trio test_run.py::test_current_time_with_mock_clock
  it("test_current_time_with_mock_clock: currentTime is the mock clock's time, moved by jump", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      const start = clock.now();
      expect(cx.currentTime()).toBe(clock.now());
      clock.jump(3150);
      expect(cx.currentTime()).toBe(start + 3150);
      expect(clock.now()).toBe(start + 3150);
    }, { clock });
  });

  // trio test_run.py::test_current_task (adapted: a task's group is cx.currentTask().group)
  it("test_current_task: a child's task info names the group it was started in", async () => {
    await run(async (cx) => {
      const root = cx.currentTask();
      expect(root.group).toBeNull(); // trio test_run.py::test_root_task
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          expect(cx.currentTask().group).toBe(tg);
          expect(cx.currentTask()).not.toBe(root);
        });
      });
    });
  });

  // trio test_run.py::test_nursery_closure (adapted: a closed group raises ClosedResourceError)
  it("test_nursery_closure: tasks may be added while the group waits for its children; once closed, startSoon throws", async () => {
    const log: string[] = [];
    await run(async (cx) => {
      let saved: import("skein").TaskGroup | undefined;
      await cx.taskGroup((tg) => {
        saved = tg;
        tg.startSoon(async () => {
          tg.startSoon(async () => void log.push("child2"));
        });
      });
      expect(log).toEqual(["child2"]);
      expect(() => saved!.startSoon(async () => {})).toThrow(ClosedResourceError);
    });
  });

  // trio test_run.py::test_spawn_name (adapted: name given as { name }; a bound function's name is "bound f")
  it("test_spawn_name: a task is named after its function, or by the name given", async () => {
    const names: [string, string][] = [];
    async function func1(cx: Context, expected: string): Promise<void> {
      names.push([expected, cx.taskName]);
    }
    await run((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(func1, "func1");
        tg.startSoon({ name: "func3" }, func1, "func3");
        tg.startSoon(func1.bind(null) as typeof func1, "func1");
      })
    );
    for (const [expected, name] of names) expect(name).toContain(expected);
  });

  // trio test_run.py::test_nursery_explicit_exception
  it("test_nursery_explicit_exception: an error thrown by the body comes out of the group", async () => {
    const e = new KeyErr();
    expect(await errorOf(run((cx) => cx.taskGroup(() => { throw e; })))).toBe(e);
  });

  // trio test_run.py::test_nursery_exception_chaining_doesnt_make_context_loops (adapted: no implicit chaining in JS; the group error has no cause)
  it("test_nursery_exception_chaining_doesnt_make_context_loops: the TaskGroupError holds both errors and has no cause", async () => {
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(() => Promise.reject(new KeyErr()));
          throw new ValueErr();
        })
      ),
    );
    expect(e).toBeInstanceOf(TaskGroupError);
    expect((e as Error).cause).toBeUndefined();
    expect((e as TaskGroupError).errors).toHaveLength(2);
  });

  // trio test_run.py::test_nice_error_on_bad_calls_to_run_or_spawn (adapted: a bad task function is a TypeError at the call site)
  it("test_nice_error_on_bad_calls_to_run_or_spawn: a promise or an async generator function is refused with a TypeError", async () => {
    async function f(): Promise<void> {}
    async function* asyncGen(_cx: Context): AsyncGenerator<number> {
      yield 0;
    }
    expect(() => run(f() as unknown as () => void)).toThrow(TypeError);
    expect(() => run(asyncGen as unknown as () => void)).toThrow(/async generator/);
    await run((cx) =>
      cx.taskGroup((tg, cx) => {
        expect(() => tg.startSoon(f() as unknown as () => void)).toThrow(/expecting an async function|must be a function/);
        expect(() => tg.startSoon(asyncGen)).toThrow(TypeError);
        expect(() => tg.startSoon(asyncGen)).toThrow(/async generator/);
        expect(() => tg.start(cx, asyncGen)).toThrow(/async generator/);
      })
    );
  });

  // trio test_run.py::test_setting_strict_exception_groups (adapted: Skein has one rule, no strict option: one error as itself, several in a TaskGroupError)
  it("test_setting_strict_exception_groups: one error comes out as itself, two in a TaskGroupError", async () => {
    for (const multiple of [false, true]) {
      const e = await errorOf(
        run((cx) =>
          cx.taskGroup((tg) => {
            tg.startSoon(() => Promise.reject(new Error("test error")));
            if (multiple) tg.startSoon(() => Promise.reject(new Error("test error")));
          })
        ),
      );
      if (multiple) {
        expect(e).toBeInstanceOf(TaskGroupError);
        expect((e as TaskGroupError).errors.map((x) => (x as Error).message)).toEqual(["test error", "test error"]);
      } else {
        expect(e).not.toBeInstanceOf(TaskGroupError);
        expect((e as Error).message).toBe("test error");
      }
    }
  });

  // trio test_run.py::test_nursery_collapse (adapted: the inner group's one error comes out as itself)
  it("test_nursery_collapse: an inner group's single error, with its Cancelled stripped, is not wrapped", async () => {
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(sleepForever);
          tg.startSoon(() => Promise.reject(new Error("outer child")));
          await cx.taskGroup((tg2) => {
            tg2.startSoon(sleepForever);
            tg2.startSoon(() => Promise.reject(new Error("inner child")));
            tg.cancelScope.cancel();
          });
        })
      ),
    );
    expect(e).toBeInstanceOf(TaskGroupError);
    const errors = (e as TaskGroupError).errors;
    expect(errors.every((x) => !(x instanceof TaskGroupError) && !(x instanceof Cancelled))).toBe(true);
    expect(errors.map((x) => (x as Error).message).sort()).toEqual(["inner child", "outer child"]);
  });

  // trio test_run.py::test_contextvar_multitask (see also peer-core-anyio.test.ts for test_contextvars.py)
  it("test_contextvar_multitask: a child's set is its own; a later child sees the parent's new value", async () => {
    const { ContextVar } = await import("skein");
    const v = new ContextVar("test", "hmmm");
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          expect(v.get(cx)).toBe("hmmm");
          v.set(cx, "hmmmm");
          expect(v.get(cx)).toBe("hmmmm");
        });
        await waitAllTasksBlocked(cx);
        expect(v.get(cx)).toBe("hmmm");
        v.set(cx, "hmmmm");
        tg.startSoon(async (cx) => expect(v.get(cx)).toBe("hmmmm"));
        await waitAllTasksBlocked(cx);
      })
    );
  });

  // trio test_run.py::test_contextvar_support (adapted: a ContextVar lives in a run; a value set in main is main's)
  it("test_contextvar_support: a value set in main is seen by main and gone in the next run", async () => {
    const { ContextVar } = await import("skein");
    const v = new ContextVar("test", "before");
    await run(async (cx) => {
      expect(v.get(cx)).toBe("before");
      v.set(cx, "after");
      expect(v.get(cx)).toBe("after");
    });
    await run(async (cx) => expect(v.get(cx)).toBe("before"));
  });
});

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

  // trio test_run.py::test_trivial_yields (adapted: schedule-point counts are internal; the cancellation outcomes are asserted)
  it("test_trivial_yields: an empty group, or one whose child never checkpoints, raises nothing in a cancelled scope", async () => {
    await run(async (cx) => {
      let cs = new CancelScope();
      await cx.withCancelScope(cs, async (cx) => {
        cs.cancel();
        await cx.taskGroup(async () => {});
      });
      expect(cs.cancelledCaught).toBe(false);

      cs = new CancelScope();
      await cx.withCancelScope(cs, async (cx) => {
        cs.cancel();
        await cx.taskGroup((tg) => tg.startSoon(async () => {}));
      });
      expect(cs.cancelledCaught).toBe(false);

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
