// `npm run bench`: every benchmark, printing per-operation times and ratios
// against baselines measured in the same process.
import { benchProcess } from "./process.ts";
import { benchSpawn } from "./spawn.ts";
import { benchStream } from "./stream.ts";
import { benchSync } from "./sync.ts";
import { benchThread } from "./thread.ts";

console.log(`Skein benchmarks on ${process.release.name} ${process.version} (${process.arch})`);
await benchSpawn();
await benchStream();
await benchSync();
await benchThread();
await (await import("./tcp.ts")).benchTcp();
await benchProcess();
await (await import("./process-worker.ts")).benchProcessWorker();
