// Makes sure Chromium exists for the browser column of the conformance matrix
// (`npm test` runs it through `pretest`). Chromium is the one test dependency
// npm cannot provide: it comes from Debian. When it is missing and this is a
// root shell with apt-get, it installs it; otherwise it stops at once with one
// line saying how, instead of letting the matrix fail file by file.
// Kept Node-20-compatible and dependency-free.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(path)) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = existsSync("/usr/bin/apt-get");
  if (root && apt && process.env.CHROMIUM_PATH === undefined) {
    console.log("ensure-chromium: installing chromium with apt-get (for the browser column of the matrix)...");
    execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", { stdio: "inherit" });
  } else {
    console.error(
      `ensure-chromium: no Chromium at ${path}; npm test needs it for the browser column: install it (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
    process.exit(1);
  }
}
