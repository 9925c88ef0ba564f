// runProcess of a trivial command (`true`, stdout and stderr piped and
// collected) against the same thing done by hand with node:child_process
// (which every runtime here has; on Deno it is built on Deno.Command, the
// API the Deno adapter uses). Target: runProcess within 1.2x of raw.
import { spawn } from "node:child_process";
import { run, runProcess } from "skein";
import { measure, report } from "./harness.ts";

function rawOnce(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("true", [], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

export async function benchProcess(): Promise<void> {
  const rows = await measure(
    [
      {
        name: "raw spawn",
        async round(n) {
          for (let i = 0; i < n; i++) await rawOnce();
        },
      },
      {
        name: "runProcess",
        round: (n) =>
          run(async (cx) => {
            for (let i = 0; i < n; i++) await runProcess(cx, ["true"]);
          }),
      },
    ],
    100,
    3,
  );
  report("runProcess(['true']) vs raw node:child_process spawn, per process", rows, "raw spawn", "runProcess");
}
