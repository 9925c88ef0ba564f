// The timer queue: one native timer for many entries, fired in (deadline, insertion) order.
import { describe, expect, it } from "vitest";
import type { Adapter } from "../src/core/adapter.ts";
import { TimerQueue, type TimerEntry } from "../src/core/timer-queue.ts";

/** Above this every runtime clamps a setTimeout delay to 1 ms; the fake does the same. */
const MAX_NATIVE_DELAY = 2 ** 31 - 1;
const DAY = 24 * 60 * 60 * 1000;

function fakeAdapter() {
  let now = 0;
  const timers = new Map<number, { at: number; cb: () => void }>();
  const delays: number[] = [];
  let next = 1;
  const adapter: Adapter = {
    name: "fake",
    now: () => now,
    setTimer: (cb, delay) => {
      delays.push(delay);
      timers.set(next, { at: now + (delay > MAX_NATIVE_DELAY ? 1 : delay), cb });
      return next++;
    },
    clearTimer: (h) => void timers.delete(h as number),
    yieldMacrotask: (cb) => cb(),
    reportError: (e) => {
      throw e;
    },
  };
  const advance = (to: number) => {
    now = to;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      due[1].cb();
    }
  };
  return { adapter, advance, armed: () => timers.size, delays };
}

function entry(deadline: number, log: string[], name: string): TimerEntry {
  return { deadline, heapIndex: -1, timerSeq: 0, onTimer: () => log.push(name) };
}

describe("TimerQueue", () => {
  it("fires entries in deadline order, ties in insertion order, with at most one native timer", () => {
    const { adapter, advance, armed } = fakeAdapter();
    const q = new TimerQueue(adapter);
    const log: string[] = [];
    const names = [
      [50, "c"],
      [10, "a"],
      [30, "b1"],
      [30, "b2"],
      [70, "d"],
    ] as const;
    for (const [t, n] of names) q.schedule(entry(t, log, n));
    expect(armed()).toBe(1);
    advance(30);
    expect(log).toEqual(["a", "b1", "b2"]);
    expect(armed()).toBe(1);
    advance(100);
    expect(log).toEqual(["a", "b1", "b2", "c", "d"]);
    expect(armed()).toBe(0);
    expect(q.size).toBe(0);
  });

  it("removes and reschedules entries; an empty queue holds no native timer", () => {
    const { adapter, advance, armed } = fakeAdapter();
    const q = new TimerQueue(adapter);
    const log: string[] = [];
    const es = Array.from({ length: 100 }, (_, i) => entry(1000 - i, log, String(i)));
    for (const e of es) q.schedule(e);
    for (let i = 0; i < 100; i += 2) q.remove(es[i]!);
    es[1]!.deadline = 5;
    q.schedule(es[1]!);
    advance(5);
    expect(log).toEqual(["1"]);
    for (let i = 3; i < 100; i += 2) q.remove(es[i]!);
    expect(q.size).toBe(0);
    expect(armed()).toBe(0);
  });
});

describe("TimerQueue moves", () => {
  it("a queued entry moved later or earlier fires in its new place; a removal from the middle keeps the order", () => {
    const { adapter, advance } = fakeAdapter();
    const q = new TimerQueue(adapter);
    const log: string[] = [];
    const es = Array.from({ length: 20 }, (_, i) => entry(10 * (i + 1), log, String(10 * (i + 1)))); // named by their first deadline
    for (const e of es) q.schedule(e);
    es[0]!.deadline = 155; // the earliest moves down the heap
    q.schedule(es[0]!);
    es[19]!.deadline = 5; // the latest moves up to the top
    q.schedule(es[19]!);
    q.remove(es[9]!); // 100, from the middle
    q.remove(es[4]!); // 50
    advance(1000);
    expect(log).toEqual(["200", "20", "30", "40", "60", "70", "80", "90", "110", "120", "130", "140", "150", "10", "160", "170", "180", "190"]);
    expect(q.size).toBe(0);
  });

  it("random schedules, moves and removals fire in (deadline, insertion) order", () => {
    let seed = 12345;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 50; round++) {
      const { adapter, advance } = fakeAdapter();
      const q = new TimerQueue(adapter);
      const log: string[] = [];
      const live = new Map<TimerEntry, number>(); // entry -> the order it was last (re)queued in
      const es: TimerEntry[] = [];
      let order = 0;
      for (let step = 0; step < 60; step++) {
        const op = random(4);
        if (op < 2 || es.length === 0) {
          const e = entry(1 + random(30), log, String(es.length));
          es.push(e);
          q.schedule(e);
          live.set(e, order++);
        } else {
          const e = es[random(es.length)]!;
          if (op === 2) {
            e.deadline = 1 + random(30);
            q.schedule(e); // queued: a move, its place among equals kept; not queued: added anew
            if (!live.has(e)) live.set(e, order++);
          } else {
            q.remove(e);
            live.delete(e);
          }
        }
      }
      const expected = [...live]
        .sort(([a, ai], [b, bi]) => a.deadline - b.deadline || a.timerSeq - b.timerSeq || ai - bi)
        .map(([e]) => String(es.indexOf(e)));
      advance(100);
      expect(log).toEqual(expected);
      expect(q.size).toBe(0);
    }
  });
});

describe("TimerQueue with deadlines past the native limit", () => {
  it("caps the native delay and re-arms when it fires early, never a 1 ms loop", () => {
    const { adapter, advance, armed, delays } = fakeAdapter();
    const q = new TimerQueue(adapter);
    const log: string[] = [];
    q.schedule(entry(30 * DAY, log, "month"));
    expect(armed()).toBe(1);
    for (let t = 1; t <= 10; t++) advance(t); // a clamped timer would fire (and re-arm) at each step
    expect(delays).toEqual([MAX_NATIVE_DELAY]);
    advance(MAX_NATIVE_DELAY); // the capped timer fires early: nothing is due, it re-arms for the rest
    expect(log).toEqual([]);
    expect(delays).toEqual([MAX_NATIVE_DELAY, 30 * DAY - MAX_NATIVE_DELAY]);
    advance(30 * DAY - 1);
    expect(log).toEqual([]);
    advance(30 * DAY);
    expect(log).toEqual(["month"]);
    expect(armed()).toBe(0);
    expect(delays.every((d) => d <= MAX_NATIVE_DELAY)).toBe(true);
  });

  it("an entry due before a capped native timer re-arms it; one due after does not", () => {
    const { adapter, advance, delays } = fakeAdapter();
    const q = new TimerQueue(adapter);
    const log: string[] = [];
    q.schedule(entry(60 * DAY, log, "two months"));
    q.schedule(entry(40 * DAY, log, "40 days")); // later than the capped timer: no new native timer
    expect(delays).toEqual([MAX_NATIVE_DELAY]);
    q.schedule(entry(10, log, "soon"));
    expect(delays).toEqual([MAX_NATIVE_DELAY, 10]);
    advance(10);
    expect(log).toEqual(["soon"]);
    for (let t = 10 * DAY; t <= 70 * DAY; t += 10 * DAY) advance(t);
    expect(log).toEqual(["soon", "40 days", "two months"]);
    expect(delays.every((d) => d <= MAX_NATIVE_DELAY)).toBe(true);
  });
});
