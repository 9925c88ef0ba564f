// Subprocesses: runProcess and openProcess with a small child script run by
// the suite's own runtime (conformance/fixtures/child.mjs). Browsers have no
// subprocesses: there every test asserts the named UnsupportedError instead
// (same test names everywhere).
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  type Context,
  EndOfStream,
  ExecutableNotFoundError,
  openProcess,
  ProcessError,
  run,
  runProcess,
  UnsupportedError,
} from "skein";
import { child, hasProcesses, pidExists, readUntil, str, text } from "./process-helpers.ts";

/** Asserts that starting a process is the named UnsupportedError (browsers). */
async function assertUnsupported(): Promise<void> {
  const error = await run((cx) => runProcess(cx, ["true"])).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedError);
  expect((error as Error).message).toBe("subprocesses are not supported on the browser adapter");
  const opened = await run((cx) => openProcess(cx, ["true"])).catch((e: unknown) => e);
  expect(opened).toBeInstanceOf(UnsupportedError);
}

/** Runs `body` where subprocesses exist; elsewhere asserts the named UnsupportedError. */
function processTest(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    await assertUnsupported();
  });
}

describe("subprocesses", () => {
  processTest("echo round trip through stdin and stdout", async (cx) => {
    await using proc = await openProcess(cx, child("echo"), { stderr: "inherit" });
    expect(proc.pid).toBeGreaterThan(0);
    expect(proc.stderr).toBe(null);
    await proc.stdin!.send(cx, text("hello "));
    expect(await readUntil(cx, proc.stdout!, "hello ")).toBe("hello ");
    await proc.stdin!.send(cx, text("world"));
    expect(await readUntil(cx, proc.stdout!, "world")).toBe("world");
    await proc.stdin!.close();
    await expect(proc.stdout!.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    await expect(proc.stdout!.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
    expect(await proc.wait(cx)).toBe(0);
    expect([proc.returnCode, proc.signal]).toEqual([0, null]);
    await expect(proc.stdin!.send(cx, text("late"))).rejects.toBeInstanceOf(ClosedResourceError);
  });

  processTest("every receive is a schedule point, also when the bytes are already buffered", async (cx) => {
    await using proc = await openProcess(cx, child("echo"), { stderr: "inherit" });
    await proc.stdin!.send(cx, new Uint8Array(1000));
    await proc.stdin!.close();
    let ticks = 0;
    let got = 0;
    let stalled = 0; // receives during which the other task did not run
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx: Context) => {
        for (;;) {
          await cx.checkpoint();
          ticks++;
        }
      });
      // 1000 one-byte receives: most find their byte already waiting in the stream's buffer.
      while (got < 1000) {
        const before = ticks;
        got += (await proc.stdout!.receive(cx, 1)).length;
        if (ticks === before) stalled++;
      }
      tg.cancelScope.cancel();
    });
    expect(got).toBe(1000);
    expect(stalled).toBe(0); // most of them, before the fix
  });

  processTest("a cancelled receive loses no bytes; concurrent receives are busy", async (cx) => {
    await using proc = await openProcess(cx, child("echo"), { stderr: "inherit" });
    const out = proc.stdout!;
    const cancelled = await cx.moveOnAfter(20, (cx) => out.receive(cx));
    expect(cancelled.cancelled).toBe(true);
    await proc.stdin!.send(cx, text("kept"));
    expect(await readUntil(cx, out, "kept")).toBe("kept");
    const order: string[] = [];
    await cx.taskGroup(async (tg) => {
      tg.startSoon(async (cx) => {
        order.push(str(await out.receive(cx)));
      });
      await cx.checkpoint();
      await cx.checkpoint();
      await expect(out.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
      order.push("busy");
      await proc.stdin!.send(cx, text("x"));
    });
    expect(order).toEqual(["busy", "x"]);
    await proc.stdout!.close();
    await expect(out.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
  });

  processTest("closing a pipe wakes the task blocked on it with ClosedResourceError", async (cx) => {
    await using proc = await openProcess(cx, child("sleep")); // reads no stdin, prints "ready" only
    await readUntil(cx, proc.stdout!, "ready");
    const seen: string[] = [];
    await cx.taskGroup(async (tg) => {
      tg.startSoon(async (cx) => {
        seen.push(await proc.stdout!.receive(cx).then(() => "bytes", (e: Error) => e.name));
      });
      tg.startSoon(async (cx) => {
        // More than any pipe buffer: the send blocks, as nobody reads.
        seen.push(await proc.stdin!.send(cx, new Uint8Array(16 << 20)).then(() => "sent", (e: Error) => e.name));
      });
      await cx.sleep(50);
      expect(seen).toEqual([]);
      await proc.stdout!.close();
      await proc.stdin!.close();
    });
    expect(seen.sort()).toEqual(["ClosedResourceError", "ClosedResourceError"]);
  });

  processTest("runProcess collects output; exit codes and check", async (cx) => {
    const ok = await runProcess(cx, child("exit", "0"));
    expect([ok.returnCode, ok.signal, str(ok.stdout), str(ok.stderr)]).toEqual([0, null, "out", "err"]);
    const error = await runProcess(cx, child("exit", "3")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessError);
    const failed = error as ProcessError;
    expect([failed.returnCode, failed.signal, str(failed.stdout), str(failed.stderr)]).toEqual([3, null, "out", "err"]);
    expect(failed.command).toEqual(child("exit", "3"));
    const unchecked = await runProcess(cx, child("exit", "3"), { check: false, stderr: "ignore" });
    expect([unchecked.returnCode, str(unchecked.stdout), unchecked.stderr]).toEqual([3, "out", null]);
    const input = await runProcess(cx, child("echo"), { input: "from input" });
    expect(str(input.stdout)).toBe("from input");
  });

  processTest("input the child does not read is dropped; a send after the child exited is BrokenResourceError", async (cx) => {
    const result = await runProcess(cx, child("exit", "0"), { input: new Uint8Array(10_000_000) });
    expect([result.returnCode, str(result.stdout)]).toEqual([0, "out"]);
    await using proc = await openProcess(cx, child("exit", "0"));
    expect(await proc.wait(cx)).toBe(0);
    const error = await proc.stdin!.send(cx, new Uint8Array(1_000_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenResourceError);
    expect((error as Error).cause).toBeDefined();
  });

  processTest("a child ended by a signal reports it; check raises", async (cx) => {
    await using proc = await openProcess(cx, child("sleep"));
    await readUntil(cx, proc.stdout!, "ready");
    proc.terminate();
    expect(await proc.wait(cx)).toBe(null);
    expect(proc.signal).toBe("SIGTERM");
    expect(pidExists(proc.pid)).toBe(false);
  });

  processTest("cancelling wait terminates, then kills a child that ignores SIGTERM; no zombie", async (cx) => {
    await using proc = await openProcess(cx, child("ignore-term"), { terminateGrace: 100 });
    await readUntil(cx, proc.stdout!, "ready");
    const outcome = await cx.withCancelScope({}, async (cx) => {
      cx.cancelScope.cancel();
      await proc.wait(cx);
      return "finished";
    });
    expect(outcome).toBe(undefined); // the wait raised Cancelled, absorbed by its scope
    expect([proc.returnCode, proc.signal]).toEqual([null, "SIGKILL"]);
    expect(pidExists(proc.pid)).toBe(false);
  });

  processTest("cancelling runProcess stops the child before it returns", async (cx) => {
    const started: number[] = [];
    const result = await cx.moveOnAfter(200, (cx) => runProcess(cx, child("sleep"), { terminateGrace: 0 }).then(() => started.push(1)));
    expect([result.cancelled, started]).toEqual([true, []]);
  });

  processTest("await using stops a running child and reaps it", async (cx) => {
    let pid = 0;
    {
      await using proc = await openProcess(cx, child("sleep"));
      pid = proc.pid;
      await readUntil(cx, proc.stdout!, "ready");
      expect(pidExists(pid)).toBe(true);
    }
    expect(pidExists(pid)).toBe(false);
  });

  it("a child left running is killed and reaped when the run ends", async () => {
    if (!hasProcesses) return assertUnsupported();
    const pid = await run(async (cx) => {
      const proc = await openProcess(cx, child("sleep"));
      await readUntil(cx, proc.stdout!, "ready");
      return proc.pid;
    });
    expect(pidExists(pid)).toBe(false);
  });

  processTest("a missing executable is ExecutableNotFoundError naming it", async (cx) => {
    const error = await runProcess(cx, ["skein-no-such-program"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutableNotFoundError);
    expect((error as ExecutableNotFoundError).executable).toBe("skein-no-such-program");
    expect((error as Error).message).toContain("skein-no-such-program");
    expect((error as Error).cause).toBeDefined();
    await expect(openProcess(cx, ["/nonexistent/skein-prog"])).rejects.toBeInstanceOf(ExecutableNotFoundError);
  });

  processTest("100 MB on stdout, collected", async (cx) => {
    const size = 100_000_000;
    const result = await runProcess(cx, child("flood", String(size)));
    expect(result.stdout!.length).toBe(size);
    expect([result.stdout![0], result.stdout![size - 1]]).toEqual([120, 120]);
  });

  processTest("100 MB on stdout, streamed with backpressure", async (cx) => {
    const size = 100_000_000;
    await using proc = await openProcess(cx, child("flood", String(size)));
    let got = 0;
    while (got < 1 << 20) got += (await proc.stdout!.receive(cx)).length;
    await cx.sleep(50); // the child cannot finish: nobody reads
    expect([proc.returnCode, proc.signal]).toEqual([null, null]);
    for (;;) {
      try {
        got += (await proc.stdout!.receive(cx, 1 << 20)).length;
      } catch (error) {
        if (error instanceof EndOfStream) break;
        throw error;
      }
    }
    expect(got).toBe(size);
    expect(await proc.wait(cx)).toBe(0);
  });

  processTest("env is merged or replaced; cwd", async (cx) => {
    const cwd = decodeURIComponent(new URL("../fixtures", import.meta.url).pathname);
    const merged = await runProcess(cx, child("env"), { env: { SKEIN_TEST_FOO: "bar" }, cwd });
    expect(JSON.parse(str(merged.stdout))).toEqual({ cwd, foo: "bar", inherited: true });
    const replaced = await runProcess(cx, child("env"), { env: { SKEIN_TEST_FOO: "only" }, replaceEnv: true });
    expect(JSON.parse(str(replaced.stdout))).toMatchObject({ foo: "only", inherited: false });
    const shell = await runProcess(cx, "echo $SKEIN_TEST_FOO", { shell: true, env: { SKEIN_TEST_FOO: "via shell" } });
    expect(str(shell.stdout)).toBe("via shell\n");
  });

  processTest("bad input is TypeError or RangeError naming the argument", async (cx) => {
    await expect(runProcess(cx, [])).rejects.toThrow(new RangeError("command must not be empty"));
    await expect(runProcess(cx, "ls")).rejects.toThrow(TypeError);
    await expect(runProcess(cx, ["ls"], { shell: true })).rejects.toThrow(/command must be a string when shell is true/);
    await expect(runProcess(cx, ["ls", 3 as unknown as string])).rejects.toThrow(/command\[1\] must be a string, got 3/);
    await expect(openProcess(cx, ["ls"], { stdout: "file" as "pipe" })).rejects.toThrow(/options.stdout must be/);
    await expect(runProcess(cx, ["ls"], { terminateGrace: -1 })).rejects.toThrow(RangeError);
    await expect(runProcess(cx, ["ls"], { env: { A: 1 as unknown as string } })).rejects.toThrow(/options.env.A must be a string/);
    await expect(runProcess(cx, ["ls"], { input: 5 as unknown as string })).rejects.toThrow(/options.input must be/);
    await using proc = await openProcess(cx, child("sleep"));
    expect(() => proc.sendSignal("TERM")).toThrow(/signal must be a signal name/);
    // A well-formed name the runtime does not know: a RangeError naming it, with the runtime's error as cause.
    const unknown = (() => {
      try {
        proc.sendSignal("SIGBOGUS");
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(RangeError);
    expect((unknown as Error).message).toMatch(/^signal is SIGBOGUS, which /);
    expect((unknown as Error).cause).toBeDefined();
  });
});
