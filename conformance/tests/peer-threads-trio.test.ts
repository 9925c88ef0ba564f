// trio's src/trio/_tests/test_threads.py translated to Skein's toThread /
// fromThread, for what peer-threads.test.ts (anyio's test_to_thread.py and
// test_from_thread.py, and a first part of trio's) does not already cover.
// As there, trio's thread functions become functions of a worker module
// (conformance/fixtures/peer-threads-trio.worker.js), and what they did to
// the caller's variables they do through fromThread into functions the caller
// exposed. Each test names its source.
//
// Deliberate differences (see peer-threads.test.ts): no abandon_on_cancel (a
// cancelled call waits for its function, or retires its worker after
// cancelGrace), no shared memory (no ContextVar in the worker, no thread
// names), no trio token (fromThread finds its call through cx), fromThread
// takes sync and async functions alike, and a callback runs as a task of a
// group inside the call (trio reuses the host task): it sees the caller's
// cancel scopes and context variables all the same.
import { describe, expect, it } from "vitest";
import { type Adapter, Cancelled, CancelScope, CapacityLimiter, type Context, ContextVar, Event, fromThread, type Limiter, run, toThread, UsageError, workerModule } from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import type * as TrioWorker from "../fixtures/peer-threads-trio.worker.js";
import { countingAdapter } from "../helpers/adapters.ts";
import { errorOf } from "../helpers/peer.ts";

const worker = workerModule<typeof TrioWorker>(new URL("../fixtures/peer-threads-trio.worker.js", import.meta.url));

class ValueError extends Error {}

describe("trio test_threads.py", () => {
  // trio test_threads.py::test_do_in_trio_thread_from_trio_thread (and ::test_from_thread_inside_trio_thread,
  // ::test_from_thread_no_token: fromThread called on the caller's side, outside any worker call)
  it("test_do_in_trio_thread_from_trio_thread", async () => {
    await run(async (cx) => {
      expect(() => fromThread(cx, "anything")).toThrow(UsageError);
    });
  });

  // trio test_threads.py::test_await_in_trio_thread_while_main_exits (adapted: a Skein run cannot end under a
  // call; the caller's scope is cancelled instead, while the worker waits in a function called back on the
  // caller's side: that function is cancelled, and the worker sees Cancelled)
  it("test_await_in_trio_thread_while_main_exits", async () => {
    const record: string[] = [];
    let outcome: unknown = null;
    await run(async (cx) => {
      const sleeping = new Event();
      const waiting = worker.with({
        expose: {
          sleepForever: async (cx: Context) => {
            record.push("sleeping");
            sleeping.set();
            await cx.sleepForever();
          },
          report: (_cx: Context, what: string) => void record.push(what),
        },
      });
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          outcome = await toThread(cx, waiting, "callBackReportingCancel", "sleepForever").catch((e: unknown) => e);
        });
        await sleeping.wait(cx);
        expect(record).toEqual(["sleeping"]);
        tg.cancelScope.cancel();
      });
    });
    expect(record).toEqual(["sleeping", "cancelled"]);
    expect(outcome).toBeInstanceOf(Cancelled);
  });

  // trio test_threads.py::test_run_in_worker_thread_limiter[MAX][cancel][use_default_limiter]
  // (adapted: cancel=True is abandon_on_cancel, which Skein has not: each thread function cancels its caller's
  // scope, as trio's does in both variants, and goes on regardless; the default limiter is the pool's, one
  // token per hardware thread, set to MAX by an adapter that reports MAX hardware threads)
  for (const useDefaultLimiter of [false, true]) {
    for (const MAX of [3, 5, 10]) {
      it(`test_run_in_worker_thread_limiter[MAX=${MAX}, use_default_limiter=${useDefaultLimiter}]`, async () => {
        const COUNT = 2 * MAX;
        const state = { ran: 0, highWater: 0, running: 0, parked: 0 };
        const custom = useDefaultLimiter ? undefined : new CapacityLimiter(MAX);
        const { adapter } = countingAdapter(useDefaultLimiter ? MAX : undefined);
        const results: unknown[] = [];
        await run(
          async (cx) => {
            const gate = new Event();
            const allParked = new Event();
            await cx.taskGroup(async (tg, cx) => {
              for (let i = 0; i < COUNT; i++) {
                const scope = new CancelScope();
                const threadFn = worker.with({
                  ...(custom === undefined ? {} : { limiter: custom }),
                  cancelGrace: 60_000,
                  expose: {
                    cancelScope: () => scope.cancel(),
                    enter: () => {
                      state.ran++;
                      state.running++;
                      state.highWater = Math.max(state.highWater, state.running);
                      if (++state.parked === MAX) allParked.set();
                    },
                    waitGate: (cx: Context) => cx.withCancelScope({ shield: true }, (cx) => gate.wait(cx)),
                    leave: () => {
                      state.parked--;
                      state.running--;
                    },
                  },
                });
                tg.startSoon((cx) => cx.withCancelScope(scope, async (cx) => void results.push(await toThread(cx, threadFn, "limiterThread"))));
                await waitAllTasksBlocked(cx);
              }
              // The first MAX are parked at the gate, the next MAX wait for a token: nobody sneaks past.
              await allParked.wait(cx);
              await waitAllTasksBlocked(cx);
              if (custom !== undefined) {
                while (custom.statistics().waiting !== MAX) await cx.sleep(5);
              }
              expect(state.parked).toBe(MAX);
              expect(state.ran).toBe(MAX);
              gate.set();
            });
          },
          { adapter },
        );
        expect(state.highWater).toBe(MAX);
        expect(state.ran).toBe(COUNT);
        expect(state.running).toBe(0);
        expect(results).toEqual(new Array(COUNT).fill("ran"));
        if (custom !== undefined) expect(custom.borrowedTokens).toBe(0);
      });
    }
  }

  // trio test_threads.py::test_run_in_worker_thread_limiter_error (the second part; the first is in
  // peer-threads.test.ts): the function failed and the limiter's release failed too. trio raises the release
  // error with the function's as its __context__; JavaScript has no implicit chaining, so Skein keeps both
  // in one AggregateError, function's error first (as a StapledByteStream's close does), none lost.
  it("test_run_in_worker_thread_limiter_error", async () => {
    const record: string[] = [];
    const limiter: Limiter = {
      async acquireOnBehalfOf() {
        record.push("acquire");
      },
      releaseOnBehalfOf() {
        record.push("release");
        throw new ValueError("release");
      },
    };
    const error = await errorOf(run((cx) => toThread(cx, worker.with({ limiter }), "fail", "x")));
    expect(error).toBeInstanceOf(AggregateError);
    const errors = (error as AggregateError).errors;
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect((errors[0] as Error).message).toBe("x");
    expect(errors[1]).toBeInstanceOf(ValueError);
    expect(record).toEqual(["acquire", "release"]);
  });

  // trio test_threads.py::test_run_in_worker_thread_fail_to_spawn (adapted: an adapter whose spawn throws)
  it("test_run_in_worker_thread_fail_to_spawn", async () => {
    const base = countingAdapter(1).adapter;
    const adapter: Adapter = {
      ...base,
      workers: {
        hardwareConcurrency: () => 1,
        spawn() {
          throw new Error("the engines canna take it captain");
        },
      },
    };
    const limiter = new CapacityLimiter(1);
    const errors = await run(
      async (cx) => {
        const got: unknown[] = [];
        // The default limiter (one token): a second call would wait forever if the first kept its token.
        for (let i = 0; i < 2; i++) got.push(await errorOf(toThread(cx, worker, "echo", i)));
        got.push(await errorOf(toThread(cx, worker.with({ limiter }), "echo", 2)));
        return got;
      },
      { adapter },
    );
    for (const e of errors) expect((e as Error).message).toMatch(/engines/);
    expect(limiter.borrowedTokens).toBe(0);
  });

  // trio test_threads.py::test_trio_to_thread_run_sync_expected_error (adapted: the wrong kind of callable is a
  // name that is not a function of the module)
  it("test_trio_to_thread_run_sync_expected_error", async () => {
    const error = await errorOf(run((cx) => toThread(cx, workerModule(worker.url), "notAFunction")));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/notAFunction/);
  });

  // trio test_threads.py::test_trio_from_thread_run_sync_contextvars and ::test_trio_from_thread_run_contextvars
  // (adapted: the worker shares no memory, so no ContextVar reaches it; the function called back runs on the
  // caller's side, sees the caller's value, and what it sets there does not leak back into the caller)
  for (const kind of ["sync", "async"] as const) {
    it(`test_trio_from_thread_run${kind === "sync" ? "_sync" : ""}_contextvars`, async () => {
      const v = new ContextVar<string>("trio_test_contextvar", "unset");
      const [inside, after] = await run(async (cx) => {
        v.set(cx, "main");
        const body = (cx: Context) => {
          const parent = v.get(cx);
          v.set(cx, "back_in_main");
          return [parent, v.get(cx)];
        };
        const backInMain = kind === "sync" ? body : async (cx: Context) => (await cx.checkpoint(), body(cx));
        const inside = await toThread(cx, worker.with({ expose: { backInMain } }), "callBack", "backInMain");
        return [inside, v.get(cx)];
      });
      expect(inside).toEqual(["main", "back_in_main"]);
      expect(after).toBe("main");
    });
  }

  // trio test_threads.py::test_from_thread_host_cancelled (the first step of sync_check, abandon_on_cancel=False:
  // a function called back from the worker cancels the caller's scope and returns; it ran to its end, so the
  // worker's fromThread returns normally (trio: "sync functions don't raise Cancelled"), the worker function
  // returns with no checkpoint after, the call returns its value and the scope catches nothing)
  it("test_from_thread_host_cancelled", async () => {
    const outcome = await run(async (cx) => {
      const scope = new CancelScope();
      const cancelling = worker.with({ expose: { cancel: () => scope.cancel() } });
      let value: unknown = "none";
      await cx.withCancelScope(scope, async (cx) => {
        value = await toThread(cx, cancelling, "callBackThenReturn", "cancel");
      });
      return [value, scope.cancelCalled, scope.cancelledCaught];
    });
    expect(outcome).toEqual(["returned", true, false]);
  });

  // trio test_threads.py::test_from_thread_host_cancelled (sync_check and async_check, abandon_on_cancel=False;
  // adapted: the second call back is shielded in the worker, where fromThread is itself a checkpoint): after the
  // caller's scope was cancelled, a function called back runs on the caller's side all the same; a sync one, or an
  // async one with no checkpoint, returns its value; one that reaches a checkpoint raises Cancelled
  for (const kind of ["sync", "async without checkpoint", "async with a checkpoint"] as const) {
    it(`test_from_thread_host_cancelled[${kind}]`, async () => {
      const outcome = await run(async (cx) => {
        const scope = new CancelScope();
        const check =
          kind === "sync" ? () => true : kind === "async without checkpoint" ? async () => true : async (cx: Context) => (await cx.checkpoint(), true);
        const checking = worker.with({ expose: { cancel: () => scope.cancel(), check } });
        let value: unknown = "none";
        await cx.withCancelScope(scope, async (cx) => {
          value = await toThread(cx, checking, "cancelThenCall", "cancel", "check");
        });
        return [value, scope.cancelledCaught];
      });
      expect(outcome).toEqual(kind === "async with a checkpoint" ? ["Cancelled", false] : [true, false]);
    });
  }

  // (the other side of test_from_thread_host_cancelled: a fromThread cancelled by the worker's own scope, not by
  // the caller, raises Cancelled at once, without waiting for the function called back; and that function, which
  // the worker gave up on, is cancelled once the worker function has returned: a trio thread cannot walk away
  // from from_thread_run, so nothing waits on such a callback, and the call must not wait for it either. The
  // deadline only detects the hang)
  it("test_from_thread_host_cancelled[cancelled in the worker]", async () => {
    const record: string[] = [];
    const value = await run(async (cx) => {
      const forever = worker.with({
        expose: {
          slow: async (cx: Context) => {
            record.push("slow started");
            try {
              await cx.sleepForever();
            } finally {
              record.push(`slow ended, cancelled=${cx.isCancelled}`);
            }
          },
        },
      });
      const r = await cx.moveOnAfter(10_000, (cx) => toThread(cx, forever, "callBackCancelledLocally", "slow"));
      return [r.value, r.scope.cancelCalled];
    });
    expect(value).toEqual(["cancelled", false]);
    expect(record).toEqual(["slow started", "slow ended, cancelled=true"]);
  });

  // trio test_threads.py::test_from_thread_check_cancelled (the base case and the abandon_on_cancel=False case;
  // the abandon_on_cancel=True case is a deliberate difference)
  for (const cancel of [false, true]) {
    it(`test_from_thread_check_cancelled[${cancel ? "cancelled, abandon_on_cancel=False" : "base case"}]`, async () => {
      const record: string[] = [];
      const q: string[] = [];
      const scope = new CancelScope();
      await run(async (cx) => {
        const ev = new Event();
        const reported = new Event();
        const f = worker.with({
          expose: {
            report: (_cx: Context, what: string) => {
              q.push(what);
              reported.set();
            },
            waitEvent: (cx: Context) => cx.withCancelScope({ shield: true }, (cx) => ev.wait(cx)),
          },
        });
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) =>
            cx.withCancelScope(scope, async (cx) => {
              record.push("start");
              try {
                await toThread(cx, f, "checkWaitCheck");
              } catch (e) {
                if (e instanceof Cancelled) record.push("cancel");
                throw e;
              } finally {
                record.push("exit");
              }
            }),
          );
          await reported.wait(cx);
          expect(record[0]).toBe("start");
          expect(q).toEqual(["Not Cancelled"]);
          if (cancel) scope.cancel();
          ev.set();
        });
      });
      expect(scope.cancelledCaught).toBe(cancel);
      expect(record).toEqual(cancel ? ["start", "cancel", "exit"] : ["start", "exit"]);
    });
  }
});
