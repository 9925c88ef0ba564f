/**
 * `npm run typecheck`: type-checks every project of the repository, each
 * against the real types of the runtime its code runs on, and fails if any
 * project has an error.
 *
 * - tsconfig.json: tests, conformance, bench, examples, config files (Node +
 *   DOM), and the adapters' indexes as tsup's d.ts build and typedoc see them.
 * - src/tsconfig.json: the runtime-neutral core (ES2022 + DOM, no runtime's types).
 * - adapters/node, adapters/bun: `@types/node` and `@types/bun`, no DOM lib.
 * - adapters/browser: the DOM lib for the page, the WebWorker lib for the worker entry.
 * - examples: every ```ts example of the docs and doc comments (scripts/check-examples.mjs).
 * - adapters/deno: `deno check` with Deno's own libs (`deno.window`, then
 *   `deno.worker` for the worker entry). It runs offline: no remote modules,
 *   no npm packages, no lockfile; Deno's libs are built into the binary.
 *
 * `adapters/shared/` has no project of its own: every project that imports a
 * shared file checks it, so it stays valid for all of them.
 *
 * The checks run as child processes, as many at once as there are CPUs; each
 * one's output is printed when it ends. Pass names (or parts of names) to run
 * only some: `npm run typecheck -- deno browser`.
 */

import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = [process.execPath, "node_modules/typescript/bin/tsc"];
const deno = [process.platform === "win32" ? "node_modules/.bin/deno.cmd" : "node_modules/.bin/deno"];
const denoCheck = [...deno, "check", "--quiet", "--no-remote", "--no-npm", "--no-lock"];

const projects = [
  { name: "root (tests, conformance, bench, examples, d.ts build)", command: [...tsc, "-p", "tsconfig.json"] },
  { name: "src (neutral)", command: [...tsc, "-p", "src/tsconfig.json"] },
  { name: "node", command: [...tsc, "-p", "adapters/node/tsconfig.json"] },
  { name: "bun", command: [...tsc, "-p", "adapters/bun/tsconfig.json"] },
  { name: "browser", command: [...tsc, "-p", "adapters/browser/tsconfig.json"] },
  { name: "browser worker", command: [...tsc, "-p", "adapters/browser/tsconfig.worker.json"] },
  { name: "deno", command: [...denoCheck, "--config", "adapters/deno/check.jsonc", "adapters/deno/index.ts", "adapters/deno/process-worker-entry.ts"] },
  {
    name: "deno worker",
    command: [...denoCheck, "--config", "adapters/deno/check.worker.jsonc", "adapters/deno/worker-entry.ts"],
  },
  { name: "examples (docs/*.md, README and doc comments)", command: [process.execPath, "scripts/check-examples.mjs"] },
];

const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? projects : projects.filter((p) => wanted.some((w) => p.name.includes(w)));
if (selected.length === 0) {
  console.error(`typecheck: no project matches ${wanted.join(", ")}; projects: ${projects.map((p) => p.name).join(", ")}`);
  process.exit(2);
}

const env = {
  ...process.env,
  DENO_NO_UPDATE_CHECK: "1",
  DENO_NO_PROMPT: "1",
  ...(process.stdout.isTTY ? {} : { NO_COLOR: "1" }),
};

/** Runs one project's check; resolves to whether it passed. */
function check(project) {
  const started = performance.now();
  return new Promise((resolve) => {
    const [file, ...args] = project.command;
    const child = spawn(file, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => {
      output += `${error.message}\n`;
    });
    child.on("close", (code) => {
      const ok = code === 0;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${ok ? "ok  " : "FAIL"} ${project.name} (${seconds}s)`);
      if (!ok || output.trim() !== "") process.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
      resolve(ok);
    });
  });
}

const started = performance.now();
const queue = [...selected];
let failed = 0;
async function worker() {
  for (let project = queue.shift(); project !== undefined; project = queue.shift()) {
    if (!(await check(project))) failed++;
  }
}
await Promise.all(Array.from({ length: Math.min(availableParallelism(), queue.length) }, worker));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`typecheck: ${selected.length - failed}/${selected.length} projects passed in ${seconds}s`);
process.exitCode = failed === 0 ? 0 : 1;
