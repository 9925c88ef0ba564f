// Post-build step of `npm run build`: makes the published declarations stand on their own in
// a project whose `lib` lacks explicit resource management (issue 13). Skein's classes are
// `AsyncDisposable` (for `await using`), but `AsyncDisposable`, `Disposable` and
// `Symbol.asyncDispose`/`Symbol.dispose` are declared only by TypeScript's
// `esnext.disposable` lib (which `@types/node` pulls in). A browser project with
// `lib: ["es2022", "dom"]` and `skipLibCheck: false` failed inside the package.
//
// Rather than force a lib on every consumer (`/// <reference lib>`), this writes
// dist/disposable.d.ts, a global script declaring just those four names the way the lib
// does (interfaces merge, so it coexists with the lib and with @types/node), and points
// every d.ts that uses them at it with `/// <reference path>`. Idempotent; costs one pass
// over dist/*.d.ts. scripts/check-consumers.mjs checks the result under TS 5.9 and 6.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dist = "dist";
const globals = "disposable.d.ts";
writeFileSync(
  join(dist, globals),
  `/**
 * The names Skein's declarations use from explicit resource management (ES2026 \`using\`),
 * for projects whose \`lib\` lacks \`esnext.disposable\`. They merge with the lib's own.
 */
interface SymbolConstructor {
  /** The method \`using\` calls when its scope ends. */
  readonly dispose: unique symbol;
  /** The method \`await using\` calls when its scope ends. */
  readonly asyncDispose: unique symbol;
}
interface Disposable {
  /** Releases the resource; called by \`using\` when its scope ends. */
  [Symbol.dispose](): void;
}
interface AsyncDisposable {
  /** Releases the resource; called and awaited by \`await using\` when its scope ends. */
  [Symbol.asyncDispose](): PromiseLike<void>;
}
`,
);
const reference = `/// <reference path="./${globals}" />\n`;
let patched = 0;
for (const name of readdirSync(dist)) {
  if (!name.endsWith(".d.ts") || name === globals) continue;
  const file = join(dist, name);
  const text = readFileSync(file, "utf8");
  if (text.startsWith(reference) || !/\b(AsyncDisposable|Disposable|asyncDispose|dispose)\b/.test(text)) continue;
  writeFileSync(file, reference + text);
  patched += 1;
}
console.log(`dts-globals: ${join(dist, globals)} referenced from ${patched} declaration files`);
