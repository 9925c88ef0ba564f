// The toThread benchmark alone, for any runtime:
//   npm run bench:thread            (Node)
//   npm run bench:thread:deno / :bun
import { benchThread } from "./thread.ts";

await benchThread();
