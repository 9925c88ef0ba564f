// The rest of trio's and anyio's core tests, translated to Skein: what an
// audit of these peer files found untranslated in the other peer-core-*
// files (each of which names its own sources):
// trio src/trio/_core/_tests/test_run.py, anyio tests/test_taskgroups.py,
// trio src/trio/_tests/test_timeouts.py (its newer tests: shields on
// timeouts, unentered relative scopes). trio's test_parking_lot.py has no
// counterpart (Skein has no ParkingLot). Each test names its source.
// Deadlines run on a MockClock (one test reads the real clock, and only
// checks that a deadline never fires before its time); orders and states are
// asserted, never durations. Adapted throughout: `cx` is explicit, scopes
// and groups are callbacks, durations are in ms, one error leaves a group as
// itself.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, type Context, EndOfStream, run, TaskGroup, type TaskTree, taskTree, TimeoutError, UsageError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { errorOf, sleepForever, vrun } from "../helpers/peer.ts";

class KeyErr extends Error {
  override name = "KeyError";
}

describe("trio test_run.py: the rest", () => {
  // trio test_run.py::test_run_nesting (adapted: trio refuses a run inside a run; in Skein the two runs are independent)
  it("test_run_nesting: a run inside a run is a run of its own, and returns its value", async () => {
    const names: string[] = [];
    const value = await run(async (outer) => {
      const inner = await run(async (cx) => {
        await cx.checkpoint();
        names.push(cx.currentTask().name);
        expect(cx.currentTask()).not.toBe(outer.currentTask());
        return 5;
      });
      names.push(outer.currentTask().name);
      return inner + 1;
    });
    expect(value).toBe(6);
    expect(names).toEqual(["main", "main"]);
  });

  // trio test_run.py::test_out_of_context (adapted: no hidden context, so "outside a run" is a context kept past its run's end)
  it("test_out_of_context: a context used after its run ended raises ClosedResourceError at a blocking call", async () => {
    let kept: Context | undefined;
    await run(async (cx) => void (kept = cx));
    for (const call of [(cx: Context) => cx.checkpoint(), (cx: Context) => cx.sleep(1), (cx: Context) => cx.sleepForever()]) {
      const e = await errorOf(call(kept!));
      expect((e as Error).name).toBe("ClosedResourceError");
      expect((e as Error).message).toMatch(/run that has ended/);
    }
  });

  // trio test_run.py::test_task_nursery_stack (adapted: a task's open groups are taskTree(cx)'s `groups`, which lists groups holding live tasks)
  it("test_task_nursery_stack: a task's open groups stack up and come off as they close, also by an error", async () => {
    await run(async (cx) => {
      const open = (): number => taskTree(cx).groups.length;
      expect(open()).toBe(0);
      await cx.taskGroup(async (n1, cx) => {
        n1.startSoon(sleepForever);
        expect(open()).toBe(1);
        const e = await errorOf(
          cx.taskGroup(async (n2) => {
            n2.startSoon(sleepForever);
            expect(open()).toBe(2);
            throw new KeyErr();
          }),
        );
        expect(e).toBeInstanceOf(KeyErr);
        expect(open()).toBe(1);
        n1.cancelScope.cancel();
      });
      expect(open()).toBe(0);
    }, { trackTasks: true });
  });

  // trio test_run.py::test_current_statistics (adapted: no run statistics; the live tasks are taskTree(cx), the time
  // to the next deadline is cx.deadline - cx.currentTime(); no system tasks, no run_sync_soon queue)
  it("test_current_statistics: the live tasks and the next deadline, as a child comes and goes and a scope has a deadline", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      const count = (t: TaskTree): number => 1 + t.groups.reduce((n, g) => n + g.tasks.reduce((m, c) => m + count(c), 0), 0);
      const living = (): number => count(taskTree(cx));
      expect(living()).toBe(1);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(sleepForever);
        await waitAllTasksBlocked(cx);
        expect(living()).toBe(2);
        tg.cancelScope.cancel();
      });
      expect(living()).toBe(1);
      await cx.withCancelScope({ deadline: cx.currentTime() + 5000 }, async (cx) => {
        expect(cx.deadline - cx.currentTime()).toBe(5000);
      });
      expect(cx.deadline).toBe(Infinity);
    }, { clock, trackTasks: true });
  });

  // trio test_run.py::test_failed_abort (adapted: no wait_task_rescheduled; a wait that cannot be aborted is a plain
  // foreign promise awaited without cx.abandonOnCancel, woken by hand)
  it("test_failed_abort: a wait that cannot be aborted ignores the cancel until woken; the next check raises", async () => {
    const record: string[] = [];
    let wake: ((value: number) => void) | undefined;
    let stubborn: CancelScope | undefined;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.withCancelScope({}, async (cx) => {
            stubborn = cx.cancelScope;
            record.push("sleep");
            const x = await new Promise<number>((resolve) => (wake = resolve));
            expect(x).toBe(1);
            record.push("woke");
            try {
              cx.checkpointIfCancelled();
            } catch (e) {
              if (e instanceof Cancelled) record.push("cancelled");
            }
          });
        });
        await waitAllTasksBlocked(cx);
        expect(record).toEqual(["sleep"]);
        stubborn!.cancel();
        await waitAllTasksBlocked(cx);
        expect(record).toEqual(["sleep"]); // the cancel did not wake it
        wake!(1); // wake it by hand
      })
    );
    expect(record).toEqual(["sleep", "woke", "cancelled"]);
  });

  // trio test_run.py::test_timekeeping (adapted: the real clock; only the lower bound, a deadline never fires early, is asserted)
  it("test_timekeeping: on the real clock a deadline cancels no earlier than its time", async () => {
    await run(async (cx) => {
      for (const ms of [5, 12, 20]) {
        const scope = new CancelScope();
        await cx.withCancelScope(scope, async (cx) => {
          scope.deadline = cx.currentTime() + ms;
          await cx.sleepForever();
        });
        expect(scope.cancelledCaught).toBe(true);
        expect(cx.currentTime()).toBeGreaterThanOrEqual(scope.deadline);
      }
    });
  });

  // trio test_run.py::test_asyncio_function_inside_nursery_does_not_explode (adapted: a foreign promise may be awaited
  // in Skein; its rejection leaves the group as itself and cancels the sleeping sibling)
  it("test_asyncio_function_inside_nursery_does_not_explode: a foreign promise failing in a group body ends the group cleanly", async () => {
    const foreign = new TypeError("a foreign library failed");
    const log: string[] = [];
    const e = await errorOf(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            try {
              await cx.sleepForever();
            } catch (e) {
              log.push(e instanceof Cancelled ? "cancelled" : "other");
              throw e;
            }
          });
          await waitAllTasksBlocked(cx);
          await new Promise((_, reject) => setTimeout(() => reject(foreign), 1));
        })
      ),
    );
    expect(e).toBe(foreign);
    expect(log).toEqual(["cancelled"]);
  });

  // trio test_run.py::test_nursery_stop_async_iteration (adapted: no async generators; an iterator's end is EndOfStream,
  // and one error leaves a group as itself, so the zip needs no unwrapping)
  it("test_nursery_stop_async_iteration: a zip of iterators that reads each in a task group ends when one ends", async () => {
    class Counter {
      val = 0;
      constructor(private readonly count: number) {}
      async next(cx: Context): Promise<number> {
        await cx.sleep(0);
        if (this.val >= this.count) throw new EndOfStream();
        return this.val++;
      }
    }
    const zip = (iters: Counter[]) => async (cx: Context): Promise<number[]> => {
      const items = iters.map(() => -1);
      await cx.taskGroup((tg) => {
        iters.forEach((it, i) => tg.startSoon(async (cx) => void (items[i] = await it.next(cx))));
      });
      return items;
    };
    const result = await vrun(async (cx) => {
      const next = zip([new Counter(4), new Counter(2)]);
      const out: number[][] = [];
      for (;;) {
        try {
          out.push(await next(cx));
        } catch (e) {
          if (e instanceof EndOfStream) return out;
          throw e;
        }
      }
    });
    expect(result).toEqual([[0, 0], [1, 1]]);
  });

  // trio test_run.py::test_Nursery_init
  it("test_Nursery_init: a TaskGroup cannot be constructed directly", () => {
    expect(() => new (TaskGroup as unknown as new () => TaskGroup)()).toThrow(TypeError);
    expect(() => new (TaskGroup as unknown as new () => TaskGroup)()).toThrow(/cx\.taskGroup/);
  });

  // trio test_run.py::test_Nursery_subclass (adapted: a JS class can be extended, but the subclass cannot be constructed)
  it("test_Nursery_subclass: a subclass of TaskGroup cannot be made", () => {
    const Base = TaskGroup as unknown as new () => object;
    class Subclass extends Base {}
    expect(() => new Subclass()).toThrow(TypeError);
  });
});

describe("anyio test_taskgroups.py: the rest", () => {
  // anyio test_taskgroups.py::test_fail_after_cancelled_before_deadline (adapted: trio's rule, not anyio's: failAfter
  // throws TimeoutError whenever its own scope caught a cancellation, also one from cancel())
  it("test_fail_after_cancelled_before_deadline: failAfter whose scope is cancelled by hand throws TimeoutError", async () => {
    await vrun(async (cx) => {
      const e = await errorOf(
        cx.failAfter(1000, async (cx) => {
          cx.cancelScope.cancel();
          await cx.checkpoint();
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cx.currentTime()).toBe(0); // at once, not at the deadline
    });
  });

  // anyio test_taskgroups.py::test_start_parent_id (adapted: no task ids; a task's `group` is the group it was started
  // into, before started() as after, while trio/anyio show the starter as its parent until started())
  it("test_start_parent_id: a task being started reports its destination group, before and after started()", async () => {
    let initial: unknown;
    let permanent: unknown;
    let group: TaskGroup | undefined;
    const order: string[] = [];
    await run((cx) =>
      cx.taskGroup((tg) => {
        group = tg;
        tg.startSoon({ name: "starter" }, async (cx) => {
          await tg.start(cx, { name: "subtask" }, async (cx) => {
            initial = cx.currentTask().group;
            order.push("before started");
            cx.started();
            permanent = cx.currentTask().group;
            order.push("after started");
          });
          order.push("start returned");
        });
      })
    );
    expect(initial).toBe(group);
    expect(permanent).toBe(group);
    expect(order).toEqual(["before started", "after started", "start returned"]);
  });
});

describe("trio test_timeouts.py: the rest", () => {
  for (const kind of ["moveOnAfter", "failAfter"] as const) {
    // trio test_timeouts.py::test_context_shields_from_outer[move_on_after, fail_after]
    it(`test_context_shields_from_outer[${kind}]: a shielded timeout keeps an outer cancel out until unshielded`, async () => {
      const log: string[] = [];
      await vrun(async (cx) => {
        const outer = new CancelScope();
        await cx.withCancelScope(outer, async (cx) => {
          const body = async (cx: Context): Promise<void> => {
            outer.cancel();
            await cx.checkpoint();
            log.push("shield held");
            cx.cancelScope.shield = false;
            const e = await errorOf(cx.checkpoint());
            log.push(e instanceof Cancelled ? "cancelled" : "other");
          };
          if (kind === "moveOnAfter") await cx.moveOnAfter(1000, body, { shield: true });
          else await cx.failAfter(1000, body, { shield: true });
        });
        expect(outer.cancelledCaught).toBe(false);
      });
      expect(log).toEqual(["shield held", "cancelled"]);
    });
  }

  // trio test_timeouts.py (trio's sleep_until is `with move_on_at(deadline): await sleep_forever()`, so a sleep ending
  // when an enclosing deadline passes too is a cancellation like that deadline's, and the outermost scope absorbs it;
  // trio expires every due deadline in one batch before any task runs)
  it("sleep_until is move_on_at: a sleep that ends at an enclosing scope's deadline is that scope's cancellation", async () => {
    const clock = new MockClock();
    const log: string[] = [];
    await run(async (cx) => {
      // The sleep queued before the scope's deadline was set to the same time...
      const s = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.withCancelScope(s, async (cx) => {
            await cx.sleep(10);
            log.push("after sleep");
          });
          log.push(`exited, caught ${s.cancelledCaught}`);
        });
        await waitAllTasksBlocked(cx);
        s.deadline = cx.currentTime() + 10;
        clock.jump(10);
      });
      // ...and a group's deadline set to when its child's sleep ends.
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(10);
          log.push("child woke");
        });
        await waitAllTasksBlocked(cx);
        tg.cancelScope.deadline = cx.currentTime() + 10;
        clock.jump(10);
      });
      // ...and a scope deadline later than the sleep's, both passed when the clock gets there (one timer batch).
      const s3 = new CancelScope();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.withCancelScope(s3, async (cx) => {
            s3.deadline = cx.currentTime() + 15;
            await cx.sleep(10);
            log.push("after sleep 3");
          });
          log.push(`exited 3, caught ${s3.cancelledCaught}`);
        });
        await waitAllTasksBlocked(cx);
        clock.jump(20);
      });
    }, { clock });
    expect(log).toEqual(["exited, caught true", "exited 3, caught true"]);
  });

  // trio test_timeouts.py::test_move_on_after_moves_on_even_if_shielded (adapted: virtual time instead of measured real time)
  it("test_move_on_after_moves_on_even_if_shielded: a shielded moveOnAfter still ends at its own deadline", async () => {
    await vrun(async (cx) => {
      const t0 = cx.currentTime();
      const outer = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        const r = await cx.moveOnAfter(1000, async (cx) => {
          outer.cancel();
          await cx.sleepForever();
        }, { shield: true });
        expect(r.cancelled).toBe(true);
      });
      expect(cx.currentTime() - t0).toBe(1000);
    });
  });

  // trio test_timeouts.py::test_fail_after_fails_even_if_shielded (adapted: virtual time instead of measured real time)
  it("test_fail_after_fails_even_if_shielded: a shielded failAfter still throws TimeoutError at its own deadline", async () => {
    await vrun(async (cx) => {
      const t0 = cx.currentTime();
      const outer = new CancelScope();
      const e = await errorOf(
        cx.withCancelScope(outer, (cx) =>
          cx.failAfter(1000, async (cx) => {
            outer.cancel();
            await cx.sleepForever();
          }, { shield: true })),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cx.currentTime() - t0).toBe(1000);
    });
  });

  // trio test_timeouts.py::test_invalid_access_unentered (adapted: reading an unentered relative scope's absolute
  // deadline is a UsageError, where trio warns and guesses one from the current time)
  it("test_invalid_access_unentered: an unentered scope has only the kind of deadline it was given", () => {
    const relative = new CancelScope({ relativeDeadline: 5000 });
    expect(() => relative.deadline).toThrow(UsageError);
    relative.deadline = 7;
    expect(relative.deadline).toBe(7); // now absolute
    expect(() => relative.relativeDeadline).toThrow(UsageError);

    const absolute = new CancelScope({ deadline: 5000 });
    expect(() => absolute.relativeDeadline).toThrow(UsageError);
    expect(() => {
      absolute.relativeDeadline = 7;
    }).toThrow(UsageError);
    expect(absolute.deadline).toBe(5000);
  });

  // trio test_timeouts.py::test_timeout_deadline_on_entry (the newer trio version's additions; the older version's part
  // is in peer-core-start.test.ts): inside the scope deadline and relativeDeadline move together; shield before entry
  it("test_timeout_deadline_on_entry (newer): once entered, deadline and relativeDeadline are two views of one deadline", async () => {
    await vrun(async (cx) => {
      const rcs = new CancelScope({ relativeDeadline: 5000 });
      await cx.sleep(3000);
      const start = cx.currentTime();
      await cx.withCancelScope(rcs, async () => {
        expect(rcs.deadline).toBe(start + 5000);
        expect(rcs.relativeDeadline).toBe(5000);
        rcs.deadline = start + 3000;
        expect(rcs.deadline).toBe(start + 3000);
        expect(rcs.relativeDeadline).toBe(3000);
        rcs.relativeDeadline = 4000;
        expect(rcs.deadline).toBe(start + 4000);
        expect(rcs.relativeDeadline).toBe(4000);
      });

      const shielded = new CancelScope({ relativeDeadline: 5000 });
      expect(shielded.shield).toBe(false);
      shielded.shield = true;
      expect(shielded.shield).toBe(true);
      await cx.sleep(3000);
      const start2 = cx.currentTime();
      await cx.withCancelScope(shielded, async (cx) => {
        expect(shielded.deadline).toBe(start2 + 5000);
        expect(cx.cancelScope).toBe(shielded);
      });
    });
  });
});
