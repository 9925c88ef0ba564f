// anyio's own tests of its concurrency utilities (tests/test_concurrency_utilities.py:
// gather, as_completed, amap) translated to Skein's gather and asCompleted.
// Each test names its source.
//
// Deliberate differences, adapted: jobs are functions of a context (anyio
// takes coroutines); one failure leaves as itself, not in a group (anyio's
// ExceptionGroup); asCompleted runs in a task group the caller passes (the
// group owns the jobs) and yields `{ index, value }`; an empty asCompleted
// ends at once (asyncio's as_completed([])) instead of anyio's ValueError.
// Skein has no amap: its tests run as gather over mapped jobs, which is what
// amap is. Left out: anyio's test_bounded_task_groups.py (no bounded task
// group: a CapacityLimiter held in the task is Skein's way), test_futures.py
// (no Future: a Promise, or an Event with a value), test_itertools.py and
// test_functools.py (no async itertools, cache, lru_cache or reduce).
import { describe, expect, it } from "vitest";
import { asCompleted, type Context, Event, gather, run, TaskGroupError, wait } from "skein";
import { errorOf } from "../helpers/peer.ts";

class ValueError extends Error {}

describe("anyio test_concurrency_utilities.py", () => {
  // anyio test_concurrency_utilities.py::test_gather_results_in_order
  it("test_gather_results_in_order", async () => {
    // Chain events so the jobs complete in reverse order (3, 2, 1).
    const finished: number[] = [];
    const results = await run((cx) => {
      const events = [new Event(), new Event(), new Event()];
      events[2]!.set();
      const returnWhen = (value: number) => async (cx: Context) => {
        await events[value - 1]!.wait(cx);
        if (value > 1) events[value - 2]!.set();
        finished.push(value);
        return value;
      };
      return gather(cx, [returnWhen(1), returnWhen(2), returnWhen(3)] as const);
    });
    expect(finished).toEqual([3, 2, 1]);
    expect(results).toEqual([1, 2, 3]);
  });

  // anyio test_concurrency_utilities.py::test_gather_propagates_exception
  // (adapted: one failure is thrown as itself, where anyio raises a group of one)
  it("test_gather_propagates_exception", async () => {
    const error = await errorOf(
      run((cx) =>
        gather(cx, [
          async () => 1,
          async () => {
            throw new ValueError("boom");
          },
        ]),
      ),
    );
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toBe("boom");
  });

  // anyio test_concurrency_utilities.py::test_as_completed_ordering
  it("test_as_completed_ordering", async () => {
    const results = await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const events = new Map([1, 2, 3].map((v) => [v, new Event()]));
        // Chain completions to occur in the order 2 -> 3 -> 1.
        const triggers = new Map<number, Event | null>([
          [2, events.get(3)!],
          [3, events.get(1)!],
          [1, null],
        ]);
        events.get(2)!.set();
        const returnWhen = (value: number) => async (cx: Context) => {
          await events.get(value)!.wait(cx);
          triggers.get(value)?.set();
          return value;
        };
        const results: number[] = [];
        for await (const r of asCompleted(cx, tg, [returnWhen(1), returnWhen(2), returnWhen(3)])) results.push(r.value);
        return results;
      }),
    );
    expect(results).toEqual([2, 3, 1]);
  });

  // anyio test_concurrency_utilities.py::test_as_completed_naming
  // (adapted: each job's task is named after the job function, not after the
  // wrapper that runs it, so two jobs' tasks have different names)
  it("test_as_completed_naming", async () => {
    const names = await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const names: string[] = [];
        async function checkpointJob(cx: Context) {
          names.push(cx.taskName);
          await cx.checkpoint();
          return 0;
        }
        async function getAnswer(cx: Context) {
          names.push(cx.taskName);
          return 42;
        }
        for await (const _ of asCompleted(cx, tg, [checkpointJob, getAnswer]));
        return names.sort();
      }),
    );
    expect(names).toEqual(["checkpointJob", "getAnswer"]);
    expect(names![0]).not.toBe(names![1]);
  });

  // gather's and wait's jobs are named the same way (the same question, asked of them)
  it("test_as_completed_naming, for gather's and wait's jobs", async () => {
    const names = await run(async (cx) => {
      async function first(cx: Context) {
        return cx.taskName;
      }
      async function second(cx: Context) {
        return cx.taskName;
      }
      const waited = await wait(cx, [first, second]);
      return [await gather(cx, [first, second] as const), waited.done.map((o) => (o.status === "fulfilled" ? o.value : o.reason)).sort()];
    });
    expect(names).toEqual([
      ["first", "second"],
      ["first", "second"],
    ]);
  });

  // anyio test_concurrency_utilities.py::test_as_completed_no_coroutines
  // (adapted: asyncio's as_completed([]) yields nothing; anyio raises ValueError)
  it("test_as_completed_no_coroutines", async () => {
    const seen = await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const seen: unknown[] = [];
        for await (const r of asCompleted(cx, tg, [])) seen.push(r);
        return seen;
      }),
    );
    expect(seen).toEqual([]);
  });

  // anyio test_concurrency_utilities.py::test_as_completed_propagates_exception
  // (adapted: the one failure leaves the group as itself; the loop, run with
  // the group's context, is cancelled)
  it("test_as_completed_propagates_exception", async () => {
    const record: string[] = [];
    const error = await errorOf(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          const succeed = async (cx: Context) => {
            try {
              await new Event().wait(cx);
              return 1;
            } finally {
              record.push(`succeed ended, cancelled=${cx.isCancelled}`);
            }
          };
          const fail = async () => {
            throw new ValueError("boom");
          };
          try {
            for await (const _ of asCompleted(cx, tg, [succeed, fail])) record.push("result");
          } catch (e) {
            record.push(`loop: ${(e as Error).name}`);
            throw e;
          }
        }),
      ),
    );
    expect(error).toBeInstanceOf(ValueError);
    expect(error).not.toBeInstanceOf(TaskGroupError);
    expect((error as Error).message).toBe("boom");
    expect(record).toEqual(["succeed ended, cancelled=true", "loop: Cancelled"]);
  });

  // anyio test_concurrency_utilities.py::test_as_completed_early_exit
  it("test_as_completed_early_exit", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const returnNow = async () => 1;
        const never = async (cx: Context) => {
          try {
            await new Event().wait(cx);
            return 2;
          } finally {
            record.push(`never ended, cancelled=${cx.isCancelled}`);
          }
        };
        // Exiting after the first result must cancel the unfinished job.
        const it = asCompleted(cx, tg, [returnNow, never]);
        const first = await it.next();
        expect(first).toEqual({ done: false, value: { index: 0, value: 1 } });
        await it.return();
        record.push("returned");
      }),
    );
    expect(record).toEqual(["never ended, cancelled=true", "returned"]);
  });

  // anyio test_concurrency_utilities.py::test_map_results_ordering
  // (adapted: Skein has no amap; gather over the mapped jobs is its equivalent)
  it("test_map_results_ordering", async () => {
    const results = await run((cx) => {
      const events = [new Event(), new Event(), new Event()];
      events[2]!.set();
      const double = async (cx: Context, value: number) => {
        await events[value - 1]!.wait(cx);
        if (value > 1) events[value - 2]!.set();
        return value * 2;
      };
      return gather(
        cx,
        [1, 2, 3].map((v) => (cx: Context) => double(cx, v)),
      );
    });
    expect(results).toEqual([2, 4, 6]);
  });

  // anyio test_concurrency_utilities.py::test_map_empty_args (adapted as above)
  it("test_map_empty_args", async () => {
    const double = async (_cx: Context, value: number) => value * 2;
    const results = await run((cx) => gather(cx, ([] as number[]).map((v) => (cx: Context) => double(cx, v))));
    expect(results).toEqual([]);
  });

  // anyio test_concurrency_utilities.py::test_map_propagates_exception
  // (adapted as above; the one failure leaves as itself)
  it("test_map_propagates_exception", async () => {
    const fail = async (_cx: Context, value: number) => {
      if (value === 2) throw new ValueError("boom");
      return value;
    };
    const error = await errorOf(run((cx) => gather(cx, [1, 2, 3].map((v) => (cx: Context) => fail(cx, v)))));
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toBe("boom");
  });
});
