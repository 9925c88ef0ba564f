// trio's own core tests, translated to Skein: trio src/trio/_core/_tests/test_run.py
// (nurseries, cancel scopes, shields, deadlines, start/started, checkpoints,
// error groups). Each test names its source. Deadlines run on a MockClock;
// orders and states are asserted, never wall-clock time. What is adapted
// (and why) is said where it happens: Skein's `cx` is explicit, durations are
// in ms, one error leaves a group as itself and several as a TaskGroupError,
// scopes and groups are callbacks rather than `with` blocks.
import { describe, expect, it } from "vitest";
import { Cancelled, ClosedResourceError, type Context, run, type TaskGroup, TaskGroupError, type TaskTree, taskTree } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { errorOf, sleepForever } from "../helpers/peer.ts";

class KeyErr extends Error {
  override name = "KeyError";
}
class ValueErr extends Error {
  override name = "ValueError";
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
      let saved: TaskGroup | undefined;
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

  // trio test_run.py::test_nice_error_on_bad_calls_to_run_or_spawn (adapted: a promise is refused at the call site; an
  // async generator function, known only once called, fails run, or the task inside the group, with a TypeError as in trio)
  it("test_nice_error_on_bad_calls_to_run_or_spawn: a promise or an async generator function is refused with a TypeError", async () => {
    async function f(): Promise<void> {}
    let ran = false;
    async function* asyncGen(_cx: Context): AsyncGenerator<number> {
      ran = true;
      yield 0;
    }
    expect(() => run(f() as unknown as () => void)).toThrow(TypeError);
    const e1 = await errorOf(run(asyncGen as unknown as () => Promise<void>));
    expect(e1).toBeInstanceOf(TypeError);
    expect((e1 as Error).message).toMatch(/main must be an async function, not an async generator function/);
    await run((cx) =>
      cx.taskGroup((tg) => {
        expect(() => tg.startSoon(f() as unknown as () => void)).toThrow(/must be a function/);
      })
    );
    const e2 = await errorOf(run((cx) => cx.taskGroup((tg) => tg.startSoon(asyncGen))));
    expect(e2).toBeInstanceOf(TypeError);
    expect((e2 as Error).message).toMatch(/fn must be an async function, not an async generator function/);
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(await errorOf(tg.start(cx, asyncGen))).toBeInstanceOf(TypeError);
        expect(await errorOf(tg.createTask(asyncGen).result(cx))).toBeDefined();
      }).catch((e: unknown) => expect(e).toBeInstanceOf(TypeError))
    );
    expect(ran).toBe(false);
    // Other values a synchronous task function returns are its result, as before.
    const bare = Object.create(null) as object;
    const iterable = { async *[Symbol.asyncIterator]() {} };
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(await tg.createTask(() => bare).result(cx)).toBe(bare);
        expect(await tg.createTask(() => iterable).result(cx)).toBe(iterable);
      })
    );
    expect(await run(() => bare)).toBe(bare);
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

  // trio test_run.py::test_task_tree_introspection (adapted: taskTree(cx) of a tracked run; names and nesting, before and after started)
  it("test_task_tree_introspection: a started task sits in its group's tree, with the groups it opens", async () => {
    const shape = (t: TaskTree): unknown => ({ [t.name]: t.groups.map((g) => g.tasks.map(shape)) });
    const seen: unknown[] = [];
    await run(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon({ name: "parent" }, async (cx) => {
          await cx.taskGroup(async (n1, cx) => {
            await n1.start(cx, { name: "child1" }, async (cx) => {
              seen.push(shape(taskTree(cx)));
              cx.started();
              await waitAllTasksBlocked(cx);
              await cx.taskGroup(async (n2) => {
                n2.startSoon({ name: "child2" }, async (cx) => void seen.push(shape(taskTree(cx))));
              });
            });
          });
        });
      });
      seen.push(shape(taskTree(cx)));
    }, { trackTasks: true });
    expect(seen).toEqual([
      { main: [[{ parent: [[{ child1: [] }]] }]] },
      { main: [[{ parent: [[{ child1: [[{ child2: [] }]] }]] }]] },
      { main: [] },
    ]);
  });
});
