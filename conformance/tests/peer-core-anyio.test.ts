// anyio's task group and cancel scope tests, translated to Skein:
// anyio tests/test_taskgroups.py (the `start` tests are in peer-core-start.test.ts).
// Each test names its source. Real sleeps become virtual ones on a MockClock
// that jumps when every task is blocked, so the orders are anyio's and the
// file takes milliseconds. Adapted throughout: one error leaves a group as
// itself (anyio: an ExceptionGroup of one), several as a TaskGroupError;
// Cancelled never appears inside one.
import { describe, expect, it } from "vitest";
import { Cancelled, CancelScope, ClosedResourceError, type Context, Event, run, type TaskGroup, TaskGroupError } from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { errorOf, fail, vrun } from "../helpers/peer.ts";

/** anyio's async_error: sleeps `delay` ms, then raises `text` from its finally (so also when cancelled). */
async function asyncError(cx: Context, text: string, delay = 100): Promise<never> {
  try {
    if (delay) await cx.sleep(delay);
  } finally {
    // eslint-disable-next-line no-unsafe-finally
    throw new Error(text);
  }
}

describe("anyio test_taskgroups.py: task groups", () => {
  // anyio test_taskgroups.py::test_already_closed (adapted: ClosedResourceError)
  it("test_already_closed: startSoon on an exited group throws", async () => {
    await run(async (cx) => {
      let saved: TaskGroup | undefined;
      await cx.taskGroup(async (tg) => void (saved = tg));
      expect(() => saved!.startSoon(asyncError, "fail")).toThrow(ClosedResourceError);
    });
  });

  // anyio test_taskgroups.py::test_success
  it("test_success: every task runs", async () => {
    const results = new Set<string>();
    await run((cx) => cx.taskGroup((tg) => (tg.startSoon(async (_cx, v: string) => void results.add(v), "a"), tg.startSoon(async (_cx, v: string) => void results.add(v), "b"))));
    expect([...results].sort()).toEqual(["a", "b"]);
  });

  // anyio test_taskgroups.py::test_start_soon_while_running
  it("test_start_soon_while_running: a task may start another in its group", async () => {
    let ran = false;
    await vrun((cx) => cx.taskGroup((tg) => tg.startSoon(async () => tg.startSoon(async (cx) => (await cx.sleep(0), ran = true)))));
    expect(ran).toBe(true);
  });

  // anyio test_taskgroups.py::test_start_soon_after_error (adapted: the error comes out as itself)
  it("test_start_soon_after_error: a group that failed is closed", async () => {
    await run(async (cx) => {
      let saved: TaskGroup | undefined;
      const e = await errorOf(cx.taskGroup(() => {
        throw new RangeError("division by zero");
      }));
      expect(e).toBeInstanceOf(RangeError);
      await errorOf(cx.taskGroup((tg) => {
        saved = tg;
        throw new Error("x");
      }));
      expect(() => saved!.startSoon((cx) => cx.sleep(0))).toThrow(ClosedResourceError);
    });
  });

  // anyio test_taskgroups.py::test_host_exception
  it("test_host_exception: the body's error cancels the children and comes out", async () => {
    let result: string | null = null;
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(3000);
          result = "a";
        });
        throw new Error("dummy error");
      })
    ));
    expect((e as Error).message).toBe("dummy error");
    expect(result).toBeNull();
  });

  // anyio test_taskgroups.py::test_level_cancellation
  it("test_level_cancellation: a task of a cancelled group runs until its first checkpoint", async () => {
    let marker: number | null = null;
    await run((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(async (cx) => {
          marker = 1;
          await cx.sleep(0);
          marker = 2;
        });
        expect(marker).toBeNull();
        tg.cancelScope.cancel();
      })
    );
    expect(marker).toBe(1);
  });

  // anyio test_taskgroups.py::test_failing_child_task_cancels_host
  it("test_failing_child_task_cancels_host: a child's error cancels the body", async () => {
    let sleepCompleted = false;
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          throw new Error("foo");
        });
        await cx.sleep(500);
        sleepCompleted = true;
      })
    ));
    expect((e as Error).message).toBe("foo");
    expect(sleepCompleted).toBe(false);
  });

  // anyio test_taskgroups.py::test_failing_host_task_cancels_children
  it("test_failing_host_task_cancels_children: the body's error cancels a child", async () => {
    let sleepCompleted = false;
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(1000);
          sleepCompleted = true;
        });
        await waitAllTasksBlocked(cx);
        throw new Error("foo");
      })
    ));
    expect((e as Error).message).toBe("foo");
    expect(sleepCompleted).toBe(false);
  });

  // anyio test_taskgroups.py::test_cancel_scope_in_another_task
  it("test_cancel_scope_in_another_task: a scope entered by a child can be cancelled by the body", async () => {
    let result = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        let localScope: CancelScope | null = null;
        tg.startSoon(async (cx) => {
          localScope = new CancelScope();
          await cx.withCancelScope(localScope, async (cx) => {
            await cx.sleep(2000);
            result = true;
          });
        });
        while (localScope === null) await cx.sleep(0);
        (localScope as CancelScope).cancel();
      })
    );
    expect(result).toBe(false);
  });

  // anyio test_taskgroups.py::test_cancel_propagation
  it("test_cancel_propagation: cancelling the outer group stops a child blocked in its own group", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.taskGroup(async (_tg, cx) => cx.sleep(1000));
          fail("after the inner group");
        });
        await cx.sleep(0);
        tg.cancelScope.cancel();
      })
    );
  });

  // anyio test_taskgroups.py::test_cancel_twice
  it("test_cancel_twice: the same task can be cancelled twice, by two groups", async () => {
    await vrun(async (cx) => {
      for (let i = 0; i < 2; i++) {
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            await waitAllTasksBlocked(cx);
            tg.cancelScope.cancel();
          });
          await cx.sleep(1000);
          fail("after the sleep");
        });
      }
    });
  });

  // anyio test_taskgroups.py::test_cancel_exiting_task_group
  it("test_cancel_exiting_task_group: a group waiting for its children passes a cancellation on to them", async () => {
    let cancelReceived = false;
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) =>
          cx.taskGroup((tg2) =>
            tg2.startSoon(async (cx) => {
              try {
                await cx.sleep(5000);
              } finally {
                cancelReceived = true;
              }
            })
          )
        );
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      })
    );
    expect(cancelReceived).toBe(true);
  });

  // anyio test_taskgroups.py::test_exception_group_children
  it("test_exception_group_children: two children failing give a TaskGroupError of both", async () => {
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(asyncError, "task1");
        tg.startSoon(asyncError, "task2", 150);
      })
    ));
    expect(e).toBeInstanceOf(TaskGroupError);
    expect((e as TaskGroupError).errors.map((x) => (x as Error).message).sort()).toEqual(["task1", "task2"]);
  });

  // anyio test_taskgroups.py::test_exception_group_host
  it("test_exception_group_host: the body's error and a child's give a TaskGroupError of both", async () => {
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(asyncError, "child", 2000);
        await waitAllTasksBlocked(cx);
        throw new Error("host");
      })
    ));
    expect(e).toBeInstanceOf(TaskGroupError);
    expect((e as TaskGroupError).errors.map((x) => (x as Error).message)).toEqual(["host", "child"]);
  });

  // anyio test_taskgroups.py::test_exception_cancels_siblings
  it("test_exception_cancels_siblings: a child's error cancels its sibling", async () => {
    let sleepCompleted = false;
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(1000);
          sleepCompleted = true;
        });
        await waitAllTasksBlocked(cx);
        tg.startSoon(async () => {
          throw new Error("foo");
        });
      })
    ));
    expect((e as Error).message).toBe("foo");
    expect(sleepCompleted).toBe(false);
  });

  // anyio test_taskgroups.py::test_cancel_cascade
  it("test_cancel_cascade: a cancelled child never reaches the error after its inner group", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.taskGroup((tg2) => tg2.startSoon((cx) => cx.sleep(1000)));
          throw new Error("foo");
        });
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      })
    );
  });

  // anyio test_taskgroups.py::test_cancelled_parent
  it("test_cancelled_parent: a task of a cancelled group starting another raises nothing", async () => {
    await vrun((cx) =>
      cx.taskGroup((tg) => {
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          tg.startSoon(async (cx) => {
            await cx.withCancelScope({}, (cx) => cx.sleep(1000));
            throw new Error("foo");
          });
        });
        tg.cancelScope.cancel();
      })
    );
  });

  // anyio test_taskgroups.py::test_exception_group_filtering (adapted: the inner group's one error comes out unwrapped)
  it("test_exception_group_filtering: Cancelled is filtered out of nested groups; the real errors remain", async () => {
    const failing = async (cx: Context, name: string): Promise<never> => {
      try {
        await cx.sleep(100);
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw new Error(`${name} task failed`);
      }
    };
    const e = await errorOf(vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(failing, "parent");
        await cx.taskGroup(async (tg2, cx) => {
          tg2.startSoon(failing, "child");
          await cx.sleep(1000);
        });
      })
    ));
    expect(e).toBeInstanceOf(TaskGroupError);
    const errors = (e as TaskGroupError).errors;
    expect(errors.some((x) => x instanceof Cancelled || x instanceof TaskGroupError)).toBe(false);
    expect(errors.map((x) => (x as Error).message).sort()).toEqual(["child task failed", "parent task failed"]);
  });

  // anyio test_taskgroups.py::test_cancel_propagation_with_inner_spawn
  it("test_cancel_propagation_with_inner_spawn: cancelling reaches a child's own group and its task", async () => {
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.taskGroup(async (tg2, cx) => {
            tg2.startSoon((cx) => cx.sleep(10_000));
            await cx.sleep(1000);
          });
          fail("after the inner group");
        });
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      })
    );
  });

  // anyio test_taskgroups.py::test_cancel_native_future_tasks (adapted: a foreign promise, waited on with abandonOnCancel)
  it("test_cancel_native_future_tasks: a task waiting on a foreign promise is cancelled", async () => {
    for (const inScope of [false, true]) {
      // ...and test_cancel_native_future_tasks_cancel_scope, inside a scope of its own
      await run((cx) =>
        cx.taskGroup((tg) => {
          const wait = (cx: Context) => cx.abandonOnCancel(new Promise<never>(() => {}));
          tg.startSoon((cx) => (inScope ? cx.withCancelScope({}, wait) : wait(cx)));
          tg.cancelScope.cancel();
        })
      );
    }
  });

  // anyio test_taskgroups.py::test_task_in_sync_spawn_callback (adapted: the function runs in the new task, not in the caller)
  it("test_task_in_sync_spawn_callback: a synchronous function returning a promise runs as a task of its own", async () => {
    let inner: unknown;
    let outer: unknown;
    await run(async (cx) => {
      outer = cx.currentTask();
      await cx.taskGroup((tg) =>
        tg.startSoon((cx) => {
          const me = cx.currentTask();
          return (async () => void (inner = me))();
        })
      );
    });
    expect(inner).toBeDefined();
    expect(inner).not.toBe(outer);
  });

  // anyio test_taskgroups.py::test_shielded_cancel_sleep_time (adapted: the order of events instead of CPU time)
  it("test_shielded_cancel_sleep_time: a cancelled group waits for its shielded child, which sleeps rather than spins", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const event = new Event();
        tg.startSoon(async (cx) => {
          await cx.sleep(200);
          log.push("set");
          event.set();
        });
        await cx.taskGroup(async (tg2) => {
          tg2.startSoon(async (cx) => {
            await cx.withCancelScope({ shield: true }, async (cx) => {
              await cx.sleep(200);
              await event.wait(cx);
              log.push("shielded done");
            });
          });
          tg2.cancelScope.cancel();
        });
        log.push("inner group done");
      })
    );
    expect(log).toEqual(["set", "shielded done", "inner group done"]);
  });

  // anyio test_taskgroups.py::test_single_cancellation_exc
  it("test_single_cancellation_exc: a group cancelled from outside, with no errors, lets one Cancelled out", async () => {
    await vrun(async (cx) => {
      const outer = new CancelScope();
      await cx.withCancelScope(outer, async (cx) => {
        const e = await errorOf(cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) => cx.sleep(5000));
          await waitAllTasksBlocked(cx);
          outer.cancel();
          await cx.sleep(5000);
        }));
        expect(e).toBeInstanceOf(Cancelled);
        throw e;
      });
      expect(outer.cancelledCaught).toBe(true);
    });
  });

  // anyio test_taskgroups.py::test_cancel_before_entering_task_group
  it("test_cancel_before_entering_task_group: an empty group in a cancelled scope raises nothing", async () => {
    await run(async (cx) => {
      await cx.withCancelScope({}, async (cx) => {
        cx.cancelScope.cancel();
        await cx.taskGroup(async () => {});
        expect(cx.cancelScope.cancelledCaught).toBe(false);
      });
    });
  });

  // anyio test_taskgroups.py::test_cancel_child_task_when_host_is_shielded
  it("test_cancel_child_task_when_host_is_shielded: a child is cancelled even while the body is shielded", async () => {
    await vrun(async (cx) => {
      const cancelled = new Event();
      const parentScope = new CancelScope();
      await cx.withCancelScope(parentScope, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            try {
              await cx.sleepForever();
            } catch (e) {
              if (e instanceof Cancelled) cancelled.set();
              throw e;
            }
          });
          await waitAllTasksBlocked(cx);
          await cx.withCancelScope({ shield: true }, (cx) =>
            cx.failAfter(1000, async (cx) => {
              parentScope.cancel();
              await cancelled.wait(cx);
            })
          );
        })
      );
    });
  });

  // anyio test_taskgroups.py::test_reraise_cancelled_in_excgroup (adapted: catch and rethrow; no exception groups around Cancelled)
  it("test_reraise_cancelled_in_excgroup: a Cancelled caught and rethrown is still absorbed by its scope", async () => {
    await run(async (cx) => {
      const scope = new CancelScope();
      await cx.withCancelScope(scope, async (cx) => {
        scope.cancel();
        try {
          await cx.sleepForever();
        } catch (e) {
          throw e;
        }
      });
      expect(scope.cancelledCaught).toBe(true);
    });
  });
});
