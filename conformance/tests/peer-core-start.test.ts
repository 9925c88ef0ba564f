// trio's and anyio's tests of `start`/`task_status.started`, timeouts,
// checkpoints and context variables, translated to Skein:
// trio src/trio/_core/_tests/test_run.py (test_nursery_start*),
// trio src/trio/_tests/test_timeouts.py, trio src/trio/_tests/test_contextvars.py,
// anyio tests/test_taskgroups.py (test_start*), anyio tests/test_lowlevel.py.
// Each test names its source. Virtual time (MockClock) stands for real sleeps.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, ClosedResourceError, type Context, ContextVar, run, type TaskGroup, TimeoutError, UsageError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { assertCheckpoints, errorOf, vrun } from "../helpers/peer.ts";

class KeyErr extends Error {
  override name = "KeyError";
}

const shieldedCheckpoint = (cx: Context): Promise<void> => cx.withCancelScope({ shield: true }, (cx) => cx.checkpoint());

describe("trio test_run.py: start and started", () => {
  // trio test_run.py::test_nursery_start (adapted: the calling-convention TypeError has no JS equivalent; a closed group raises ClosedResourceError)
  it("test_nursery_start: start waits for started, hands its value back, and the group waits for the rest", async () => {
    await vrun(async (cx) => {
      const sleepThenStart = async (cx: Context, ms: number): Promise<void> => {
        await cx.sleep(ms);
        cx.started(ms);
        await cx.sleep(ms);
      };
      for (const ms of [1000, 2000]) {
        let t0 = 0;
        await cx.taskGroup(async (tg, cx) => {
          t0 = cx.currentTime();
          expect(await tg.start(cx, sleepThenStart, ms)).toBe(ms);
          expect(cx.currentTime() - t0).toBe(ms);
        });
        expect(cx.currentTime() - t0).toBe(2 * ms);
      }
      // Called directly (TASK_STATUS_IGNORED): started() does nothing.
      const t0 = cx.currentTime();
      await sleepThenStart(cx, 3000);
      expect(cx.currentTime() - t0).toBe(6000);

      // started twice
      await cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx) => {
          cx.started();
          expect(() => cx.started()).toThrow(UsageError);
        });
      });
      // crash before started: the error comes out of start
      await cx.taskGroup(async (tg, cx) => {
        expect(await errorOf(tg.start(cx, async () => { throw new KeyErr("oops"); }))).toBeInstanceOf(KeyErr);
      });
      // ends cleanly without started
      await cx.taskGroup(async (tg, cx) => {
        const e = await errorOf(tg.start(cx, async () => {}));
        expect(e).toBeInstanceOf(UsageError);
        expect((e as Error).message).toMatch(/without calling cx.started/);
      });
      // start cancelled: started() does nothing, the child stays under start, which raises Cancelled
      await cx.taskGroup(async (tg, cx) => {
        const cs = new CancelScope();
        await cx.withCancelScope(cs, async (cx) => {
          cs.cancel();
          const e = await errorOf(tg.start(cx, async (cx) => {
            cx.started("hi");
            await cx.checkpoint();
          }));
          expect(e).toBeInstanceOf(Cancelled);
        });
      });
      // ... but a child that ends without a checkpoint ends start normally
      await cx.taskGroup(async (tg, cx) => {
        const cs = new CancelScope();
        await cx.withCancelScope(cs, async (cx) => {
          cs.cancel();
          await tg.start(cx, async (cx) => cx.started(null));
        });
        expect(cs.cancelledCaught).toBe(false);
      });
      // ... and an error after started still comes out of start
      await cx.taskGroup(async (tg, cx) => {
        await cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          const e = await errorOf(tg.start(cx, async (cx) => {
            cx.started();
            throw new KeyErr("whoopsiedaisy");
          }));
          expect(e).toBeInstanceOf(KeyErr);
        });
      });
      // a closed group refuses at once, without running anything
      let closed: TaskGroup | undefined;
      await cx.taskGroup(async (tg) => void (closed = tg));
      const before = cx.currentTime();
      expect(() => closed!.start(cx, sleepThenStart, 7000)).toThrow(ClosedResourceError);
      expect(cx.currentTime()).toBe(before);
    });
  });

  // trio test_run.py::test_nursery_start_with_cancelled_nursery
  it("test_nursery_start_with_cancelled_nursery: a task moved into a group cancelled just before or after started is cancelled there", async () => {
    const setupNursery = (cx: Context): Promise<void> =>
      cx.taskGroup(async (tg, cx) => {
        cx.started(tg);
        await cx.sleepForever();
      });
    const sleepingChildren = (cx: Context, fn: () => void): Promise<void> =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => cx.sleepForever());
        tg.startSoon((cx) => cx.sleepForever());
        await waitAllTasksBlocked(cx);
        fn();
        cx.started();
      });
    await run(async (cx) => {
      await cx.taskGroup(async (tg, cx) => {
        const target = await tg.start<TaskGroup>(cx, setupNursery);
        await target.start(cx, sleepingChildren, () => target.cancelScope.cancel());
      });
      await cx.taskGroup(async (tg, cx) => {
        const target = await tg.start<TaskGroup>(cx, setupNursery);
        await target.start(cx, sleepingChildren, () => {});
        target.cancelScope.cancel();
      });
    });
  });

  // trio test_run.py::test_nursery_start_keeps_nursery_open
  it("test_nursery_start_keeps_nursery_open: a pending start keeps its target group open, even if the task then crashes", async () => {
    await vrun(async (cx) => {
      const sleepABit = async (cx: Context): Promise<void> => {
        await cx.sleep(2000);
        cx.started();
        await cx.sleep(3000);
      };
      await cx.taskGroup(async (tg1, cx) => {
        const t0 = cx.currentTime();
        await cx.taskGroup(async (tg2, cx) => {
          tg1.startSoon((cx) => tg2.start(cx, sleepABit));
          await cx.sleep(1000);
          tg1.startSoon((cx) => tg2.start(cx, sleepABit));
        });
        expect(cx.currentTime() - t0).toBe(6000);
      });

      const sleepThenCrash = async (cx: Context): Promise<void> => {
        await cx.sleep(7000);
        throw new KeyErr();
      };
      await cx.taskGroup(async (tg1, cx) => {
        const t0 = cx.currentTime();
        await cx.taskGroup(async (tg2, cx) => {
          tg1.startSoon(async (cx) => {
            expect(await errorOf(tg2.start(cx, sleepThenCrash))).toBeInstanceOf(KeyErr);
          });
          await waitAllTasksBlocked(cx);
        });
        expect(cx.currentTime() - t0).toBe(7000);
      });
    });
  });

  // trio test_run.py::test_trio_run_strict_before_started (adapted: no strict option; the error itself comes out of start and of the group)
  it("test_trio_run_strict_before_started: an error before or after started comes out as itself, an error group unchanged", async () => {
    for (const afterStarted of [false, true]) {
      for (const custom of [false, true]) {
        const raised = custom ? new AggregateError([new Error("v")], "my group") : new Error("v");
        const e = await errorOf(run((cx) =>
          cx.taskGroup(async (tg, cx) => {
            await tg.start(cx, async (cx) => {
              if (afterStarted) cx.started();
              throw raised;
            });
          })
        ));
        expect(e).toBe(raised);
      }
    }
  });
});

describe("anyio test_taskgroups.py: start", () => {
  // anyio test_taskgroups.py::test_start_no_value
  it("test_start_no_value: started() with no value gives undefined", async () => {
    await run((cx) => cx.taskGroup(async (tg, cx) => expect(await tg.start(cx, async (cx) => cx.started())).toBeUndefined()));
  });

  // anyio test_taskgroups.py::test_start_called_twice
  it("test_start_called_twice: a second started() is a UsageError", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const value = await tg.start(cx, async (cx) => {
          cx.started();
          expect(() => cx.started()).toThrow(/called twice/);
        });
        expect(value).toBeUndefined();
      })
    );
  });

  // anyio test_taskgroups.py::test_no_called_started_twice (adapted: start begins at the call, not when awaited)
  it("test_no_called_started_twice: cancelling the group while a start is pending does not call started twice", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const pending = tg.start(cx, async (cx) => cx.started());
        tg.cancelScope.cancel();
        await pending;
      })
    );
  });

  // anyio test_taskgroups.py::test_start_with_value
  it("test_start_with_value: start gives the value passed to started", async () => {
    await run((cx) => cx.taskGroup(async (tg, cx) => expect(await tg.start(cx, async (cx) => cx.started("foo"))).toBe("foo")));
  });

  // anyio test_taskgroups.py::test_start_crash_before_started_call
  it("test_start_crash_before_started_call: the error comes out of start", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(((await errorOf(tg.start(cx, async () => { throw new Error("foo"); }))) as Error).message).toBe("foo");
      })
    );
  });

  // anyio test_taskgroups.py::test_start_crash_after_started_call (adapted: the one error comes out of the group as itself)
  it("test_start_crash_after_started_call: start returns the value; the later error comes out of the group", async () => {
    let value: unknown;
    const e = await errorOf(run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        value = await tg.start(cx, async (cx) => {
          cx.started(2);
          throw new Error("foo");
        });
      })
    ));
    expect((e as Error).message).toBe("foo");
    expect(value).toBe(2);
  });

  // anyio test_taskgroups.py::test_start_no_started_call
  it("test_start_no_started_call: a child that ends without started makes start fail", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(await errorOf(tg.start(cx, async () => {}))).toBeInstanceOf(UsageError);
      })
    );
  });

  // anyio test_taskgroups.py::test_start_cancelled
  it("test_start_cancelled: a start in a cancelled group begins the task, which is cancelled at its first checkpoint", async () => {
    let started = false;
    let finished = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.cancelScope.cancel();
        await tg.start(cx, async (cx) => {
          started = true;
          await cx.sleep(2000);
          finished = true;
        });
      })
    );
    expect([started, finished]).toEqual([true, false]);
  });

  // anyio test_taskgroups.py::test_start_exception_delivery (adapted: Skein accepts a synchronous task function, so started() from one works)
  it("test_start_exception_delivery: a synchronous task function may call started", async () => {
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        expect(await tg.start(cx, (cx) => cx.started("hello"))).toBe("hello");
      })
    );
  });

  // anyio test_taskgroups.py::test_start_cancel_after_error (adapted: each group's one error comes out as itself)
  it("test_start_cancel_after_error: an error in the caller's group cancels a pending start into another group", async () => {
    let sleepCompleted = false;
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (outerTg, cx) => {
        await cx.taskGroup(async (innerTg, cx) => {
          innerTg.startSoon(async (cx) => {
            await waitAllTasksBlocked(cx);
            throw new Error("This should cancel the second start() call");
          });
          await outerTg.start(cx, async (cx) => {
            await cx.sleep(1000);
            sleepCompleted = true;
            cx.started();
          });
        });
      })
    ));
    expect((e as Error).message).toBe("This should cancel the second start() call");
    expect(sleepCompleted).toBe(false);
  });

  // anyio test_taskgroups.py::test_start_cancels_parent_scope
  it("test_start_cancels_parent_scope: a start in a cancelled inner scope cancels the task there, not the group", async () => {
    let started = false;
    let group: TaskGroup | undefined;
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        group = tg;
        await cx.withCancelScope({}, async (cx) => {
          cx.cancelScope.cancel();
          await tg.start(cx, async (cx) => {
            started = true;
            await cx.sleepForever();
          });
        });
      })
    );
    expect(started).toBe(true);
    expect(group!.cancelScope.cancelCalled).toBe(false);
  });

  // anyio test_taskgroups.py::test_start_soon_parent_id (adapted: no task ids; the task's group is the one it was started in)
  it("test_start_soon_parent_id: a task started by a sibling belongs to the group, not to the sibling", async () => {
    let subGroup: unknown;
    let group: TaskGroup | undefined;
    await run((cx) =>
      cx.taskGroup((tg) => {
        group = tg;
        tg.startSoon(async () => {
          tg.startSoon(async (cx) => void (subGroup = cx.currentTask().group));
        });
      })
    );
    expect(subGroup).toBe(group);
  });
});

describe("trio test_timeouts.py", () => {
  // trio test_timeouts.py::test_sleep (adapted: virtual time instead of measured real time)
  it("test_sleep: sleepUntil and sleep take exactly their time; sleep(0) is a checkpoint", async () => {
    await vrun(async (cx) => {
      let t0 = cx.currentTime();
      await cx.sleepUntil(cx.currentTime() + 1000);
      expect(cx.currentTime() - t0).toBe(1000);
      t0 = cx.currentTime();
      await cx.sleep(1000);
      expect(cx.currentTime() - t0).toBe(1000);
      expect(() => cx.sleep(-1)).toThrow(RangeError);
      await assertCheckpoints(cx, (cx) => cx.sleep(0));
      // This also serves as a test of the trivial moveOnAt
      const r = await cx.moveOnAt(cx.currentTime(), async (cx) => {
        await expect(cx.sleep(0)).rejects.toBeInstanceOf(Cancelled);
      });
      expect(r.cancelled).toBe(false); // the body caught it and returned
    });
  });

  // trio test_timeouts.py::test_move_on_after (adapted: virtual time)
  it("test_move_on_after: moveOnAfter ends a long sleep at its deadline", async () => {
    await vrun(async (cx) => {
      const t0 = cx.currentTime();
      const r = await cx.moveOnAfter(1000, (cx) => cx.sleep(100_000));
      expect(r.cancelled).toBe(true);
      expect(cx.currentTime() - t0).toBe(1000);
    });
  });

  // trio test_timeouts.py::test_fail (adapted: virtual time)
  it("test_fail: failAt and failAfter throw TimeoutError at their deadline, and nothing when the body is quick", async () => {
    await vrun(async (cx) => {
      let t0 = cx.currentTime();
      expect(await errorOf(cx.failAt(cx.currentTime() + 1000, (cx) => cx.sleep(100_000)))).toBeInstanceOf(TimeoutError);
      expect(cx.currentTime() - t0).toBe(1000);
      await cx.failAt(cx.currentTime() + 100_000, (cx) => cx.sleep(0));
      t0 = cx.currentTime();
      expect(await errorOf(cx.failAfter(1000, (cx) => cx.sleep(100_000)))).toBeInstanceOf(TimeoutError);
      expect(cx.currentTime() - t0).toBe(1000);
      await cx.failAfter(100_000, (cx) => cx.sleep(0));
    });
  });

  // trio test_timeouts.py::test_timeouts_raise_value_error (adapted: RangeError, thrown at the call)
  it("test_timeouts_raise_value_error: negative or NaN durations, NaN deadlines are a RangeError", async () => {
    await run(async (cx) => {
      const body = async (): Promise<void> => {};
      const bad: [string, () => unknown][] = [
        ["sleep(-1)", () => cx.sleep(-1)],
        ["sleep(NaN)", () => cx.sleep(NaN)],
        ["sleepUntil(NaN)", () => cx.sleepUntil(NaN)],
        ["failAfter(-1)", () => cx.failAfter(-1, body)],
        ["failAfter(NaN)", () => cx.failAfter(NaN, body)],
        ["failAt(NaN)", () => cx.failAt(NaN, body)],
        ["moveOnAfter(-1)", () => cx.moveOnAfter(-1, body)],
        ["moveOnAfter(NaN)", () => cx.moveOnAfter(NaN, body)],
        ["moveOnAt(NaN)", () => cx.moveOnAt(NaN, body)],
      ];
      for (const [what, call] of bad) {
        const e = await errorOf(call);
        expect(e, what).toBeInstanceOf(RangeError);
      }
      // Deadlines may be in the past (negative), delays not.
      await cx.sleepUntil(-1);
      expect((await cx.moveOnAt(-1, (cx) => cx.checkpoint())).cancelled).toBe(true);
    });
  });

  // trio test_timeouts.py::test_timeout_deadline_on_entry
  it("test_timeout_deadline_on_entry: a relative deadline counts from entry, not from creation", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      const cs = new CancelScope({ relativeDeadline: 5000 });
      expect(cs.relativeDeadline).toBe(5000);
      clock.jump(3000);
      const start = cx.currentTime();
      await cx.withCancelScope(cs, async () => {
        expect(cs.deadline).toBe(start + 5000);
        expect(cs.relativeDeadline).toBe(5000);
      });
      clock.jump(3000);
      const start2 = cx.currentTime();
      await cx.failAfter(5000, async (cx) => {
        expect(cx.cancelScope.deadline).toBe(start2 + 5000);
        expect(cx.cancelScope.relativeDeadline).toBe(5000);
      });
    }, { clock });
  });
});

describe("trio test_contextvars.py", () => {
  const v = new ContextVar<string>("trio_testing_contextvar", "unset");

  // trio test_contextvars.py::test_contextvars_default
  it("test_contextvars_default: a child sees the value its parent set before starting it", async () => {
    const record: string[] = [];
    await run(async (cx) => {
      v.set(cx, "main");
      await cx.taskGroup((tg) => tg.startSoon(async (cx) => void record.push(v.get(cx))));
    });
    expect(record).toEqual(["main"]);
  });

  // trio test_contextvars.py::test_contextvars_set
  it("test_contextvars_set: a child's set stays in the child", async () => {
    const record: string[] = [];
    await run(async (cx) => {
      v.set(cx, "main");
      await cx.taskGroup((tg) =>
        tg.startSoon(async (cx) => {
          v.set(cx, "child");
          record.push(v.get(cx));
        })
      );
      expect(v.get(cx)).toBe("main");
    });
    expect(record).toEqual(["child"]);
  });

  // trio test_contextvars.py::test_contextvars_copy (adapted: no copy_context/Context.run, and startSoon takes no context,
  // so a task inherits the values of the group's owner, not of the task that called startSoon; see docs/from-asyncio.md)
  it("test_contextvars_copy: a task inherits the values of the group's owner, as they were when it was started", async () => {
    const record: string[] = [];
    await run(async (cx) => {
      v.set(cx, "main");
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => void record.push(`first ${v.get(cx)}`));
        v.set(cx, "second_main");
        tg.startSoon(async (cx) => void record.push(`second ${v.get(cx)}`));
        tg.startSoon(async (cx) => {
          v.set(cx, "sibling");
          tg.startSoon(async (cx) => void record.push(`by sibling ${v.get(cx)}`));
        });
      });
      expect(v.get(cx)).toBe("second_main");
    });
    expect(record.sort()).toEqual(["by sibling second_main", "first main", "second second_main"]);
  });
});

describe("anyio test_lowlevel.py", () => {
  for (const cancel of [false, true]) {
    // anyio test_lowlevel.py::test_checkpoint_if_cancelled
    it(`test_checkpoint_if_cancelled[${cancel}]: raises only when cancelled, and never yields`, async () => {
      let finished = false;
      let secondFinished = false;
      await run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async (cx) => {
            tg.startSoon(async () => {
              expect(finished).toBe(!cancel);
              secondFinished = true;
            });
            if (cancel) tg.cancelScope.cancel();
            cx.checkpointIfCancelled();
            finished = true;
          });
        })
      );
      expect(finished).toBe(!cancel);
      expect(secondFinished).toBe(true);
    });

    // anyio test_lowlevel.py::test_cancel_shielded_checkpoint (adapted: a checkpoint in a shielded scope)
    it(`test_cancel_shielded_checkpoint[${cancel}]: yields, and never raises`, async () => {
      let finished = false;
      let secondFinished = false;
      await run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async (cx) => {
            await shieldedCheckpoint(cx);
            finished = true;
          });
          tg.startSoon(async () => {
            expect(finished).toBe(false);
            secondFinished = true;
          });
          if (cancel) tg.cancelScope.cancel();
        })
      );
      expect(finished).toBe(true);
      expect(secondFinished).toBe(true);
    });

    // anyio test_lowlevel.py::test_checkpoint
    it(`test_checkpoint[${cancel}]: yields, and raises when cancelled`, async () => {
      let finished = false;
      let secondFinished = false;
      await run((cx) =>
        cx.taskGroup((tg) => {
          tg.startSoon(async (cx) => {
            await cx.checkpoint();
            finished = true;
          });
          tg.startSoon(async () => {
            expect(finished).toBe(false);
            secondFinished = true;
          });
          if (cancel) tg.cancelScope.cancel();
        })
      );
      expect(finished).toBe(!cancel);
      expect(secondFinished).toBe(true);
    });
  }
});
