import { defineConfig } from "vitest/config";

// Unit tests of internals on Node (test/). The conformance suite has its own
// config (conformance/vitest.config.ts) and runs on every runtime.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
  },
});
