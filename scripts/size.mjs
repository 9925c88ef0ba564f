// `npm run size`: what Skein costs a browser bundle, measured on the built package (issue 13).
//
// Three programs are bundled with esbuild (bundle, minify, ESM, code splitting, browser conditions, so
// `skein` resolves to the browser adapter as an app's bundler would) and gzipped (level 9):
// - minimal: the smallest useful program: run, a task group, startSoon and moveOnAfter;
// - core: every export of `skein/core` (the runtime-neutral library, no adapter);
// - src-core: every module of src/core (run, scopes, groups, timers, errors), from source:
//   the "whole core" the first measurement (10.9 KB) counted, with the build's
//   property mangling (scripts/mangle.mjs), so it counts what the package ships.
// The budget is size-budget.json (bytes of min+gzip). `--check` (run by `npm test`) fails
// when a program is more than 5 % over its budget, and says so when it is well under (time
// to lower the budget). A program's size is what it loads at start (see below); chunks it
// would load only through `import()` are printed apart. Costs: three in-memory esbuild
// builds, well under a second.
// What each part of the minimal program costs: `node scripts/size-breakdown.mjs`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { internalNames, mangleProps, reserveProps } from "./mangle.mjs";

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

// Built with code splitting, as an app's bundler would: what a program loads only through
// `import()` (the browser adapter's OPFS files, the instrumentation of a tracked run) lands
// in chunks of its own. A program's size counts its entry chunk and every chunk that chunk
// imports statically, that is everything the program loads at start; the lazy chunks are
// listed apart, and they stay out of the count only because the program never loads them
// (the minimal program touches no file and has no instruments).
const sizes = {};
const lazy = {};
for (const [name, contents] of Object.entries(programs)) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), sourcefile: `${name}.js`, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    splitting: true,
    outdir: "size-out",
    metafile: true,
    write: false,
    logLevel: "error",
    // The built package is mangled already; a program from source is mangled as the build does.
    ...(name === "src-core" ? { mangleProps, reserveProps } : {}),
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined);
  const atStart = new Set();
  const visit = (path) => {
    if (atStart.has(path)) return;
    atStart.add(path);
    for (const { path: next, kind } of outputs[path].imports) if (kind === "import-statement" && next in outputs) visit(next);
  };
  visit(entry);
  const bytes = new Map(result.outputFiles.map((file) => [file.path.slice(process.cwd().length + 1), file.contents]));
  const total = (paths) => {
    const parts = [...paths].map((path) => bytes.get(path));
    // One gzip stream over the chunks loaded at start: what they cost together.
    const all = Buffer.concat(parts);
    return { min: all.length, gzip: gzipSync(all, { level: 9 }).length };
  };
  sizes[name] = total(atStart);
  const rest = Object.keys(outputs).filter((path) => !atStart.has(path) && path.endsWith(".js"));
  if (rest.length > 0) lazy[name] = total(rest);
}

// The names the build mangles besides `_x` must stay internal: none may appear in a d.ts, outside
// its comments (whose prose says "the runner", "later") and `private` members (a private member
// is no consumer's to read, and it is renamed with the rest, as a `_x` one is).
const failures = [];
for (const file of readdirSync("dist").filter((f) => f.endsWith(".d.ts"))) {
  const text = readFileSync(`dist/${file}`, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/^\s*private (static )?(readonly )?[\w$]+\??;$/gm, "");
  for (const name of internalNames) {
    if (new RegExp(`\\b${name}\\b`).test(text)) failures.push(`dist/${file} names ${name}, which the build mangles (scripts/mangle.mjs)`);
  }
}

const kb = (n) => `${(n / 1000).toFixed(2)} KB`;
const budget = JSON.parse(readFileSync("size-budget.json", "utf8"));
for (const [name, { min, gzip }] of Object.entries(sizes)) {
  const limit = budget[name];
  const verdict = limit === undefined ? "no budget" : `budget ${kb(limit)}, ${((gzip / limit - 1) * 100).toFixed(1)} %`;
  console.log(`size: ${name.padEnd(9)} ${kb(min).padStart(10)} min, ${kb(gzip).padStart(9)} min+gzip (${verdict})`);
  if (limit !== undefined && gzip > limit * 1.05) failures.push(`${name} is ${kb(gzip)}, over its budget ${kb(limit)} by more than 5 %`);
  if (lazy[name] !== undefined) console.log(`size: ${"".padEnd(9)} ${kb(lazy[name].min).padStart(10)} min, ${kb(lazy[name].gzip).padStart(9)} min+gzip more in chunks loaded on first use, not counted`);
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
