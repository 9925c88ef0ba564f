// anyio's tests/test_subprocesses.py translated to Skein's runProcess /
// openProcess, with a child script run by the suite's own runtime
// (conformance/fixtures/peer-child.mjs) in place of `python -c`. Browsers have
// no subprocesses: there every test asserts the named UnsupportedError
// instead, under the same name. Each test names its source.
//
// Deliberate differences (see the report): a child ended by a signal reports
// returnCode null and its signal's name (Python: a negative returncode); no
// file objects as stdio (StdioMode is pipe/inherit/ignore); no
// start_new_session option.
import { describe, expect, inject, it } from "vitest";
import {
  BufferedByteReceiveStream,
  CancelScope,
  ClosedResourceError,
  type Context,
  EndOfStream,
  type ProcessReceiveStream,
  openProcess,
  type Process,
  ProcessError,
  run,
  runProcess,
  UnsupportedError,
} from "skein";
import { waitAllTasksBlocked } from "skein/testing";
import { sameBytes } from "../helpers/bytes.ts";

const runtime = inject("runtime");
const hasProcesses = runtime !== "chromium";
const execPath = (globalThis as { process?: { execPath?: string } }).process?.execPath ?? "";
const str = (b: Uint8Array | null): string => (b === null ? "(null)" : new TextDecoder().decode(b));

/** The argv that runs conformance/fixtures/peer-child.mjs in `mode` with this runtime. */
function child(mode: string, ...args: string[]): string[] {
  const script = decodeURIComponent(new URL("../fixtures/peer-child.mjs", import.meta.url).pathname);
  const prefix = runtime === "deno" ? [execPath, "run", "-A", "--no-config"] : [execPath];
  return [...prefix, script, mode, ...args];
}

/** One shell command line for `argv` (each word single-quoted). */
function shellLine(argv: string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** Runs `body` where subprocesses exist; elsewhere asserts the named UnsupportedError. */
function processIt(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    const error = await run((cx) => runProcess(cx, ["true"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("subprocesses are not supported on the browser adapter");
  });
}

describe("anyio test_subprocesses.py", () => {
  // anyio test_subprocesses.py::test_run_process[shell] and [exec]
  for (const shell of [true, false]) {
    processIt(`runProcess with input: the child reverses it (${shell ? "shell" : "exec"})`, async (cx) => {
      const result = shell
        ? await runProcess(cx, shellLine(child("reverse")), { shell: true, input: "abc" })
        : await runProcess(cx, child("reverse"), { input: new TextEncoder().encode("abc") });
      expect(result.returnCode).toBe(0);
      expect(str(result.stdout).trimEnd()).toBe("cba");
    });
  }

  // anyio test_subprocesses.py::test_run_process_checked
  processIt("runProcess with check: a non-zero exit is a ProcessError carrying the code and both outputs", async (cx) => {
    const error = await runProcess(cx, child("checked"), { check: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    const e = error as ProcessError;
    expect(e.returnCode).toBe(1);
    expect(str(e.stdout).trimEnd()).toBe("stdout-text");
    expect(str(e.stderr).trimEnd()).toBe("stderr-text");
  });

  // anyio test_subprocesses.py::test_terminate
  processIt("terminate sends SIGTERM: a child that exits 2 on it is waited with code 2", async (cx) => {
    await using proc = await openProcess(cx, child("term-exits-2"));
    const line = await new BufferedByteReceiveStream(proc.stdout!).receiveUntil(cx, new TextEncoder().encode("\n"), 100);
    expect(str(line).trimEnd()).toBe("ready");
    proc.terminate();
    expect(await proc.wait(cx)).toBe(2);
  });

  // anyio test_subprocesses.py::test_process_cwd
  processIt("the cwd option is the child's working directory", async (cx) => {
    const dir = "/tmp";
    const result = await runProcess(cx, child("cwd"), { cwd: dir });
    expect(str(result.stdout).trim()).toBe(dir);
  });

  // anyio test_subprocesses.py::test_process_env
  processIt("the env option reaches the child", async (cx) => {
    const result = await runProcess(cx, child("env-foo"), { env: { foo: "bar" } });
    expect(str(result.stdout).trim()).toBe("bar");
  });

  // anyio test_subprocesses.py::test_run_process_inherit_stdout (the output goes to the parent's; nothing is captured)
  processIt("runProcess with stdout and stderr inherited captures nothing and succeeds", async (cx) => {
    const result = await runProcess(cx, child("cwd"), { check: true, stdout: "inherit", stderr: "inherit" });
    expect([result.returnCode, result.stdout, result.stderr]).toEqual([0, null, null]);
  });

  // anyio test_subprocesses.py::test_process_aexit_cancellation_doesnt_orphan_process (anyio #669)
  processIt("await using a process whose scope was cancelled stops it: no orphan, a non-zero end", async (cx) => {
    let proc!: Process;
    const scope = new CancelScope();
    await cx.withCancelScope(scope, async (cx) => {
      await using p = await openProcess(cx, child("sleep-1s"));
      proc = p;
      scope.cancel();
    });
    // Ended by SIGTERM: returnCode null and the signal's name (Python reports -15).
    expect(proc.returnCode === null ? proc.signal : proc.returnCode).not.toBe(null);
    expect(proc.returnCode).not.toBe(0);
  });

  // anyio test_subprocesses.py::test_process_aexit_cancellation_closes_standard_streams (anyio #669)
  processIt("await using a process whose scope was cancelled closes its pipes: using them is ClosedResourceError", async (cx) => {
    let proc!: Process;
    const scope = new CancelScope();
    await cx.withCancelScope(scope, async (cx) => {
      await using p = await openProcess(cx, child("sleep-1s"));
      proc = p;
      scope.cancel();
    });
    await expect(proc.stdin!.send(cx, new TextEncoder().encode("foo"))).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stdout!.receive(cx, 1)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stderr!.receive(cx, 1)).rejects.toBeInstanceOf(ClosedResourceError);
  });
});

// ---------------------------------------------------------------------------
// trio src/trio/_tests/test_subprocess.py (the open_process variants: Skein's
// runProcess has no nursery.start form, see the report)

const bytes = (s: string) => new TextEncoder().encode(s);

/** Reads `stream` to EndOfStream. */
async function readAll(cx: Context, stream: ProcessReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    try {
      const chunk = await stream.receive(cx);
      chunks.push(chunk);
      n += chunk.length;
    } catch (error) {
      if (error instanceof EndOfStream) break;
      throw error;
    }
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** The fds this process has open (/dev/fd), through node:fs (node, deno and bun). */
async function openFds(): Promise<string[]> {
  const moduleName = "node:fs";
  const fs = (await import(/* @vite-ignore */ moduleName)) as { readdirSync(path: string): string[] };
  return fs.readdirSync("/dev/fd").sort();
}

describe("trio test_subprocess.py", () => {
  // trio test_subprocess.py::test_basic[open_process]
  processIt("a child's exit status: 0, then 1", async (cx) => {
    for (const code of [0, 1]) {
      await using proc = await openProcess(cx, child("exit", String(code)));
      expect(await proc.wait(cx)).toBe(code);
      expect([proc.returnCode, proc.signal]).toEqual([code, null]);
    }
  });

  // trio test_subprocess.py::test_auto_update_returncode[open_process]
  processIt("returnCode is null while the child runs; killed, it ends by SIGKILL", async (cx) => {
    await using proc = await openProcess(cx, ["sleep", "9999"]);
    expect(proc.returnCode).toBe(null);
    proc.kill();
    await proc.wait(cx);
    expect([proc.returnCode, proc.signal]).toEqual([null, "SIGKILL"]);
  });

  // trio test_subprocess.py::test_subprocess_pidfd_unnotified (trio forces the exit to be noticed by a synchronous
  // poll, with no checkpoint; Skein has no poll: `returnCode` only reads what the run has noticed. What carries
  // over: a task already waiting is woken once the child it waits for is stopped, whatever else looked at it)
  processIt("a task waiting for a child is woken after terminate(), with returnCode read meanwhile", async (cx) => {
    await using proc = await openProcess(cx, ["sleep", "9999"]);
    let noticed = false;
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await proc.wait(cx);
        noticed = true;
      });
      await waitAllTasksBlocked(cx);
      proc.terminate();
      expect(proc.returnCode).toBe(null); // not noticed yet: no checkpoint since terminate()
      const result = await cx.moveOnAfter(5000, async (cx) => {
        while (!noticed) await cx.sleep(10);
      });
      expect(result.cancelled).toBe(false); // the waiter was woken: no deadlock
    });
    expect([proc.returnCode, proc.signal]).toEqual([null, "SIGTERM"]);
  });

  // trio test_subprocess.py::test_multi_wait[open_process] (deliberate difference: a cancelled wait stops the child,
  // SIGTERM then SIGKILL after terminateGrace, where trio's only stops waiting; so the real waits use a second child)
  processIt("several tasks wait on one child: cancelled waits end cleanly (and stop the child), then all wake when it ends", async (cx) => {
    {
      await using first = await openProcess(cx, ["sleep", "10"]);
      await cx.taskGroup(async (tg, cx) => {
        for (let i = 0; i < 3; i++) tg.startSoon((cx) => first.wait(cx));
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      });
      expect([first.returnCode, first.signal]).toEqual([null, "SIGTERM"]);
    }
    await using proc = await openProcess(cx, ["sleep", "10"]);
    const woke: (number | null)[] = [];
    await cx.taskGroup(async (tg, cx) => {
      for (let i = 0; i < 3; i++) tg.startSoon(async (cx) => void woke.push(await proc.wait(cx)));
      await waitAllTasksBlocked(cx);
      proc.kill();
    });
    expect(woke).toEqual([null, null, null]);
    expect(proc.signal).toBe("SIGKILL");
  });

  // trio test_subprocess.py::test_async_with_basics_deprecated
  processIt("after await using, the child has ended and its pipes are closed", async (cx) => {
    let proc!: Process;
    {
      await using p = await openProcess(cx, child("cat"));
      proc = p;
    }
    expect(proc.returnCode !== null || proc.signal !== null).toBe(true);
    await expect(proc.stdin!.send(cx, bytes("x"))).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stdout!.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
    await expect(proc.stderr!.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  // trio test_subprocess.py::test_kill_when_context_cancelled (Skein stops the child with SIGTERM first, trio's deprecated
  // async-with killed it at once; `sleep` dies of the SIGTERM)
  processIt("a cancelled scope around await using stops the child: the scope absorbs the cancellation, the child ends by signal", async (cx) => {
    let proc!: Process;
    const result = await cx.moveOnAfter(100_000, async (cx) => {
      await using p = await openProcess(cx, ["sleep", "10"]);
      proc = p;
      expect(proc.returnCode).toBe(null);
      cx.cancelScope.cancel();
      await cx.sleepForever();
    });
    expect(result.cancelled).toBe(true);
    expect([proc.returnCode, proc.signal]).toEqual([null, "SIGTERM"]);
  });

  // trio test_subprocess.py::test_pipes[open_process]
  processIt("stdin fed while stdout and stderr are read, all at once", async (cx) => {
    await using proc = await openProcess(cx, child("copy-both"));
    const msg = bytes("the quick brown fox jumps over the lazy dog");
    const seen: Record<string, string> = {};
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await proc.stdin!.send(cx, msg);
        await proc.stdin!.close();
      });
      tg.startSoon(async (cx) => void (seen.out = str(await readAll(cx, proc.stdout!))));
      tg.startSoon(async (cx) => void (seen.err = str(await readAll(cx, proc.stderr!))));
    });
    expect(seen).toEqual({ out: str(msg), err: str(msg.slice().reverse()) });
    expect(await proc.wait(cx)).toBe(0);
  });

  // trio test_subprocess.py::test_interactive[open_process]
  processIt("an interactive exchange: each request line answered on stdout and stderr; a partial line gets no answer", async (cx) => {
    await using proc = await openProcess(cx, child("interactive"));
    const drainOne = async (cx: Context, stream: ProcessReceiveStream, count: number, digit: number) => {
      while (count > 0) {
        const result = str(await stream.receive(cx, count));
        expect(result).toBe(String(digit).repeat(result.length));
        count -= result.length;
      }
      expect(str(await stream.receive(cx, 1))).toBe("\n");
    };
    const expectAnswer = (cx: Context, idx: number, request: number) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon((cx) => drainOne(cx, proc.stdout!, request, idx * 2));
        tg.startSoon((cx) => drainOne(cx, proc.stderr!, request * 2, idx * 2 + 1));
      });
    await cx.failAfter(20_000, async (cx) => {
      await proc.stdin!.send(cx, bytes("12"));
      await proc.stdin!.send(cx, bytes("345\n"));
      await expectAnswer(cx, 0, 12345);
      await proc.stdin!.send(cx, bytes("100\n200\n"));
      await expectAnswer(cx, 1, 100);
      await expectAnswer(cx, 2, 200);
      await proc.stdin!.send(cx, bytes("0\n"));
      await expectAnswer(cx, 3, 0);
      await proc.stdin!.send(cx, bytes("999999"));
      const partial = await cx.moveOnAfter(100, (cx) => expectAnswer(cx, 4, 0));
      expect(partial.cancelled).toBe(true);
      await proc.stdin!.send(cx, bytes("\n"));
      await expectAnswer(cx, 4, 999999);
      await proc.stdin!.close();
      await expect(proc.stdout!.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
      await expect(proc.stderr!.receive(cx, 1)).rejects.toBeInstanceOf(EndOfStream);
      expect(await proc.wait(cx)).toBe(0);
    });
  });

  // trio test_subprocess.py::test_run (the valid combinations; Skein takes text input as UTF-8 and captures by default)
  processIt("runProcess: 256 KiB through cat; no input is an empty stdin; stdout and stderr captured apart", async (cx) => {
    const data = new Uint8Array(2 ** 18);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    const r1 = await runProcess(cx, child("cat"), { input: data });
    expect(r1.returnCode).toBe(0);
    expect(sameBytes(r1.stdout!, data)).toBe(true);
    expect(r1.stderr!.length).toBe(0);
    const r2 = await runProcess(cx, child("cat"), { stderr: "inherit" });
    expect([r2.returnCode, r2.stdout!.length, r2.stderr]).toEqual([0, 0, null]);
    const r3 = await runProcess(cx, child("copy-both"), { input: data });
    expect(sameBytes(r3.stdout!, data)).toBe(true);
    expect(sameBytes(r3.stderr!, data.slice().reverse())).toBe(true);
  });

  // trio test_subprocess.py::test_run_check
  processIt("runProcess check: ProcessError with the command, the code and the output; check false returns the same", async (cx) => {
    const cmd = child("stderr-test-exit-1");
    const error = await runProcess(cx, cmd).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    const e = error as ProcessError;
    expect([e.command, e.returnCode, str(e.stderr), str(e.stdout)]).toEqual([cmd, 1, "test\n", ""]);
    const result = await runProcess(cx, cmd, { check: false });
    expect([result.returnCode, str(result.stdout), str(result.stderr)]).toEqual([1, "", "test\n"]);
  });

  // trio test_subprocess.py::test_run_with_broken_pipe
  processIt("runProcess: a child that closes its stdin unread does not fail the run (the input is dropped)", async (cx) => {
    const result = await runProcess(cx, child("close-stdin"), { input: new Uint8Array(131072).fill(120), stdout: "ignore", stderr: "ignore" });
    expect([result.returnCode, result.stdout, result.stderr]).toEqual([0, null, null]);
  });

  // trio test_subprocess.py::test_errors (the POSIX part: a command line needs shell, an argv must not have it)
  processIt("a string command without shell, and an argv with shell, are TypeErrors", async (cx) => {
    await expect(openProcess(cx, "ls")).rejects.toThrow(TypeError);
    await expect(openProcess(cx, ["ls"], { shell: true })).rejects.toThrow(TypeError);
  });

  // trio test_subprocess.py::test_signals[open_process]
  processIt("kill, terminate and sendSignal end the child by that signal", async (cx) => {
    const ways: [string, (p: Process) => void][] = [
      ["SIGKILL", (p) => p.kill()],
      ["SIGTERM", (p) => p.terminate()],
      ["SIGUSR1", (p) => p.sendSignal("SIGUSR1")],
    ];
    for (const [signal, sendIt] of ways) {
      const moved = await cx.moveOnAfter(10_000, async (cx) => {
        await using proc = await openProcess(cx, ["sleep", "3600"]);
        sendIt(proc);
        await proc.wait(cx);
        expect([proc.returnCode, proc.signal]).toEqual([null, signal]);
      });
      expect(moved.cancelled).toBe(false);
    }
  });

  // trio test_subprocess.py::test_for_leaking_fds (Bun opens and closes pipe sockets of finished children lazily,
  // within its own event loop: there the check is that no fd outside the starting set stays, waiting up to 2 s for
  // them to go; everywhere else the set must be the same at once)
  processIt("no file descriptor is left open by runProcess, whether the child succeeds, fails, or cannot start", async (cx) => {
    const expectNoNewFds = async (starting: string[]): Promise<void> => {
      const extra = async () => (await openFds()).filter((fd) => !starting.includes(fd));
      if (runtime !== "bun") return expect(await openFds()).toEqual(starting);
      for (let i = 0; i < 200 && (await extra()).length > 0; i++) await cx.sleep(10);
      expect(await extra()).toEqual([]);
    };
    await runProcess(cx, child("exit", "0"));
    const starting = await openFds();
    await runProcess(cx, child("exit", "0"));
    await expectNoNewFds(starting);
    await expect(runProcess(cx, child("exit", "1"))).rejects.toBeInstanceOf(ProcessError);
    await expectNoNewFds(starting);
    await expect(runProcess(cx, ["/dev/fd/0"])).rejects.toBeInstanceOf(Error);
    await expectNoNewFds(starting);
  });
});
