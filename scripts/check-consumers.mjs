// Checks the packed package the way a consumer project sees it (issue 13), so the tarball,
// not the source tree, is what is tested:
//
// 1. One copy of every class: a consumer that installs the tarball gets the same
//    `Cancelled` from `require("skein")` in a CommonJS file and from `import("skein")` in
//    an ES module (and from `skein/core`), on every Node on hand (system Node, 22, 24, 26).
//    The package is ESM only; Node >= 20.19 / 22.12 `require()`s ESM.
// 2. Types work in ordinary projects: `tsc` with `skipLibCheck: false` over a file that
//    imports `skein`, `skein/core` and `skein/testing` and uses run/taskGroup/Cancelled,
//    under TS 5.9 and TS 6 x {browser user: lib es2022 + dom, no @types/node; server user:
//    lib es2022 + @types/node} x {moduleResolution node16, bundler}.
//
// Costs: one `npm pack` and one offline `npm install` of the tarball into one temp project
// (the tarball has no dependencies); the eight tsc runs share it and run two at a time
// (the machine has two cores). Usage: `node scripts/check-consumers.mjs [--tarball x.tgz]`
// (default: pack the working tree, which must be built). Everything lives under
// os.tmpdir() and is removed at the end.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const nm = join(root, "node_modules");
const dir = mkdtempSync(join(tmpdir(), "skein-consumers-"));
const failures = [];

try {
  // --- the tarball, installed once -------------------------------------------------------
  let tarball;
  const given = process.argv.indexOf("--tarball");
  if (given !== -1) {
    tarball = resolve(process.argv[given + 1]);
  } else {
    if (!existsSync(join(root, "dist/node.js"))) {
      console.error("check-consumers: dist/ is missing: run `npm run build` first.");
      process.exit(1);
    }
    const out = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], {
      cwd: root,
      encoding: "utf8",
    });
    tarball = join(dir, out.trim().split("\n").pop());
  }
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", tarball, "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--silent"], {
    cwd: app,
    stdio: "inherit",
  });
  // The server user's @types/node, linked rather than installed (offline, and the same version we test with).
  mkdirSync(join(app, "node_modules/@types"));
  symlinkSync(join(nm, "@types/node"), join(app, "node_modules/@types/node"), "dir");

  // --- 1. one copy of every class, whatever the loader -----------------------------------
  writeFileSync(
    join(app, "from-cjs.cjs"),
    'const skein = require("skein");\nmodule.exports = { Cancelled: skein.Cancelled, core: require("skein/core").Cancelled };\n',
  );
  writeFileSync(
    join(app, "identity.mjs"),
    [
      'import { createRequire } from "node:module";',
      'import { Cancelled } from "skein";',
      'import * as core from "skein/core";',
      'const cjs = createRequire(import.meta.url)("./from-cjs.cjs");',
      "const same = cjs.Cancelled === Cancelled && cjs.core === Cancelled && core.Cancelled === Cancelled;",
      'console.log(same ? "same" : "DIFFERENT");',
      "process.exitCode = same ? 0 : 1;",
      "",
    ].join("\n"),
  );
  const nodes = [
    ["system node", "node"],
    ["node22", join(nm, "node22/bin/node")],
    ["node24", join(nm, "node/bin/node")],
    ["node26", join(nm, "node26/bin/node")],
  ].filter(([, bin]) => bin === "node" || existsSync(bin));
  // `npm test` puts Node 24 first on the PATH; the system Node is the one outside node_modules.
  const systemNode = (process.env.PATH ?? "")
    .split(":")
    .filter((p) => p && !p.includes("node_modules"))
    .map((p) => join(p, "node"))
    .find((p) => existsSync(p));
  for (const [name, bin0] of nodes) {
    const bin = bin0 === "node" ? (systemNode ?? process.execPath) : bin0;
    try {
      const { stdout } = await run(bin, ["--no-warnings", "identity.mjs"], { cwd: app });
      const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
      console.log(`check-consumers: one Cancelled class from require and import on ${name} ${version}: ${stdout.trim()}`);
    } catch (error) {
      failures.push(`${name}: require("skein").Cancelled !== import("skein").Cancelled\n${error.stdout ?? ""}${error.stderr ?? error}`);
    }
  }

  // --- 2. consumer type matrix ------------------------------------------------------------
  writeFileSync(
    join(app, "consumer.ts"),
    [
      'import { Cancelled, run } from "skein";',
      'import * as core from "skein/core";',
      'import { skeinTest } from "skein/testing";',
      "",
      "const n: number = await run(async (cx) => {",
      "  let done = 0;",
      "  await cx.taskGroup(async (tg) => {",
      "    tg.startSoon(async (cx) => {",
      "      await cx.moveOnAfter(10, (cx) => cx.sleep(1));",
      "      done += 1;",
      "    });",
      "  });",
      "  try {",
      "    await cx.checkpoint();",
      "  } catch (error) {",
      "    if (error instanceof Cancelled) throw error;",
      "  }",
      "  return done;",
      "});",
      "const same: typeof core.Cancelled = Cancelled;",
      "export { n, same, skeinTest };",
      "",
    ].join("\n"),
  );
  const users = {
    browser: { lib: ["es2022", "dom"], types: [] },
    server: { lib: ["es2022"], types: ["node"] },
  };
  const resolutions = {
    node16: { module: "node16", moduleResolution: "node16" },
    bundler: { module: "esnext", moduleResolution: "bundler" },
  };
  const compilers = {
    "TS 5.9": join(nm, "typescript5/bin/tsc"),
    "TS 6": join(nm, "typescript/bin/tsc"),
  };
  const jobs = [];
  for (const [user, libs] of Object.entries(users)) {
    for (const [res, modules] of Object.entries(resolutions)) {
      const config = `tsconfig.${user}.${res}.json`;
      writeFileSync(
        join(app, config),
        JSON.stringify({
          compilerOptions: { target: "es2022", strict: true, noEmit: true, skipLibCheck: false, ...libs, ...modules },
          files: ["consumer.ts"],
        }),
      );
      for (const [ts, tsc] of Object.entries(compilers)) jobs.push({ name: `${ts}, ${user} user, ${res}`, tsc, config });
    }
  }
  const next = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      try {
        await run(process.execPath, [job.tsc, "-p", job.config], { cwd: app });
        console.log(`check-consumers: types ok: ${job.name}`);
      } catch (error) {
        failures.push(`types: ${job.name}\n${error.stdout ?? ""}${error.stderr ?? error}`);
      }
    }
  };
  await Promise.all([next(), next()]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-consumers: FAIL ${failure}`);
  process.exit(1);
}
console.log("check-consumers: all consumer checks passed");
