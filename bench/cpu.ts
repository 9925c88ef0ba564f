// CPU-bound scaling (node): 512 tasks of about 1 ms of arithmetic each over a
// pool of width W = 1..cores, Skein's toThread (a CapacityLimiter of W, so
// at most W workers) against tinypool and piscina with min = max = W
// threads, alternating in one process. Target: Skein at least as fast as
// both at every W. As the pools keep their threads between rounds, Skein's
// rounds at one W all run in one run (its workers start in the warm-up round).
import { CapacityLimiter, type Context, toThread, workerModule } from "skein";
import { type Contender, measure, report, target, us } from "./harness.ts";
import { skeinSession } from "./thread.ts";
import { cores, runtime } from "./runtime.ts";

const TASKS = 512;
const WORK = 300_000;
const spinModule = workerModule<{ spin(cx: Context, n: number): Promise<number> }>(
  new URL("./workers/spin.worker.js", import.meta.url),
);

export async function benchCpu(): Promise<void> {
  if (runtime !== "node") return;
  const { default: Tinypool } = await import("tinypool");
  const { default: Piscina } = await import("piscina");
  const filename = new URL("./workers/pool-spin.js", import.meta.url).href;
  for (let w = 1; w <= cores; w++) {
    const tiny = new Tinypool({ filename, minThreads: w, maxThreads: w });
    const pisc = new Piscina({ filename, minThreads: w, maxThreads: w });
    const all = (call: (v: number) => Promise<unknown>) => async (n: number) => {
      await Promise.all(Array.from({ length: n }, () => call(WORK)));
    };
    const session = skeinSession();
    const m = spinModule.with({ limiter: new CapacityLimiter(w) });
    const list: Contender[] = [
      {
        name: "skein",
        round: (n) =>
          session.round((cx) =>
            cx.taskGroup(async (tg) => {
              for (let i = 0; i < n; i++) tg.startSoon((cx) => toThread(cx, m, "spin", WORK));
            }),
          ),
      },
      { name: "tinypool", round: all((v) => tiny.run(v)) },
      { name: "piscina", round: all((v) => pisc.run(v)) },
    ];
    try {
      const rows = await measure(list, TASKS, 5);
      report(`CPU-bound: ${TASKS} tasks of ~1 ms over a pool of ${w} (of ${cores} cores)`, rows, "tinypool", "skein");
      const best = Math.min(us(rows, "tinypool"), us(rows, "piscina"));
      target(`CPU-bound ${TASKS} tasks, pool of ${w}`, ">= 1x best pool", best / us(rows, "skein"), "higher", 1);
    } finally {
      await Promise.all([tiny.destroy(), pisc.destroy(), session.close()]);
    }
  }
}
