// The runtimes of the conformance matrix and how to launch vitest on each,
// shared by conformance/run.mjs and scripts/fuzz.mjs. Plain Node ESM, no
// dependencies: it runs on any Node >= 20.
//
//   node20   the system Node (the first `node` on PATH outside node_modules)
//   node22   node_modules/node22/bin/node  (npm alias node22 -> node@22)
//   node24   node_modules/node/bin/node    (npm package node@24)
//   deno     node_modules/.bin/deno        (npm package deno)
//   bun      node_modules/.bin/bun         (npm package bun; vitest needs --pool=threads there)
//   chromium vitest browser mode with playwright-core driving /usr/bin/chromium
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

const node24 = join(root, "node_modules", "node", "bin", "node");

/** name -> { env: SKEIN_RUNTIME value, cmd: [binary, ...args before vitest's], extra?: vitest flags } */
export const runtimes = {
  node20: { env: "node", cmd: [systemNode(), "--import", join(root, "conformance", "node20-polyfill.mjs"), vitest] },
  node22: { env: "node", cmd: [join(root, "node_modules", "node22", "bin", "node"), vitest] },
  node24: { env: "node", cmd: [node24, vitest] },
  deno: { env: "deno", cmd: [join(root, "node_modules", ".bin", "deno"), "run", "-A", vitest] },
  bun: { env: "bun", cmd: [join(root, "node_modules", ".bin", "bun"), "--bun", vitest], extra: ["--pool=threads"] },
  chromium: { env: "chromium", cmd: [node24, vitest] },
};
