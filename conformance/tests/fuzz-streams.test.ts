// Fuzz property B: memory object streams and Queue under random buffer sizes,
// clones, closes and cancellation deliver every item exactly once and only
// items whose send/put returned (see conformance/fuzz/streams.ts).
// SKEIN_FUZZ_RUNS sets the number of cases; scripts/fuzz.mjs runs it at scale.
import { it } from "vitest";
import { formatReport, fuzz, summaryLine, testTimeout } from "../fuzz/harness.ts";
import { printQueue, printStream, queueProgram, runQueueCase, runStreamCase, streamProgram } from "../fuzz/streams.ts";

const STREAM_RUNS = 1000;
const QUEUE_RUNS = 800;

it(
  "fuzz B: memory object streams deliver every sent item exactly once",
  async () => {
    const report = await fuzz({ name: "B.memory-streams", arbitrary: streamProgram, runCase: runStreamCase, print: printStream, defaultRuns: STREAM_RUNS });
    console.log(summaryLine(report));
    if (report.violatingCases > 0) throw new Error(formatReport(report));
  },
  testTimeout(STREAM_RUNS),
);

it(
  "fuzz B: Queue delivers every put item exactly once",
  async () => {
    const report = await fuzz({ name: "B.queue", arbitrary: queueProgram, runCase: runQueueCase, print: printQueue, defaultRuns: QUEUE_RUNS });
    console.log(summaryLine(report));
    if (report.violatingCases > 0) throw new Error(formatReport(report));
  },
  testTimeout(QUEUE_RUNS),
);
