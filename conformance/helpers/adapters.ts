// Adapter helpers shared by the conformance tests (not a test file itself).
import * as skein from "skein";

/**
 * This runtime's adapter (the one "skein" picked) with its worker spawns and
 * terminations counted; with `cap`, its workers capped at `cap` (so calls
 * share a worker deterministically).
 */
export function countingAdapter(cap?: number): { adapter: skein.Adapter; counts: { spawned: number; terminated: number } } {
  const name = Object.keys(skein).find((k) => k.endsWith("Adapter"))!;
  const base = (skein as unknown as Record<string, skein.Adapter>)[name]!;
  const workers = base.workers!;
  const counts = { spawned: 0, terminated: 0 };
  const adapter: skein.Adapter = {
    ...base,
    workers: {
      hardwareConcurrency: () => cap ?? workers.hardwareConcurrency(),
      spawn() {
        const port = workers.spawn();
        counts.spawned++;
        let terminated = false;
        return {
          ...port,
          terminate() {
            if (!terminated) counts.terminated++;
            terminated = true;
            return port.terminate();
          },
        };
      },
    },
  };
  return { adapter, counts };
}
