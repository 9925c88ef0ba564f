// `npm run size`: what Skein costs a browser bundle, measured on the built package (issue 13).
//
// Two programs are bundled with esbuild (bundle, minify, ESM, browser conditions, so
// `skein` resolves to the browser adapter as an app's bundler would) and gzipped (level 9):
// - minimal: the smallest useful program: run, a task group, startSoon and moveOnAfter;
// - core: every export of `skein/core` (the runtime-neutral library, no adapter);
// - src-core: every module of src/core (run, scopes, groups, timers, errors), from source:
//   the "whole core" the first measurement (10.9 KB) counted.
// The budget is size-budget.json (bytes of min+gzip). `--check` (run by `npm test`) fails
// when a program is more than 5 % over its budget, and says so when it is well under (time
// to lower the budget). Costs: two in-memory esbuild builds, well under a second.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const programs = {
  minimal: `import { run } from "skein";
await run(async (cx) => {
  await cx.moveOnAfter(1000, (cx) =>
    cx.taskGroup(async (tg) => {
      tg.startSoon(async (cx) => cx.sleep(10));
    }),
  );
});`,
  core: `export * from "skein/core";`,
  "src-core": readdirSync("src/core")
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `export * from "./src/core/${f}";`)
    .join("\n"),
};

const sizes = {};
for (const [name, contents] of Object.entries(programs)) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), sourcefile: `${name}.js`, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  const code = result.outputFiles[0].contents;
  sizes[name] = { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => `${(n / 1000).toFixed(2)} KB`;
const budget = JSON.parse(readFileSync("size-budget.json", "utf8"));
const failures = [];
for (const [name, { min, gzip }] of Object.entries(sizes)) {
  const limit = budget[name];
  const verdict = limit === undefined ? "no budget" : `budget ${kb(limit)}, ${((gzip / limit - 1) * 100).toFixed(1)} %`;
  console.log(`size: ${name.padEnd(9)} ${kb(min).padStart(10)} min, ${kb(gzip).padStart(9)} min+gzip (${verdict})`);
  if (limit !== undefined && gzip > limit * 1.05) failures.push(`${name} is ${kb(gzip)}, over its budget ${kb(limit)} by more than 5 %`);
  if (limit !== undefined && gzip < limit * 0.95) console.log(`size: ${name} is more than 5 % under its budget: lower it (npm run size -- --write)`);
}
if (process.argv.includes("--write")) {
  writeFileSync("size-budget.json", `${JSON.stringify(Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, v.gzip])), null, 2)}\n`);
  console.log("size: wrote size-budget.json");
}
if (process.argv.includes("--check") && failures.length > 0) {
  for (const failure of failures) console.error(`size: FAIL ${failure}`);
  process.exit(1);
}
