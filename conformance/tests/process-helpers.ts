// Helpers shared by process.test.ts and signals.test.ts: how to run the
// fixture child with the suite's own runtime, and reading a child's output.
import { inject } from "vitest";
import { type Context, EndOfStream, type ProcessReceiveStream } from "skein";

export const runtime = inject("runtime");
export const hasProcesses = runtime !== "chromium";

const execPath = (globalThis as { process?: { execPath?: string } }).process?.execPath ?? "";

/** The argv that runs conformance/fixtures/child.mjs in `mode` with this runtime (`process.execPath` on all three). */
export function child(mode: string, ...args: string[]): string[] {
  const script = decodeURIComponent(new URL("../fixtures/child.mjs", import.meta.url).pathname);
  const prefix = runtime === "deno" ? [execPath, "run", "-A", "--no-config"] : [execPath];
  return [...prefix, script, mode, ...args];
}

/** The URL of the built Skein entry for this runtime, for children that import it. */
export const skeinUrl = new URL(`../../dist/${runtime === "deno" || runtime === "bun" ? runtime : "node"}.js`, import.meta.url).href;

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array | null): string => (b === null ? "(null)" : new TextDecoder().decode(b));

/** Reads from `stream` until the text read so far contains `marker`; returns it. */
export async function readUntil(cx: Context, stream: ProcessReceiveStream, marker: string, seen = ""): Promise<string> {
  let all = seen;
  while (!all.includes(marker)) {
    try {
      all += str(await stream.receive(cx));
    } catch (error) {
      if (error instanceof EndOfStream) throw new Error(`end of output before ${JSON.stringify(marker)}; got ${JSON.stringify(all)}`);
      throw error;
    }
  }
  return all;
}

/** Whether a process with this pid exists (a zombie counts), through `process.kill(pid, 0)`. */
export function pidExists(pid: number): boolean {
  const kill = (globalThis as { process?: { kill(pid: number, signal: number): void } }).process!.kill;
  try {
    kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
