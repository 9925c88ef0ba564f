// conformance/run.mjs reports a runtime that cannot start honestly: its root
// cause first, once, in one line, the runtime counted as "not run" rather
// than as every test failing, and the runtimes that did run counted on their
// own. Runs the real runner with binaries overridden (SKEIN_<NAME>_BIN) on one
// small test file, its results in a temporary directory; build first (`npm test` does).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
// Results go to a temporary directory, so the real ones (the README table's source) are left alone.
const results = mkdtempSync(join(tmpdir(), "skein-runner-test-"));
afterAll(() => rmSync(results, { recursive: true, force: true }));

function runner(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ["conformance/run.mjs", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env, SKEIN_RESULTS_DIR: results, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  return { status: result.status, lines: result.stdout.split("\n"), stdout: result.stdout };
}

describe("conformance/run.mjs", () => {
  it("puts a missing runtime's cause first, once, and counts the others honestly", () => {
    const missing = "/nonexistent/skein-test/node";
    const { status, lines, stdout } = runner(["--runtime", "node26,deno", "--", "runtime.test"], { SKEIN_NODE26_BIN: missing });
    expect(lines[0]).toBe(
      `conformance: node26 not run: no binary at ${missing} (install it with \`npm install\` or set SKEIN_NODE26_BIN)`,
    );
    // Once before the matrix; later only in the totals and the problem list.
    const matrixAt = lines.findIndex((l) => l.startsWith("Conformance matrix"));
    expect(lines.slice(0, matrixAt).filter((l) => l.includes(missing))).toHaveLength(1);
    expect(lines[matrixAt]).toContain("; not run: node26)");
    expect(stdout).not.toContain("failed to load");
    expect(stdout).not.toContain("runtimes disagree");
    expect(lines).toContain("  node26    not run: no binary at /nonexistent/skein-test/node (install it with `npm install` or set SKEIN_NODE26_BIN)");
    expect(lines.some((l) => /^ {2}deno {6}3\/3 \(\d+s\)$/.test(l))).toBe(true);
    expect(lines).toContain("conformance: 3 passed, 0 failed, 1 runtime not run (node26)");
    expect(status).toBe(1);
  }, 120_000);

  it("says in one line, first, that Chromium is missing, and runs nothing for it", () => {
    const { status, lines } = runner(["--runtime", "chromium"], { CHROMIUM_PATH: "/nonexistent/skein-test/chromium" });
    expect(lines[0]).toBe(
      "conformance: chromium not run: no binary at /nonexistent/skein-test/chromium: install Chromium (`apt-get install chromium`; `npm test` does it as root) or set CHROMIUM_PATH",
    );
    expect(lines.filter((l) => l.startsWith("==="))).toEqual([]); // no runtime was launched
    expect(lines.at(-2)).toBe("conformance: 0 passed, 0 failed, 1 runtime not run (chromium)");
    expect(status).toBe(1);
  }, 120_000);

  it("reports a runtime whose binary starts but runs no test as not run, with the reason", () => {
    // `true --version` answers, so the runtime passes the check, but it runs nothing.
    const { status, lines } = runner(["--runtime", "node22", "--", "runtime.test"], { SKEIN_NODE22_BIN: "/bin/true" });
    expect(lines.some((l) => /^--- node22: not run: vitest exited with 0 after [\d.]+s without a test result$/.test(l))).toBe(true);
    expect(lines.at(-2)).toBe("conformance: 0 passed, 0 failed, 1 runtime not run (node22)");
    expect(status).toBe(1);
  }, 120_000);
});
