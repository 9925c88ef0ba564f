// The toProcess benchmark alone, for any runtime (after `npm run build`):
//   node bench/process-worker-main.ts
//   deno run -A bench/process-worker-main.ts
//   bun bench/process-worker-main.ts
import { benchProcessWorker } from "./process-worker.ts";

await benchProcessWorker();
