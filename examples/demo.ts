// Skein demo: the structured-concurrency model end to end, on any runtime.
//
//   npm install && npm run demo
//
// A small "mirror checker": a local service starts first (readiness handshake
// with tg.start), then we query several mirrors concurrently in a task group
// under a deadline. Mirrors that answer in time are reported; the stragglers
// are cancelled when the deadline passes, and their `finally` blocks run.
// Then a CPU-bound step runs on a worker thread while a ticker keeps ticking.
import { type Context, run, TimeoutError, toThread, workerModule } from "skein";

// CPU-bound work goes to a worker thread; the module's exports type the calls.
const primes = workerModule<{ countPrimes(cx: Context, limit: number): Promise<number> }>(
  new URL("./primes.worker.js", import.meta.url),
);

const t0 = Date.now();
const log = (msg: string) => console.log(`${String(Date.now() - t0).padStart(5)} ms  ${msg}`);

/** A pretend service: takes a while to get ready, then serves until cancelled. */
async function service(cx: Context, name: string): Promise<void> {
  await cx.sleep(50); // binding a port, warming a cache...
  cx.started(`${name} on port 8080`);
  try {
    for (let tick = 1; ; tick++) {
      await cx.sleep(100);
      log(`  ${name}: heartbeat ${tick}`);
    }
  } finally {
    log(`  ${name}: shut down cleanly`);
  }
}

/** A pretend network request that honours cancellation. */
async function queryMirror(cx: Context, name: string, latency: number, results: string[]): Promise<void> {
  try {
    await cx.sleep(latency);
    results.push(name);
    log(`mirror ${name} answered after ${latency} ms`);
  } finally {
    if (cx.isCancelled) log(`mirror ${name} cancelled (would have taken ${latency} ms)`);
  }
}

const summary = await run(async (cx) => {
  log(`running on the "${cx.taskName}" task; deadline ${cx.deadline}`);
  const results: string[] = [];

  await cx.taskGroup(async (tg, cx) => {
    // 1. Readiness: start() returns once the service calls cx.started(...).
    const where = await tg.start(cx, service, "status-service");
    log(`service ready: ${where}`);

    // 2. Fan out under a deadline: whoever is not done in 300 ms is cancelled.
    const mirrors: Array<[string, number]> = [
      ["eu", 120],
      ["us", 80],
      ["asia", 260],
      ["mars", 5000],
      ["moon", 900],
    ];
    const outcome = await cx.moveOnAfter(300, (cx) =>
      cx.taskGroup(async (inner) => {
        for (const [name, latency] of mirrors) inner.startSoon(queryMirror, name, latency, results);
      }),
    );
    log(outcome.cancelled ? "deadline hit: stragglers were cancelled" : "all mirrors answered in time");

    // 3. failAfter raises instead of moving on.
    try {
      await cx.failAfter(50, (cx) => cx.sleep(1000));
    } catch (error) {
      if (error instanceof TimeoutError) log(`failAfter raised ${error.name}`);
      else throw error;
    }

    // 4. CPU-bound work on a worker thread while the event loop stays responsive:
    //    a ticker keeps ticking during the computation.
    await cx.taskGroup(async (inner, cx) => {
      inner.startSoon(async (cx) => {
        for (let tick = 1; ; tick++) {
          await cx.sleep(100);
          log(`  ticker: tick ${tick} (the event loop is free)`);
        }
      });
      const limit = 3_000_000;
      const count = await toThread(cx, primes, "countPrimes", limit);
      log(`worker counted ${count} primes below ${limit}`);
      inner.cancelScope.cancel(); // stop the ticker
    });

    // 5. Done: cancelling the group's scope stops the service too.
    tg.cancelScope.cancel("demo finished");
  });

  return results;
});

log(`outcome: ${summary.length} mirrors answered in time: ${summary.join(", ")}`);
log("every task has ended; the process exits by itself");
