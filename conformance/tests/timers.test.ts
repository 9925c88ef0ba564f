// The run's native timer, seen through the runtime's own adapter wrapped to
// count the timers it is asked for: long delays are capped, never a 1 ms loop.
import { describe, expect, it } from "vitest";
import * as skein from "skein";
import { type Adapter, Cancelled, run } from "skein";

/** Every runtime clamps a setTimeout delay above this to 1 ms. */
const MAX_NATIVE_DELAY = 2 ** 31 - 1;
const THIRTY_DAYS = 30 * 24 * 60 * 60 * 1000;

/** The adapter of the runtime this suite runs on (nodeAdapter, denoAdapter, bunAdapter or browserAdapter). */
function runtimeAdapter(): Adapter {
  const entries = Object.entries(skein).filter(([name]) => name.endsWith("Adapter"));
  expect(entries).toHaveLength(1);
  return entries[0]![1] as Adapter;
}

/** The runtime's adapter, recording the delay of every native timer armed through it. */
function countingAdapter(delays: number[]): Adapter {
  const base = runtimeAdapter();
  return {
    ...base,
    setTimer(callback, delay) {
      delays.push(delay);
      return base.setTimer(callback, delay);
    },
  };
}

/** Resolves after `ms` on a timer the run does not own (so it is not counted). */
const foreignDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("native timer", () => {
  it("a 30-day sleep as the earliest timer arms one capped native timer, not a 1 ms loop", async () => {
    const delays: number[] = [];
    const log: string[] = [];
    await run(
      async (cx) => {
        await cx.taskGroup(async (tg) => {
          tg.startSoon(async (cx) => {
            try {
              await cx.sleep(THIRTY_DAYS);
              log.push("woke");
            } catch (error) {
              log.push(error instanceof Cancelled ? "cancelled" : "other");
              throw error;
            }
          });
          // 50 ms on a foreign timer: the 30-day sleep stays the run's earliest timer meanwhile.
          await cx.abandonOnCancel(foreignDelay(50));
          tg.cancelScope.cancel();
        });
      },
      { adapter: countingAdapter(delays) },
    );
    expect(log).toEqual(["cancelled"]);
    expect(delays.length).toBeGreaterThanOrEqual(1);
    expect(delays.length).toBeLessThanOrEqual(3);
    expect(delays.filter((d) => d > MAX_NATIVE_DELAY)).toEqual([]);
  });

  it("a 30-day sleep left as the earliest timer by an ended moveOnAfter(50) is armed capped", async () => {
    const delays: number[] = [];
    const log: string[] = [];
    await run(
      async (cx) => {
        await cx.taskGroup(async (tg) => {
          await tg.start(cx, async (cx) => {
            cx.started();
            try {
              await cx.sleep(THIRTY_DAYS);
              log.push("woke");
            } catch (error) {
              log.push(error instanceof Cancelled ? "cancelled" : "other");
              throw error;
            }
          });
          const r = await cx.moveOnAfter(50, (cx) => cx.sleep(THIRTY_DAYS));
          log.push(`moved on: ${r.cancelled}`);
          await cx.abandonOnCancel(foreignDelay(20));
          tg.cancelScope.cancel();
        });
      },
      { adapter: countingAdapter(delays) },
    );
    expect(log).toEqual(["moved on: true", "cancelled"]);
    // A few re-arms are normal: a browser's timer may fire a fraction of a ms before the
    // run's clock (performance.now()) reaches the deadline. A 1 ms loop would arm dozens.
    expect(delays.length).toBeLessThanOrEqual(12);
    expect(delays.filter((d) => d > MAX_NATIVE_DELAY)).toEqual([]);
  });
});
