// The conformance matrix: runs the same suite (conformance/tests) under every
// runtime and prints one table, test × runtime. It fails if any runtime fails
// a test, or if the runtimes disagree on which tests exist.
//
//   node conformance/run.mjs                  # every runtime
//   node conformance/run.mjs --runtime deno   # one (node20, node22, node24, deno, bun, chromium)
//
// Runtimes and binaries: see runtimes.mjs (all installed by `npm install`,
// except Chromium, which .ci/run installs with apt-get when missing).
//
// Every run imports the built package (dist/) through "skein", so build first.
// Plain Node ESM, no dependencies: it runs on any Node >= 20.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import { config, root, runtimes, vitest } from "./runtimes.mjs";

const resultsDir = join(root, "conformance", ".results");

const args = process.argv.slice(2);
let selected = Object.keys(runtimes);
const at = args.indexOf("--runtime");
if (at >= 0) {
  const names = (args[at + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((n) => !(n in runtimes));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`--runtime takes one or more of ${Object.keys(runtimes).join(", ")} (comma-separated), got ${JSON.stringify(args[at + 1] ?? "")}`);
    process.exit(2);
  }
  selected = names;
}
if (!existsSync(join(root, "dist", "node.js"))) {
  console.error("dist/ is missing: run `npm run build` first (npm test does).");
  process.exit(2);
}

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const results = {}; // runtime -> Map(testName -> status)
const problems = [];
for (const name of selected) {
  const rt = runtimes[name];
  const [bin, ...pre] = rt.cmd;
  const out = join(resultsDir, `${name}.json`);
  const started = Date.now();
  let version = "";
  if (name !== "chromium") {
    const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
    version = (v.stdout || "").split("\n")[0].trim();
  }
  console.log(`\n=== ${name} ${version ? `(${version})` : ""} ===`);
  const run = spawnSync(
    bin,
    [...pre, "run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...(rt.extra ?? [])],
    { cwd: root, stdio: "inherit", env: { ...process.env, SKEIN_RUNTIME: rt.env, SKEIN_LABEL: name, FORCE_COLOR: "0" }, timeout: 15 * 60_000 },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const tests = new Map();
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, "utf8"));
    for (const file of report.testResults ?? []) {
      const fileName = file.name.replace(/^.*conformance[\\/]tests[\\/]/, "");
      for (const t of file.assertionResults ?? []) tests.set(`${fileName} > ${t.fullName}`, t.status);
      if ((file.assertionResults ?? []).length === 0 && file.status === "failed") tests.set(`${fileName} (file failed to load)`, "failed");
    }
  }
  results[name] = tests;
  if (run.status !== 0) problems.push(`${name}: vitest exited with ${run.status ?? run.signal ?? run.error?.message} after ${seconds}s`);
  if (tests.size === 0) problems.push(`${name}: no test results`);
  console.log(`--- ${name}: ${tests.size} tests in ${seconds}s`);
}

// The matrix.
const allTests = [...new Set(selected.flatMap((n) => [...results[n].keys()]))].sort();
const mark = (s) => (s === "passed" ? "ok" : s === undefined ? "--" : s === "failed" ? "FAIL" : s);
const width = Math.min(90, Math.max(...allTests.map((t) => t.length), 10));
console.log(`\nConformance matrix (${allTests.length} tests × ${selected.length} runtimes)\n`);
console.log(`${"test".padEnd(width)} ${selected.map((n) => n.padStart(8)).join(" ")}`);
let passed = 0;
let failed = 0;
for (const test of allTests) {
  const cells = selected.map((n) => results[n].get(test));
  const label = test.length > width ? `…${test.slice(test.length - width + 1)}` : test;
  console.log(`${label.padEnd(width)} ${cells.map((c) => mark(c).padStart(8)).join(" ")}`);
  for (const [i, c] of cells.entries()) {
    if (c === "passed") passed++;
    else {
      failed++;
      problems.push(`${selected[i]}: ${test}: ${c ?? "missing (runtimes disagree)"}`);
    }
  }
}
console.log(`\n${"totals".padEnd(width)} ${selected.map((n) => `${[...results[n].values()].filter((s) => s === "passed").length}/${allTests.length}`.padStart(8)).join(" ")}`);
if (problems.length > 0) {
  console.log("\nProblems:");
  for (const p of [...new Set(problems)]) console.log(`  - ${p}`);
}
console.log(`\nconformance: ${passed} passed, ${failed} failed`);
process.exit(problems.length > 0 ? 1 : 0);
