// The registry checkers, run by `npm test` on the built package (issue 13):
//
// - publint --strict: package.json fields and exports point at files that exist, in the right format.
// - attw --pack . --profile esm-only: every subpath resolves to types and code under node16 (from
//   ESM) and bundler. The package is ESM only, so the CommonJS-era resolutions (node10, node16
//   from CJS) are not ours to pass: Node >= 20.19 / 22.12 `require()`s ESM at run time, which
//   scripts/check-consumers.mjs tests; the README says so.
// - deno publish --dry-run (no --allow-slow-types): the JSR package has explicit types
//   everywhere. The one warning allowed is `unanalyzable-dynamic-import`: `toThread` loads the
//   user's own worker module by URL, which no publish step can (or should) rewrite.
//   `--allow-dirty` because the check runs on working trees.
// - deno.json: every `publish.include` entry matches a file, and the version is package.json's.
//
// Costs: two `npm pack`s (attw and publint pack on their own) and one deno type-check of
// the sources; the three run in parallel, a few seconds each.
import { execFile } from "node:child_process";
import { existsSync, globSync, readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const failures = [];
const bin = (name) => `node_modules/.bin/${name}`;

if (!existsSync("dist/node.js")) {
  console.error("check-package: dist/ is missing: run `npm run build` first.");
  process.exit(1);
}

async function check(name, file, args, judge = () => null) {
  try {
    const { stdout, stderr } = await run(file, args, { env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 1 << 26 });
    const problem = judge(stdout + stderr);
    if (problem) failures.push(`${name}: ${problem}`);
    else console.log(`check-package: ok ${name}`);
  } catch (error) {
    failures.push(`${name}\n${error.stdout ?? ""}${error.stderr ?? error}`);
  }
}

const allowedDenoWarnings = new Set(["unanalyzable-dynamic-import"]);
await Promise.all([
  check("publint --strict", bin("publint"), ["--strict"]),
  check("attw --pack . --profile esm-only", bin("attw"), ["--pack", ".", "--profile", "esm-only"]),
  check("deno publish --dry-run", bin("deno"), ["publish", "--dry-run", "--allow-dirty"], (out) => {
    const warnings = [...out.matchAll(/^warning\[([\w-]+)\]/gm)].map((m) => m[1]).filter((w) => !allowedDenoWarnings.has(w));
    if (warnings.length > 0) return `unexpected warnings: ${warnings.join(", ")}\n${out}`;
    if (!out.includes("Success Dry run complete")) return `no success line\n${out}`;
    return null;
  }),
]);

const deno = JSON.parse(readFileSync("deno.json", "utf8"));
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
for (const pattern of deno.publish?.include ?? []) {
  if (globSync(pattern).length === 0) failures.push(`deno.json publish.include lists ${pattern}, which matches no file`);
}
if (deno.version !== pkg.version) failures.push(`deno.json version ${deno.version} differs from package.json ${pkg.version}`);

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-package: FAIL ${failure}`);
  process.exit(1);
}
console.log("check-package: publint, attw, deno publish and deno.json all clean");
