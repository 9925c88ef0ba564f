// `npm run bench`: every benchmark, printing per-operation times and ratios
// against baselines measured in the same process.
import { benchSpawn } from "./spawn.ts";

console.log(`Skein benchmarks on ${process.release.name} ${process.version} (${process.arch})`);
await benchSpawn();
