import { defineConfig } from "tsup";
import { mangleProps, reserveProps } from "./scripts/mangle.mjs";

// One entry per adapter plus the runtime-neutral core, and the same for `skein/testing`
// (`skein/testing` resolves per runtime, so its `skeinTest` uses that runtime's adapter). The shared core ends
// up in one chunk, so `skein/node` and `skein/core` share class identities.
// Typings only for the entries that export something: a worker entry exports
// nothing, and its code is written against the worker scope of its runtime,
// which the one program of the d.ts build (tsconfig.json: Node + DOM) lacks.
const entries = {
  node: "adapters/node/index.ts",
  deno: "adapters/deno/index.ts",
  bun: "adapters/bun/index.ts",
  browser: "adapters/browser/index.ts",
  core: "src/index.ts",
  testing: "src/testing/index.ts",
  "testing-node": "adapters/node/testing.ts",
  "testing-deno": "adapters/deno/testing.ts",
  "testing-bun": "adapters/bun/testing.ts",
  "testing-browser": "adapters/browser/testing.ts",
};

export default defineConfig({
  entry: {
    ...entries,
    "node-worker": "adapters/node/worker-entry.ts",
    "deno-worker": "adapters/deno/worker-entry.ts",
    "bun-worker": "adapters/bun/worker-entry.ts",
    "browser-worker": "adapters/browser/worker-entry.ts",
    "node-process-worker": "adapters/node/process-worker-entry.ts",
    "deno-process-worker": "adapters/deno/process-worker-entry.ts",
    "bun-process-worker": "adapters/bun/process-worker-entry.ts",
  },
  // ESM only: one copy of every class whatever the loader (Node >= 20.19 / 22.12 `require()`s ESM).
  format: ["esm"],
  dts: { entry: entries },
  clean: true,
  splitting: true,
  // No source maps in the package: they were half of the tarball, and the output is
  // unminified, readable ESM already.
  sourcemap: false,
  target: "es2022",
  platform: "neutral",
  outDir: "dist",
  removeNodeProtocol: false,
  external: [/^node:/],
  // Our `_x` internals get short names (scripts/mangle.mjs says which and why): ~0.3 KB
  // min+gzip off every app bundle.
  esbuildOptions(options) {
    options.mangleProps = mangleProps;
    options.reserveProps = reserveProps;
  },
});
