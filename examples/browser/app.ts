// The browser example's program: three fetches in one task group under a
// deadline (`moveOnAfter`), inside a cancel scope that the Cancel button
// cancels from an ordinary DOM event handler. The server strips the types
// (node:module's stripTypeScriptTypes) and serves this file as /app.js;
// "skein" resolves to dist/browser.js through the page's import map.
//
// Invariants the page shows, and test/browser-example.test.ts checks:
// - "N of 3 done" lists exactly the mirrors that answered;
// - after the deadline or Cancel, every fetch still going is aborted (the
//   server sees its connection close) and no result arrives later;
// - #status carries data-state="running" during a run and "finished" after.
import { CancelScope, run } from "skein";

const mirrors = ["us", "eu", "asia"] as const;
const delays: Record<(typeof mirrors)[number], number> = { us: 100, eu: 300, asia: 600 };

const params = new URLSearchParams(location.search);
const deadline = Number(params.get("deadline") ?? 1000);
const hanging = new Set((params.get("hang") ?? "").split(",").filter(Boolean));

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`the page has no ${selector}`);
  return found;
};
const startButton = element<HTMLButtonElement>("#start");
const cancelButton = element<HTMLButtonElement>("#cancel");
const status = element<HTMLParagraphElement>("#status");
const results = element<HTMLUListElement>("#results");

/** The scope of the run in progress, for the Cancel button. */
let current: CancelScope | undefined;

function show(state: "idle" | "running" | "finished", text: string): void {
  status.dataset.state = state;
  status.textContent = text;
  startButton.disabled = state === "running";
  cancelButton.disabled = state !== "running";
}

function addResult(text: string): void {
  const item = document.createElement("li");
  item.textContent = text;
  results.append(item);
}

async function fetchMirrors(): Promise<string> {
  const scope = new CancelScope();
  current = scope;
  return run(async (cx) => {
    let done = 0;
    const t0 = cx.currentTime();
    const outcome = await cx.withCancelScope(scope, (cx) =>
      cx.moveOnAfter(deadline, (cx) =>
        cx.taskGroup(async (tg) => {
          for (const name of mirrors) {
            tg.startSoon(async (cx) => {
              const query = hanging.has(name) ? "hang=1" : `delay=${delays[name]}`;
              // cx.signal aborts this fetch when the deadline passes or Cancel is pressed.
              const response = await fetch(`/mirror/${name}?${query}`, { signal: cx.signal });
              const text = await response.text();
              done++;
              addResult(`${text} (${Math.round(cx.currentTime() - t0)} ms)`);
            });
          }
        }),
      ),
    );
    if (scope.cancelledCaught) return `cancelled: ${done} of ${mirrors.length} done`;
    if (outcome?.cancelled) return `deadline hit: ${done} of ${mirrors.length} done, the rest cancelled`;
    return `${done} of ${mirrors.length} done`;
  });
}

startButton.addEventListener("click", () => {
  results.replaceChildren();
  show("running", `fetching ${mirrors.length} mirrors, deadline ${deadline} ms…`);
  fetchMirrors().then(
    (summary) => show("finished", summary),
    (error: unknown) => show("finished", `failed: ${String(error)}`),
  );
});
cancelButton.addEventListener("click", () => current?.cancel("the Cancel button"));
show("idle", "ready");
