// Export conditions: a plain `import ... from "skein"` picks this runtime's adapter.
import { describe, expect, inject, it } from "vitest";
import * as skein from "skein";

declare module "vitest" {
  export interface ProvidedContext {
    runtime: string;
    label: string;
  }
}

describe("package entry", () => {
  it("resolves to the adapter of the runtime it runs on", async () => {
    const runtime = inject("runtime");
    const adapters = Object.keys(skein).filter((k) => k.endsWith("Adapter"));
    expect(adapters).toEqual([`${runtime === "chromium" ? "browser" : runtime}Adapter`]);
  });

  it("really runs on that runtime (not silently on Node)", () => {
    // Test code may look at globals; the library itself never does.
    const g = globalThis as Record<string, unknown>;
    const runtime = inject("runtime");
    const label = inject("label");
    const nodeVersion = (g.process as { versions?: { node?: string } } | undefined)?.versions?.node;
    if (runtime === "deno") expect(typeof g.Deno).toBe("object");
    else if (runtime === "bun") expect(typeof g.Bun).toBe("object");
    else if (runtime === "chromium") {
      expect((g.navigator as { userAgent: string }).userAgent).toMatch(/Chrome/);
      expect(g.crossOriginIsolated).toBe(true); // COOP/COEP served: SharedArrayBuffer exists
      expect(typeof g.SharedArrayBuffer).toBe("function");
    }
    else {
      expect(g.Deno ?? g.Bun).toBeUndefined();
      expect(nodeVersion).toBeTypeOf("string");
      const major = /^node(\d+)$/.exec(label)?.[1];
      if (major !== undefined) expect(nodeVersion!.split(".")[0]).toBe(major);
    }
  });

  it("exports the core API", () => {
    for (const name of ["run", "CancelScope", "ContextVar", "Cancelled", "TimeoutError", "TaskGroupError", "ClosedResourceError", "UsageError", "SkeinError", "TaskGroup", "Context"]) {
      expect(typeof (skein as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
