// toThread: sequential round-trip latency and throughput with 64 calls in
// flight for a trivial function, against raw postMessage on one worker, and
// on Node tinypool and piscina, in the same process. Runs on Node, Deno and
// Bun (`npm run bench:thread -- deno`); benchmark code may look at globals.
import { CapacityLimiter, type Context, run, toThread, workerModule } from "skein";
import { type Contender, measure, report, type Row, target, us } from "./harness.ts";

const IN_FLIGHT = 64;
const echoModule = workerModule<{ echo(cx: Context, v: number): Promise<number> }>(
  new URL("./workers/echo.worker.js", import.meta.url),
);
const g = globalThis as Record<string, unknown>;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

interface Raw {
  call(value: number): Promise<number>;
  close(): Promise<void>;
}

async function rawWorker(): Promise<Raw> {
  const waiting = new Map<number, (v: number) => void>();
  let id = 0;
  const onReply = (m: { id: number; v: number }) => {
    const resolve = waiting.get(m.id)!;
    waiting.delete(m.id);
    resolve(m.v);
  };
  if (runtime === "node") {
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

async function contenders(): Promise<{ list: Contender[]; close(): Promise<void> }> {
  const raw = await rawWorker();
  const closers: Array<() => Promise<void>> = [() => raw.close()];
  const seq = (call: (v: number) => Promise<number>): Contender["round"] => async (n) => {
    for (let i = 0; i < n; i++) await call(i);
  };
  const list: Contender[] = [{ name: "raw", round: seq((v) => raw.call(v)) }];
  list.push({
    name: "skein",
    async round(n) {
      await run(async (cx) => {
        for (let i = 0; i < n; i++) await toThread(cx, echoModule, "echo", i);
      });
    },
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
  return { list, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}

/** The same contenders with IN_FLIGHT calls outstanding at all times. */
function inFlight(list: Contender[]): Contender[] {
  return list.map((c) => ({
    name: c.name,
    round:
      c.name === "skein"
        ? async (n: number) => {
            await run((cx) =>
              cx.taskGroup(async (tg) => {
                // A limiter with a token per lane, so all 64 calls are in flight.
                const wide = echoModule.with({ limiter: new CapacityLimiter(IN_FLIGHT) });
                for (let t = 0; t < IN_FLIGHT; t++)
                  tg.startSoon(async (cx) => {
                    for (let i = t; i < n; i += IN_FLIGHT) await toThread(cx, wide, "echo", i);
                  });
              }),
            );
          }
        : async (n: number) => {
            // Each lane runs its share sequentially through the contender's own call.
            await Promise.all(Array.from({ length: IN_FLIGHT }, () => c.round(Math.ceil(n / IN_FLIGHT))));
          },
  }));
}

function targets(what: string, goal: string, limit: number, rows: Row[]): void {
  target(what, goal, us(rows, "skein") / us(rows, "raw"), "lower", limit);
  for (const pool of ["tinypool", "piscina"])
    if (rows.some((r) => r.name === pool))
      target(`${what} vs ${pool}`, ">= 1x (faster)", us(rows, pool) / us(rows, "skein"), "higher", 1);
}

export async function benchThread(): Promise<void> {
  const { list, close } = await contenders();
  try {
    const seq = await measure(list, 5_000);
    report(`toThread sequential round trip on ${runtime} (trivial function)`, seq, "raw", "skein");
    targets("toThread sequential", "<= 1.3x raw", 1.3, seq);
    const wide = await measure(inFlight(list), 20_000);
    report(`toThread throughput with ${IN_FLIGHT} calls in flight on ${runtime}`, wide, "raw", "skein");
    targets(`toThread ${IN_FLIGHT} in flight`, "<= 1.5x raw", 1.5, wide);
  } finally {
    await close();
  }
}
