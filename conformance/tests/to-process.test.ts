// toProcess: worker-module calls in a pool of child processes of the same
// runtime, with the thread pool's limiter, cancellation, crash recovery and
// idle reaping. Browsers assert the named UnsupportedError in every case.
import { describe, expect, it } from "vitest";
import {
  Cancelled,
  type CancelScope,
  CapacityLimiter,
  type Context,
  run,
  toProcess,
  UnsupportedError,
  WorkerCrashedError,
  workerModule,
} from "skein";
import type * as ProcessWorker from "../fixtures/process.worker.js";
import { hasProcesses, pidExists } from "./process-helpers.ts";

const url = new URL("../fixtures/process.worker.js", import.meta.url);
const worker = workerModule<typeof ProcessWorker>(url);

/** This process's pid (Deno has `process` too, but say it its own way there). */
const ownPid = (): number => {
  const g = globalThis as { Deno?: { pid: number }; process?: { pid: number } };
  return g.Deno?.pid ?? g.process!.pid;
};

/** Polls until `pid` is gone (bounded); returns whether it went. */
async function gone(cx: Context, pid: number): Promise<boolean> {
  for (let i = 0; i < 250 && pidExists(pid); i++) await cx.sleep(20);
  return !pidExists(pid);
}

/** Runs `body` where worker processes exist; elsewhere asserts the UnsupportedError naming toProcess. */
function processTest(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    const error = await run((cx) => toProcess(cx, worker, "pid")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("toProcess: the browser adapter has no worker processes");
  });
}

/** Callbacks for fromThread: `started` records pids and runs `onStart`, `report` records text. */
function recorder(onStart: (pid: number) => void = () => {}) {
  const pids: number[] = [];
  const reports: string[] = [];
  const expose = {
    started: async (_cx: Context, pid: number) => {
      pids.push(pid);
      onStart(pid);
    },
    report: async (_cx: Context, text: string) => {
      reports.push(text);
    },
  };
  return { pids, reports, expose };
}

describe("toProcess", () => {
  processTest("a round trip returns the function's value, computed in another process", async (cx) => {
    const pid = await toProcess(cx, worker, "pid");
    expect(typeof pid).toBe("number");
    expect(pid).not.toBe(ownPid());
    expect(pidExists(pid)).toBe(true);
    // The same idle process serves the next call.
    expect(await toProcess(cx, worker, "pid")).toBe(pid);
  });

  processTest("arguments and results are structured-cloned (a Map, a Uint8Array)", async (cx) => {
    const sent = { map: new Map<string, number[]>([["a", [1, 2]]]), bytes: new Uint8Array([1, 2, 255]) };
    const back = await toProcess(cx, worker, "echo", sent);
    expect(back.isMap).toBe(true);
    expect(back.isBytes).toBe(true);
    expect(back.value.map).toBeInstanceOf(Map);
    expect([...back.value.map]).toEqual([["a", [1, 2]]]);
    expect(back.value.bytes).toBeInstanceOf(Uint8Array);
    expect([...back.value.bytes]).toEqual([1, 2, 255]);
  });

  processTest("an error thrown in the child arrives with its class name, message and cause", async (cx) => {
    const error = await toProcess(cx, worker, "fail", "boom").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).name).toBe("RangeError");
    expect((error as Error).message).toBe("boom");
    expect(((error as Error).cause as Error).message).toBe("inner cause");
  });

  processTest("an argument or a result that cannot be cloned is a TypeError, and the process serves the next call", async (cx) => {
    const first = await toProcess(cx, worker, "pid");
    const error = await toProcess(cx, worker, "nonClonable").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/the result of "nonClonable" cannot be sent back from the worker/);
    const sent = await toProcess(cx, worker, "echo", (() => 1) as never).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(TypeError);
    expect((sent as Error).message).toMatch(/an argument of "echo" cannot be sent to a worker/);
    expect(await toProcess(cx, worker, "pid")).toBe(first);
  });

  processTest("a process that exits fails its call with WorkerCrashedError naming the code; the next call gets a fresh process", async (cx) => {
    const first = await toProcess(cx, worker, "pid");
    const error = await toProcess(cx, worker, "exit").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(/worker process for .*process\.worker\.js exited with code 3$/);
    expect(await gone(cx, first)).toBe(true);
    const second = await toProcess(cx, worker, "pid");
    expect(second).not.toBe(first);
    expect(pidExists(second)).toBe(true);
  });

  processTest("a cooperative function sees its cancellation (its signal aborts) and its process is reused", async (cx) => {
    let cancel = () => {};
    const { pids, reports, expose } = recorder(() => cancel());
    await cx.withCancelScope({}, async (cx) => {
      cancel = () => cx.cancelScope.cancel();
      await toProcess(cx, worker.with({ expose }), "cooperative");
    });
    expect(reports).toEqual(["signal aborted: true"]);
    expect(pids).toHaveLength(1);
    expect(pidExists(pids[0]!)).toBe(true);
    expect(await toProcess(cx, worker, "pid")).toBe(pids[0]);
  });

  processTest("a function that ignores cancellation is killed after cancelGrace: its pid is gone", async (cx) => {
    let cancel = () => {};
    const { pids, expose } = recorder(() => cancel());
    let scope: CancelScope | undefined;
    await cx.withCancelScope({}, async (cx) => {
      scope = cx.cancelScope;
      cancel = () => cx.cancelScope.cancel();
      await toProcess(cx, worker.with({ expose, cancelGrace: 100 }), "stubborn", 600_000);
    });
    expect(scope!.cancelledCaught).toBe(true);
    expect(pids).toHaveLength(1);
    // The call returned only once the process was killed and reaped.
    expect(pidExists(pids[0]!)).toBe(false);
    const next = await toProcess(cx, worker, "pid");
    expect(next).not.toBe(pids[0]);
  });

  it("no worker process is left after the run, even ones busy when it ends", async () => {
    if (!hasProcesses) {
      const error = await run((cx) => toProcess(cx, worker, "pid")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      return;
    }
    const { pids, expose } = recorder();
    const idle = await run(async (cx) => {
      const idle = await toProcess(cx, worker, "pid");
      // Two calls busy when the run is cancelled: each runs in a process of its own.
      await cx.moveOnAfter(60_000, (cx) =>
        cx.taskGroup(async (tg, cx) => {
          const limiter = new CapacityLimiter(2);
          const busy = worker.with({ expose, limiter, cancelGrace: 50 });
          tg.startSoon((cx) => toProcess(cx, busy, "hold", 600_000));
          tg.startSoon((cx) => toProcess(cx, busy, "hold", 600_000));
          while (pids.length < 2) await cx.sleep(10);
          cx.cancelScope.cancel();
        }),
      );
      return idle;
    });
    expect(pids).toHaveLength(2);
    for (const pid of [idle, ...pids]) expect(pidExists(pid)).toBe(false);
  });

  processTest("a limiter bounds how many calls run at once", async (cx) => {
    let running = 0;
    let peak = 0;
    const expose = {
      started: async () => {
        running++;
        peak = Math.max(peak, running);
      },
    };
    const limited = worker.with({ expose, limiter: new CapacityLimiter(1) });
    const pids = await cx.taskGroup(async (tg) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        tg.startSoon(async (cx) => {
          out.push(await toProcess(cx, limited, "hold", 20));
          running--;
        });
      }
      return out;
    });
    expect(peak).toBe(1);
    expect(pids).toHaveLength(3);
  });

  processTest("an idle process is reaped after idleTimeout; the next call starts a fresh one", async (cx) => {
    const quick = worker.with({ idleTimeout: 50 });
    const first = await toProcess(cx, quick, "pid");
    expect(await gone(cx, first)).toBe(true);
    const second = await toProcess(cx, quick, "pid");
    expect(second).not.toBe(first);
  });

  processTest("cancelled before it starts, the call throws Cancelled", async (cx) => {
    await cx.withCancelScope({}, async (cx) => {
      cx.cancelScope.cancel();
      await expect(toProcess(cx, worker, "pid")).rejects.toBeInstanceOf(Cancelled);
    });
  });

  it("rejects bad input", async () => {
    await run(async (cx) => {
      expect(() => toProcess(cx, {} as typeof worker, "pid")).toThrow(/module must be a WorkerModule/);
      expect(() => toProcess(cx, worker, 3 as unknown as "pid")).toThrow(/name must be a string/);
    });
  });
});
