// Export conditions: a plain `import ... from "skein"` picks this runtime's adapter.
import { describe, expect, inject, it } from "vitest";
import * as skein from "skein";

declare module "vitest" {
  export interface ProvidedContext {
    runtime: string;
  }
}

describe("package entry", () => {
  it("resolves to the adapter of the runtime it runs on", async () => {
    const runtime = inject("runtime");
    const adapters = Object.keys(skein).filter((k) => k.endsWith("Adapter"));
    expect(adapters).toEqual([`${runtime === "chromium" ? "browser" : runtime}Adapter`]);
  });

  it("exports the core API", () => {
    for (const name of ["run", "CancelScope", "ContextVar", "Cancelled", "TimeoutError", "TaskGroupError", "ClosedResourceError", "UsageError", "SkeinError", "TaskGroup", "Context"]) {
      expect(typeof (skein as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
