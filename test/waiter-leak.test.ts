// Cancelled waiters are freed at once: 100,000 waits cancelled on each
// primitive (an event never set, a lock held by another task, an empty or
// full queue or stream...) leave the heap about where it was, and the
// borrower of a cancelled CapacityLimiter request can be collected. Measured in a
// child `node --expose-gc` running the built package (build first).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

function runFixture(file: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(new URL(file, import.meta.url))], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, out, err });
    });
  });
}

describe("cancelled waiters", () => {
  it("100,000 cancelled waits on each primitive leave bounded heap growth", async () => {
    const result = await runFixture("./fixtures/waiter-leak.mjs");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const { growth, borrowerCollected } = JSON.parse(result.out.trim().split("\n").at(-1)!) as {
      growth: Record<string, number>;
      borrowerCollected: boolean;
    };
    expect(Object.keys(growth)).toHaveLength(10);
    // A waiter kept until it reaches the front costs well over 100 bytes;
    // 100,000 of them would be above 10 MB. Allow 1 MB of noise.
    const tooBig = Object.entries(growth).filter(([, bytes]) => bytes > 1_000_000);
    expect(tooBig).toEqual([]);
    expect(borrowerCollected).toBe(true);
  }, 120_000);
});
