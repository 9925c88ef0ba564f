/**
 * `npm run check:examples`: type-checks every TypeScript example of the
 * documentation, so that no example can rot.
 *
 * What it checks: each ```ts fence of docs/*.md and README.md, and each ```ts
 * fence inside a doc comment (the `@example` blocks) of src/ and adapters/.
 * A fence opened with ```ts no-check is skipped: keep those for deliberately
 * partial snippets, and rare (the count is printed).
 *
 * How: each example becomes one module (`export {}` appended, so top-level
 * `await` works) in a fresh directory under os.tmpdir(), with a tsconfig whose
 * `paths` map the package's import paths (`skein`, `skein/core`,
 * `skein/testing`, `skein/node`, ...) onto the source, the way Node resolves
 * them (`skein` and `skein/testing` to the Node adapter). One tsc run checks
 * them all (the options of tsconfig.base.json, with Node's types and the DOM
 * lib); errors are reported at the example's own file and line. The directory
 * is removed afterwards.
 *
 * It also checks that every `@throws` of a doc comment starts with
 * `{@link ErrorClass}`, which the API site renders as a link.
 *
 * Cost: one tsc program over the whole source plus the examples (~20 s).
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every .ts file under `dir`, recursively. */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/**
 * The ```ts fences of one file: `{ file, line, code }` with `line` the 1-based
 * line of the first code line. `prefix` strips the doc-comment ` * ` margin.
 */
function fences(file, inComments) {
  const lines = readFileSync(file, "utf8").split("\n");
  const found = [];
  let skipped = 0;
  const margin = inComments ? /^\s*\*\s?/ : /^/;
  for (let i = 0; i < lines.length; i++) {
    if (inComments && !/^\s*\*/.test(lines[i])) continue;
    const text = lines[i].replace(margin, "");
    const open = /^(\s*)```(ts|typescript)\b(.*)$/.exec(text);
    if (!open) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j].replace(margin, "");
      if (/^\s*```\s*$/.test(t)) break;
      body.push(t.slice(Math.min(indent, t.length - t.trimStart().length)));
    }
    if (/\bno-check\b/.test(open[3])) skipped++;
    else found.push({ file: relative(root, file), line: i + 2, code: body.join("\n") });
    i = j;
  }
  return { found, skipped };
}

const examples = [];
let skipped = 0;
const sources = [
  ...readdirSync(join(root, "docs"))
    .filter((n) => n.endsWith(".md"))
    .map((n) => [join(root, "docs", n), false]),
  [join(root, "README.md"), false],
  ...tsFiles(join(root, "src")).map((f) => [f, true]),
  ...tsFiles(join(root, "adapters")).map((f) => [f, true]),
  ...tsFiles(join(root, "docs/site")).map((f) => [f, true]),
];

// Every `@throws` names what it throws as a link to a class, so the API site shows it
// (typedoc drops the `{Type}` of `@throws {Type}`): `@throws {@link UsageError} if ...`,
// `{@link !TypeError}` for the built-in ones, `{@link skein!X}` from skein/testing.
const throwsErrors = [];
for (const [file, inComments] of sources) {
  if (!inComments) continue;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (/^\s*\*.*@throws\b/.test(line) && !/@throws \{@link [\w!]+\}/.test(line)) {
        throwsErrors.push(`${relative(root, file)}:${i + 1}: @throws must start with {@link ErrorClass}: ${line.trim()}`);
      }
    });
}
if (throwsErrors.length > 0) {
  for (const e of throwsErrors) console.error(e);
  console.error(`check-examples: ${throwsErrors.length} @throws without {@link ErrorClass}`);
  process.exit(1);
}
for (const [file, inComments] of sources) {
  const r = fences(file, inComments);
  examples.push(...r.found);
  skipped += r.skipped;
}

/**
 * The names that examples take as given, as in prose ("with `cx` a Context"):
 * the common ones with their type, so what an example does with them is
 * checked; the ones whose type changes from example to example (`stream` is a
 * file in one, a socket in the next) as `any`. An example's own declaration
 * of a name wins (module scope shadows these globals).
 */
const given = {
  cx: "Context",
  tg: "TaskGroup",
  adapter: "Adapter",
  condition: "Condition",
  lock: "Lock",
  limiter: "CapacityLimiter",
  semaphore: "Semaphore",
  clock: "MockClock",
  url: "string",
  urls: "string[]",
  bytes: "Uint8Array",
  file: "AsyncFile",
  proc: "Process",
  buffered: "BufferedByteStream",
  listener: "SocketListener<SocketStream>",
  udp: "UdpSocket",
  queue: "Queue<string>",
  send: "MemoryObjectSendStream<string>",
  receive: "MemoryObjectReceiveStream<string>",
  requestId: "ContextVar<string>",
  guard: "ResourceGuard",
  items: "string[]",
  item: "string",
  keyPem: "string",
  certPem: "string",
  caPem: "string",
  work: "(cx: Context) => Promise<void>",
  download: "(cx: Context, name: string) => Promise<void>",
  fetchPage: "(cx: Context, url: string) => Promise<string>",
  fetchOne: "(cx: Context, url: string) => Promise<string>",
  slowLookup: "(cx: Context) => Promise<string>",
  serve: "(cx: Context) => Promise<void>",
  rawListener: "RawListener",
  connected: "ConnectedUdpSocket",
  byteStream: "HalfCloseableStream",
  byteSend: "ByteSendStream",
  byteReceive: "ByteReceiveStream",
  done: "Event",
  seq: "Sequencer",
  math: 'WorkerModule<typeof import("./math.worker.ts")>',
  primes: 'WorkerModule<typeof import("./primes.worker.ts")>',
};
/** Modules the worker examples name, next to the examples. */
const fixtures = {
  "math.worker.ts": [
    'import type { Context } from "skein";',
    "export async function fib(cx: Context, n: number): Promise<number> { return n; }",
    "export async function sum(cx: Context, n: number): Promise<number> { return n; }",
  ],
  "primes.worker.ts": [
    'import type { Context } from "skein";',
    "export async function countPrimes(cx: Context, limit: number): Promise<number> { return limit; }",
  ],
  "hash.worker.ts": [
    'import type { Context } from "skein";',
    "export async function sha(cx: Context, data: Uint8Array): Promise<string> { return String(data.length); }",
  ],
};
const placeholders = [
  "codeOf", "fileErrorCodeOf", "childEnv", "isEnoent",
  "stream", "raw", "handle", "outcome", "main", "log", "port", "job", "jobs", "ws", "results",
  "pipe", "listen", "text", "signal", "signals", "room", "pollForever", "writeRecord", "workers", "id",
  "makePair", "critical", "dropped", "decode", "encode", "bar", "NEWLINE", "xs", "x", "write", "worker", "workInline", "use",
  "sql", "socket", "sink", "shutdown", "sharedLimiter", "request", "reports", "reply", "record", "ready", "read",
  "query", "producer", "options", "onMessage", "onExit", "onCrash", "next", "makeClogged", "json", "hugeArray",
  "heartbeat", "good", "getUser", "getPosts", "flushToDisk", "flush", "flags", "doSomeSyncWork", "crunch", "counter",
  "connection", "connectError", "compressor", "chunks", "a", "b", "bunNet", "nodeSignals", "nodeProcesses", "nodeLookup",
  "nodeDatagrams", "denoSignals", "denoProcesses", "bunProcesses",
];

/** The value and type exports of `skein` and `skein/testing` (as Node resolves them), by name. */
function exportsOf() {
  const ts = require(join(root, "node_modules/typescript"));
  const files = { skein: "adapters/node/index.ts", "skein/testing": "adapters/node/testing.ts" };
  const program = ts.createProgram(
    Object.values(files).map((f) => join(root, f)),
    { noEmit: true, allowImportingTsExtensions: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, noResolve: false, types: [] },
  );
  const checker = program.getTypeChecker();
  const names = new Map();
  for (const [spec, f] of Object.entries(files)) {
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(join(root, f)));
    for (const e of checker.getExportsOfModule(symbol)) {
      if (names.has(e.name)) continue;
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      names.set(e.name, { spec, type: (target.flags & ts.SymbolFlags.Value) === 0 });
    }
  }
  return names;
}

const dir = mkdtempSync(join(tmpdir(), "skein-examples-"));
try {
  const at = (p) => resolve(root, p);
  const paths = {
    skein: [at("adapters/node/index.ts")],
    "skein/core": [at("src/index.ts")],
    "skein/node": [at("adapters/node/index.ts")],
    "skein/deno": [at("adapters/deno/index.ts")],
    "skein/bun": [at("adapters/bun/index.ts")],
    "skein/browser": [at("adapters/browser/index.ts")],
    "skein/testing": [at("adapters/node/testing.ts")],
    "skein/testing/core": [at("src/testing/index.ts")],
  };
  const base = JSON.parse(
    readFileSync(join(root, "tsconfig.base.json"), "utf8")
      .split("\n")
      .filter((l) => !/^\s*\/\//.test(l))
      .join("\n"),
  ).compilerOptions;
  const tsconfig = {
    compilerOptions: {
      ...base,
      lib: ["ES2022", "DOM", "DOM.Iterable", "ESNext.Disposable"],
      types: ["node"],
      paths,
      // Examples often declare a value only to show its type.
      noUnusedLocals: false,
    },
    files: [],
  };
  // An example without imports from skein gets the skein names it uses (on
  // one line, so line numbers stay right); one with imports must be complete.
  const exported = exportsOf();
  examples.forEach((ex, i) => {
    const name = `ex${String(i).padStart(4, "0")}.ts`;
    ex.name = name;
    let head = "";
    if (!/^\s*import\b.*\bfrom\s+"skein(\/[\w/]+)?"/m.test(ex.code)) {
      const bySpec = new Map();
      for (const [n, { spec, type }] of exported) {
        if (!new RegExp(`(?<![\\w$.])${n.replace("$", "\\$")}(?![\\w$])`).test(ex.code)) continue;
        if (new RegExp(`\\b(const|let|var|function|class|type|interface)\\s+${n}\\b`).test(ex.code)) continue;
        if (!bySpec.has(spec)) bySpec.set(spec, []);
        bySpec.get(spec).push(type ? `type ${n}` : n);
      }
      head = [...bySpec].map(([spec, ns]) => `import { ${ns.join(", ")} } from "${spec}";`).join(" ");
    }
    writeFileSync(join(dir, name), `${head}\n${ex.code}\nexport {};\n`);
    tsconfig.files.push(name);
  });
  const types = new Set(Object.values(given).flatMap((t) => t.match(/\b[A-Z]\w+/g) ?? []));
  types.delete("Promise");
  types.delete("Uint8Array");
  writeFileSync(
    join(dir, "given.d.ts"),
    [
      `import type { ${[...types].filter((t) => exported.get(t)?.spec === "skein").join(", ")} } from "skein";`,
      `import type { MockClock, Sequencer } from "skein/testing";`,
      "declare global {",
      ...Object.entries(given).map(([n, t]) => `  const ${n}: ${t};`),
      ...placeholders.map((n) => `  var ${n}: any;`),
      "}",
    ].join("\n"),
  );
  tsconfig.files.push("given.d.ts");
  for (const [name, lines] of Object.entries(fixtures)) writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  // Bare imports (vitest, node types) resolve from the repository's node_modules.
  symlinkSync(at("node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));

  const tsc = spawnSync(process.execPath, [at("node_modules/typescript/bin/tsc"), "-p", dir, "--pretty", "false"], {
    encoding: "utf8",
    cwd: dir,
  });
  const byName = new Map(examples.map((ex) => [ex.name, ex]));
  const errors = [];
  for (const line of `${tsc.stdout}${tsc.stderr}`.split("\n")) {
    const m = /^(ex\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    // (line 1 of each module is the generated import line)
    if (m) {
      const ex = byName.get(m[1]);
      errors.push(`${ex.file}:${ex.line + Number(m[2]) - 2}:${m[3]}: ${m[4]}`);
    } else if (line.trim() !== "") {
      errors.push(line.replace(root, ""));
    }
  }
  if (tsc.status !== 0 || errors.length > 0) {
    for (const e of errors) console.error(e);
    console.error(`check-examples: ${errors.length} error(s) in ${examples.length} examples (${skipped} marked no-check)`);
    process.exitCode = 1;
  } else {
    console.log(`check-examples: ${examples.length} examples type-check (${skipped} marked no-check)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
