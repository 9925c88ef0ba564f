// The TCP benchmark alone, for any runtime:
//   npm run bench:tcp            (Node)
//   npm run bench:tcp:deno / :bun
import { benchTcp } from "./tcp.ts";

await benchTcp();
