// The examples stay true to the code: each runs on node, deno and bun
// against the built package, exits by itself with status 0, and prints what
// its comments promise. Node-only vitest spawning each runtime; build first.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** How each runtime runs a TypeScript example (Node 24 strips types itself). */
const runtimes: Record<string, (script: string) => [string, string[]]> = {
  node: (script) => [path("node_modules/node/bin/node"), [script]],
  deno: (script) => [path("node_modules/.bin/deno"), ["run", "-A", script]],
  bun: (script) => [path("node_modules/.bin/bun"), [script]],
};

/** Each example and lines its output must contain. */
const examples: Record<string, string[]> = {
  "demo.ts": ["mirror us answered", "deadline hit: stragglers were cancelled", "server: shut down cleanly", "3 mirrors answered in time: us, eu, asia"],
  "echo.ts": ["tcp echo: hello over TCP", "tcp client: no answer in 200 ms (TimeoutError)", "udp echo from 127.0.0.1: hello over UDP", "done:"],
  "chat.ts": ["* ada joined", "ada: hello", "chat server closed"],
};

describe.each(Object.keys(runtimes))("examples on %s", (runtime) => {
  it.each(Object.keys(examples))("%s runs to the end and exits by itself", (example) => {
    const [cmd, args] = runtimes[runtime]!(path(`examples/${example}`));
    const result = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
    expect(result.signal, result.stderr).toBeNull();
    expect(result.status, result.stderr).toBe(0);
    for (const line of examples[example]!) expect(result.stdout).toContain(line);
  }, 90_000);
});
