/**
 * Spawn option mapping shared by the adapters whose runtime takes a Node-like
 * environment object and reports a missing executable as `ENOENT` (Node's
 * `child_process.spawn`, `Bun.spawn`).
 *
 * Invariants: the parent's environment is never changed (a merged copy is
 * made); `undefined` means "the runtime's default" (inherit the parent's
 * environment), `{}` an empty one.
 *
 * Costs: one object copy of the environment per spawn with `env` set.
 *
 * @module
 */

import process from "node:process";
import type { RawSpawnOptions } from "../../src/process/process-support.ts";

/**
 * The child's environment: `options.env` merged into the parent's, or alone
 * with `replaceEnv`; `undefined` to inherit the parent's unchanged.
 *
 * @example
 * ```ts
 * childEnv({ shell: false, replaceEnv: true, env: { A: "1" }, stdin: "pipe", stdout: "pipe", stderr: "pipe" }); // { A: "1" }
 * ```
 */
export function childEnv(options: RawSpawnOptions): Record<string, string | undefined> | undefined {
  if (options.env === undefined) return options.replaceEnv ? {} : undefined;
  return options.replaceEnv ? { ...options.env } : { ...process.env, ...options.env };
}

/**
 * Whether `error` is the runtime's "no such file" (`code` `"ENOENT"`): a
 * missing executable or working directory.
 *
 * @example
 * ```ts
 * isEnoent(Object.assign(new Error("spawn nope ENOENT"), { code: "ENOENT" })); // true
 * ```
 */
export function isEnoent(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}
