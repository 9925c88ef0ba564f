// Property mangling, shared by the build (tsup.config.ts) and `npm run size` (scripts/size.mjs,
// which bundles src/core from source and must see what the package ships).
//
// Skein's internals are `_`-prefixed fields and methods, many read across classes
// (`scope._runner` from task.ts), so a minifier cannot rename them as it renames `#private`
// names: every app bundle carried them in full. The build renames them (esbuild
// `mangleProps`) to short names, once for the whole package: all entries and chunks are one
// esbuild build, so a name is the same in every chunk and in every worker entry.
//
// Invariants: only our own properties match. Nothing reads one by a string (`obj["_x"]`,
// `"_x" in obj`: quoted names are never mangled), no `_x` crosses a structured clone or JSON
// to code of another build, and no class of ours extends a runtime class whose `_x` members
// it must override (a Node stream's `_read`, `_write`): were one added, list its names in
// `reserveProps`. The d.ts keeps the source names: every `_x` member is `@internal` (stripped)
// or `private`, so no consumer's code can name one.
//
// Costs: none at run time; the dist reads `this.c`, `scope.i` where the source says
// `this._deadline`, `scope._origin` (methods, public names, locals and comments are kept).

/**
 * Internal fields and methods of the hot core named without `_` (waiters, the timer heap, the
 * runner's ready queue and tick, task exit hooks, `cx._task.runner` and its timer queue): the
 * most repeated names of every bundle. None may appear in a d.ts outside comments, but as the
 * name of a `private` member (`npm run size` checks it on the built dist): a public name must
 * never be listed here, nor one that a runtime's or a library's objects have.
 */
export const internalNames = [
  "heapIndex", "timerSeq", "armedAt", "onFired", "sift",
  "prevParked", "nextParked", "parkedIn", "raiseWhereBlocked", "resolveFn", "rejectFn",
  "tickPromise", "tickResolve", "readyQueued", "readyChunks", "readyCount", "flushReady", "flushTick",
  "exitHooks", "addExitHook", "removeExitHook", "onTaskExit",
  "onTimer", "prevInQueue", "nextInQueue", "tickArmed", "checkIdle", "cancelWith", "rare", "rareFields", "vars", "services", "views", "begin",
  "runner", "timers", "ticks", "held", "armTick", "later", "tick",
];

/** Our internal properties: `_` then a letter (`_x`, not `__proto__` or a bare `_`), and `internalNames`. */
export const mangleProps = new RegExp(`^_[a-zA-Z]|^(${internalNames.join("|")})$`);

/** `_x` names that belong to runtimes or libraries we talk to: never renamed. */
export const reserveProps = /^(_handle|_writableState|_readableState|_events|_read|_write|_writev|_final|_destroy|_transform|_flush|_construct)$/;
