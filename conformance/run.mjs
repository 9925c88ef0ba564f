// The conformance matrix: runs the same suite (conformance/tests) under every
// runtime and prints one table, test × runtime. It fails if any runtime fails
// a test, cannot run at all, or if the runtimes disagree on which tests exist.
//
//   node conformance/run.mjs                          # every runtime
//   node conformance/run.mjs --runtime deno           # some (node20, node22, node24, node26, deno, bun, chromium; comma-separated)
//   node conformance/run.mjs --runtime deno -- sync   # only the test files whose path contains "sync"
//
// Runtimes and binaries: see runtimes.mjs (all installed by `npm install`,
// except Chromium, which `npm test` installs with apt-get when missing).
//
// Honest counts: before running anything, each selected runtime is checked
// (binary answers `--version`, its dist/ entry exists, Chromium exists); one
// that cannot start is reported first, once, in one line, as
// "<runtime> not run: <cause>", and left out of the matrix instead of being
// counted as every test failing. A test file that fails to load on a runtime
// is one problem with its error, not one "missing" line per test in it.
//
// Results (SKEIN_RESULTS_DIR moves them): conformance/.results/<runtime>.json (vitest's JSON report) and
// <runtime>.summary.json (version, counts, or why it did not run), which
// scripts/runtime-table.mjs turns into the README's runtime table.
//
// Every run imports the built package (dist/) through "skein", so build first.
// Plain Node ESM, no dependencies: it runs on any Node >= 20.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { config, preflight, root, runtimes } from "./runtimes.mjs";

// SKEIN_RESULTS_DIR moves the results elsewhere (test/conformance-runner.test.ts does, to leave the real ones alone).
const resultsDir = process.env.SKEIN_RESULTS_DIR || join(root, "conformance", ".results");

const dashes = process.argv.indexOf("--");
const args = dashes >= 0 ? process.argv.slice(2, dashes) : process.argv.slice(2);
const filters = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
let selected = Object.keys(runtimes);
const at = args.indexOf("--runtime");
if (at >= 0) {
  const names = (args[at + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((n) => !(n in runtimes));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`--runtime takes one or more of ${Object.keys(runtimes).join(", ")} (comma-separated), got ${JSON.stringify(args[at + 1] ?? "")}`);
    process.exit(2);
  }
  selected = [...new Set(names)];
}
if (!existsSync(join(root, "dist", "node.js"))) {
  console.error("conformance: dist/ is missing: run `npm run build` first (npm test does).");
  process.exit(2);
}

// Root causes first: every runtime that cannot start, one line each, before any output of the suite.
const checked = new Map(selected.map((name) => [name, preflight(name)]));
const notRun = new Map(); // runtime -> cause
for (const [name, check] of checked) {
  if (check.cause) {
    notRun.set(name, check.cause);
    console.log(`conformance: ${name} not run: ${check.cause}`);
  }
}

mkdirSync(resultsDir, { recursive: true });
for (const name of selected) {
  rmSync(join(resultsDir, `${name}.json`), { force: true });
  rmSync(join(resultsDir, `${name}.summary.json`), { force: true });
}

/** Runs one command, streaming its output, and resolves with its exit and its first stderr line that names an error. */
function launch(bin, argv, env) {
  return new Promise((resolveRun) => {
    let firstError = "";
    let lastLine = "";
    let pending = "";
    const child = spawn(bin, argv, { cwd: root, env, stdio: ["ignore", "inherit", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.map((l) => l.trim()).filter(Boolean)) {
        lastLine = line;
        if (!firstError && /error/i.test(line)) firstError = line;
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolveRun({ status: null, signal: null, why: error.message });
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (pending.trim()) lastLine = pending.trim();
      resolveRun({ status, signal, why: firstError || lastLine });
    });
  });
}

const oneLine = (text) => `${text ?? ""}`.trim().split("\n")[0].slice(0, 300);

const results = {}; // runtime -> Map(testName -> status)
const loadFailures = {}; // runtime -> Map(file -> first line of its error)
const seconds = {};
const problems = [...notRun].map(([name, cause]) => `${name}: not run: ${cause}`);
const ran = selected.filter((n) => !notRun.has(n));
for (const name of ran) {
  const rt = runtimes[name];
  const [bin, ...pre] = rt.cmd;
  const out = join(resultsDir, `${name}.json`);
  const started = Date.now();
  const version = checked.get(name).version;
  console.log(`\n=== ${name} (${version}) ===`);
  const run = await launch(
    bin,
    [...pre, "run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...(rt.extra ?? []), ...filters],
    { ...process.env, SKEIN_RUNTIME: rt.env, SKEIN_LABEL: name, FORCE_COLOR: "0" },
  );
  seconds[name] = (Date.now() - started) / 1000;
  const tests = new Map();
  const failedFiles = new Map();
  let files = 0;
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, "utf8"));
    for (const file of report.testResults ?? []) {
      files++;
      const fileName = file.name.replace(/^.*conformance[\\/]tests[\\/]/, "");
      for (const t of file.assertionResults ?? []) tests.set(`${fileName} > ${t.fullName}`, t.status);
      if ((file.assertionResults ?? []).length === 0 && file.status === "failed") failedFiles.set(fileName, oneLine(file.message) || "no message");
    }
  }
  if (tests.size === 0) {
    // Nothing ran: the runtime could not run the suite at all. One cause, not one failure per file.
    const cause =
      failedFiles.size > 0
        ? `every test file failed to load (${failedFiles.size}), the first with: ${[...failedFiles.values()][0]}`
        : `vitest exited with ${run.status ?? run.signal} after ${seconds[name].toFixed(1)}s without a test result${run.why ? `: ${oneLine(run.why)}` : ""}`;
    notRun.set(name, cause);
    problems.unshift(`${name}: not run: ${cause}`);
    console.log(`--- ${name}: not run: ${cause}`);
    continue;
  }
  results[name] = tests;
  loadFailures[name] = failedFiles;
  for (const [file, message] of failedFiles) problems.push(`${name}: ${file} failed to load: ${message}`);
  if (run.status !== 0 && [...tests.values()].every((s) => s === "passed") && failedFiles.size === 0) {
    problems.push(`${name}: vitest exited with ${run.status ?? run.signal} after ${seconds[name].toFixed(1)}s${run.why ? `: ${oneLine(run.why)}` : ""}`);
  }
  console.log(`--- ${name}: ${tests.size} tests in ${files} files in ${seconds[name].toFixed(1)}s`);
}

// The matrix, over the runtimes that ran.
const columns = selected.filter((n) => !notRun.has(n));
const allTests = [...new Set(columns.flatMap((n) => [...results[n].keys()]))].sort();
const fileOf = (test) => test.split(" > ")[0];
const cell = (name, test) => results[name].get(test) ?? (loadFailures[name].has(fileOf(test)) ? "load" : undefined);
const mark = (s) => (s === "passed" ? "ok" : s === undefined ? "--" : s === "failed" ? "FAIL" : s === "load" ? "LOAD" : s);
const width = Math.min(90, Math.max(...allTests.map((t) => t.length), 10));
console.log(`\nConformance matrix (${allTests.length} tests × ${columns.length} runtimes${notRun.size > 0 ? `; not run: ${[...notRun.keys()].join(", ")}` : ""})\n`);
if (columns.length > 0) console.log(`${"test".padEnd(width)} ${columns.map((n) => n.padStart(8)).join(" ")}`);
else console.log("no runtime ran.");
let passed = 0;
let failed = 0;
for (const test of allTests) {
  const cells = columns.map((n) => cell(n, test));
  const label = test.length > width ? `…${test.slice(test.length - width + 1)}` : test;
  console.log(`${label.padEnd(width)} ${cells.map((c) => mark(c).padStart(8)).join(" ")}`);
  for (const [i, c] of cells.entries()) {
    if (c === "passed") passed++;
    else {
      failed++;
      if (c !== "load") problems.push(`${columns[i]}: ${test}: ${c ?? "missing (runtimes disagree)"}`);
    }
  }
}

// Per runtime: passed out of the matrix's tests, or why it did not run.
const summaries = selected.map((name) => {
  const base = { runtime: name, label: runtimes[name].label, version: checked.get(name).version ?? null, filtered: filters.length > 0, at: new Date().toISOString() };
  if (notRun.has(name)) return { ...base, ran: false, cause: notRun.get(name) };
  const ok = [...results[name].values()].filter((s) => s === "passed").length;
  return { ...base, ran: true, passed: ok, total: allTests.length, seconds: Math.round(seconds[name]) };
});
for (const s of summaries) writeFileSync(join(resultsDir, `${s.runtime}.summary.json`), `${JSON.stringify(s, null, 2)}\n`);

console.log("\ntotals");
for (const s of summaries) {
  console.log(`  ${s.runtime.padEnd(9)} ${s.ran ? `${s.passed}/${s.total}${s.passed === s.total ? "" : `, ${s.total - s.passed} failing`} (${s.seconds}s)` : `not run: ${s.cause}`}`);
}
if (problems.length > 0) {
  console.log("\nProblems:");
  for (const p of [...new Set(problems)]) console.log(`  - ${p}`);
}
console.log(`\nconformance: ${passed} passed, ${failed} failed${notRun.size > 0 ? `, ${notRun.size} runtime${notRun.size > 1 ? "s" : ""} not run (${[...notRun.keys()].join(", ")})` : ""}`);
process.exit(problems.length > 0 ? 1 : 0);
