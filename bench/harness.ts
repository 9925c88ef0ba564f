// Tiny benchmark harness: warm up, then take the median of several timed
// rounds. Times are wall-clock on a shared machine: read the ratios (all
// contenders run in the same process, interleaved), not the absolute numbers.

export interface Contender {
  name: string;
  /** Runs one round of `n` operations. */
  round(n: number): Promise<void>;
}

export interface Row {
  name: string;
  usPerOp: number;
}

export async function measure(contenders: Contender[], n: number, rounds = 5): Promise<Row[]> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await c.round(n); // warm-up at full size: JIT and heap growth
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const start = performance.now();
      await c.round(n);
      samples.get(c.name)!.push(performance.now() - start);
    }
  }
  return contenders.map((c) => {
    const s = samples.get(c.name)!.sort((a, b) => a - b);
    return { name: c.name, usPerOp: (s[s.length >> 1]! * 1000) / n };
  });
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
