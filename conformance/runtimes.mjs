// The runtimes of the conformance matrix, how to launch vitest on each, and
// how to tell, before launching, whether a runtime can start at all. Shared
// by conformance/run.mjs and scripts/fuzz.mjs. Plain Node ESM, no
// dependencies: it runs on any Node >= 20.
//
//   node20   the system Node (the first `node` on PATH outside node_modules);
//            past end of life, kept only while it costs nothing
//   node22   node_modules/node22/bin/node  (npm alias node22 -> node@22)
//   node24   node_modules/node/bin/node    (npm package node@24)
//   node26   node_modules/node26/bin/node  (npm alias node26 -> node@26)
//   deno     node_modules/.bin/deno        (npm package deno)
//   bun      node_modules/.bin/bun         (npm package bun; vitest needs --pool=threads there)
//   chromium vitest browser mode (run by node24) with playwright-core driving
//            /usr/bin/chromium
//
// Every binary can be overridden: SKEIN_<NAME>_BIN (SKEIN_NODE26_BIN,
// SKEIN_DENO_BIN, ...), and CHROMIUM_PATH for the browser, so a runtime can
// be pointed at another build, or at nothing to see how the runner reports it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

export const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
export const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
export const config = join(root, "conformance", "vitest.config.ts");

function systemNode() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    if (existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

/** The binary of runtime `name`: SKEIN_<NAME>_BIN when set, else `fallback`. */
function bin(name, fallback) {
  return process.env[`SKEIN_${name.toUpperCase()}_BIN`] || fallback;
}

const node24 = bin("node24", join(root, "node_modules", "node", "bin", "node"));
/** The Chromium the browser column drives (conformance/vitest.config.ts reads the same variable). */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * name -> { env: SKEIN_RUNTIME value, label: how the README names it, note?: said in the README's table,
 * cmd: [binary, ...args before vitest's], extra?: vitest flags, dist: the built entry it imports }
 */
export const runtimes = {
  node20: {
    env: "node",
    label: "Node.js",
    note: "past end of life (April 2026); stays only while it costs nothing",
    dist: "node.js",
    cmd: [bin("node20", systemNode()), "--import", join(root, "conformance", "node20-polyfill.mjs"), vitest],
  },
  node22: { env: "node", label: "Node.js", dist: "node.js", cmd: [bin("node22", join(root, "node_modules", "node22", "bin", "node")), vitest] },
  node24: { env: "node", label: "Node.js", dist: "node.js", cmd: [node24, vitest] },
  node26: { env: "node", label: "Node.js", dist: "node.js", cmd: [bin("node26", join(root, "node_modules", "node26", "bin", "node")), vitest] },
  deno: { env: "deno", label: "Deno", dist: "deno.js", cmd: [bin("deno", join(root, "node_modules", ".bin", "deno")), "run", "-A", vitest] },
  bun: {
    env: "bun",
    label: "Bun",
    dist: "bun.js",
    cmd: [bin("bun", join(root, "node_modules", ".bin", "bun")), "--bun", vitest],
    extra: ["--pool=threads"],
  },
  chromium: { env: "chromium", label: "Chromium", dist: "browser.js", cmd: [node24, vitest], browser: chromiumPath },
};

/** First line of `binary --version`, or an error naming why it could not run. */
function versionOf(binary) {
  if (!existsSync(binary)) return { error: `no binary at ${binary}` };
  const v = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 60_000 });
  if (v.error) return { error: `${binary} --version failed: ${v.error.message}` };
  if (v.status !== 0) {
    const why = `${v.stderr || v.stdout || ""}`.trim().split("\n")[0];
    return { error: `${binary} --version exited with ${v.status ?? v.signal}${why ? `: ${why}` : ""}` };
  }
  return { version: `${v.stdout}`.trim().split("\n")[0] };
}

/**
 * Whether runtime `name` can start, checked before the suite runs on it:
 * its binary exists and answers `--version`, its built entry exists, and for
 * chromium the browser exists and so does the Node that drives vitest.
 * Returns `{ version }` or `{ cause }`, one line saying what is missing and how to get it.
 */
export function preflight(name) {
  const rt = runtimes[name];
  const override = name === "chromium" ? "CHROMIUM_PATH" : `SKEIN_${name.toUpperCase()}_BIN`;
  if (!existsSync(join(root, "dist", rt.dist))) return { cause: `dist/${rt.dist} is missing: run \`npm run build\` first` };
  if (!existsSync(vitest)) return { cause: `vitest is not installed (${vitest}): run \`npm install\`` };
  const runner = versionOf(rt.cmd[0]);
  if (runner.error) {
    const how = name === "chromium" ? "node24 runs vitest for chromium" : `install it with \`npm install\` or set ${override}`;
    return { cause: `${runner.error} (${how})` };
  }
  if (name !== "chromium") return { version: runner.version };
  const browser = versionOf(rt.browser);
  if (browser.error) {
    return { cause: `${browser.error}: install Chromium (\`apt-get install chromium\`; \`npm test\` does it as root) or set CHROMIUM_PATH` };
  }
  return { version: browser.version };
}
