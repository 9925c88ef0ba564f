// Tiny benchmark harness: warm up, then take the median of several timed
// rounds. Times are wall-clock by default: read the ratios (all contenders run
// in the same process, interleaved), not the absolute numbers. On a loaded
// machine, `--clock cpu` (or SKEIN_BENCH_CLOCK=cpu) times rounds by the
// process's CPU time (user + system, `process.cpuUsage`) instead: time spent
// waiting for a core no longer counts, so ratios hold under load. CPU time
// counts every thread of the process (GC helpers, workers), so use it for
// single-threaded benches (spawn, stream, sync), not for thread pools.
// Each bench also records its issue-14 targets with `target`; `summary()`
// returns them for the one table `npm run bench` ends with.
import { runtime } from "./runtime.ts";

export interface Contender {
  name: string;
  /** Runs one round of `n` operations. */
  round(n: number): Promise<void>;
}

export interface Row {
  name: string;
  /** Median of the timed rounds. */
  usPerOp: number;
  /** Every timed round (µs per op), in the order they ran: round i of every contender ran in the same pass. */
  samples: number[];
}

const g = globalThis as Record<string, any>;

/** "cpu" when rounds are timed by process CPU time, else "wall". */
export const clock: "cpu" | "wall" = g.process?.env?.SKEIN_BENCH_CLOCK === "cpu" ? "cpu" : "wall";

/** Milliseconds now on the chosen clock. */
export function now(): number {
  if (clock === "wall") return performance.now();
  const u = g.process.cpuUsage() as { user: number; system: number };
  return (u.user + u.system) / 1000;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Warm-up rounds of every contender, at full size, before the timed ones (default 1). */
  warmup?: number;
  /** Run the contenders in reverse order every other pass, so none always runs first (or right after the same one). */
  alternate?: boolean;
}

export async function measure(contenders: Contender[], n: number, rounds = 5, options: MeasureOptions = {}): Promise<Row[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let w = 0; w < (options.warmup ?? 1); w++) for (const c of contenders) await c.round(n); // warm-up at full size: JIT and heap growth
  for (let r = 0; r < rounds; r++) {
    for (const c of options.alternate && r % 2 === 1 ? [...contenders].reverse() : contenders) {
      const start = now();
      await c.round(n);
      samples.get(c.name)!.push(((now() - start) * 1000) / n);
    }
  }
  if (g.process?.env?.SKEIN_BENCH_SAMPLES) {
    for (const c of contenders) console.log(`  samples ${c.name.padEnd(12)} ${samples.get(c.name)!.map((t) => t.toFixed(3)).join(" ")}`);
  }
  return contenders.map((c) => {
    const s = samples.get(c.name)!;
    return { name: c.name, usPerOp: median(s), samples: s };
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * The median over the timed passes of `a`'s time over `b`'s in the same
 * pass. Rounds of one pass run back to back, so a change of machine load
 * between passes (other processes) moves both and cancels out, which the
 * ratio of the two medians does not do.
 */
export function pairedRatio(rows: Row[], a: string, b: string): number {
  const x = rows.find((r) => r.name === a)!.samples;
  const y = rows.find((r) => r.name === b)!.samples;
  return median(x.map((v, i) => v / y[i]!));
}

export function report(title: string, rows: Row[], base: string, subject: string): void {
  const ref = rows.find((r) => r.name === subject)!;
  console.log(`\n${title}`);
  for (const r of rows) {
    const vsBase = r.name === base ? "" : `  (${(r.usPerOp / rows.find((b) => b.name === base)!.usPerOp).toFixed(2)}x ${base})`;
    const rel = r.name === subject ? "" : `  ${subject} is ${(r.usPerOp / ref.usPerOp).toFixed(2)}x faster`;
    console.log(`  ${r.name.padEnd(12)} ${r.usPerOp.toFixed(3).padStart(9)} µs/op${vsBase}${rel}`);
  }
}

/** µs per op of one contender in a measured set. */
export function us(rows: Row[], name: string): number {
  return rows.find((r) => r.name === name)!.usPerOp;
}

/** One line of the summary table: a target of issue 14 and what this run measured. */
export interface Target {
  runtime: string;
  what: string;
  /** Human form of the target, e.g. "<= 2x raw". */
  goal: string;
  measured: number;
  /** Whether smaller or larger is better for `measured`. */
  better: "lower" | "higher";
  limit: number;
}

const targets: Target[] = [];

/** Records a target: `measured` against `limit` (met when at or below it for "lower", at or above it for "higher"). */
export function target(what: string, goal: string, measured: number, better: "lower" | "higher", limit: number): void {
  targets.push({ runtime, what, goal, measured, better, limit });
}

export function summary(): Target[] {
  return targets;
}

export function met(t: Target): boolean {
  return t.better === "lower" ? t.measured <= t.limit : t.measured >= t.limit;
}

export function printSummary(all: Target[]): void {
  const w = Math.max(4, ...all.map((t) => t.what.length));
  const gw = Math.max(6, ...all.map((t) => t.goal.length));
  console.log(`\nSummary: issue 14 targets (ratios measured in one process; medians of interleaved rounds)`);
  console.log(`  ${"runtime".padEnd(8)} ${"what".padEnd(w)}  ${"target".padEnd(gw)}  ${"measured".padStart(9)}  result`);
  for (const t of all) {
    console.log(
      `  ${t.runtime.padEnd(8)} ${t.what.padEnd(w)}  ${t.goal.padEnd(gw)}  ${(t.measured.toFixed(2) + "x").padStart(9)}  ${met(t) ? "met" : "MISSED"}`,
    );
  }
  const n = all.filter(met).length;
  console.log(`  ${n} of ${all.length} met`);
}
