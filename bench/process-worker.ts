// toProcess: sequential round-trip latency of a trivial function through a
// worker process, against toThread and a raw child-process ping-pong
// (node:child_process fork with the same "advanced" serialization,
// process.send / on("message")), in the same process; plus the cold cost of
// a run whose first call starts the worker. Runs on Node, Deno and Bun:
//   node bench/process-worker-main.ts | deno run -A … | bun …   (after `npm run build`)
//
// Medians of 3 runs on a shared, noisy 2-core machine (2026-11-23; node 24,
// deno 2.9.6, bun 1.4.5), warm round trip in µs (raw fork / toProcess /
// toThread), and a run with one call in ms (toProcess / toThread):
//   node  43 / 49 / 32     79 / 66
//   deno  44 / 100 / 40    73 / 51
//   bun   25 / 38 / 27     46 / 30
// On Deno toProcess is about 2x the raw ping-pong in every run (Node and Bun
// 1.0-1.6x); where the difference goes is not yet known.
import { fork } from "node:child_process";
import { type Context, run, toProcess, toThread, workerModule } from "skein";
import { type Contender, measure, report } from "./harness.ts";

const echoModule = workerModule<{ echo(cx: Context, v: number): Promise<number> }>(
  new URL("./workers/echo.worker.js", import.meta.url),
);
const g = globalThis as Record<string, unknown>;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

/** A forked child echoing every message, called one message at a time. */
function rawChild(): { call(v: number): Promise<number>; close(): Promise<void> } {
  const child = fork(new URL("./workers/raw-echo-process.js", import.meta.url).pathname, [], {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<number, (v: number) => void>();
  let id = 0;
  child.on("message", (m: { id: number; v: number }) => {
    const resolve = waiting.get(m.id)!;
    waiting.delete(m.id);
    resolve(m.v);
  });
  return {
    call: (v) => new Promise((resolve) => (waiting.set(++id, resolve), child.send({ id, v }))),
    close: () => new Promise((resolve) => (child.once("exit", () => resolve()), child.kill("SIGKILL"))),
  };
}

export async function benchProcessWorker(): Promise<void> {
  const raw = rawChild();
  try {
    // One run for the warm measurement, so each pool starts its worker once (in the warm-up round).
    await run(async (cx) => {
      const list: Contender[] = [
        {
          name: "raw fork",
          async round(n) {
            for (let i = 0; i < n; i++) await raw.call(i);
          },
        },
        {
          name: "toProcess",
          async round(n) {
            for (let i = 0; i < n; i++) await toProcess(cx, echoModule, "echo", i);
          },
        },
        {
          name: "toThread",
          async round(n) {
            for (let i = 0; i < n; i++) await toThread(cx, echoModule, "echo", i);
          },
        },
      ];
      report(`toProcess sequential round trip on ${runtime} (trivial function, warm pool)`, await measure(list, 2_000), "raw fork", "toProcess");
    });
  } finally {
    await raw.close();
  }
  // Cold: a whole run with one call, which starts (and at its end kills) the worker.
  const cold: Contender[] = [
    { name: "toProcess", round: async (n) => { for (let i = 0; i < n; i++) await run((cx) => toProcess(cx, echoModule, "echo", i)); } },
    { name: "toThread", round: async (n) => { for (let i = 0; i < n; i++) await run((cx) => toThread(cx, echoModule, "echo", i)); } },
  ];
  report(`a run with one call (worker start-up included) on ${runtime}`, await measure(cold, 5), "toThread", "toProcess");
}
