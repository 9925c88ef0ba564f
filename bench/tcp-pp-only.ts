// Ping-pong only, Skein or raw, for profiling: bun bench/tcp-pp-only.ts [skein|raw] [repeats]
import { benchTcpPingPong } from "./tcp.ts";
await benchTcpPingPong(process.argv[2] === "raw" ? "raw" : "skein", Number(process.argv[3] ?? 5));
