// A finished run leaves no timer or handle behind: a child process running a
// Skein program that used long deadlines and sleeps exits on its own.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

function runFixture(file: string): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(file, import.meta.url))], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    // Generous for a slow CI box; the deadlines in the fixture are 600 s and more.
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, 30_000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, out, timedOut });
    });
  });
}

describe("process exit", () => {
  it("a process running a Skein program exits by itself once run() resolves", async () => {
    const result = await runFixture("./fixtures/leak-check.mjs");
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe("done");
  }, 40_000);
});
