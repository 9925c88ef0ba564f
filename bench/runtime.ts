// Per-runtime shims for the benchmarks, so every bench/*.ts file runs on
// Node, Deno and Bun: the runtime's name and version, its core count, a
// forced full GC and the bytes in use on the JS heap. Benchmark code only;
// src/ never does this. Costs: nothing per operation.
//
// How each runtime measures heap bytes after a forced GC:
//   node  globalThis.gc() (needs --expose-gc), process.memoryUsage().heapUsed
//   deno  globalThis.gc() (needs --v8-flags=--expose-gc), Deno.memoryUsage().heapUsed
//   bun   Bun.gc(true) (always available, synchronous full GC), heapStats().heapSize from bun:jsc

const g = globalThis as Record<string, any>;

export const runtime: "node" | "deno" | "bun" = g.Deno ? "deno" : g.Bun ? "bun" : "node";

export const runtimeVersion: string =
  runtime === "deno" ? `deno ${g.Deno.version.deno}` : runtime === "bun" ? `bun ${g.Bun.version}` : `node ${g.process.version}`;

export const cores: number = g.navigator?.hardwareConcurrency ?? 1;

const bunJsc: { heapStats(): { heapSize: number } } | undefined =
  runtime === "bun" ? await import("bun:jsc" as string) : undefined;

/** True when {@link fullGc} really forces a collection on this runtime. */
export const canForceGc: boolean = runtime === "bun" || typeof g.gc === "function";

/** A full, synchronous garbage collection (several passes, to settle weak refs and finalizers). */
export function fullGc(): void {
  for (let i = 0; i < 3; i++) {
    if (runtime === "bun") g.Bun.gc(true);
    else if (typeof g.gc === "function") g.gc();
  }
}

/** Bytes in use on the JS heap now. */
export function heapUsed(): number {
  if (runtime === "deno") return g.Deno.memoryUsage().heapUsed;
  if (runtime === "bun") return bunJsc!.heapStats().heapSize;
  return g.process.memoryUsage().heapUsed;
}
