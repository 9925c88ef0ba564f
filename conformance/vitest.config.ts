import { defineConfig } from "vitest/config";

// The conformance suite: the same files on every runtime, importing the
// *built* package ("skein" resolves to dist/ through package.json exports).
// SKEIN_RUNTIME (set by conformance/run.mjs) names the runtime; its export
// condition is put first so that "skein" resolves to that runtime's adapter,
// as it would for a user of that runtime.
const runtime = process.env.SKEIN_RUNTIME ?? "node";
const conditions = [runtime, "import", "module", "default"];

export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: [runtime] } },
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    provide: { runtime },
  },
});
