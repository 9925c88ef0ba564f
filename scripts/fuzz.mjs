// Runs the fuzz properties (conformance/tests/fuzz-*.test.ts) at scale under
// one or more runtimes and prints, per property, the cases run and how many
// of them broke an invariant. On a violation the test output above the table
// holds fast-check's seed and path and the shrunk program as text.
//
//   npm run fuzz                                  # default case counts, node24
//   npm run fuzz -- --runs 20000                  # 20000 cases per property
//   npm run fuzz -- --runtime deno,bun --runs 5000
//   npm run fuzz -- --seed 1234 --only task-tree  # replay one seed of one file
//
// Options: --runs N (SKEIN_FUZZ_RUNS), --seed S (SKEIN_FUZZ_SEED),
// --watchdog MS (SKEIN_FUZZ_WATCHDOG_MS), --runtime node20|node22|node24|deno|bun|chromium
// (comma-separated; default node24), --only SUBSTRING (fuzz files whose name
// contains it). It builds nothing: run `npm run build` first. Runtimes are
// launched as conformance/run.mjs launches them. In chromium the page has no
// environment: the counts come through Vite's VITE_-prefixed variables, which
// this script sets too.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { config, root, runtimes, vitest } from "../conformance/runtimes.mjs";

function usage(message) {
  console.error(`${message}\nusage: npm run fuzz -- [--runs N] [--seed S] [--watchdog MS] [--runtime ${Object.keys(runtimes).join("|")}[,...]] [--only SUBSTRING]`);
  process.exit(2);
}

const options = { runs: undefined, seed: undefined, watchdog: undefined, runtime: "node24", only: "" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
  const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
  if (flag === "--runs") options.runs = value();
  else if (flag === "--seed") options.seed = value();
  else if (flag === "--watchdog") options.watchdog = value();
  else if (flag === "--runtime") options.runtime = value();
  else if (flag === "--only") options.only = value();
  else if (flag === "--help" || flag === "-h") usage("Runs the fuzz properties at scale.");
  else usage(`unknown argument ${JSON.stringify(arg)}`);
}
for (const [name, raw] of [["--runs", options.runs], ["--seed", options.seed], ["--watchdog", options.watchdog]]) {
  if (raw !== undefined && !/^\d+$/.test(raw)) usage(`${name} takes a whole number, got ${JSON.stringify(raw)}`);
}
const selected = options.runtime.split(",").filter(Boolean);
const unknown = selected.filter((n) => !(n in runtimes));
if (selected.length === 0 || unknown.length > 0) usage(`unknown runtime ${JSON.stringify(unknown.join(",") || options.runtime)}`);
if (!existsSync(join(root, "dist", "node.js"))) {
  console.error("dist/ is missing: run `npm run build` first.");
  process.exit(2);
}

const knobs = {};
if (options.runs !== undefined) knobs.SKEIN_FUZZ_RUNS = options.runs;
if (options.seed !== undefined) knobs.SKEIN_FUZZ_SEED = options.seed;
if (options.watchdog !== undefined) knobs.SKEIN_FUZZ_WATCHDOG_MS = options.watchdog;
for (const [k, v] of Object.entries(knobs)) knobs[`VITE_${k}`] = v;

/** Runs vitest on the fuzz files under one runtime; resolves with its exit code and the SKEIN-FUZZ summary lines. */
function runOne(name) {
  const rt = runtimes[name];
  const [bin, ...pre] = rt.cmd;
  const filter = `fuzz-${options.only}`;
  const args = [...pre, "run", "--config", config, "--reporter=default", ...(rt.extra ?? []), filter];
  return new Promise((done) => {
    const child = spawn(bin, args, {
      cwd: root,
      env: { ...process.env, ...knobs, SKEIN_RUNTIME: rt.env, SKEIN_LABEL: name, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const summaries = [];
    let pending = "";
    const scan = (chunk) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const at = line.indexOf("SKEIN-FUZZ ");
        if (at < 0) continue;
        try {
          summaries.push(JSON.parse(line.slice(at + "SKEIN-FUZZ ".length)));
        } catch {
          // a line cut by the reporter: the test's own failure still counts
        }
      }
    };
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      scan(chunk.toString());
    });
    child.stderr.on("data", (chunk) => process.stderr.write(chunk));
    child.on("close", (code, signal) => {
      scan("\n");
      done({ code: code ?? signal, summaries });
    });
  });
}

const rows = [];
const problems = [];
for (const name of selected) {
  console.log(`\n=== fuzz on ${name}${options.runs ? `, ${options.runs} cases per property` : ""} ===`);
  const started = Date.now();
  const { code, summaries } = await runOne(name);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (summaries.length === 0) problems.push(`${name}: no fuzz summary in the output (vitest exited with ${code})`);
  else if (code !== 0 && summaries.every((s) => s.violatingCases === 0)) problems.push(`${name}: vitest exited with ${code}`);
  for (const s of summaries) rows.push({ runtime: name, ...s });
  console.log(`--- ${name}: ${summaries.length} properties in ${seconds}s`);
}

console.log("\nFuzz summary\n");
const header = ["runtime", "property", "cases", "violating", "seconds", "seed", "invariants broken (cases)"];
const table = rows.map((r) => [
  r.runtime,
  r.property,
  String(r.runs),
  String(r.violatingCases),
  r.seconds.toFixed(1),
  String(r.seed),
  Object.entries(r.byInvariant)
    .map(([k, n]) => `${k} (${n})`)
    .join(", ") || "-",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const fmt = (row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
console.log(fmt(header));
for (const row of table) console.log(fmt(row));
const cases = rows.reduce((n, r) => n + r.runs, 0);
const violating = rows.reduce((n, r) => n + r.violatingCases, 0);
console.log(`\nfuzz: ${cases} cases, ${violating} violating`);
if (problems.length > 0) {
  console.log("\nProblems:");
  for (const p of problems) console.log(`  - ${p}`);
}
process.exit(violating > 0 || problems.length > 0 ? 1 : 0);
