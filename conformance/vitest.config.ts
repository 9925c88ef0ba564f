import { defineConfig } from "vitest/config";

// The conformance suite: the same files on every runtime, importing the
// *built* package ("skein" resolves to dist/ through package.json exports).
// SKEIN_RUNTIME (set by conformance/run.mjs) names the runtime; its export
// condition is put first so that "skein" resolves to that runtime's adapter,
// as it would for a user of that runtime. For "chromium" the suite runs in
// vitest browser mode, in Debian's headless Chromium driven by playwright-core.
const runtime = process.env.SKEIN_RUNTIME ?? "node";
const condition = runtime === "chromium" ? "browser" : runtime;
const conditions = [condition, "import", "module", "default"];

async function browser() {
  if (runtime !== "chromium") return undefined;
  const { playwright } = await import("@vitest/browser-playwright");
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
        // Without the background-networking flags Chromium's connections are
        // refused on a closed network; --no-sandbox because CI runs as root.
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      },
    }),
    instances: [{ browser: "chromium" as const }],
  };
}

// Vitest's browser mode rewrites every dynamic import() in the files it
// serves into a call on a runner object that exists in the page, and injects
// that object only into workers it bundles itself. Skein's worker entry is a
// plain module URL, so give its worker the same one-line shim. This undoes
// the runner's own transform; the library is served unchanged otherwise.
const workerShim = {
  name: "skein:vitest-worker-shim",
  transform(code: string, id: string) {
    if (runtime !== "chromium" || !/[\\/]dist[\\/]browser-worker\.js/.test(id)) return undefined;
    return { code: `globalThis.__vitest_browser_runner__ ??= { wrapDynamicImport: (f) => f() };\n${code}`, map: null };
  },
};

export default defineConfig({
  root: import.meta.dirname,
  plugins: [workerShim],
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: [condition] } },
  // Cross-origin isolation, so SharedArrayBuffer and a fine performance.now()
  // exist in the page as they do elsewhere.
  server: {
    headers: {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    },
  },
  optimizeDeps: { exclude: ["skein"] },
  test: {
    include: ["tests/**/*.test.ts"],
    // The WebSocket test servers (echo, hanging, refused); their URLs are provided to the tests.
    globalSetup: ["./ws-server.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    provide: { runtime, label: process.env.SKEIN_LABEL ?? runtime },
    browser: await browser(),
  },
});
