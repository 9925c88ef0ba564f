// File helpers shared by the conformance tests (not a test file itself).
import { it } from "vitest";
import { type Context, readDir, run, withTempDir } from "skein";

/** A test run in a fresh temporary directory (pytest's tmp_path), removed afterwards. */
export function fileTest(name: string, body: (cx: Context, dir: string) => Promise<void>, timeout?: number): void {
  it(name, () => run((cx) => withTempDir(cx, (dir, cx) => body(cx, dir))), timeout);
}

/** The names in `dir`, sorted. */
export async function names(cx: Context, dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of readDir(cx, dir)) found.push(entry.name);
  return found.sort();
}
