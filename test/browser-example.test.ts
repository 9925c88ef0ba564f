// The browser example (examples/browser/, served by examples/serve-browser.ts)
// really runs Skein in a browser: the server is started as a user would, the
// page opened in headless Chromium (playwright-core, the same Chromium as the
// conformance matrix's browser column), its buttons clicked and its text read.
// Node-only (it launches the browser); build first (`npm test` does).
//
// It asserts what the page shows and what the server saw, never timings:
// all three mirrors answer; a mirror that never answers is cut by the deadline
// and its fetch aborted; Cancel aborts every fetch and no result arrives after.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

let server: ChildProcess;
let base: string;
let browser: Browser;

beforeAll(async () => {
  server = spawn(path("node_modules/node/bin/node"), ["--disable-warning=ExperimentalWarning", path("examples/serve-browser.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise<string>((resolve, reject) => {
    server.once("error", reject);
    server.once("exit", (code) => reject(new Error(`serve-browser.ts exited with ${code} before printing its address`)));
    createInterface({ input: server.stdout! }).once("line", (line) => {
      const match = /http:\/\/\S+/.exec(line);
      if (match) resolve(match[0]);
      else reject(new Error(`serve-browser.ts printed ${JSON.stringify(line)}, not its address`));
    });
  });
  // The same flags as the conformance matrix's browser column (conformance/vitest.config.ts).
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.kill();
});

interface Stats {
  started: number;
  answered: number;
  aborted: number;
  open: number;
}
const stats = async (): Promise<Stats> => (await fetch(`${base}stats`)).json() as Promise<Stats>;
/** Polls the server's counts until `ready` (a bounded number of times, so a failure names what never happened). */
async function until(what: string, ready: (s: Stats) => boolean): Promise<Stats> {
  let s = await stats();
  for (let tries = 0; !ready(s); tries++) {
    if (tries === 1000) throw new Error(`waited in vain for ${what}; the server counted ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
    s = await stats();
  }
  return s;
}

/** Opens the page with `query`, fails the test on any page error, waits for the program to be ready. */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${base}${query}`);
  await page.locator('#status[data-state="idle"]').waitFor();
  return { page, errors };
}
async function finished(page: Page): Promise<{ status: string; results: string[] }> {
  await page.locator('#status[data-state="finished"]').waitFor();
  return { status: (await page.locator("#status").textContent()) ?? "", results: await page.locator("#results li").allTextContents() };
}

describe("the browser example", () => {
  it("fetches the three mirrors in parallel: 3 of 3 done", async () => {
    const { page, errors } = await open("");
    const before = await stats();
    await page.click("#start");
    const { status, results } = await finished(page);
    expect(status).toBe("3 of 3 done");
    expect(results.map((r) => r.split(" (")[0]).sort()).toEqual(["asia answered", "eu answered", "us answered"]);
    const after = await stats();
    expect(after.answered - before.answered).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("cuts a mirror that never answers at the deadline and aborts its fetch", async () => {
    const { page, errors } = await open("?hang=asia&deadline=1500");
    const before = await stats();
    await page.click("#start");
    const { status, results } = await finished(page);
    expect(status).toBe("deadline hit: 2 of 3 done, the rest cancelled");
    expect(results.map((r) => r.split(" (")[0]).sort()).toEqual(["eu answered", "us answered"]);
    // The hanging request was aborted by the browser, not left open.
    const after = await until("the aborted fetch to close", (s) => s.open === 0);
    expect(after.aborted - before.aborted).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Cancel aborts every fetch in flight and no result arrives after", async () => {
    const { page, errors } = await open("?hang=us,eu,asia&deadline=600000");
    const before = await stats();
    await page.click("#start");
    await until("the three fetches to reach the server", (s) => s.started - before.started === 3);
    await page.click("#cancel");
    const { status, results } = await finished(page);
    expect(status).toBe("cancelled: 0 of 3 done");
    expect(results).toEqual([]);
    const after = await until("the aborted fetches to close", (s) => s.open === 0);
    expect(after.aborted - before.aborted).toBe(3);
    expect(after.answered).toBe(before.answered);
    // The page is ready for another run, and nothing was added in the meantime.
    expect(await page.locator("#start").isEnabled()).toBe(true);
    expect(await page.locator("#results li").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
