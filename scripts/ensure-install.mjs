// Runs `npm install` when node_modules is missing or older than package.json,
// so that `npm test` and `npm run demo` work on a fresh clone with the system
// Node (20+). The npm `node` devDependency then puts Node 24 first on the
// PATH of every npm script, which the tooling (vitest 5, tsup 9) requires.
// Kept Node-20-compatible and dependency-free on purpose.
//
// `--link-only` (used by the `prepare` script) skips the install and only
// repairs node_modules/.bin/node: `node` (24) and the aliases `node22` and `node26`
// declare a `node` bin, and an incremental `npm install` that touches an alias
// (adding or bumping it) can re-link .bin/node to that alias. A fresh install links
// Node 24 (npm links bins in path order and the first claim wins), so this
// only restores what a fresh install gives.
import { execSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";

if (!process.argv.includes("--link-only")) {
  const marker = "node_modules/.package-lock.json";
  const stale =
    !existsSync(marker) ||
    statSync(marker).mtimeMs < statSync("package.json").mtimeMs ||
    (existsSync("package-lock.json") && statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs);
  if (stale) {
    console.log("ensure-install: installing dependencies (npm install)...");
    execSync("npm install --no-audit --no-fund", { stdio: "inherit" });
  }
}

const link = "node_modules/.bin/node";
const want = "../node/bin/node";
if (existsSync("node_modules/node/bin/node") && process.platform !== "win32") {
  let current = null;
  try {
    current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : "";
  } catch {}
  if (current !== want) {
    rmSync(link, { force: true });
    symlinkSync(want, link);
    console.log(`ensure-install: ${link} -> ${want} (Node 24 for npm scripts)`);
  }
}
