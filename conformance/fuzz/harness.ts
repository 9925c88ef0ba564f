/**
 * The fuzzing harness shared by conformance/tests/fuzz-*.test.ts.
 *
 * A property is a generator of small random programs (a fast-check
 * arbitrary), an interpreter that runs one program under `run` and returns
 * the invariants it saw broken, and a printer that turns a program into text.
 * {@link fuzz} runs it in two phases:
 *
 * 1. Sweep: `runs` cases with one seed. A case that breaks an invariant is
 *    counted (per invariant) and the sweep goes on, so the report says how
 *    often each invariant breaks, not only that it did.
 * 2. Shrink: for each invariant that broke (at most {@link MAX_SHRINKS}), the
 *    first case that broke it is replayed through fast-check's `seed`/`path`
 *    and shrunk, keeping only candidates that break that same invariant. The
 *    shrunk program is printed as text with the trace of its failing run.
 *    Runs are real-time, so a replay may not fail again: then the unshrunk
 *    program from the sweep is reported.
 *
 * Every case runs under a watchdog (a case that has not settled after
 * {@link watchdogMs} is a hang) and an unhandled-rejection listener
 * (`process.on("unhandledRejection")` where `process` exists, the
 * `unhandledrejection` event where `addEventListener` exists: Deno has both).
 *
 * For properties B and C, {@link guarded} runs a blocking operation plain,
 * under `moveOnAfter`, or in a scope a controller task may cancel.
 *
 * Knobs (environment variables, read where the runtime has an environment;
 * in a browser page, their `VITE_`-prefixed copies through `import.meta.env`):
 * - `SKEIN_FUZZ_RUNS`: cases per property (default: each property's own);
 * - `SKEIN_FUZZ_SEED`: a fixed seed, to replay a reported run;
 * - `SKEIN_FUZZ_WATCHDOG_MS`: the hang limit (default 5000).
 *
 * Costs: the sweep is sequential (fast-check awaits each case), so a
 * property costs about `runs` times the critical path of one program; the
 * interpreters keep real sleeps to 0-3 ms for that reason. Shrinking is
 * bounded by {@link SHRINK_TIME_MS} per invariant.
 *
 * @module
 */

import fc from "fast-check";
import { CancelScope, type Context } from "skein";

/** One broken invariant, as seen by an interpreter. */
export interface Violation {
  /** A short stable name, used to count and to pick what to shrink. */
  readonly invariant: string;
  /** What exactly was seen. */
  readonly detail: string;
}

/** What an interpreter reports about one case. */
export interface CaseResult {
  readonly violations: Violation[];
  /** What happened, in order, for the report of a failing case. */
  readonly trace: string[];
}

/** A property to fuzz. */
export interface FuzzProperty<T> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  readonly runCase: (program: T) => Promise<CaseResult>;
  readonly print: (program: T) => string;
  /** Cases per run when `SKEIN_FUZZ_RUNS` is not set. */
  readonly defaultRuns: number;
}

/** A shrunk (or, failing that, the original) counterexample of one invariant. */
export interface Counterexample {
  readonly invariant: string;
  readonly seed: number;
  readonly path: string;
  readonly shrunk: boolean;
  readonly program: string;
  readonly violations: Violation[];
  readonly trace: string[];
}

/** The outcome of {@link fuzz}. */
export interface FuzzReport {
  readonly property: string;
  readonly runtime: string;
  readonly seed: number;
  readonly runs: number;
  readonly violatingCases: number;
  readonly byInvariant: Record<string, number>;
  readonly counterexamples: Counterexample[];
  readonly seconds: number;
}

/** At most this many invariants are shrunk per property. */
export const MAX_SHRINKS = 4;
/** Time limit of one shrink, in ms. */
export const SHRINK_TIME_MS = 20_000;

interface Env {
  readonly [key: string]: string | undefined;
}

function environment(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  if (proc?.env !== undefined) return proc.env;
  const meta = (import.meta as { env?: Env }).env;
  return meta ?? {};
}

function envNumber(name: string): number | undefined {
  const env = environment();
  const raw = env[name] ?? env[`VITE_${name}`];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Cases per property: `SKEIN_FUZZ_RUNS`, else `fallback`. */
export function fuzzRuns(fallback: number): number {
  return envNumber("SKEIN_FUZZ_RUNS") ?? fallback;
}

/** The hang limit of one case, in ms. */
export const watchdogMs = envNumber("SKEIN_FUZZ_WATCHDOG_MS") ?? 5000;

/** A test timeout large enough for `runs` cases plus shrinking. */
export function testTimeout(fallbackRuns: number): number {
  return 120_000 + fuzzRuns(fallbackRuns) * 30 + MAX_SHRINKS * (SHRINK_TIME_MS + watchdogMs);
}

// ---------------------------------------------------------------------------
// Unhandled rejections

const unhandled: unknown[] = [];
const unhandledSeen = new Set<unknown>();
function noteUnhandled(reason: unknown): void {
  if (unhandledSeen.has(reason)) return; // Deno reports through both channels
  unhandledSeen.add(reason);
  unhandled.push(reason);
}
{
  const g = globalThis as {
    process?: { on?: (event: string, listener: (reason: unknown) => void) => void };
    addEventListener?: (type: string, listener: (event: { reason?: unknown }) => void) => void;
  };
  if (typeof g.process?.on === "function") g.process.on("unhandledRejection", noteUnhandled);
  if (typeof g.addEventListener === "function") g.addEventListener("unhandledrejection", (e) => noteUnhandled(e.reason));
}

/** The number of unhandled rejections seen so far, to compare before and after a case. */
export function unhandledCount(): number {
  return unhandled.length;
}

/** The unhandled rejections seen since `from`, described. */
export function unhandledSince(from: number): string[] {
  return unhandled.slice(from).map(describe);
}

/** Resolves on a later macrotask: `setImmediate` where it exists, else a `MessageChannel` message, else `setTimeout`. */
export function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => void setImmediate(resolve));
  }
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits two macrotasks, so that pending unhandled-rejection reports are in. */
export async function settleMacrotasks(): Promise<void> {
  await macrotask();
  await macrotask();
}

// ---------------------------------------------------------------------------
// Watchdog

/** The value {@link withWatchdog} resolves with when `promise` did not settle in time. */
export const HUNG: unique symbol = Symbol("hung");

/** `promise`'s outcome as a settled record, or {@link HUNG} after `ms`. */
export async function withWatchdog<T>(
  promise: Promise<T>,
  ms: number = watchdogMs,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | typeof HUNG> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Helpers for interpreters

/** A short description of a thrown value. */
export function describe(value: unknown): string {
  if (value instanceof AggregateError) return `${value.name}[${value.errors.map(describe).join(", ")}]`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}

/** The leaves of an error: the errors of an `AggregateError` (recursively), else the error itself. */
export function leaves(error: unknown, out: unknown[] = []): unknown[] {
  if (error instanceof AggregateError) for (const e of error.errors) leaves(e, out);
  else out.push(error);
  return out;
}

/** Indents every line of `text` by `n` spaces. */
export function indent(text: string, n: number): string {
  const pad = " ".repeat(n);
  return text
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}

// ---------------------------------------------------------------------------
// The runner

function randomSeed(): number {
  return (Math.random() * 0x7fffffff) | 0;
}

function runtimeLabel(): string {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  if (g.process?.versions?.node !== undefined) return `node${g.process.versions.node.split(".")[0]}`;
  return g.navigator?.userAgent !== undefined ? "browser" : "unknown";
}

/**
 * Sweeps and shrinks one property (see the module text). Never throws for a
 * violation: the caller decides (the tests fail with {@link formatReport}).
 * It does throw if an interpreter itself throws, which is a harness bug.
 */
export async function fuzz<T>(property: FuzzProperty<T>): Promise<FuzzReport> {
  const started = Date.now();
  const seed = envNumber("SKEIN_FUZZ_SEED") ?? randomSeed();
  const runs = fuzzRuns(property.defaultRuns);
  const byInvariant: Record<string, number> = {};
  const first = new Map<string, { index: number; program: T; result: CaseResult }>();
  let index = 0;
  let violatingCases = 0;
  const sweep = await fc.check(
    fc.asyncProperty(property.arbitrary, async (program) => {
      const i = index++;
      const result = await property.runCase(program);
      if (result.violations.length > 0) {
        violatingCases++;
        for (const inv of new Set(result.violations.map((v) => v.invariant))) {
          byInvariant[inv] = (byInvariant[inv] ?? 0) + 1;
          if (!first.has(inv)) first.set(inv, { index: i, program, result });
        }
      }
      return true;
    }),
    { numRuns: runs, seed },
  );
  if (sweep.failed) {
    throw new Error(`fuzz harness error in ${property.name} (seed ${seed}, path ${sweep.counterexamplePath}): ${describe(sweep.errorInstance)}`, {
      cause: sweep.errorInstance,
    });
  }

  const counterexamples: Counterexample[] = [];
  for (const [invariant, found] of [...first].slice(0, MAX_SHRINKS)) {
    let last: { program: T; result: CaseResult } | null = null;
    const shrink = await fc.check(
      fc.asyncProperty(property.arbitrary, async (program) => {
        const result = await property.runCase(program);
        const broken = result.violations.some((v) => v.invariant === invariant);
        if (broken) last = { program, result };
        return !broken;
      }),
      { seed, path: String(found.index), interruptAfterTimeLimit: SHRINK_TIME_MS },
    );
    const best = shrink.failed && last !== null ? (last as { program: T; result: CaseResult }) : found;
    counterexamples.push({
      invariant,
      seed,
      path: shrink.failed && shrink.counterexamplePath !== null ? shrink.counterexamplePath : String(found.index),
      shrunk: shrink.failed && last !== null,
      program: property.print(best.program),
      violations: best.result.violations,
      trace: best.result.trace,
    });
  }
  return {
    property: property.name,
    runtime: runtimeLabel(),
    seed,
    runs: sweep.numRuns,
    violatingCases,
    byInvariant,
    counterexamples,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The one-line summary that scripts/fuzz.mjs collects from the test output. */
export function summaryLine(report: FuzzReport): string {
  return `SKEIN-FUZZ ${JSON.stringify({
    property: report.property,
    runtime: report.runtime,
    seed: report.seed,
    runs: report.runs,
    violatingCases: report.violatingCases,
    byInvariant: report.byInvariant,
    seconds: report.seconds,
  })}`;
}

/** The readable failure report: counts, then each counterexample as program text with its trace. */
export function formatReport(report: FuzzReport): string {
  const lines: string[] = [];
  lines.push(
    `${report.property}: ${report.violatingCases} of ${report.runs} cases broke an invariant on ${report.runtime} (seed ${report.seed}; replay the sweep with SKEIN_FUZZ_SEED=${report.seed} SKEIN_FUZZ_RUNS=${report.runs}; timing may differ)`,
  );
  for (const [inv, n] of Object.entries(report.byInvariant)) lines.push(`  ${inv}: ${n} cases`);
  for (const c of report.counterexamples) {
    lines.push("");
    lines.push(`--- ${c.invariant}: ${c.shrunk ? "shrunk" : "NOT shrunk (the replay did not fail again)"} counterexample, seed ${c.seed}, path "${c.path}"`);
    lines.push(indent(c.program, 2));
    lines.push("  violations:");
    for (const v of c.violations) lines.push(`    [${v.invariant}] ${v.detail}`);
    lines.push("  trace:");
    for (const t of c.trace.slice(0, 200)) lines.push(`    ${t}`);
    if (c.trace.length > 200) lines.push(`    ... ${c.trace.length - 200} more`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Guarded operations (properties B and C)

/** How a blocking operation is guarded: not at all, by `moveOnAfter(ms)`, by a scope the controller task may cancel, or not blocking at all (`*Nowait`). */
export type How = "plain" | "moveOn" | "scoped" | "nowait";

/** A task whose current guarded operation the controller task may cancel. */
export interface Cancellable {
  current: CancelScope | null;
}

/**
 * Runs `body` guarded as `how` says (`plain` and `nowait` run it as is). With
 * `bound`, a `scoped` operation also gets a deadline `ms + 2` ms away, for
 * operations that could otherwise wait forever.
 */
export async function guarded(
  cx: Context,
  who: Cancellable,
  how: How,
  ms: number,
  body: (cx: Context) => Promise<void>,
  bound = false,
): Promise<void> {
  if (how === "moveOn") {
    await cx.moveOnAfter(ms, body);
  } else if (how === "scoped") {
    const scope = new CancelScope(bound ? { deadline: cx.currentTime() + ms + 2 } : {});
    who.current = scope;
    try {
      await cx.withCancelScope(scope, body);
    } finally {
      who.current = null;
    }
  } else {
    await body(cx);
  }
}
