// Fuzz property C: Lock, Semaphore, CapacityLimiter, Condition and Event under
// random cancellation never exceed their limit, return to their baseline and
// never deadlock (see conformance/fuzz/sync.ts).
// SKEIN_FUZZ_RUNS sets the number of cases; scripts/fuzz.mjs runs it at scale.
import { it } from "vitest";
import { formatReport, fuzz, summaryLine, testTimeout } from "../fuzz/harness.ts";
import { printSync, runSyncCase, syncProgram } from "../fuzz/sync.ts";

const RUNS = 1200;

it(
  "fuzz C: sync primitives keep their limit and baseline under cancellation",
  async () => {
    const report = await fuzz({ name: "C.sync-primitives", arbitrary: syncProgram, runCase: runSyncCase, print: printSync, defaultRuns: RUNS });
    console.log(summaryLine(report));
    if (report.violatingCases > 0) throw new Error(formatReport(report));
  },
  testTimeout(RUNS),
);
