// Raw baseline for toProcess: a forked child that echoes every IPC message,
// and exits when its channel closes. Node, Deno and Bun.
import process from "node:process";
process.on("message", (m) => process.send(m));
process.on("disconnect", () => process.exit(0));
