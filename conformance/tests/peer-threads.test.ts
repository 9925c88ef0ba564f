// anyio's tests/test_to_thread.py and tests/test_from_thread.py translated to
// Skein's toThread / fromThread. Skein's workers share no memory with the
// caller: anyio's thread functions become functions of a worker module
// (conformance/fixtures/peer-threads.worker.js), and what they did to the
// caller's variables they do through fromThread into functions the caller
// exposed. Each test names its source.
//
// Deliberate differences (left out, see the report): no abandon_on_cancel
// (a cancelled call cancels the worker function's own context and waits for
// it, or retires its worker after cancelGrace: nothing outlives the call), no
// ContextVar propagation into workers (no shared memory), no BlockingPortal /
// start_blocking_portal (there is no foreign thread to call in from), no
// async generators.
import { describe, expect, it } from "vitest";
import * as skein from "skein";
import { CancelScope, CapacityLimiter, type Context, Event, fromThread, type Limiter, run, toThread, UsageError, workerModule } from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import type * as PeerWorker from "../fixtures/peer-threads.worker.js";
import { countingAdapter } from "../helpers/adapters.ts";

const worker = workerModule<typeof PeerWorker>(new URL("../fixtures/peer-threads.worker.js", import.meta.url));


describe("anyio test_to_thread.py", () => {
  // anyio test_to_thread.py::test_run_in_thread_cancelled
  it("a call whose task is cancelled before it runs never runs the function", async () => {
    const reports: string[] = [];
    let state = 0;
    await run(async (cx) => {
      const reporting = worker.with({ expose: { report: (_cx: Context, what: string) => void reports.push(what) } });
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          state = 1;
          await toThread(cx, reporting, "reportRan");
          state = 3;
        });
        tg.cancelScope.cancel();
      });
    });
    expect(state).toBe(1);
    expect(reports).toEqual([]);
  });

  // anyio test_to_thread.py::test_run_in_thread_exception
  it("an error thrown by the function is raised by the call, with its message", async () => {
    const error = await run((cx) => toThread(cx, worker, "fail", "foo")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("foo");
  });

  // anyio test_to_thread.py::test_run_in_custom_limiter
  it("a custom CapacityLimiter(3): four calls, at most three at once, three tokens borrowed", async () => {
    let active = 0;
    let maxActive = 0;
    let borrowedAtThree = -1;
    await run(async (cx) => {
      const limiter = new CapacityLimiter(3);
      const go = new Event();
      const threadsStarted = new Event();
      const limited = worker.with({
        limiter,
        expose: {
          enter: () => {
            active++;
            maxActive = Math.max(maxActive, active);
            if (active === 3) threadsStarted.set();
          },
          waitGo: (cx: Context) => go.wait(cx),
          leave: () => {
            active--;
          },
        },
      });
      await cx.taskGroup(async (tg, cx) => {
        for (let i = 0; i < 4; i++) tg.startSoon((cx) => toThread(cx, limited, "limited"));
        await threadsStarted.wait(cx);
        expect(active).toBe(3);
        borrowedAtThree = limiter.borrowedTokens;
        go.set();
      });
    });
    expect(borrowedAtThree).toBe(3);
    expect(active).toBe(0);
    expect(maxActive).toBe(3);
  });

  // anyio test_to_thread.py::test_cancel_worker_thread[noabandon]
  it("a cancelled call is not acted on until the worker function finishes: the function reports before the task's finally runs", async () => {
    const order: string[] = [];
    await run(async (cx) => {
      const sleeping = new Event();
      const finished = new Event();
      const blocking = worker.with({
        expose: {
          sleeping: () => sleeping.set(),
          report: (_cx: Context, what: string) => {
            order.push(what);
            finished.set();
          },
        },
      });
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          try {
            await toThread(cx, blocking, "blockThenReport", 200);
          } finally {
            order.push("task");
          }
        });
        await sleeping.wait(cx);
        tg.cancelScope.cancel();
      });
      await finished.wait(cx);
    });
    expect(order).toEqual(["thread", "task"]);
  });
});

describe("anyio test_from_thread.py", () => {
  // anyio test_from_thread.py::test_thread_cancelled[True] and [False]
  for (const cancel of [true, false]) {
    it(`the worker function sees its caller's cancellation at its next checkpoint (cancel=${cancel})`, async () => {
      const reports: string[] = [];
      await run(async (cx) => {
        const event = new Event();
        const waiting = new Event();
        const checking = worker.with({
          expose: {
            // Shielded here too: anyio's thread waits on a threading.Event, which the host's cancellation does not reach.
            waitEvent: (cx: Context) => {
              waiting.set();
              return cx.withCancelScope({ shield: true }, (cx) => event.wait(cx));
            },
            report: (_cx: Context, what: string) => void reports.push(what),
          },
        });
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) => toThread(cx, checking, "checkCancelled"));
          // anyio's wait_all_tasks_blocked() returns once the thread waits on its event; a task
          // waiting on a worker counts as blocked from the start, so wait for the function itself.
          await waiting.wait(cx);
          await waitAllTasksBlocked(cx);
          if (cancel) tg.cancelScope.cancel();
          event.set();
        });
      });
      expect(reports).toEqual([cancel ? "cancelled" : "not cancelled"]);
    });
  }

  // anyio test_from_thread.py::test_cancelscope_propagation
  it("a function called back from the worker cancels the caller's scope: the call ends Cancelled, absorbed by that scope", async () => {
    let cancelledCaught: boolean | null = null;
    await run(async (cx) => {
      const scope = new CancelScope();
      const bombing = worker.with({
        expose: {
          timeBomb: async (cx: Context) => {
            scope.cancel();
            await cx.failAfter(1000, (cx) => cx.sleep(3000));
          },
        },
      });
      await cx.withCancelScope(scope, (cx) => toThread(cx, bombing, "callBack", "timeBomb"));
      cancelledCaught = scope.cancelledCaught;
    });
    expect(cancelledCaught).toBe(true);
  });

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_corofunc_from_thread
  it("fromThread runs an async function on the caller's side and returns its result", async () => {
    const result = await run((cx) =>
      toThread(
        cx,
        worker.with({
          expose: {
            asyncAdd: async (cx: Context, a: number, b: number) => {
              await cx.checkpoint();
              return a + b;
            },
          },
        }),
        "callBack",
        "asyncAdd",
        1,
        2,
      ),
    );
    expect(result).toBe(3);
  });

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_sync_from_thread
  it("fromThread runs a plain function on the caller's side and returns its result", async () => {
    const result = await run((cx) => toThread(cx, worker.with({ expose: { syncAdd: (_cx: Context, a: number, b: number) => a + b } }), "callBack", "syncAdd", 1, 2));
    expect(result).toBe(3);
  });

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_sync_from_thread_pooling
  it("sequential calls reuse one worker, and the worker is gone once the run ends", async () => {
    const { adapter, counts } = countingAdapter();
    const ids = await run(async (cx) => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add(await toThread(cx, worker, "ident"));
      return ids;
    }, { adapter });
    expect(ids.size).toBe(1);
    expect(counts.spawned).toBe(1);
    expect(counts.terminated).toBe(1);
  });

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_async_from_thread_exception and ::test_run_sync_from_thread_exception
  for (const kind of ["async", "sync"] as const) {
    it(`an error thrown by a ${kind} function called back from the worker reaches the caller of toThread`, async () => {
      const add =
        kind === "async"
          ? async (_cx: Context, a: number, b: unknown) => {
              if (typeof b !== "number") throw new TypeError("unsupported operand type(s) for +");
              return a + b;
            }
          : (_cx: Context, a: number, b: unknown) => {
              if (typeof b !== "number") throw new TypeError("unsupported operand type(s) for +");
              return a + b;
            };
      const error = await run((cx) => toThread(cx, worker.with({ expose: { add } }), "callBack", "add", 1, "foo")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/unsupported operand type/);
    });
  }

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_anyio_async_func_from_thread
  it("fromThread can run a Skein sleep on the caller's side", async () => {
    const result = await run((cx) =>
      toThread(cx, worker.with({ expose: { sleep: (cx: Context, ms: number) => cx.sleep(ms) } }), "callBack", "sleep", 0).then(() => true),
    );
    expect(result).toBe(true);
  });

  // anyio test_from_thread.py::TestRunAsyncFromThread::test_run_async_from_unclaimed_thread and
  // TestRunSyncFromThread::test_run_sync_from_unclaimed_thread
  it("fromThread outside a toThread call is a UsageError", async () => {
    await run(async (cx) => {
      expect(() => fromThread(cx, "anything")).toThrow(UsageError);
    });
  });
});

// ---------------------------------------------------------------------------
// trio src/trio/_tests/test_threads.py (to_thread_run_sync / from_thread_run[_sync])

describe("trio test_threads.py", () => {
  // trio test_threads.py::test_do_in_trio_thread (from_thread_run_sync and from_thread_run, value and error)
  it("functions called back from the worker run on the caller's side: their values and errors reach the worker", async () => {
    const record: string[] = [];
    const exposed = worker.with({
      expose: {
        f1: () => {
          record.push("f1");
          return 2;
        },
        f2: () => {
          record.push("f2");
          throw new RangeError("f2");
        },
        f3: async (cx: Context) => {
          await cx.checkpoint();
          record.push("f3");
          return 3;
        },
        f4: async (cx: Context) => {
          await cx.checkpoint();
          record.push("f4");
          throw new TypeError("f4");
        },
      },
    });
    const outcomes = await run(async (cx) => {
      const got: unknown[] = [];
      for (const name of ["f1", "f2", "f3", "f4"]) {
        got.push(await toThread(cx, exposed, "callBack", name).then((v) => ["got", v], (e: Error) => ["error", e.name]));
      }
      return got;
    });
    expect(record).toEqual(["f1", "f2", "f3", "f4"]);
    expect(outcomes).toEqual([
      ["got", 2],
      ["error", "RangeError"],
      ["got", 3],
      ["error", "TypeError"],
    ]);
  });

  // trio test_threads.py::test_run_in_worker_thread
  it("toThread returns the function's value and raises its error", async () => {
    await run(async (cx) => {
      expect(await toThread(cx, worker, "callBack", "one").catch((e: Error) => e.name)).toBe("TypeError"); // nothing exposed
      await expect(toThread(cx, worker, "fail", "g")).rejects.toThrow(new RangeError("g"));
    });
  });

  // trio test_threads.py::test_run_in_worker_thread_cancellation (the abandon_on_cancel=False part; no abandoning in Skein)
  it("a cancelled call waits for a function that ignores cancellation; a call cancelled before it starts never runs", async () => {
    const record: string[] = [];
    const reports: string[] = [];
    await run(async (cx) => {
      const started = new Event();
      const spinning = worker.with({ expose: { started: () => started.set() } });
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          record.push("start");
          try {
            await toThread(cx, spinning, "startedThenSpin", 300);
          } finally {
            record.push("exit");
          }
        });
        await started.wait(cx);
        tg.cancelScope.cancel();
        await cx.withCancelScope({ shield: true }, async (cx) => {
          for (let i = 0; i < 10; i++) await cx.checkpoint();
        });
        // It's still running.
        expect(record).toEqual(["start"]);
      });
      expect(record).toEqual(["start", "exit"]);
      // Cancelled before it enters: the entry is itself a cancellation point.
      const scope = new CancelScope();
      scope.cancel();
      const reporting = worker.with({ expose: { report: (_cx: Context, what: string) => void reports.push(what) } });
      await cx.withCancelScope(scope, (cx) => toThread(cx, reporting, "reportRan"));
      expect(scope.cancelledCaught).toBe(true);
    });
    expect(reports).toEqual([]);
  });

  // trio test_threads.py::test_run_in_worker_thread_custom_limiter
  it("a custom limiter is asked for one token and given it back", async () => {
    const record: string[] = [];
    let borrower: object | null = null;
    const limiter: Limiter = {
      async acquireOnBehalfOf(_cx, b) {
        record.push("acquire");
        borrower = b;
      },
      releaseOnBehalfOf(b) {
        record.push("release");
        expect(b).toBe(borrower);
      },
    };
    await run((cx) => toThread(cx, worker.with({ limiter }), "ident"));
    expect(record).toEqual(["acquire", "release"]);
  });

  // trio test_threads.py::test_run_in_worker_thread_limiter_error
  it("a limiter whose release throws: the call raises that error, after the function ran", async () => {
    const record: string[] = [];
    class ValueError extends Error {}
    const limiter: Limiter = {
      async acquireOnBehalfOf() {
        record.push("acquire");
      },
      releaseOnBehalfOf() {
        record.push("release");
        throw new ValueError("release");
      },
    };
    const error = await run((cx) => toThread(cx, worker.with({ limiter }), "ident")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect(record).toEqual(["acquire", "release"]);
  });

  // trio test_threads.py::test_trio_from_thread_run_sync and ::test_trio_from_thread_run
  it("fromThread reaches the run: its clock, and an async function, in order after the worker's own step", async () => {
    const record: string[] = [];
    await run(async (cx) => {
      const time = await toThread(cx, worker.with({ expose: { now: (cx: Context) => cx.currentTime() } }), "callBack", "now");
      expect(typeof time).toBe("number");
      const back = worker.with({
        expose: {
          report: (_cx: Context, what: string) => void record.push(what === "ran" ? "in thread" : what),
        },
      });
      await toThread(cx, back, "reportRan");
      record.push("back in the run");
    });
    expect(record).toEqual(["in thread", "back in the run"]);
  });

  // trio test_threads.py::test_from_thread_host_cancelled (the sync_check part: the host is cancelled while the thread
  // runs a function that does not look at cancellation; the call returns the function's value, and the scope, with no
  // checkpoint after, catches nothing. Adapted: cancelled from the caller's side, as fromThread is itself a checkpoint
  // in the worker)
  it("a call whose function finishes after its caller's scope was cancelled returns the function's value; the scope catches nothing", async () => {
    const outcome = await run(async (cx) => {
      await toThread(cx, worker, "ident"); // the worker is loaded
      const scope = new CancelScope();
      let value: unknown = "none";
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) =>
          cx.withCancelScope(scope, async (cx) => {
            value = await toThread(cx, worker, "spin", 200);
          }),
        );
        await waitAllTasksBlocked(cx); // the call is posted and its function runs
        scope.cancel();
      });
      return [value, scope.cancelCalled, scope.cancelledCaught];
    });
    expect(outcome).toEqual(["finished", true, false]);
  });

  // trio test_threads.py::test_from_thread_host_cancelled (the async_time_bomb part)
  it("a function called back from the worker that cancels the caller's scope and then waits: the scope catches the cancellation", async () => {
    const caught = await run(async (cx) => {
      const scope = new CancelScope();
      const bombing = worker.with({
        expose: {
          timeBomb: async (cx: Context) => {
            scope.cancel();
            await cx.failAfter(10_000, (cx) => cx.sleepForever());
          },
        },
      });
      await cx.withCancelScope(scope, (cx) => toThread(cx, bombing, "callBack", "timeBomb"));
      return scope.cancelledCaught;
    });
    expect(caught).toBe(true);
  });

  // trio test_threads.py::test_recursive_to_thread
  it("a function called back from a worker can itself call toThread", async () => {
    const ids = await run(async (cx) => {
      const wide = worker.with({ limiter: new CapacityLimiter(4) });
      const reentering = wide.with({ expose: { nested: (cx: Context) => toThread(cx, wide, "ident") } });
      return [await toThread(cx, reentering, "ident"), await toThread(cx, reentering, "callBack", "nested")];
    });
    expect(ids.every((id) => typeof id === "string")).toBe(true);
  });

  // trio test_threads.py::test_reentry_doesnt_deadlock (trio GH-2827; trio loops for 2 s: here until every task has
  // done three rounds, with a generous deadline as the deadlock detector)
  it("four tasks looping toThread -> fromThread -> sleep(0) all make progress, without deadlock", async () => {
    const rounds = [0, 0, 0, 0];
    await run(async (cx) => {
      const sleeping = worker.with({ expose: { sleep: (cx: Context, ms: number) => cx.sleep(ms) } });
      await cx.failAfter(30_000, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          for (let i = 0; i < 4; i++) {
            tg.startSoon(async (cx) => {
              for (;;) {
                await toThread(cx, sleeping, "callBack", "sleep", 0);
                rounds[i]!++;
              }
            });
          }
          while (rounds.some((n) => n < 3)) await cx.sleep(10);
          tg.cancelScope.cancel();
        }),
      );
    });
    expect(rounds.every((n) => n >= 3)).toBe(true);
  });
});
