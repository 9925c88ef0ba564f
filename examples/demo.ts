// Skein demo: the structured-concurrency model end to end, over real
// loopback sockets, on any runtime (Node, Deno, Bun).
//
//   npm install && npm run demo
//
// A small "mirror checker": a local TCP mirror server starts first (readiness
// handshake with tg.start: the port it got is handed back), then we query
// several mirrors concurrently (one TCP connection each, line-based protocol)
// under a deadline. Mirrors that answer in time are reported; the stragglers
// are cancelled when the deadline passes, their connections closed and their
// `finally` blocks run. Then a CPU-bound step runs on a worker thread while a
// ticker keeps ticking.
import {
  BufferedByteStream,
  connectTcp,
  type Context,
  createTcpListener,
  run,
  type SocketStream,
  TimeoutError,
  toThread,
  workerModule,
} from "skein";

// CPU-bound work goes to a worker thread; the module's exports type the calls.
const primes = workerModule<{ countPrimes(cx: Context, limit: number): Promise<number> }>(
  new URL("./primes.worker.js", import.meta.url),
);

const t0 = Date.now();
const log = (msg: string) => console.log(`${String(Date.now() - t0).padStart(5)} ms  ${msg}`);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = encoder.encode("\n");

/** Each mirror's latency: the server waits this long before answering it. */
const LATENCY: Record<string, number> = { eu: 90, us: 40, asia: 150, mars: 5000, moon: 900 };

/**
 * One connection of the mirror server: reads a line naming a mirror,
 * waits that mirror's latency, answers with one line. Runs as a task of the
 * listener's group; cancelling the server cancels it.
 */
async function handle(stream: SocketStream, cx: Context): Promise<void> {
  const buffered = new BufferedByteStream(stream);
  const name = decoder.decode(await buffered.receiveUntil(cx, NEWLINE, 100));
  await cx.sleep(LATENCY[name] ?? 0);
  await stream.send(cx, encoder.encode(`${name}: ok\n`));
}

/** The mirror server: listens on a free loopback port, reports it, serves until cancelled. */
async function mirrorServer(cx: Context): Promise<void> {
  await using listener = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
  cx.started(listener.port!);
  try {
    await listener.serve(cx, handle);
  } finally {
    log("  server: shut down cleanly");
  }
}

/** Queries one mirror over its own TCP connection; honours cancellation. */
async function queryMirror(cx: Context, port: number, name: string, results: string[]): Promise<void> {
  await using stream = await connectTcp(cx, "127.0.0.1", port);
  try {
    await stream.send(cx, encoder.encode(`${name}\n`));
    const buffered = new BufferedByteStream(stream);
    const answer = decoder.decode(await buffered.receiveUntil(cx, NEWLINE, 100));
    results.push(name);
    log(`mirror ${name} answered "${answer}" after ${LATENCY[name]} ms`);
  } finally {
    if (cx.isCancelled) log(`mirror ${name} cancelled (would have taken ${LATENCY[name]} ms); connection closed`);
  }
}

const summary = await run(async (cx) => {
  log(`running on the "${cx.taskName}" task; deadline ${cx.deadline}`);
  const results: string[] = [];

  await cx.taskGroup(async (tg, cx) => {
    // 1. Readiness: start() returns once the server calls cx.started(port).
    const port = await tg.start<number>(cx, mirrorServer);
    log(`server ready on 127.0.0.1:${port}`);

    // 2. Fan out under a deadline: whoever is not done in 300 ms is cancelled.
    const outcome = await cx.moveOnAfter(300, (cx) =>
      cx.taskGroup(async (inner) => {
        for (const name of Object.keys(LATENCY)) inner.startSoon(queryMirror, port, name, results);
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

    // 5. Done: cancelling the group's scope stops the server too.
    tg.cancelScope.cancel("demo finished");
  });

  return results;
});

log(`outcome: ${summary.length} mirrors answered in time: ${summary.join(", ")}`);
log("every task has ended, every socket is closed; the process exits by itself");
