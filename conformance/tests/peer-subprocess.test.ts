// trio's src/trio/_tests/test_subprocess.py (the parts peer-process.test.ts
// does not already translate: its tests are the open_process variants) and
// anyio's tests/test_to_process.py, translated to Skein's runProcess /
// openProcess and toProcess. Children are real processes of the suite's own
// runtime (conformance/fixtures/peer-child.mjs, peer-subprocess-child.mjs and
// peer-subprocess.worker.js) in place of `python -c`. Browsers have no
// subprocesses: there every test asserts the named UnsupportedError instead,
// under the same name. Each test names its source.
//
// Deliberate differences (see docs/guide.md "Subprocesses"): runProcess has no
// nursery.start form (trio's "run_process in nursery" variants are openProcess
// in a task: peer-process.test.ts); its stdout/stderr "pipe" is capture (trio's
// capture_stdout), so trio's "PIPE is only valid with nursery.start" and "can't
// specify both" errors have no counterpart; text input is UTF-8 (trio: a
// UnicodeError); stderr=STDOUT is the shell's `2>&1`; deliver_cancel is
// terminateGrace; Skein warns about nothing (trio's RuntimeWarnings).
import { describe, expect, inject, it } from "vitest";
import {
  BufferedByteReceiveStream,
  Cancelled,
  type Context,
  EndOfStream,
  openProcess,
  ProcessError,
  run,
  runProcess,
  toProcess,
  UnsupportedError,
  workerModule,
} from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import type * as PeerWorker from "../fixtures/peer-subprocess.worker.js";

const runtime = inject("runtime");
const hasProcesses = runtime !== "chromium";
const execPath = (globalThis as { process?: { execPath?: string } }).process?.execPath ?? "";
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null): string => (b === null ? "(null)" : new TextDecoder().decode(b));

/** The argv that runs `fixture` (in conformance/fixtures) in `mode` with this runtime. */
function childOf(fixture: string, mode: string, ...args: string[]): string[] {
  const script = decodeURIComponent(new URL(`../fixtures/${fixture}`, import.meta.url).pathname);
  const prefix = runtime === "deno" ? [execPath, "run", "-A", "--no-config"] : [execPath];
  return [...prefix, script, mode, ...args];
}
const child = (mode: string, ...args: string[]): string[] => childOf("peer-child.mjs", mode, ...args);

/** One shell command line for `argv` (each word single-quoted). */
function shellLine(argv: string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** Reads `stream` to its end. */
async function readAll(cx: Context, stream: { receive(cx: Context): Promise<Uint8Array> }): Promise<string> {
  let all = "";
  for (;;) {
    try {
      all += str(await stream.receive(cx));
    } catch (error) {
      if (error instanceof EndOfStream) return all;
      throw error;
    }
  }
}

/** Runs `body` where subprocesses exist; elsewhere asserts the named UnsupportedError. */
function processIt(name: string, body: (cx: Context) => Promise<void>, options?: { clock?: MockClock }): void {
  it(name, async () => {
    if (hasProcesses) return run(body, options);
    const error = await run((cx) => runProcess(cx, ["true"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("subprocesses are not supported on the browser adapter");
  });
}

describe("trio test_subprocess.py", () => {
  // trio test_subprocess.py::test_basic[run_process in nursery] (runProcess with check false returns the status)
  processIt("runProcess without check returns the exit status: 0, then 1", async (cx) => {
    for (const code of [0, 1]) {
      const result = await runProcess(cx, child("exit", String(code)), { check: false });
      expect([result.returnCode, result.signal]).toEqual([code, null]);
    }
  });

  // trio test_subprocess.py::test_run and test_run_check (`result.args == CAT`: the result names its command, as
  // ProcessError does)
  processIt("runProcess's result names the command it ran, argv or shell line", async (cx) => {
    const argv = child("cat");
    expect((await runProcess(cx, argv, { input: "x" })).command).toEqual(argv);
    const failing = child("stderr-test-exit-1");
    expect((await runProcess(cx, failing, { check: false })).command).toEqual(failing);
    const line = `${shellLine(child("exit", "0"))}`;
    expect((await runProcess(cx, line, { shell: true })).command).toBe(line);
  });

  // trio test_subprocess.py::test_stderr_stdout (stderr=STDOUT is the shell's 2>&1 here)
  processIt("stderr into stdout: one stream with both, through the shell's 2>&1", async (cx) => {
    const line = `${shellLine(child("copy-both"))} 2>&1`;
    {
      await using proc = await openProcess(cx, line, { shell: true });
      await proc.stdin!.send(cx, text("1234"));
      await proc.stdin!.close();
      let out = "";
      let err = "";
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => void (out = await readAll(cx, proc.stdout!)));
        tg.startSoon(async (cx) => void (err = await readAll(cx, proc.stderr!)));
      });
      expect([out, err]).toEqual(["12344321", ""]);
      expect(await proc.wait(cx)).toBe(0);
    }
    // the equivalent with runProcess
    const result = await runProcess(cx, line, { shell: true, input: "1234", stderr: "ignore" });
    expect([result.returnCode, str(result.stdout), result.stderr]).toEqual([0, "12344321", null]);
    // stderr=STDOUT where stdout is not redirected: both go to the parent's
    const inherited = await runProcess(cx, `${shellLine(child("cat"))} 2>&1`, { shell: true, input: "", stdout: "inherit" });
    expect([inherited.returnCode, inherited.stdout]).toEqual([0, null]);
  });

  // trio test_subprocess.py::test_run (the invalid combinations that have a Skein counterpart, and text input)
  processIt("runProcess: stdin cannot be a pipe nor given with input (TypeError); text input is sent as UTF-8", async (cx) => {
    await expect(runProcess(cx, child("cat"), { stdin: "pipe" as "ignore" })).rejects.toThrow(
      new TypeError(`options.stdin must be "ignore" or "inherit", got "pipe"`),
    );
    await expect(runProcess(cx, child("cat"), { input: "x", stdin: "ignore" })).rejects.toThrow(
      new TypeError("options.stdin cannot be given with options.input"),
    );
    const result = await runProcess(cx, child("cat"), { input: "oh no, it's text: é" });
    expect(str(result.stdout)).toBe("oh no, it's text: é");
  });

  // trio test_subprocess.py::test_run_check (the first half: stdout not captured is null in the error)
  processIt("runProcess check with stdout not captured: ProcessError with the command, the code, stderr, and stdout null", async (cx) => {
    const cmd = child("stderr-test-exit-1");
    const error = await runProcess(cx, cmd, { stdout: "ignore" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    const e = error as ProcessError;
    expect([e.command, e.returnCode, e.signal, str(e.stderr), e.stdout]).toEqual([cmd, 1, null, "test\n", null]);
  });

  // trio test_subprocess.py::test_custom_deliver_cancel (Skein's deliver_cancel is fixed: SIGTERM, terminateGrace ms,
  // SIGKILL; what carries over: the child gets SIGTERM first, and it has exited before the cancelled wait returns)
  processIt("a cancelled wait delivers SIGTERM first: the child's handler runs, and it has exited when the group ends", async (cx) => {
    await using proc = await openProcess(cx, child("term-exits-2"));
    const line = await new BufferedByteReceiveStream(proc.stdout!).receiveUntil(cx, text("\n"), 100);
    expect(str(line)).toBe("ready");
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => proc.wait(cx));
      await waitAllTasksBlocked(cx);
      tg.cancelScope.cancel();
    });
    expect([proc.returnCode, proc.signal]).toEqual([2, null]);
  });

  // trio test_subprocess.py::test_warn_on_cancel_SIGKILL_escalation (virtual time: the 5000 ms grace passes at once;
  // Skein does not warn, the observable part is the escalation)
  processIt(
    "a child that ignores SIGTERM is killed with SIGKILL once the grace period has passed",
    async (cx) => {
      await using proc = await openProcess(cx, childOf("peer-subprocess-child.mjs", "ignore-term"));
      const line = await new BufferedByteReceiveStream(proc.stdout!).receiveUntil(cx, text("\n"), 100);
      expect(str(line)).toBe("ready");
      const started = cx.currentTime();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => proc.wait(cx));
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      });
      expect([proc.returnCode, proc.signal]).toEqual([null, "SIGKILL"]);
      expect(cx.currentTime() - started).toBeGreaterThanOrEqual(5000); // virtual ms: the grace was waited out
    },
    { clock: new MockClock({ autojumpThreshold: 0 }) },
  );
});

// ---------------------------------------------------------------------------
// anyio tests/test_to_process.py

const worker = workerModule<typeof PeerWorker>(new URL("../fixtures/peer-subprocess.worker.js", import.meta.url));
const ownPid = (): number => {
  const g = globalThis as { Deno?: { pid: number }; process?: { pid: number } };
  return g.Deno?.pid ?? g.process!.pid;
};

/** Runs `body` where worker processes exist; elsewhere asserts the UnsupportedError naming toProcess. */
function toProcessIt(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    const error = await run((cx) => toProcess(cx, worker, "pid")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("toProcess: the browser adapter has no worker processes");
  });
}

describe("anyio test_to_process.py", () => {
  // anyio test_to_process.py::test_run_sync_in_process_pool
  toProcessIt("the function runs in another process, the same one for both calls", async (cx) => {
    const workerPid = await toProcess(cx, worker, "pid");
    expect(workerPid).not.toBe(ownPid());
    expect(await toProcess(cx, worker, "pid")).toBe(workerPid);
  });

  // anyio test_to_process.py::test_partial (no keyword arguments in JavaScript: an options object stands for them)
  toProcessIt("arguments reach the function, an options object included", async (cx) => {
    expect(await toProcess(cx, worker, "sorted", ["a", "b"], { reverse: true })).toEqual(["b", "a"]);
  });

  // anyio test_to_process.py::test_exception (int("a") -> ValueError; BigInt("a") -> SyntaxError)
  toProcessIt("an error raised in the process arrives as its class with its message", async (cx) => {
    const error = await toProcess(cx, worker, "toBigInt", "a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toMatch(/a/);
    expect(await toProcess(cx, worker, "toBigInt", "12")).toBe("12");
  });

  // anyio test_to_process.py::test_print
  toProcessIt("printing in the process does not disturb the calls: the same process serves them all", async (cx) => {
    const workerPid = await toProcess(cx, worker, "pid");
    await toProcess(cx, worker, "print", "hello");
    await toProcess(cx, worker, "print", "world");
    expect(await toProcess(cx, worker, "pid")).toBe(workerPid);
  });

  // anyio test_to_process.py::test_cancel_before (anyio checks no worker was reserved; observable here: the function
  // never ran, and the call raised Cancelled)
  toProcessIt("a call made in a cancelled scope raises Cancelled and never runs the function", async (cx) => {
    let started = 0;
    const counted = worker.with({ expose: { started: async () => void started++ } });
    await cx.withCancelScope({}, async (cx) => {
      cx.cancelScope.cancel();
      await expect(toProcess(cx, counted, "blockFor", 0)).rejects.toBeInstanceOf(Cancelled);
    });
    expect(started).toBe(0);
  });

  // anyio test_to_process.py::test_cancel_during (anyio's cancellable=True kills at once; Skein waits cancelGrace ms
  // for the function to notice, then kills the process)
  toProcessIt("a call blocked in its process is cancelled: the process is killed and the next call gets a new one", async (cx) => {
    let cancel = (): void => {};
    const blocking = worker.with({ cancelGrace: 50, expose: { started: async () => cancel() } });
    const first = await toProcess(cx, blocking, "pid");
    const result = await cx.failAfter(20_000, (cx) =>
      cx.moveOnAfter(60_000, async (cx) => {
        cancel = () => cx.cancelScope.cancel();
        return toProcess(cx, blocking, "blockFor", 60_000);
      }),
    );
    expect(result.cancelled).toBe(true);
    expect(await toProcess(cx, blocking, "pid")).not.toBe(first);
  });
});
