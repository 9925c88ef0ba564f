// `node scripts/size-breakdown.mjs [min-bytes]`: what each part of the minimal program of
// `npm run size` (issue 13) costs, in bytes of min+gzip. Not part of `npm test`.
//
// The program is bundled from source for the browser (mangled as the build does, the chunks it
// loads only through `import()` left out) into one unminified file. Each top-level declaration
// and each class member is then cut out in turn, the rest minified and gzipped (level 9): its
// cost is how many bytes the cut saved (its marginal cost; gzip shares repeated text, so the
// costs of two parts do not add up exactly). Then the cost of whole features, cut together
// (`features` below: the members a feature is made of). A feature whose members are missing is
// flagged, so the list follows renames.
//
// Costs: one esbuild build and one minification per declaration or member (a few hundred,
// a few seconds).
import { build, transform } from "esbuild";
import { gzipSync } from "node:zlib";
import ts from "typescript";
import { mangleProps, reserveProps } from "./mangle.mjs";

const program = `import { run } from "./adapters/browser/index.ts";
await run(async (cx) => {
  await cx.moveOnAfter(1000, (cx) =>
    cx.taskGroup(async (tg) => {
      tg.startSoon(async (cx) => cx.sleep(10));
    }),
  );
});`;

/** Features of the minimal program, as the declarations and members that make them. */
const features = {
  "start/startTask/createTask and TaskHandle, together": ["TaskHandle", "ResultWaiter", "TaskGroup.createTask", "TaskGroup.startTask", "TaskFailedError", "TaskCancelledError", "Starter", "TaskGroup.start", "TaskGroup.startWith", "Context.started", "CancelScope._reparent"],
  "TaskHandle (createTask, startTask's handle, result)": ["TaskHandle", "ResultWaiter", "TaskGroup.createTask", "TaskGroup.startTask", "TaskFailedError", "TaskCancelledError"],
  "start's handshake (Starter, cx.started, _reparent)": ["Starter", "TaskGroup.start", "TaskGroup.startTask", "TaskGroup.startWith", "Context.started", "CancelScope._reparent"],
  "argument checks (helpers and describeValue; call sites stay)": ["describeValue", "checkFunction", "checkContext", "notAContext", "checkTime", "checkDelay", "checkBoolean", "checkThenable", "mustBe", "checkOptional", "checkObject", "checkSignal", "checkTimeoutOptions", "notAFunction", "blockingDetectorOptions"],
  "deadline/relativeDeadline accessors, cx.deadline": ["CancelScope.deadline(get)", "CancelScope.deadline(set)", "CancelScope.relativeDeadline(get)", "CancelScope.relativeDeadline(set)", "Context.deadline(get)", "CancelScope._effectiveDeadline"],
  "currentTask (TaskView, viewOf, groupOf)": ["TaskView", "viewOf", "groupOf", "Context.currentTask"],
  "browser: workers facade (lazy-workers.ts)": ["lazyWebWorkers", "loading"],
  "browser: OPFS files stub (lazy-files.ts)": ["methods", "lazyOpfsFiles", "load", "loaded"],
  "AbortSignal ({ signal } option, cx.signal, scope.signal)": ["SignalLink", "checkSignal", "CancelScope.signal(get)", "Context.signal(get)", "SIGNAL_REASON", "CancelScope._cancelBy"],
  "detectBlocking option check": ["blockingDetectorOptions"],
  "failAfter/failAt and TimeoutError": ["Context.failAfter", "Context.failAt", "failAt", "TimeoutError"],
  "TaskGroupError": ["TaskGroupError", "describeErrors"],
  "exit hooks (Task.addExitHook/removeExitHook)": ["Task.addExitHook", "Task.removeExitHook"],
  "exited-context markers (ClosedResourceError on misuse)": ["ExitedMarker", "SCOPE_EXITED", "RUN_ENDED"],
  "abandonOnCancel": ["Context.abandonOnCancel", "checkThenable"],
  "runner services (Runner.service)": ["Runner.service"],
  "withCancelScope": ["Context.withCancelScope", "CancelScope._checkUnentered"],
  "Context.taskName, isCancelled, toString": ["Context.taskName(get)", "Context.isCancelled(get)", "Context.toString"],
  "shield accessors": ["CancelScope.shield(get)", "CancelScope.shield(set)"],
  "sleepUntil": ["Context.sleepUntil"],
};

const onlyStatic = {
  name: "only-static",
  setup(b) {
    b.onResolve({ filter: /./ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined));
  },
};
const result = await build({
  stdin: { contents: program, resolveDir: process.cwd(), sourcefile: "minimal.ts", loader: "ts" },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  logLevel: "error",
  plugins: [onlyStatic],
});
const code = result.outputFiles[0].text;
const cost = async (source) =>
  gzipSync((await transform(source, { minify: true, format: "esm", target: "es2022", mangleProps, reserveProps })).code, { level: 9 }).length;
const whole = await cost(code);

// Declarations and members, each with the module it came from (esbuild's `// path` comments).
const file = ts.createSourceFile("bundle.js", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
const marks = [...code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => [m.index, m[1]]);
const moduleAt = (pos) => marks.filter(([at]) => at <= pos).at(-1)?.[1] ?? "?";
const parts = [];
for (const statement of file.statements) {
  const start = statement.getStart(file);
  const declarations = ts.isVariableStatement(statement) ? statement.declarationList.declarations : [];
  const name = statement.name?.text ?? declarations.map((d) => d.name.getText(file)).join(",") ?? "";
  parts.push({ name: name || ts.SyntaxKind[statement.kind], module: moduleAt(start), start, end: statement.end, member: false });
  const cls = ts.isClassDeclaration(statement) ? statement : declarations.map((d) => d.initializer).find((i) => i && ts.isClassExpression(i));
  for (const member of cls?.members ?? []) {
    const kind = ts.isGetAccessor(member) ? "(get)" : ts.isSetAccessor(member) ? "(set)" : "";
    const key = ts.isConstructorDeclaration(member) ? "constructor" : member.name?.getText(file) ?? "?";
    parts.push({ name: `${name}.${key}${kind}`, module: moduleAt(start), start: member.getStart(file), end: member.end, member: true });
  }
}
const without = (cut) => {
  let source = code;
  for (const part of [...cut].sort((a, b) => b.start - a.start)) source = source.slice(0, part.start) + (part.member ? "" : ";") + source.slice(part.end);
  return source;
};

const threshold = Number(process.argv[2] ?? 25);
console.log(`minimal program, from source, lazy chunks left out: ${whole} B min+gzip\n`);
for (const part of parts) part.cost = whole - (await cost(without([part])));
const byModule = new Map();
for (const part of parts) if (!part.member) byModule.set(part.module, (byModule.get(part.module) ?? 0) + part.cost);
console.log("by module (sum of its declarations):");
for (const [module, bytes] of [...byModule].sort((a, b) => b[1] - a[1])) console.log(`${String(bytes).padStart(6)}  ${module}`);
console.log(`\ndeclarations and members costing ${threshold} B or more:`);
for (const part of [...parts].sort((a, b) => b.cost - a.cost)) {
  if (part.cost >= threshold) console.log(`${String(part.cost).padStart(6)}  ${part.member ? "  " : ""}${part.name}  (${part.module})`);
}
console.log("\nfeatures (their parts cut together):");
for (const [label, names] of Object.entries(features)) {
  const missing = names.filter((n) => !parts.some((p) => p.name === n));
  const saved = whole - (await cost(without(parts.filter((p) => names.includes(p.name)))));
  console.log(`${String(saved).padStart(6)}  ${label}${missing.length > 0 ? `  (not found: ${missing.join(", ")})` : ""}`);
}
