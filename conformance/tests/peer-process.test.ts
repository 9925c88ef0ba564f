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
  openProcess,
  type Process,
  ProcessError,
  run,
  runProcess,
  UnsupportedError,
} from "skein";

const runtime = inject("runtime");
const hasProcesses = runtime !== "chromium";
const execPath = (globalThis as { process?: { execPath?: string } }).process?.execPath ?? "";
const str = (b: Uint8Array | null): string => (b === null ? "(null)" : new TextDecoder().decode(b));

/** The argv that runs conformance/fixtures/peer-child.mjs in `mode` with this runtime. */
function child(mode: string): string[] {
  const script = decodeURIComponent(new URL("../fixtures/peer-child.mjs", import.meta.url).pathname);
  const prefix = runtime === "deno" ? [execPath, "run", "-A", "--no-config"] : [execPath];
  return [...prefix, script, mode];
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
