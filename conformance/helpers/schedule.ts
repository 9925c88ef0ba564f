// Shared by the schedule-point tests: bounded loops under a deadline, and
// the order of a call and a task waiting at a checkpoint.
import { expect } from "vitest";
import { type Context, run } from "skein";

/** More steps than a few milliseconds' worth on any runtime. */
export const BOUND = 300_000;

/**
 * Runs `step` up to BOUND times under a 2 ms deadline, stopping once the
 * deadline was seen (its scope cancelled, or `Cancelled` thrown); returns
 * whether it was.
 */
export async function deadlineSeen(setup: (cx: Context) => Promise<(cx: Context) => Promise<unknown>>): Promise<boolean> {
  return run((cx) => deadlineSeenIn(cx, setup));
}

/** {@link deadlineSeen} in the run of `cx` (`setup` runs before the deadline is set), at most `bound` steps. */
export async function deadlineSeenIn(
  cx: Context,
  setup: (cx: Context) => Promise<(cx: Context) => Promise<unknown>>,
  bound = BOUND,
): Promise<boolean> {
  let seen = false;
  const step = await setup(cx);
  const result = await cx.moveOnAfter(2, async (cx) => {
    for (let i = 0; i < bound && !cx.cancelScope.cancelCalled; i++) await step(cx);
    seen = cx.cancelScope.cancelCalled;
  });
  return seen || result.cancelled;
}

/** Runs `call` three times in one task and `cx.checkpoint()` three times in another, in the run of `cx`; returns the order. */
export async function interleaving(cx: Context, call: (cx: Context) => Promise<unknown>): Promise<string[]> {
  const log: string[] = [];
  await cx.taskGroup(async (tg) => {
    tg.startSoon(async (cx) => {
      for (let i = 0; i < 3; i++) {
        await call(cx);
        log.push(`a${i}`);
      }
    });
    tg.startSoon(async (cx) => {
      for (let i = 0; i < 3; i++) {
        await cx.checkpoint();
        log.push(`b${i}`);
      }
    });
  });
  return log;
}

/** Each call waited for the checkpoint tick b waits on (b, there first, may resume first): never two calls in a row without b. */
export function expectInterleaved(log: string[]): void {
  expect(log.indexOf("b0")).toBeLessThan(log.indexOf("a1"));
  expect(log.indexOf("b1")).toBeLessThan(log.indexOf("a2"));
}
