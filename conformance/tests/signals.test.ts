// OS signals: a child process (conformance/fixtures/child.mjs, run by the
// suite's own runtime) opens signal receivers; the test sends it signals and
// reads what it reports. Browsers have no OS signals: there every test
// asserts the named UnsupportedError instead (same test names everywhere).
import { describe, expect, it } from "vitest";
import { type Context, openProcess, openSignalReceiver, run, UnsupportedError } from "skein";
import { child, hasProcesses, readUntil, runtime, skeinUrl } from "./process-helpers.ts";

/** Asserts that opening a receiver is the named UnsupportedError (browsers). */
async function assertUnsupported(): Promise<void> {
  const error = await run((cx) => openSignalReceiver(cx, ["SIGINT"], () => 1)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedError);
  expect((error as Error).message).toBe("OS signals are not supported on the browser adapter");
}

/** Runs `body` where OS signals exist; elsewhere asserts the named UnsupportedError. */
function signalTest(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasProcesses) return run(body);
    await assertUnsupported();
  });
}

describe("OS signals", () => {
  signalTest("two receivers in a child each see SIGINT and SIGTERM; the child exits cleanly", async (cx) => {
    await using proc = await openProcess(cx, child("signals", skeinUrl), { stderr: "inherit" });
    let out = await readUntil(cx, proc.stdout!, "ready\n");
    proc.sendSignal("SIGINT");
    out = await readUntil(cx, proc.stdout!, "b SIGINT\n", await readUntil(cx, proc.stdout!, "a SIGINT\n", out));
    proc.sendSignal("SIGTERM");
    out = await readUntil(cx, proc.stdout!, "done\n", out);
    expect(out.split("\n").filter((l) => l !== "").sort()).toEqual(["a SIGINT", "a SIGTERM", "b SIGINT", "b SIGTERM", "done", "ready"]);
    expect(await proc.wait(cx)).toBe(0);
  });

  signalTest("after the scope the default action is back: SIGINT ends the child", async (cx) => {
    await using proc = await openProcess(cx, child("signals-after", skeinUrl), { stderr: "inherit" });
    let out = await readUntil(cx, proc.stdout!, "ready\n");
    proc.sendSignal("SIGINT");
    out = await readUntil(cx, proc.stdout!, "after\n", out);
    expect(out).toBe("ready\ngot SIGINT\nafter\n");
    proc.sendSignal("SIGINT");
    expect(await proc.wait(cx)).toBe(null);
    expect(proc.signal).toBe("SIGINT");
  });

  signalTest("bad signal names are TypeError or RangeError", async (cx) => {
    await expect(openSignalReceiver(cx, [], () => 1)).rejects.toThrow(new RangeError("signals must name at least one signal"));
    await expect(openSignalReceiver(cx, ["INT"], () => 1)).rejects.toThrow(/signals\[0\] must be a signal name/);
    await expect(openSignalReceiver(cx, ["SIGKILL"], () => 1)).rejects.toThrow(RangeError);
    await expect(openSignalReceiver(cx, "SIGINT" as unknown as string[], () => 1)).rejects.toThrow(TypeError);
  });

  it("a receiver keeps its value and closes with its scope", async () => {
    if (!hasProcesses) return assertUnsupported();
    // In-process: on Bun the suite runs in a worker thread (--pool=threads), where Node and Bun deliver no signals.
    const moduleName = "node:worker_threads";
    const { isMainThread } = (await import(/* @vite-ignore */ moduleName)) as { isMainThread: boolean };
    if (!isMainThread && runtime !== "deno") {
      const error = await run((cx) => openSignalReceiver(cx, ["SIGUSR2"], () => 42)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/^OS signals reach only the main thread/);
      return;
    }
    const result = await run(async (cx) => {
      let kept: { receive(cx: Context): Promise<string> } | null = null;
      const value = await openSignalReceiver(cx, ["SIGUSR2"], (signals) => {
        kept = signals;
        return 42;
      });
      const error = await kept!.receive(cx).catch((e: unknown) => e);
      return [value, (error as Error).name];
    });
    expect(result).toEqual([42, "ClosedResourceError"]);
  });
});
