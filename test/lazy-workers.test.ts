// The browser adapter's lazy workers (adapters/browser/lazy-workers.ts): `spawn` returns a port at
// once and imports the Worker code on first use; messages posted before the worker exists arrive
// after `listen`, in order, and a worker that cannot start is reported through `error`.
import { afterEach, describe, expect, it } from "vitest";
import type { WorkerPortHandlers } from "../src/core/adapter.ts";
import { lazyWebWorkers } from "../adapters/browser/lazy-workers.ts";

const log: string[] = [];
let failNext: Error | null = null;

/** A stand-in for the Web `Worker`: records what the port does with it. */
class FakeWorker {
  constructor(url: URL) {
    if (failNext !== null) {
      const error = failNext;
      failNext = null;
      throw error;
    }
    log.push(`new ${url.pathname.split("/").pop()}`);
  }
  postMessage(message: unknown): void {
    log.push(`post ${JSON.stringify(message)}`);
  }
  addEventListener(type: string): void {
    log.push(`listen ${type}`);
  }
  terminate(): void {
    log.push("terminate");
  }
}

const g = globalThis as { Worker?: unknown };
const saved = g.Worker;
afterEach(() => {
  g.Worker = saved;
  log.length = 0;
});

function handlers(): WorkerPortHandlers & { errors: unknown[] } {
  const errors: unknown[] = [];
  return { errors, message: () => {}, error: (e) => void errors.push(e), exit: () => {} };
}

describe("lazyWebWorkers", () => {
  it("queues messages until the worker exists, then posts them in order after listening", async () => {
    g.Worker = FakeWorker;
    const port = lazyWebWorkers("https://example.test/dist/chunk-x.js").spawn();
    const h = handlers();
    port.listen(h);
    port.post({ t: "init" });
    port.post({ t: 2 });
    expect(log).toEqual([]); // nothing started synchronously
    await port.terminate();
    expect(log).toEqual([
      "new browser-worker.js",
      "listen message",
      "listen error",
      "listen messageerror",
      'post {"t":"init"}',
      'post {"t":2}',
      "terminate",
    ]);
    expect(h.errors).toEqual([]);
  });

  it("posts straight to the worker once it exists", async () => {
    g.Worker = FakeWorker;
    const port = lazyWebWorkers("https://example.test/dist/chunk-x.js").spawn();
    port.listen(handlers());
    port.post({ t: "init" });
    // Started once terminate's promise settles; terminate after posting more.
    await new Promise((resolve) => setTimeout(resolve, 0));
    port.post({ t: "later" });
    expect(log.at(-1)).toBe('post {"t":"later"}');
    await port.terminate();
    expect(log.at(-1)).toBe("terminate");
  });

  it("reports a worker that cannot start through the error handler", async () => {
    g.Worker = FakeWorker;
    failNext = new Error("blocked by CSP");
    const port = lazyWebWorkers("https://example.test/dist/chunk-x.js").spawn();
    const h = handlers();
    port.listen(h);
    port.post({ t: "init" });
    await port.terminate(); // resolves: there is no worker to stop
    expect(h.errors).toHaveLength(1);
    expect((h.errors[0] as Error).message).toBe("blocked by CSP");
    expect(log).toEqual([]);
  });
});
