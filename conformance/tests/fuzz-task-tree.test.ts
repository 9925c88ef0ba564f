// Fuzz property A: random task trees (groups, startSoon/start/createTask/
// startTask into any group, task handles cancelled and awaited, cancels,
// shields, timeouts, swallowed Cancelled, foreign promises) keep the
// structured-concurrency and task-handle invariants listed in
// conformance/fuzz/task-tree.ts.
// SKEIN_FUZZ_RUNS sets the number of cases; scripts/fuzz.mjs runs it at scale.
import { it } from "vitest";
import { formatReport, fuzz, summaryLine, testTimeout } from "../fuzz/harness.ts";
import { printTree, runTreeCase, treeProgram } from "../fuzz/task-tree.ts";

const RUNS = 2000;

it(
  "fuzz A: task trees keep the structured-concurrency invariants",
  async () => {
    const report = await fuzz({ name: "A.task-trees", arbitrary: treeProgram, runCase: runTreeCase, print: printTree, defaultRuns: RUNS });
    console.log(summaryLine(report));
    if (report.violatingCases > 0) throw new Error(formatReport(report));
  },
  testTimeout(RUNS),
);
