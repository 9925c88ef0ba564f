// toThread: sequential round-trip latency and throughput with 64 calls in
// flight for a trivial function, against raw postMessage on one worker, and
// on Node tinypool and piscina, in the same process (on Deno also raw
// postMessage through node:worker_threads, "raw-wt", the API its adapter
// uses: reported, not a target). Runs on Node, Deno and
// Bun (`npm run bench:thread -- deno`); benchmark code may look at globals.
//
// Every contender is made once and measured warm: the raw worker and the
// pools are created before the warm-up round, and Skein's rounds all run in
// ONE run (its pool starts its workers in the warm-up round and keeps them),
// so no contender pays worker start-up or a cold JIT in a timed round. What a
// fresh run costs (worker start-up, its first calls) is the separate "first
// call of a run" line.
import { CapacityLimiter, type Context, run, toThread, workerModule } from "skein";
import { type Contender, measure, pairedRatio, report, type Row, target, us } from "./harness.ts";

const IN_FLIGHT = 64;
const PASSES = { warmup: 2, alternate: true };
const echoModule = workerModule<{ echo(cx: Context, v: number): Promise<number> }>(
  new URL("./workers/echo.worker.js", import.meta.url),
);
const g = globalThis as Record<string, unknown>;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

interface Raw {
  call(value: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * One worker that echoes every message, called with plain postMessage: the
 * runtime's Web `Worker` ("web", Deno and Bun) or `node:worker_threads`
 * ("node"; on Node the only one, on Deno what Skein's Deno adapter uses).
 */
async function rawWorker(api: "node" | "web"): Promise<Raw> {
  const waiting = new Map<number, (v: number) => void>();
  let id = 0;
  const onReply = (m: { id: number; v: number }) => {
    const resolve = waiting.get(m.id)!;
    waiting.delete(m.id);
    resolve(m.v);
  };
  if (api === "node") {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(new URL("./workers/raw-echo-node.js", import.meta.url));
    w.on("message", onReply);
    return {
      call: (v) => new Promise((resolve) => (waiting.set(++id, resolve), w.postMessage({ id, v }))),
      close: async () => void (await w.terminate()),
    };
  }
  const W = g.Worker as new (u: URL, o: { type: "module" }) => {
    postMessage(m: unknown): void;
    onmessage: ((e: { data: { id: number; v: number } }) => void) | null;
    terminate(): void;
  };
  const w = new W(new URL("./workers/raw-echo-web.js", import.meta.url), { type: "module" });
  w.onmessage = (e) => onReply(e.data);
  return {
    call: (v) => new Promise((resolve) => (waiting.set(++id, resolve), w.postMessage({ id, v }))),
    close: async () => w.terminate(),
  };
}

async function contenders(): Promise<{ list: Contender[]; session: ReturnType<typeof skeinSession>; close(): Promise<void> }> {
  const raw = await rawWorker(runtime === "node" ? "node" : "web");
  const closers: Array<() => Promise<void>> = [() => raw.close()];
  const seq = (call: (v: number) => Promise<number>): Contender["round"] => async (n) => {
    for (let i = 0; i < n; i++) await call(i);
  };
  const list: Contender[] = [{ name: "raw", round: seq((v) => raw.call(v)) }];
  if (runtime === "deno") {
    // The API Skein's Deno adapter uses (see adapters/deno/workers.ts): the like-for-like baseline, reported beside "raw".
    const rawNode = await rawWorker("node");
    closers.push(() => rawNode.close());
    list.push({ name: "raw-wt", round: seq((v) => rawNode.call(v)) });
  }
  const session = skeinSession();
  closers.push(() => session.close());
  list.push({
    name: "skein",
    round: (n) =>
      session.round(async (cx) => {
        for (let i = 0; i < n; i++) await toThread(cx, echoModule, "echo", i);
      }),
  });
  if (runtime === "node") {
    const { default: Tinypool } = await import("tinypool");
    const { default: Piscina } = await import("piscina");
    const filename = new URL("./workers/pool-echo.js", import.meta.url).href;
    const tiny = new Tinypool({ filename });
    const pisc = new Piscina({ filename });
    closers.push(() => tiny.destroy(), () => pisc.destroy());
    list.push({ name: "tinypool", round: seq((v) => tiny.run(v)) }, { name: "piscina", round: seq((v) => pisc.run(v)) });
  }
  return { list, session, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}

/**
 * One Skein run kept open for a whole measurement: each `round` runs its body
 * in that run, so the run's worker pool stays warm between rounds (as the raw
 * worker and the pools do). `close` ends the run (and its workers).
 */
export function skeinSession(): { round(body: (cx: Context) => Promise<void>): Promise<void>; close(): Promise<void> } {
  let next: ((job: { body: (cx: Context) => Promise<void>; done: () => void } | null) => void) | null = null;
  let readyResolve!: () => void;
  let ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const ended = run(async (cx) => {
    for (;;) {
      const job = await new Promise<{ body: (cx: Context) => Promise<void>; done: () => void } | null>((resolve) => {
        next = resolve;
        readyResolve();
      });
      if (job === null) return;
      await job.body(cx);
      job.done();
    }
  });
  const post = async (job: { body: (cx: Context) => Promise<void>; done: () => void } | null) => {
    await ready;
    ready = new Promise<void>((resolve) => (readyResolve = resolve));
    next!(job);
  };
  return {
    round: (body) => new Promise<void>((done) => void post({ body, done })),
    close: async () => {
      await post(null);
      await ended;
    },
  };
}

/** The same contenders with IN_FLIGHT calls outstanding at all times. */
function inFlight(list: Contender[], session: ReturnType<typeof skeinSession>): Contender[] {
  return list.map((c) => ({
    name: c.name,
    round:
      c.name === "skein"
        ? (n: number) =>
            session.round((cx) =>
              cx.taskGroup(async (tg) => {
                // A limiter with a token per lane, so all 64 calls are in flight.
                const wide = echoModule.with({ limiter: new CapacityLimiter(IN_FLIGHT) });
                for (let t = 0; t < IN_FLIGHT; t++)
                  tg.startSoon(async (cx) => {
                    for (let i = t; i < n; i += IN_FLIGHT) await toThread(cx, wide, "echo", i);
                  });
              }),
            )
        : async (n: number) => {
            // Each lane runs its share sequentially through the contender's own call.
            await Promise.all(Array.from({ length: IN_FLIGHT }, () => c.round(Math.ceil(n / IN_FLIGHT))));
          },
  }));
}

function targets(what: string, goal: string, limit: number, rows: Row[]): void {
  // The median of per-pass ratios (see `pairedRatio`): a round trip's time
  // follows the machine's load, which moves raw and Skein alike within a pass.
  target(what, goal, pairedRatio(rows, "skein", "raw"), "lower", limit);
  console.log(`  ${what}: skein/raw ${pairedRatio(rows, "skein", "raw").toFixed(2)} (median of per-pass ratios), ${(us(rows, "skein") / us(rows, "raw")).toFixed(2)} (ratio of medians)`);
  if (rows.some((r) => r.name === "raw-wt")) {
    // Not a target: Skein against raw postMessage through the same API (worker_threads) on Deno.
    console.log(`  ${what}: skein is ${(us(rows, "skein") / us(rows, "raw-wt")).toFixed(2)}x raw worker_threads (the API the Deno adapter uses)`);
  }
  for (const pool of ["tinypool", "piscina"])
    if (rows.some((r) => r.name === pool))
      target(`${what} vs ${pool}`, ">= 1x (faster)", us(rows, pool) / us(rows, "skein"), "higher", 1);
}

export async function benchThread(): Promise<void> {
  const { list, session, close } = await contenders();
  try {
    // Many short passes, each contender's rounds alternating first and last,
    // after two warm-up rounds (on Bun one was not enough: Skein's first timed
    // round ran ~1.5-2x its median, JavaScriptCore still tiering up).
    const seq = await measure(list, 2_000, 15, PASSES);
    report(`toThread sequential round trip on ${runtime} (trivial function)`, seq, "raw", "skein");
    targets("toThread sequential", "<= 1.3x raw", 1.3, seq);
    const wide = await measure(inFlight(list, session), 8_000, 15, PASSES);
    report(`toThread throughput with ${IN_FLIGHT} calls in flight on ${runtime}`, wide, "raw", "skein");
    targets(`toThread ${IN_FLIGHT} in flight`, "<= 1.5x raw", 1.5, wide);
    // A fresh run's first call: its worker starts and loads the module (not in the rounds above).
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await run((cx) => toThread(cx, echoModule, "echo", i));
      cold.push(performance.now() - start);
    }
    cold.sort((a, b) => a - b);
    console.log(`\ntoThread first call of a new run on ${runtime} (worker start-up): ${cold[2]!.toFixed(1)} ms (median of 5)`);
  } finally {
    await close();
  }
}
