// Runs `npm install` when node_modules is missing or older than package.json,
// so that `npm test` and `npm run demo` work on a fresh clone with the system
// Node (20+). The npm `node` devDependency then puts Node 24 first on the
// PATH of every npm script, which the tooling (vitest 5, tsup 9) requires.
// Kept Node-20-compatible and dependency-free on purpose.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale =
  !existsSync(marker) ||
  statSync(marker).mtimeMs < statSync("package.json").mtimeMs ||
  (existsSync("package-lock.json") && statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs);
if (stale) {
  console.log("ensure-install: installing dependencies (npm install)...");
  execSync("npm install --no-audit --no-fund", { stdio: "inherit" });
}
