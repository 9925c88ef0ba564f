// The subprocess benchmark alone, for any runtime (after `npm run build`):
//   node bench/process-main.ts
//   deno run -A bench/process-main.ts
//   bun bench/process-main.ts
import { benchProcess } from "./process.ts";

await benchProcess();
