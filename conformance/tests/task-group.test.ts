// Task groups: concurrency, waiting, errors, start/started.
import { describe, expect, it } from "vitest";
import { Cancelled, ClosedResourceError, TaskGroupError, UsageError, type Context, type TaskGroup, type TaskHandle } from "skein";
// vrun: a MockClock that jumps when every task is blocked, so the sleeps and deadlines below order
// events in virtual time, whatever the machine's load.
import { vrun } from "../helpers/peer.ts";

describe("task groups", () => {
  it("runs children concurrently and waits for all of them", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          log.push("a start");
          await cx.sleep(30);
          log.push("a end");
        });
        tg.startSoon(async (cx) => {
          log.push("b start");
          await cx.sleep(5);
          log.push("b end");
        });
        log.push("body done");
      });
      log.push("group done");
    });
    expect(log).toEqual(["body done", "a start", "b start", "b end", "a end", "group done"]);
  });

  it("begins thousands of tasks in the order they were started, those started as they begin included", async () => {
    // Crosses the ready queue's chunk boundaries, while tasks begin: every
    // 7th task starts another one synchronously, queued behind the rest.
    const begun: number[] = [];
    const n = 5000;
    let next = n;
    await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        const body = (_cx: Context, id: number): void => {
          begun.push(id);
          if (id % 7 === 0 && id < n) tg.startSoon(body, next++);
        };
        for (let i = 0; i < n; i++) tg.startSoon(body, i);
      }),
    );
    expect(begun.length).toBe(next);
    expect(begun).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it("returns the body's value", async () => {
    const value = await vrun((cx) => cx.taskGroup(async () => 42));
    expect(value).toBe(42);
  });

  it("passes arguments and a name to tasks", async () => {
    const seen: unknown[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx, a: number, b: string) => void seen.push(cx.taskName, a, b), 1, "x");
        tg.startSoon({ name: "named" }, async (cx) => void seen.push(cx.taskName));
      }),
    );
    expect(seen).toEqual(["task", 1, "x", "named"]);
  });

  it("names a task after its function unless given a name, also once it has ended", async () => {
    const seen: string[] = [];
    let handle: TaskHandle<void> | undefined;
    async function fetchPage(cx: Context): Promise<void> {
      seen.push(cx.taskName);
    }
    const worker = async (cx: Context): Promise<void> => void seen.push(cx.taskName);
    await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(fetchPage);
        tg.startSoon(worker);
        tg.startSoon(fetchPage.bind(null));
        tg.startSoon({ name: "" }, fetchPage);
        handle = tg.createTask(fetchPage);
      }),
    );
    expect(seen).toEqual(["fetchPage", "worker", "bound fetchPage", "", "fetchPage"]);
    expect(handle!.status).toBe("finished");
    expect(handle!.name).toBe("fetchPage");
  });

  it("a failing child cancels siblings and the body; finally blocks run; the error surfaces once, unwrapped", async () => {
    const log: string[] = [];
    const boom = new Error("boom", { cause: "root cause" });
    let caught: unknown;
    try {
      await vrun((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => {
            try {
              await cx.sleepForever();
            } finally {
              log.push("sibling finally");
            }
          });
          tg.startSoon(async (cx) => {
            await cx.sleep(5);
            throw boom;
          });
          try {
            await cx.sleepForever();
          } catch (e) {
            log.push(e instanceof Cancelled ? "body cancelled" : "body other");
            throw e;
          } finally {
            log.push("body finally");
          }
        }),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect((caught as Error).cause).toBe("root cause");
    expect(log.sort()).toEqual(["body cancelled", "body finally", "sibling finally"]);
  });

  it("two failures both surface in a TaskGroupError", async () => {
    const a = new Error("a");
    const b = new TypeError("b");
    let caught: unknown;
    try {
      await vrun((cx) =>
        cx.taskGroup(async (tg) => {
          tg.startSoon(async () => {
            throw a;
          });
          tg.startSoon(async () => {
            throw b;
          });
        }),
      );
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TaskGroupError);
    expect(caught).toBeInstanceOf(AggregateError);
    expect((caught as TaskGroupError).errors).toEqual([a, b]);
    expect((caught as Error).message).toContain("2 errors");
  });

  it("a body error and a child error both surface", async () => {
    const a = new Error("body");
    const b = new Error("child");
    const caught = await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async () => {
          throw b;
        });
        throw a;
      }),
    ).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(TaskGroupError);
    expect((caught as TaskGroupError).errors).toEqual([a, b]);
  });

  it("does not return while a child runs, even one that ignores cancellation for a while", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          try {
            await cx.sleepForever();
          } finally {
            await cx.withCancelScope({ shield: true }, (cx) => cx.sleep(20));
            log.push("cleanup done");
          }
        });
        await cx.sleep(1);
        tg.cancelScope.cancel();
      });
      log.push("group returned");
    });
    expect(log).toEqual(["cleanup done", "group returned"]);
  });

  it("cancelling the group's own scope ends it normally with undefined", async () => {
    const result = await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => cx.sleepForever());
        tg.cancelScope.cancel();
        await cx.sleepForever();
        return "unreachable";
      }),
    );
    expect(result).toBeUndefined();
  });

  it("start returns the value passed to started, and the task keeps running in the group", async () => {
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        const value = await tg.start<string>(cx, async (cx) => {
          await cx.sleep(5);
          cx.started("ready");
          log.push("after started");
          await cx.sleep(5);
          log.push("child end");
        });
        log.push(`start returned ${value}`);
      }),
    );
    expect(log).toEqual(["after started", "start returned ready", "child end"]);
  });

  it("start fails with the child's error when the child fails before started, and the group is unaffected", async () => {
    const bad = new Error("could not bind");
    const log: string[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(10);
          log.push("sibling finished");
        });
        const e = await tg
          .start(cx, async () => {
            throw bad;
          })
          .catch((e: unknown) => e);
        expect(e).toBe(bad);
      }),
    );
    expect(log).toEqual(["sibling finished"]);
  });

  it("start fails with UsageError when the child ends without calling started", async () => {
    const e = await vrun((cx) => cx.taskGroup((tg, cx) => tg.start(cx, async () => {}))).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(/started/);
  });

  it("errors after started go to the group", async () => {
    const late = new Error("late");
    const e = await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx) => {
          cx.started();
          await cx.sleep(1);
          throw late;
        });
      }),
    ).catch((e: unknown) => e);
    expect(e).toBe(late);
  });

  it("started twice is a UsageError; started in a startSoon task is a no-op", async () => {
    const errors: unknown[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg, cx) => {
        await tg.start(cx, async (cx) => {
          cx.started(1);
          try {
            cx.started(2);
          } catch (e) {
            errors.push(e);
          }
        });
        tg.startSoon(async (cx) => cx.started("ignored"));
      }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(UsageError);
  });

  it("startSoon and start on an exited group throw ClosedResourceError", async () => {
    let saved: TaskGroup | undefined;
    await vrun(async (cx) => {
      await cx.taskGroup(async (tg) => {
        saved = tg;
      });
      expect(() => saved!.startSoon(async () => {})).toThrow(ClosedResourceError);
      expect(() => saved!.start(cx, async () => {})).toThrow(ClosedResourceError);
    });
  });

  it("children may start more children while the group waits", async () => {
    const log: number[] = [];
    await vrun((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(2);
          tg.startSoon(async (cx) => {
            await cx.sleep(2);
            log.push(2);
          });
          log.push(1);
        });
      }),
    );
    expect(log).toEqual([1, 2]);
  });

  it("an outer cancellation propagates through a group to the scope that caused it", async () => {
    const log: string[] = [];
    await vrun(async (cx) => {
      const r = await cx.moveOnAfter(10, (cx) =>
        cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            try {
              await cx.sleepForever();
            } finally {
              log.push("child finally");
            }
          });
        }),
      );
      log.push(`moved on: ${r.cancelled}`);
    });
    expect(log).toEqual(["child finally", "moved on: true"]);
  });

  it("nested groups: an inner failure propagates out through the outer group", async () => {
    const inner = new Error("inner");
    const e = await vrun((cx) =>
      cx.taskGroup(async (outer) => {
        outer.startSoon(async (cx) => cx.sleepForever());
        outer.startSoon((cx) =>
          cx.taskGroup(async (tg) => {
            tg.startSoon(async () => {
              throw inner;
            });
          }),
        );
      }),
    ).catch((e: unknown) => e);
    expect(e).toBe(inner);
  });
});
