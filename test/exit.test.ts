// Process hygiene on every server runtime: a finished run leaves no timer,
// handle or worker behind, so a child process running a Skein program exits
// by itself once run() returns. Node-only vitest, spawning node, deno and
// bun on fixtures that import the built package (dist/<runtime>.js): build
// first. Each child is killed after a generous bound; a test fails if its
// child had to be killed.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** How each runtime runs a script. */
const runtimes: Record<string, (script: string) => [string, string[]]> = {
  node: (script) => [process.execPath, [script]],
  deno: (script) => [bin("deno"), ["run", "-A", script]],
  bun: (script) => [bin("bun"), [script]],
};

/** Bounds: a child that has not printed its last line, or not exited after it, is killed. */
const START_BOUND = 30_000;
const EXIT_BOUND = 10_000;

interface Outcome {
  code: number | null;
  out: string;
  /** Had to be killed: it did not finish, or did not exit by itself after its last line. */
  killed: boolean;
  /** From the child's last line (`last`) to its exit, in ms; Infinity if the line never came. */
  exitDelay: number;
}

function runChild(runtime: string, script: string, last: string, exitBound = EXIT_BOUND): Promise<Outcome> {
  const [cmd, args] = runtimes[runtime]!(fixture(script));
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let killed = false;
    let lastAt = Infinity;
    const kill = () => {
      killed = true;
      child.kill("SIGKILL");
    };
    let killer = setTimeout(kill, START_BOUND);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (lastAt === Infinity && out.split("\n").includes(last)) {
        lastAt = performance.now();
        clearTimeout(killer);
        killer = setTimeout(kill, exitBound);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, out, killed, exitDelay: performance.now() - lastAt });
    });
  });
}

describe.each(Object.keys(runtimes))("process exit on %s", (runtime) => {
  it("a program using sleeps, timeouts, a cancelled long sleep and toThread exits by itself within 2 s of run() returning", async () => {
    const result = await runChild(runtime, "hygiene.mjs", "done");
    expect(result.out.trim()).toBe("done");
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.exitDelay).toBeLessThan(2000);
  }, 60_000);

  it("a toThread call stuck in an endless loop, cancelled and terminated, does not keep the process alive", async () => {
    const result = await runChild(runtime, "endless-loop.mjs", "done");
    expect(result.out.trim()).toBe("done");
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.exitDelay).toBeLessThan(2000);
  }, 60_000);
});

describe.each(Object.keys(runtimes))("process exit with a MockClock on %s", (runtime) => {
  it("runs on mock clocks (autojump, rate, frozen, skeinTest and its hang limit) leave no real timer behind", async () => {
    const result = await runChild(runtime, "mock-clock-exit.mjs", "done");
    expect(result.out.trim()).toBe("done");
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.exitDelay).toBeLessThan(2000);
  }, 60_000);
});

describe.each(["node", "deno", "bun"])("process exit after networking on %s", (runtime) => {
  it("1,000 TCP and Unix connect/close cycles, a refused connect and a cancelled accept, then run() returns: the process exits by itself", async () => {
    const result = await runChild(runtime, "net-exit.mjs", "done");
    expect(result.out.trim()).toBe("done");
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.exitDelay).toBeLessThan(2000);
  }, 60_000);
});

/** Whether `pid` runs: it exists and is not a zombie (a child whose parent died may stay one if init does not reap). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe.each(Object.keys(runtimes))("toProcess and process exit on %s", (runtime) => {
  it("a program whose toProcess calls ran, one left idle and one killed after its grace, exits by itself; no child is left", async () => {
    const result = await runChild(runtime, "to-process-exit.mjs", "done");
    expect(result.out.trim()).toMatch(/^pids \d+ \d+\ndone$/);
    expect(result.killed).toBe(false);
    expect(result.code).toBe(0);
    expect(result.exitDelay).toBeLessThan(2000);
    for (const pid of result.out.split("\n")[0]!.split(" ").slice(1).map(Number)) expect(running(pid)).toBe(false);
  }, 60_000);

  it("a worker process whose parent is killed (SIGKILL) exits by itself: no orphan", async () => {
    const [cmd, args] = runtimes[runtime]!(fixture("to-process-orphan.mjs"));
    const parent = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const pid = await new Promise<number>((resolve, reject) => {
      const bound = setTimeout(() => reject(new Error(`no child pid after ${START_BOUND} ms; got ${JSON.stringify(out)}`)), START_BOUND);
      parent.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /child (\d+)/.exec(out);
        if (m) {
          clearTimeout(bound);
          resolve(Number(m[1]));
        }
      });
    });
    expect(running(pid)).toBe(true);
    const exited = new Promise((resolve) => parent.on("exit", resolve));
    parent.kill("SIGKILL");
    await exited;
    for (let i = 0; i < 500 && running(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(running(pid)).toBe(false);
  }, 60_000);
});

describe("Deno's Web Worker", () => {
  // Not Skein: the runtime behaviour the Deno adapter works around by using
  // Deno's node:worker_threads (docs/runtimes.md). If this starts failing,
  // Deno has fixed terminate() and the workaround can be reconsidered.
  it("stuck in a synchronous loop, keeps the Deno process alive after terminate()", async () => {
    const result = await runChild("deno", "web-worker-loop.mjs", "terminated", 3000);
    expect(result.out.trim()).toBe("terminated");
    expect(result.killed).toBe(true);
  }, 60_000);
});
