// `npm run bench`: every benchmark, printing per-operation times and ratios
// against baselines measured in the same process, and ending with ONE
// summary table of issue 14's targets (measured ratio, met or missed).
//
//   npm run bench                                  node: every bench
//   npm run bench -- --runtime deno                spawn/cancel/stream/sync/memory/thread on Deno
//   npm run bench -- --runtime node,deno,bun       each runtime in turn, one table at the end
//   npm run bench -- --only spawn,stream           a subset (spawn cancel stream sync memory thread cpu tcp process process-worker)
//   npm run bench -- --clock cpu                   time rounds by process CPU time (a loaded machine; see harness.ts)
//
// Launched from Node, this file re-runs itself once per runtime in a child
// process with the flags that let it force a GC (node --expose-gc, deno
// --v8-flags=--expose-gc; bun always can), each child appending its targets
// as JSON lines to a temp file that the launcher prints as the table. Run
// directly under deno or bun (deno run -A bench/index.ts) it benches that
// runtime in-process. Only the launcher branch touches node: modules.
import { clock, printSummary, summary, type Target } from "./harness.ts";
import { runtime, runtimeVersion } from "./runtime.ts";

const g = globalThis as Record<string, any>;
const args: string[] = runtime === "deno" ? g.Deno.args : g.process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const PORTABLE = ["spawn", "cancel", "stream", "sync", "memory", "thread"];
const NODE_ONLY = ["cpu", "tcp", "process", "process-worker"];

async function bench(only: string[] | undefined): Promise<void> {
  const want = (name: string) => (only ? only.includes(name) : true) && (runtime === "node" || PORTABLE.includes(name));
  console.log(`Skein benchmarks on ${runtimeVersion}${clock === "cpu" ? " (rounds timed by process CPU time)" : ""}`);
  if (want("spawn")) await (await import("./spawn.ts")).benchSpawn();
  if (want("cancel")) await (await import("./spawn.ts")).benchCancel();
  if (want("stream")) await (await import("./stream.ts")).benchStream();
  if (want("sync")) await (await import("./sync.ts")).benchSync();
  if (want("thread")) await (await import("./thread.ts")).benchThread();
  if (want("cpu")) await (await import("./cpu.ts")).benchCpu();
  if (want("tcp")) await (await import("./tcp.ts")).benchTcp();
  if (want("process")) await (await import("./process.ts")).benchProcess();
  if (want("process-worker")) await (await import("./process-worker.ts")).benchProcessWorker();
  // Last: its million tasks leave a large heap behind (JavaScriptCore keeps it), and every
  // bench after it then paid more for its garbage (bun toThread rows 1.23 -> 1.56x raw).
  if (want("memory")) await (await import("./memory.ts")).benchMemory();
}

const only = opt("--only")?.split(",");
for (const name of only ?? []) if (![...PORTABLE, ...NODE_ONLY].includes(name)) throw new RangeError(`--only: unknown bench ${JSON.stringify(name)}`);
const out = g.process?.env?.SKEIN_BENCH_SUMMARY as string | undefined;

if (out !== undefined || runtime !== "node") {
  // A child of the launcher, or run directly on deno/bun: bench here.
  await bench(only);
  if (out !== undefined) {
    const lines = summary().map((t) => JSON.stringify(t) + "\n").join("");
    if (runtime === "deno") g.Deno.writeTextFileSync(out, lines, { append: true });
    else (await import("node:fs" as string)).appendFileSync(out, lines);
  } else printSummary(summary());
} else {
  // The launcher (node): one child per runtime, then one table.
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync, existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const root = new URL("..", import.meta.url).pathname;
  const self = new URL(import.meta.url).pathname;
  const runtimes = (opt("--runtime") ?? "node").split(",");
  const bin = (name: string) => join(root, "node_modules", ".bin", name);
  const commands: Record<string, string[]> = {
    node: [g.process.execPath, "--expose-gc", self],
    deno: [bin("deno"), "run", "-A", "--v8-flags=--expose-gc", self],
    bun: [bin("bun"), self],
  };
  const dir = mkdtempSync(join(tmpdir(), "skein-bench-"));
  const file = join(dir, "summary.jsonl");
  try {
    for (const rt of runtimes) {
      const cmd = commands[rt];
      if (!cmd) throw new RangeError(`--runtime: expected node, deno or bun, got ${JSON.stringify(rt)}`);
      const passOn = only ? ["--only", only.join(",")] : [];
      const r = spawnSync(cmd[0]!, [...cmd.slice(1), ...passOn], {
        stdio: "inherit",
        env: { ...g.process.env, SKEIN_BENCH_SUMMARY: file, ...(opt("--clock") === "cpu" ? { SKEIN_BENCH_CLOCK: "cpu" } : {}) },
      });
      if (r.status !== 0) console.log(`\n${rt}: the bench exited with ${r.status ?? r.signal}`);
    }
    const all: Target[] = existsSync(file)
      ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Target)
      : [];
    printSummary(all);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
