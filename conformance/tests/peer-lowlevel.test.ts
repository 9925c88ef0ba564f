// trio's and anyio's low-level tests, translated to Skein:
// anyio tests/test_eventloop.py (sleepUntil, sleepForever, run options),
// anyio tests/test_debugging.py (cx.currentTask(), the task tree),
// trio src/trio/_core/_tests/test_instrumentation.py (instruments),
// trio src/trio/_core/_tests/test_cancelled.py and test_cancel.py (Cancelled and its reason),
// trio src/trio/_tests/test_scheduler_determinism.py,
// anyio tests/test_lowlevel.py (RunVar; its checkpoint tests are in peer-core-start.test.ts).
// Each test names its source. Virtual time (MockClock) stands for real
// sleeps; orders and states are asserted, never wall-clock time. Adapted
// throughout: there is no hidden current task (`cx.currentTask()`), durations
// are in ms, instruments are given to `run` (no add/remove during the run),
// and a cancellation's `reason` is a string (`cancel(reason)`, "deadline
// exceeded", "a task in the group failed"), with no `source`/`source_task`.
import { describe, expect, it } from "vitest";
import * as skein from "skein";
import {
  type Adapter,
  Cancelled,
  CancelScope,
  type Context,
  ContextVar,
  Event,
  type Instrument,
  run,
  type TaskGroup,
  TaskGroupError,
  UsageError,
  type TaskInfo,
  taskTree,
} from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { assertCheckpoints, errorOf, vrun } from "../helpers/peer.ts";

class ValueErr extends Error {
  override name = "ValueError";
}
class TypeErr extends Error {
  override name = "TypeError";
}

/** This runtime's adapter (the one "skein" picked), with `reportError` sending errors to `sink`. */
function reportingAdapter(sink: unknown[]): Adapter {
  const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
  const base = (skein as unknown as Record<string, Adapter>)[name]!;
  return { ...base, reportError: (error) => void sink.push(error) };
}

/** An instrument that logs task events (and checkpoints) as `[event, task]` pairs. */
function taskRecorder(): { record: [string, TaskInfo | null][]; instrument: Instrument } {
  const record: [string, TaskInfo | null][] = [];
  const instrument: Instrument = {
    taskSpawned: (t) => void record.push(["spawned", t]),
    taskStarted: (t) => void record.push(["started", t]),
    checkpoint: (t) => void record.push(["checkpoint", t]),
    taskExited: (t) => void record.push(["exited", t]),
  };
  return { record, instrument };
}

describe("anyio test_eventloop.py: sleeping and run options", () => {
  // anyio test_eventloop.py::test_sleep_until (adapted: a MockClock for the patched current_time and sleep)
  it("test_sleep_until: sleepUntil sleeps until the absolute deadline", async () => {
    const clock = new MockClock({ autojumpThreshold: 0 });
    clock.jump(1620581544);
    const blocks: string[] = [];
    const woke = await run(
      async (cx) => {
        const deadline = cx.currentTime() + 500.102352;
        await cx.sleepUntil(deadline);
        return cx.currentTime() - deadline;
      },
      { clock, instruments: [{ beforeBlocking: (_t, what) => void blocks.push(what) }] },
    );
    expect(woke).toBe(0);
    expect(blocks).toEqual([`sleep until ${1620581544 + 500.102352}`]);
  });

  // anyio test_eventloop.py::test_sleep_until_in_past (adapted: sleep(0) is a plain checkpoint)
  it("test_sleep_until_in_past: a deadline in the past is a plain checkpoint", async () => {
    await vrun(async (cx) => {
      const t0 = cx.currentTime();
      await assertCheckpoints(cx, (cx) => cx.sleepUntil(cx.currentTime() - 500.102352));
      expect(cx.currentTime()).toBe(t0);
    });
  });

  // anyio test_eventloop.py::test_sleep_forever (adapted: sleep(Infinity) and sleepUntil(Infinity) are sleepForever)
  it("test_sleep_forever: sleepForever, sleep(Infinity) and sleepUntil(Infinity) block until cancelled", async () => {
    const blocks: string[] = [];
    await run(
      async (cx) => {
        for (const forever of [(cx: Context) => cx.sleepForever(), (cx: Context) => cx.sleep(Infinity), (cx: Context) => cx.sleepUntil(Infinity)]) {
          const r = await cx.moveOnAfter(3_600_000, forever);
          expect(r.cancelled).toBe(true);
        }
        expect(cx.currentTime()).toBe(3 * 3_600_000);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }), instruments: [{ beforeBlocking: (_t, what) => void blocks.push(what) }] },
    );
    expect(blocks).toEqual(["sleepForever", "sleepForever", "sleepForever"]);
  });

  // anyio test_eventloop.py::test_run_task (adapted: main may return any promise, not only an async function's)
  it("test_run_task: run accepts a main that returns a plain promise", async () => {
    const asyncAdd = async (x: number, y: number): Promise<number> => x + y;
    expect(await run(() => asyncAdd(1, 2))).toBe(3);
    expect(await run(() => 3)).toBe(3);
  });

  // anyio test_eventloop.py::TestAsyncioOptions::test_debug (adapted: asyncio's debug mode is run's detectBlocking)
  it("test_debug: detectBlocking (asyncio's debug mode) is a run option, and makes the run tracked", async () => {
    const tracked = await run(async (cx) => taskTree(cx).name, { detectBlocking: { threshold: 10_000, report: () => {} } });
    expect(tracked).toBe("main");
  });
});

describe("anyio test_debugging.py: the current task and the running tasks", () => {
  // anyio test_debugging.py::test_main_task_name (adapted: the root task is named "main", whatever main's function is called)
  it("test_main_task_name: the root task is main", async () => {
    let taskName: string | undefined;
    await run(async function someMainFunction(cx) {
      taskName = cx.currentTask().name;
    });
    expect(taskName).toBe("main");
  });

  // anyio test_debugging.py::test_non_main_task_name (the bytes case has no JS equivalent)
  it("test_non_main_task_name: a started task is named by its name option, else by its function", async () => {
    const nonMain = async function nonMain(cx: Context): Promise<void> {
      cx.started(cx.currentTask().name);
    };
    for (const [nameInput, expected] of [[undefined, "nonMain"], ["name", "name"], ["", ""]] as const) {
      const name = await run((cx) =>
        cx.taskGroup(async (tg, cx) => (nameInput === undefined ? tg.start<string>(cx, nonMain) : tg.start<string>(cx, { name: nameInput }, nonMain)))
      );
      expect(name).toBe(expected);
    }
  });

  // anyio test_debugging.py::test_get_running_tasks (adapted: get_running_tasks is taskTree(cx) in a tracked run; a TaskInfo has no id or repr)
  it("test_get_running_tasks: the task tree lists the host's new tasks under its group", async () => {
    const event = new Event();
    let names: string[] = [];
    let groupOk = false;
    await run(
      async (cx) => {
        const host = cx.currentTask();
        let theGroup: TaskGroup | undefined;
        const inspect = async function inspect(cx: Context): Promise<void> {
          await waitAllTasksBlocked(cx);
          const tree = taskTree(cx);
          expect(tree.name).toBe(host.name);
          const group = tree.groups[0]!;
          names = group.tasks.map((t) => t.name).sort();
          groupOk = cx.currentTask().group === theGroup;
          event.set();
        };
        await cx.taskGroup(async (tg) => {
          theGroup = tg;
          tg.startSoon({ name: "task1" }, (cx: Context) => event.wait(cx));
          tg.startSoon({ name: "task2" }, (cx: Context) => event.wait(cx));
          tg.startSoon(inspect);
        });
      },
      { trackTasks: true, clock: new MockClock() },
    );
    expect(names).toEqual(["inspect", "task1", "task2"]);
    expect(groupOk).toBe(true);
  });

  // anyio test_debugging.py::test_wait_all_tasks_blocked_cancelled_task (adapted: move_on_after(-1) is a deadline in the past, moveOnAt)
  it("test_wait_all_tasks_blocked_cancelled_task: a task cancelled by a past deadline does not count as blocked", async () => {
    let done = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx: Context) => {
          cx.started();
          await cx.moveOnAt(cx.currentTime() - 1, (cx) => new Event().wait(cx));
          done = true;
        });
        await waitAllTasksBlocked(cx);
        expect(done).toBe(true);
      })
    );
  });
});

describe("trio test_instrumentation.py: instruments", () => {
  // trio test_instrumentation.py::test_instruments (adapted: Skein reports start, checkpoint and exit, not trio's
  // schedule/before/after task steps; instruments are fixed for the run, so the add/remove part is left out)
  it("test_instruments: every instrument sees the same events of a task that checkpoints five times", async () => {
    const r1 = taskRecorder();
    const r2 = taskRecorder();
    let task: TaskInfo | undefined;
    await run(
      (cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async function taskFn(cx) {
            task = cx.currentTask();
            for (let i = 0; i < 5; i++) await cx.checkpoint();
          });
        }),
      { instruments: [r1.instrument, r2.instrument] },
    );
    expect(r1.record).toEqual(r2.record);
    const mine = r1.record.filter(([, t]) => t === task).map(([e]) => e);
    expect(mine).toEqual(["spawned", "started", ...Array(5).fill("checkpoint"), "exited"]);
  });

  // trio test_instrumentation.py::test_instruments_interleave (exact order: Skein's scheduling is FIFO)
  it("test_instruments_interleave: two tasks interleave at their checkpoints", async () => {
    const { record, instrument } = taskRecorder();
    await run(
      (cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async function t1(cx) {
            await cx.checkpoint();
          });
          tg.startSoon(async function t2(cx) {
            await cx.checkpoint();
          });
        }),
      { instruments: [instrument] },
    );
    const events = record.filter(([, t]) => t?.name !== "main").map(([e, t]) => `${e} ${t!.name}`);
    expect(events).toEqual([
      "spawned t1",
      "spawned t2",
      "started t1",
      "checkpoint t1",
      "started t2",
      "checkpoint t2",
      "exited t1",
      "exited t2",
    ]);
  });

  // trio test_instrumentation.py::test_null_instrument
  it("test_null_instrument: an instrument without hooks, or with unrelated methods, is fine; hooks may be methods", async () => {
    class NullInstrument {
      somethingUnrelated(): void {
        expect.unreachable();
      }
    }
    class Counter implements Instrument {
      checkpoints = 0;
      checkpoint(): void {
        this.checkpoints++;
      }
    }
    const counter = new Counter();
    await run((cx) => cx.checkpoint(), { instruments: [new NullInstrument() as Instrument, {}, counter] });
    expect(counter.checkpoints).toBe(1);
  });

  // trio test_instrumentation.py::test_instrument_before_after_run (adapted: no before_run/after_run hooks: the root
  // task's start is the run's first event and its exit the last)
  it("test_instrument_before_after_run: the root task's start and exit open and close the run's events", async () => {
    const { record, instrument } = taskRecorder();
    await run((cx) => cx.taskGroup((tg) => tg.startSoon((cx: Context) => cx.checkpoint())), { instruments: [instrument] });
    expect(record[0]![0]).toBe("started");
    expect(record[0]![1]!.name).toBe("main");
    expect(record.at(-1)![0]).toBe("exited");
    expect(record.at(-1)![1]!.name).toBe("main");
  });

  // trio test_instrumentation.py::test_instrument_task_spawn_exit (adapted: the root task is reported started and
  // exited, never spawned: nothing spawns it)
  it("test_instrument_task_spawn_exit: the main task is reported, as the view cx.currentTask() returns", async () => {
    const { record, instrument } = taskRecorder();
    const mainTask = await run(async (cx) => cx.currentTask(), { instruments: [instrument] });
    expect(record).toEqual([["started", mainTask], ["exited", mainTask]]);
  });

  // trio test_instrumentation.py::test_instruments_crash (adapted: the error goes to the adapter's reportError)
  it("test_instruments_crash: a hook that throws disables its instrument, is reported, and the run goes on", async () => {
    const record: string[] = [];
    const reported: unknown[] = [];
    const oops = new ValueErr("oops");
    const broken: Instrument = {
      taskStarted: () => {
        record.push("started");
        throw oops;
      },
      taskExited: () => void record.push("exited"), // never: the instrument is disabled
    };
    const r = taskRecorder();
    const mainTask = await run(
      async (cx) => {
        record.push("main ran");
        await cx.checkpoint();
        return cx.currentTask();
      },
      { instruments: [r.instrument, broken], adapter: reportingAdapter(reported) },
    );
    expect(record).toEqual(["started", "main ran"]);
    expect(r.record).toContainEqual(["exited", mainTask]);
    expect(r.record).toContainEqual(["checkpoint", mainTask]);
    expect(reported).toEqual([oops]);
  });

  // trio test_instrumentation.py::test_instrument_that_raises_on_getattr (adapted: instruments are given to run,
  // so a hook whose lookup throws is treated as a hook that throws: reported, its instrument disabled)
  it("test_instrument_that_raises_on_getattr: a hook whose lookup throws disables its instrument; the run goes on", async () => {
    const reported: unknown[] = [];
    const oops = new ValueErr("oops");
    const evil = {
      taskExited: () => expect.unreachable("this should never happen"),
      get checkpoint(): never {
        throw oops;
      },
    } as unknown as Instrument;
    const r = taskRecorder();
    const value = await run(
      async (cx) => {
        await cx.checkpoint();
        await cx.checkpoint();
        return 7;
      },
      { instruments: [evil, r.instrument], adapter: reportingAdapter(reported) },
    );
    expect(value).toBe(7);
    expect(reported).toEqual([oops]);
    expect(r.record.map(([e]) => e)).toEqual(["started", "checkpoint", "checkpoint", "exited"]);
  });
});

describe("trio test_cancelled.py (and test_cancel.py): Cancelled and its reason", () => {
  // trio test_cancelled.py::test_Cancelled_init
  it("test_Cancelled_init: Cancelled has no public constructor", () => {
    expect(() => new (Cancelled as unknown as new () => Cancelled)()).toThrow(TypeError);
    expect(() => new (Cancelled as unknown as new (r: string) => Cancelled)("explicit")).toThrow(/^Cancelled has no public constructor/);
  });

  // trio test_cancelled.py::test_Cancelled_str (adapted: the message is "cancelled" or "cancelled: <reason>"; no source task)
  it("test_Cancelled_str: a Cancelled's message carries its reason", async () => {
    await vrun(async (cx) => {
      const explicit = await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        return errorOf(cx.checkpoint());
      });
      expect(String(explicit)).toBe("Cancelled: cancelled");
      const reasoned = await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel("pigs flying");
        return errorOf(cx.checkpoint());
      });
      expect((reasoned as Error).message).toBe("cancelled: pigs flying");
      const deadline = await cx.withCancelScope({ relativeDeadline: 10 }, (cx) => errorOf(cx.sleepForever()));
      expect((deadline as Error).message).toBe("cancelled: deadline exceeded");
    });
  });

  // trio test_cancelled.py::test_Cancelled_subclass (adapted: a JS class can be extended, but the subclass cannot be constructed)
  it("test_Cancelled_subclass: a subclass of Cancelled cannot be made", () => {
    class Subclass extends Cancelled {}
    expect(() => new Subclass()).toThrow(TypeError);
  });

  // trio test_cancelled.py::test_cancel_reason, test_cancel.py::test_cancel_reason
  it("test_cancel_reason: the reason of an explicit cancel, of a past deadline on entry, and of one set inside", async () => {
    await vrun(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel("hello");
        const e = (await errorOf(cx.checkpoint())) as Cancelled;
        expect(e).toBeInstanceOf(Cancelled);
        expect([e.reason, e.scope, e.message]).toEqual(["hello", cx.cancelScope, "cancelled: hello"]);
      });
      await cx.withCancelScope({ deadline: -Infinity }, async (cx) => {
        const e = (await errorOf(cx.checkpoint())) as Cancelled;
        expect(e.reason).toBe("deadline exceeded");
      });
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.deadline = -Infinity;
        const e = (await errorOf(cx.checkpoint())) as Cancelled;
        expect(e.reason).toBe("deadline exceeded");
        expect(cx.cancelScope.cancelReason).toBe("deadline exceeded");
      });
    });
  });

  /** trio's cancelled_task: started, then waits to be cancelled by the group, checks the reason, and raises a TypeError. */
  const cancelledTask = async (cx: Context, seen: string[]): Promise<never> => {
    cx.started();
    const e = await errorOf(cx.sleepForever());
    expect(e).toBeInstanceOf(Cancelled);
    seen.push((e as Cancelled).reason!);
    throw new TypeErr("from cancelled_task");
  };

  // trio test_cancelled.py::test_cancel_reason_nursery, test_cancel.py::test_cancel_reason_nursery
  // (adapted: the reason says a task failed, without naming it or its error)
  it("test_cancel_reason_nursery: a failing task cancels the group with a reason that says so", async () => {
    const seen: string[] = [];
    const error = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx: Context) => {
          cx.started();
          throw new ValueErr("failing_task");
        });
        const e = await errorOf(waitAllTasksBlocked(cx));
        expect(e).toBeInstanceOf(Cancelled);
        seen.push((e as Cancelled).reason!);
        await tg.start(cx, cancelledTask, seen);
      })
    ));
    expect(error).toBeInstanceOf(TaskGroupError);
    expect((error as TaskGroupError).errors.map((e) => (e as Error).name).sort()).toEqual(["TypeError", "ValueError"]);
    expect(seen).toEqual(["a task in the group failed", "a task in the group failed"]);
  });

  // trio test_cancelled.py::test_cancel_reason_nursery2, test_cancel.py::test_cancel_reason_nursery2
  it("test_cancel_reason_nursery2: a task failing once both run cancels the other with the group's reason", async () => {
    const seen: string[] = [];
    const error = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx: Context) => {
          cx.started();
          await waitAllTasksBlocked(cx);
          throw new ValueErr("failing_task");
        });
        await tg.start(cx, cancelledTask, seen);
      })
    ));
    expect((error as TaskGroupError).errors.map((e) => (e as Error).name).sort()).toEqual(["TypeError", "ValueError"]);
    expect(seen).toEqual(["a task in the group failed"]);
  });

  // trio test_cancelled.py::test_cancel_reason_nursery3 (a task failing before started(): its error goes to the
  // start caller, so the group's body fails)
  it("test_cancel_reason_nursery3: a start that fails makes the body fail, which cancels the other tasks", async () => {
    const seen: string[] = [];
    const valueError = new ValueErr("failing_task");
    const error = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx: Context) => {
          const e = await errorOf(cx.sleepForever());
          expect(e).toBeInstanceOf(Cancelled);
          seen.push((e as Cancelled).reason!);
        });
        await waitAllTasksBlocked(cx);
        await tg.start(cx, async () => {
          throw valueError;
        });
      })
    ));
    expect(error).toBe(valueError);
    expect(seen).toEqual(["a task in the group failed"]);
  });

  // trio test_cancelled.py::test_cancel_reason_not_overwritten, test_cancel.py::test_cancel_reason_not_overwritten
  it("test_cancel_reason_not_overwritten: a deadline passing after cancel() keeps the explicit reason", async () => {
    await vrun(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        expect(((await errorOf(cx.checkpoint())) as Cancelled).reason).toBe(undefined);
        cx.cancelScope.deadline = -Infinity;
        const e = (await errorOf(cx.checkpoint())) as Cancelled;
        expect([e.reason, e.message]).toEqual([undefined, "cancelled"]);
      });
    });
  });

  // trio test_cancelled.py::test_cancel_reason_not_overwritten_2 (test_cancel.py's version expected the opposite and was marked broken)
  it("test_cancel_reason_not_overwritten_2: cancel() after the deadline passed keeps the deadline's reason", async () => {
    await vrun(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.deadline = -Infinity;
        expect(((await errorOf(cx.checkpoint())) as Cancelled).reason).toBe("deadline exceeded");
        cx.cancelScope.cancel("too late");
        expect(((await errorOf(cx.checkpoint())) as Cancelled).reason).toBe("deadline exceeded");
      });
    });
  });

  // trio test_cancelled.py::test_nested_child_source
  it("test_nested_child_source: the body failing cancels a running child, with the group's reason", async () => {
    const seen: string[] = [];
    const valueError = new ValueErr("body");
    const error = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const ev = new Event();
        tg.startSoon(async (cx: Context) => {
          ev.set();
          const e = await errorOf(cx.sleepForever());
          expect(e).toBeInstanceOf(Cancelled);
          seen.push((e as Cancelled).reason!);
        });
        await ev.wait(cx);
        throw valueError;
      })
    ));
    expect(error).toBe(valueError);
    expect(seen).toEqual(["a task in the group failed"]);
  });
});

describe("trio test_scheduler_determinism.py", () => {
  /** Five tasks that each record a step and checkpoint, fifty times. */
  async function schedulerTrace(): Promise<string> {
    const trace: string[] = [];
    await run((cx) =>
      cx.taskGroup((tg) => {
        for (let i = 0; i < 5; i++) {
          tg.startSoon(async (cx: Context, name: string) => {
            for (let j = 0; j < 50; j++) {
              trace.push(`${name}${j}`);
              await cx.sleep(0);
            }
          }, String(i));
        }
      })
    );
    return trace.join(" ");
  }

  // trio test_scheduler_determinism.py::test_the_trio_scheduler_is_not_deterministic (adapted: Skein's scheduler is
  // deterministic by design: tasks resume in the order they checkpointed, round-robin)
  it("test_the_trio_scheduler_is_not_deterministic: Skein's scheduler is deterministic and round-robin", async () => {
    const traces: string[] = [];
    for (let i = 0; i < 10; i++) traces.push(await schedulerTrace());
    expect(new Set(traces).size).toBe(1);
    const roundRobin = Array.from({ length: 50 }, (_, j) => [0, 1, 2, 3, 4].map((i) => `${i}${j}`).join(" ")).join(" ");
    expect(traces[0]).toBe(roundRobin);
  });

  // trio test_scheduler_determinism.py::test_the_trio_scheduler_is_deterministic_if_seeded (adapted: no seed needed)
  it("test_the_trio_scheduler_is_deterministic_if_seeded: ten runs give one trace", async () => {
    const traces = new Set<string>();
    for (let i = 0; i < 10; i++) traces.add(await schedulerTrace());
    expect(traces.size).toBe(1);
  });
});

describe("anyio test_lowlevel.py: RunVar (adapted to ContextVar)", () => {
  // anyio test_lowlevel.py::TestRunVar::test_reset_token_used_on_wrong_runvar (adapted: ContextVar; a TypeError)
  it("test_reset_token_used_on_wrong_runvar: a token from another variable is refused", async () => {
    const var1 = new ContextVar<string>("var1", "");
    const var2 = new ContextVar<string>("var2", "");
    await run(async (cx) => {
      const token = var1.set(cx, "blah");
      expect(() => var2.reset(cx, token)).toThrow(TypeError);
      expect(() => var2.reset(cx, token)).toThrow(/var2/);
    });
  });

  // anyio test_lowlevel.py::TestRunVar::test_reset_token_used_twice (adapted: ContextVar, as Python's contextvars: a
  // token restores once)
  it("test_reset_token_used_twice: a token cannot be used twice", async () => {
    const variable = new ContextVar<string>("var", "default");
    await run(async (cx) => {
      variable.set(cx, "first");
      const token = variable.set(cx, "blah");
      variable.reset(cx, token);
      expect(variable.get(cx)).toBe("first");
      variable.set(cx, "second");
      expect(() => variable.reset(cx, token)).toThrow(UsageError);
      expect(variable.get(cx)).toBe("second");
    });
  });

  // after anyio test_lowlevel.py::TestRunVar::test_reset_token_used_on_wrong_runvar (a RunVar is one per run, a
  // ContextVar one per task, so its token belongs to the task whose set made it, as a Python contextvars Token
  // belongs to its Context: reset in another task is refused and leaves the token usable by its own task)
  it("test_reset_token_used_in_another_task: a token from another task is refused", async () => {
    const variable = new ContextVar<string>("var", "default");
    await run(async (cx) => {
      variable.set(cx, "old");
      const token = variable.set(cx, "new");
      await cx.taskGroup(async (tg) => {
        tg.startSoon((cx: Context) => {
          variable.set(cx, "child");
          expect(() => variable.reset(cx, token)).toThrow(UsageError);
          expect(variable.get(cx)).toBe("child");
        });
      });
      variable.reset(cx, token);
      expect(variable.get(cx)).toBe("old");
    });
  });

  // anyio test_lowlevel.py::TestRunVar::test_runvar_does_not_share_storage_by_name (adapted: ContextVar)
  it("test_runvar_does_not_share_storage_by_name: two variables of the same name are two variables", async () => {
    const var1 = new ContextVar<number>("var", 1);
    const var2 = new ContextVar<string>("var", "a");
    await run(async (cx) => {
      expect([var1.get(cx), var2.get(cx)]).toEqual([1, "a"]);
      var1.set(cx, 2);
      var2.set(cx, "b");
      expect([var1.get(cx), var2.get(cx)]).toEqual([2, "b"]);
    });
  });
});
