// Memory per blocked task: N Skein tasks blocked on one Event against N raw
// async functions awaiting one promise (their promises held by Promise.all,
// as a group holds its tasks). Bytes per task = (heap used after a full GC
// with all N blocked - heap used after a full GC before) / N. Skein and raw
// alternate in one process; the figure is the median of the rounds.
// N is 1M where the runtime can force a GC (see runtime.ts for how each one
// measures); where it cannot (node without --expose-gc) the bench is skipped
// rather than reporting a figure polluted by garbage.
import { type Context, Event, Lock, run } from "skein";
import { target } from "./harness.ts";
import { canForceGc, fullGc, heapUsed, runtime } from "./runtime.ts";

async function rawBytes(n: number): Promise<number> {
  fullGc();
  const before = heapUsed();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const blocked = async (): Promise<void> => {
    await gate;
  };
  const ps: Promise<void>[] = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = blocked();
  const all = Promise.all(ps);
  await new Promise((r) => setTimeout(r, 0));
  fullGc();
  const bytes = heapUsed() - before;
  release();
  await all;
  return bytes / n;
}

/**
 * `wait` blocks the task; the event's waits in one scope share one waiter
 * (src/sync/event.ts, "Batches"), so the information row below measures a
 * wait that cannot share (each task queued on its own for one `Lock`).
 */
async function skeinBytes(n: number, on: "event" | "lock" = "event"): Promise<number> {
  fullGc();
  const before = heapUsed();
  let bytes = 0;
  await run((cx) =>
    cx.taskGroup(async (tg, cx) => {
      const ev = new Event();
      const lock = new Lock();
      if (on === "lock") await lock.acquire(cx);
      let started = 0;
      // One body shared by every task, as the raw side shares `blocked`
      // (a closure made per task would add its bytes, 56 on node, to Skein's side).
      const blocked =
        on === "event"
          ? async (cx: Context): Promise<void> => {
              started++;
              await ev.wait(cx);
            }
          : async (cx: Context): Promise<void> => {
              started++;
              await lock.acquire(cx);
              lock.release(cx);
            };
      for (let i = 0; i < n; i++) tg.startSoon(blocked);
      while (started < n) await cx.checkpoint();
      await cx.checkpoint(); // the last starters are now parked on the event
      fullGc();
      bytes = heapUsed() - before;
      if (on === "event") ev.set();
      else tg.cancelScope.cancel();
    }),
  );
  return bytes / n;
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;

export async function benchMemory(): Promise<void> {
  if (!canForceGc) {
    console.log(`\nmemory per blocked task: skipped (${runtime} cannot force a GC here; run node with --expose-gc)`);
    return;
  }
  const n = 1_000_000;
  const raw: number[] = [];
  const skein: number[] = [];
  for (let r = 0; r < 5; r++) {
    raw.push(await rawBytes(n));
    skein.push(await skeinBytes(n));
  }
  const rb = median(raw);
  const sb = median(skein);
  console.log(`\nmemory per blocked task, ${n} tasks on one Event vs ${n} async functions awaiting one promise (${runtime})`);
  console.log(`  raw      ${rb.toFixed(0).padStart(6)} B/task`);
  console.log(`  skein    ${sb.toFixed(0).padStart(6)} B/task  (${(sb / rb).toFixed(2)}x raw)`);
  target("memory per blocked task, 1M", "<= 1.5x raw bytes", sb / rb, "lower", 1.5);
  // Information, no target: a wait that cannot share its waiter (three rounds).
  const lockBytes: number[] = [];
  for (let r = 0; r < 3; r++) lockBytes.push(await skeinBytes(n, "lock"));
  const lb = median(lockBytes);
  console.log(`  (info) skein, ${n} tasks queued on one Lock, each with its own waiter: ${lb.toFixed(0)} B/task (${(lb / rb).toFixed(2)}x raw)`);
}
