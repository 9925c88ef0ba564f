// A/B run of the TCP benchmark: raw, build A and build B interleaved in one
// process (raw/A/B each round), so the machine's noise hits all three alike.
//   bun bench/tcp-ab.ts <dist dir A> <dist dir B> [pp|bulk|into|both|all] [rounds]
// (node and `deno run -A` too). pp: ping-pong; bulk: the bulk echo with
// `receive`; into: with `receiveInto`; both: pp and bulk; all: the three.
// SKEIN_BENCH_TCP_MIB sets the bulk size (128). Prints per contender the
// median and range, the medians of the per-round ratios A/raw and B/raw,
// and the same for process CPU time (`process.cpuUsage`, on every runtime):
// the per-round CPU ratios are the steadiest figure on a loaded machine.
// SKEIN_BENCH_TCP_TICKED=1 (Deno): raw takes a setImmediate after every read
// and write (the schedule points Skein keeps).
import { CONNECTIONS, type Echo, ROUNDS, rawEcho, skeinEchoOf, skeinIntoOf, time } from "./tcp.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const [pathA, pathB, what = "both", roundsArg = "9"] = args;
if (pathA === undefined || pathB === undefined) throw new TypeError("usage: tcp-ab.ts <dist dir A> <dist dir B> [pp|bulk|into|both|all] [rounds]");
const rounds = Number(roundsArg);
declare const Deno: unknown;
declare const Bun: unknown;
const entry = typeof Deno !== "undefined" ? "deno.js" : typeof Bun !== "undefined" ? "bun.js" : "node.js";
const cwd = (globalThis as { process?: { cwd(): string } }).process!.cwd();
const toUrl = (dir: string) => new URL(`${dir.replace(/\/$/, "")}/${entry}`, `file://${cwd}/`).href;
const modA = await import(toUrl(pathA));
const modB = await import(toUrl(pathB));
const a = skeinEchoOf(modA);
const b = skeinEchoOf(modB);
const raw = await rawEcho((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SKEIN_BENCH_TCP_TICKED === "1");

const median = (s: number[]) => [...s].sort((x, y) => x - y)[s.length >> 1]!;
const range = (s: number[]) => `${Math.min(...s).toFixed(2)}..${Math.max(...s).toFixed(2)}`;

/** CPU time (user + system, ms) of the process, where the runtime has `process.cpuUsage`. */
const cpuUsage = (globalThis as { process?: { cpuUsage?(): { user: number; system: number } } }).process?.cpuUsage;
const cpuMs = (): number => {
  const u = cpuUsage?.();
  return u === undefined ? Number.NaN : (u.user + u.system) / 1000;
};

type Bulk = Pick<Echo, "bulk">;
async function ab<E extends Bulk>(name: string, run: (e: E) => Promise<void>, per: (ms: number) => number, unit: string, raw: E, a: E, b: E): Promise<void> {
  await run(raw);
  await run(a);
  await run(b);
  const t: Record<"raw" | "a" | "b", number[]> = { raw: [], a: [], b: [] };
  const cpu: Record<"raw" | "a" | "b", number[]> = { raw: [], a: [], b: [] };
  const one = async (key: "raw" | "a" | "b", e: E) => {
    const c0 = cpuMs();
    t[key].push(await time(() => run(e)));
    cpu[key].push(cpuMs() - c0);
  };
  for (let r = 0; r < rounds; r++) {
    await one("raw", raw);
    await one("a", a);
    await one("b", b);
  }
  const ra = t.raw.map((x, i) => x / t.a[i]!);
  const rb = t.raw.map((x, i) => x / t.b[i]!);
  const ba = t.a.map((x, i) => x / t.b[i]!);
  console.log(
    `${name}: raw ${per(median(t.raw)).toFixed(0)} ${unit}  A ${per(median(t.a)).toFixed(0)}  B ${per(median(t.b)).toFixed(0)}` +
      `  | A/raw ${median(ra).toFixed(2)} (${range(ra)})  B/raw ${median(rb).toFixed(2)} (${range(rb)})  B/A ${median(ba).toFixed(2)} (${range(ba)})`,
  );
  // CPU time per run: less noisy than wall time on a shared machine (the ratio is raw CPU / Skein CPU).
  console.log(
    `${name} CPU ms per run: raw ${median(cpu.raw).toFixed(0)}  A ${median(cpu.a).toFixed(0)}  B ${median(cpu.b).toFixed(0)}` +
      `  | raw/A ${(median(cpu.raw) / median(cpu.a)).toFixed(2)}  raw/B ${(median(cpu.raw) / median(cpu.b)).toFixed(2)}`,
  );
  // Per-round CPU ratios (the three runs of a round share the machine's load): their medians.
  const cra = cpu.raw.map((x, i) => x / cpu.a[i]!);
  const crb = cpu.raw.map((x, i) => x / cpu.b[i]!);
  const cba = cpu.a.map((x, i) => x / cpu.b[i]!);
  console.log(`${name} CPU per-round ratios: raw/A ${median(cra).toFixed(2)} (${range(cra)})  raw/B ${median(crb).toFixed(2)} (${range(crb)})  A/B ${median(cba).toFixed(2)} (${range(cba)})`);
}

const mib = Number((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SKEIN_BENCH_TCP_MIB ?? 128);
const bulkRun = (e: Bulk) => e.bulk(mib * 1024 * 1024);
const perMib = (ms: number) => mib / (ms / 1000);
if (what === "pp" || what === "both" || what === "all") await ab("ping-pong", (e: Echo) => e.pingPong(CONNECTIONS, ROUNDS), (ms) => (CONNECTIONS * ROUNDS) / (ms / 1000), "msg/s", raw, a, b);
if (what === "bulk" || what === "both" || what === "all") await ab("bulk receive", bulkRun, perMib, "MiB/s", raw, a, b);
if (what === "into" || what === "all") await ab("bulk receiveInto", bulkRun, perMib, "MiB/s", raw, skeinIntoOf(modA), skeinIntoOf(modB));
