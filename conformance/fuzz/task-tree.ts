/**
 * Property A: random task trees, interpreted under `run`.
 *
 * A program is a tree of statements (depth <= 4, <= 5 statements per block):
 * sleeps (0-3 ms) and checkpoints, microtask yields (`await null`, which shift
 * a task's steps by a few microtasks and so reach the one-microtask windows
 * where a group is closing), throws, cancels of any scope enclosing the
 * statement (its own scopes, a handle task's own scope, its group's, any
 * ancestor's, the root), shielded
 * scopes, plain scopes, `moveOnAfter`/`failAfter` with 0-3 ms deadlines,
 * nested task groups, `startSoon`, `start`, `createTask` and `startTask`
 * (with `cx.started(value)` before some statement, at the end, or never) into
 * the enclosing group or into ANY group opened so far in the run (closed ones
 * refuse with ClosedResourceError), blocks that swallow one `Cancelled`,
 * blocks that catch other errors, foreign promises (a `setTimeout` resolving
 * or rejecting) awaited through `cx.abandonOnCancel`, and, on the task
 * handles seen so far in the run (`handles[-k]`: the k-th most recent one),
 * `cancel()` and `await result(cx)` (plain or inside `moveOnAfter`), catching
 * or rethrowing the TaskFailedError/TaskCancelledError it may throw. A plain
 * `result` wait that would close a wait-for cycle (the awaited task waits,
 * through results, `start`s and group closings, for the waiting one) is
 * skipped, since it can only deadlock; a guarded one is not.
 *
 * Invariants checked on every case (the `invariant` names of the report):
 * - `finally`: every block that began ran its `finally` exactly once;
 * - `ran-after-group-returned` / `ran-after-run-returned`: no task code runs
 *   after its group (or the run) returned; each step of a task checks a mark
 *   set when its group's `taskGroup` call settled;
 * - `spawn-after-group-returned`: a group that returned refuses new tasks;
 * - `error-surfaced`: every error the program threw (and every foreign
 *   rejection delivered to it) surfaces exactly once: in `run`'s rejection
 *   (inside TaskGroupErrors, recursively) or caught by a try block;
 * - `cancelled-escaped-run`: a `Cancelled` leaves `run` only if it is the
 *   root scope's, and the root was cancelled;
 * - `shield`: code inside a shield never sees a `Cancelled` whose scope is
 *   outside the shield; `cancelled-scope`: code never sees a `Cancelled` of a
 *   scope that does not enclose it (checked wherever a `Cancelled` passes a
 *   block boundary or is swallowed). For a task started with `start`, the
 *   caller's enclosing scopes also count as enclosing (before `started()` it
 *   runs under the caller's cancellation);
 * - `unexpected-error`: nothing but the program's errors, `TimeoutError`,
 *   `UsageError` (a `start`ed task that never called `started()`) and
 *   `Cancelled` reaches a catch or `run`;
 * - `hang`: the run settles before the watchdog; `unhandled-rejection`: none.
 *
 * Task handles (a handle task returns a token of its own; a `startTask`ed
 * one passes another to `cx.started`):
 * - `handle-status`: the status is `"pending"`/`"cancelling"` while the task
 *   runs, not `"pending"` right after `cancel()`, and at the end the final
 *   state of what the task did: returned -> `"finished"`, threw a
 *   non-`Cancelled` error -> `"failed"`, ended by `Cancelled` -> `"cancelled"`;
 *   `handle-status-backwards`: pending -> cancelling -> final, never back,
 *   and a final state never changes (sampled at every step of every task);
 * - `handle-result`: `result(cx)` once the task ended (awaited in the program,
 *   and again for every handle after the run) agrees with the status: the
 *   token, a TaskFailedError whose `cause` is the very error the task threw,
 *   or a TaskCancelledError; `startTask` resolves with the started token and
 *   a handle named after the task;
 * - `handle-cancel-leaked`: `cancel()` changes no other handle's status
 *   (except tasks running inside the cancelled task) and does not cancel the
 *   group; at the end a group's `cancelScope.cancelCalled` is true only if a
 *   statement cancelled it or a non-`Cancelled` error reached it;
 * - `error-surfaced` covers the wrappers: the task's error still surfaces
 *   exactly once (through its group); a rethrown TaskFailedError or
 *   TaskCancelledError is a new error that surfaces exactly once too, and an
 *   unknown one is an `unexpected-error`.
 *
 * Costs: one `run` per case (and a second, short one calling `result` on
 * every handle, when there were handles); real sleeps are 0-3 ms, so a case
 * costs about its critical path (a few ms). The trace records events, not
 * every sleep; the wait-for check walks the live tasks, a handful.
 *
 * @module
 */

import fc from "fast-check";
import {
  CancelScope,
  Cancelled,
  ClosedResourceError,
  run,
  TaskCancelledError,
  TaskFailedError,
  TaskHandle,
  TimeoutError,
  UsageError,
  type Context,
  type StartedTask,
  type TaskGroup,
  type TaskStatus,
} from "skein";
import {
  type CaseResult,
  describe,
  HUNG,
  indent,
  leaves,
  settleMacrotasks,
  unhandledCount,
  unhandledSince,
  type Violation,
  withWatchdog,
} from "./harness.ts";

// ---------------------------------------------------------------------------
// The language

/** Which enclosing scope a `cancel` statement cancels: 0 = innermost, n = n levels out, ROOT = the root. */
export const ROOT = -1;

/** One statement of a task-tree program. */
export type Stmt =
  | { readonly k: "sleep"; readonly ms: number }
  | { readonly k: "checkpoint" }
  /** `await null` n times: moves the task by n microtasks, without a checkpoint. */
  | { readonly k: "micro"; readonly n: number }
  | { readonly k: "throw" }
  | { readonly k: "cancel"; readonly up: number }
  | { readonly k: "foreign"; readonly ms: number; readonly fail: boolean }
  | { readonly k: "shield"; readonly body: Stmt[] }
  | { readonly k: "scope"; readonly body: Stmt[] }
  | { readonly k: "moveOn"; readonly ms: number; readonly body: Stmt[] }
  | { readonly k: "failAfter"; readonly ms: number; readonly body: Stmt[] }
  | { readonly k: "group"; readonly body: Stmt[] }
  /** `handles[-1 - h mod count].cancel()`: one of the handles seen so far, counted from the most recent. */
  | { readonly k: "hcancel"; readonly h: number }
  /**
   * `await handles[-1 - h mod count].result(cx)`, plain (`within` -1) or inside
   * `moveOnAfter(within)`; a TaskFailedError/TaskCancelledError is rethrown or caught.
   */
  | { readonly k: "hawait"; readonly h: number; readonly within: number; readonly rethrow: boolean }
  | {
      readonly k: "spawn";
      /** `start`/`startTask` (true) or `startSoon`/`createTask`. */
      readonly start: boolean;
      /** With a handle: `createTask`/`startTask`. */
      readonly handle: boolean;
      /** 0: the innermost enclosing group; n: the groups opened so far in the run, index n mod their count. */
      readonly into: number;
      /** `cx.started()` before statement i; past the end: after the last; -1: never. */
      readonly startedAt: number;
      readonly body: Stmt[];
    }
  | { readonly k: "swallow"; readonly body: Stmt[] }
  | { readonly k: "try"; readonly body: Stmt[] };

/** A program: the body of `main`. */
export interface TreeProgram {
  readonly main: Stmt[];
}

const ms = fc.constantFrom(0, 1, 0, 2, 1, 3);
/** Which handle a handle statement takes, counted back from the most recent. */
const handleIndex = fc.constantFrom(0, 0, 0, 1, 2);

/** The weights of one flavour of programs. */
export interface Flavour {
  readonly sleep: number;
  readonly checkpoint: number;
  readonly micro: number;
  readonly throw: number;
  readonly cancel: number;
  readonly cancelRoot: number;
  readonly foreign: number;
  readonly hcancel: number;
  readonly hawait: number;
  /** Whether a spawn is `createTask`/`startTask`. */
  readonly handle: fc.Arbitrary<boolean>;
  /** Where spawns go: 0 = the enclosing group, n = groups[n mod count]. */
  readonly into: fc.Arbitrary<number>;
  /** Weight of each kind of statement with a body, by level (leaves weigh 40). */
  readonly composite: (level: number) => number;
  /** Weight of group/spawn statements relative to `composite`. */
  readonly structure: number;
}

/** The deepest level at which a statement may have a body: bodies nest at most MAX_DEPTH deep. */
const MAX_DEPTH = 4;

export function flavour(f: Flavour): fc.Arbitrary<TreeProgram> {
  const leaf: fc.Arbitrary<Stmt> = fc.oneof(
    { arbitrary: fc.record({ k: fc.constant("sleep" as const), ms }), weight: f.sleep },
    { arbitrary: fc.record({ k: fc.constant("checkpoint" as const) }), weight: f.checkpoint },
    { arbitrary: fc.record({ k: fc.constant("micro" as const), n: fc.integer({ min: 1, max: 6 }) }), weight: f.micro },
    { arbitrary: fc.record({ k: fc.constant("throw" as const) }), weight: f.throw },
    { arbitrary: fc.record({ k: fc.constant("cancel" as const), up: fc.constantFrom(0, 0, 1, 1, 2, 3) }), weight: f.cancel },
    { arbitrary: fc.record({ k: fc.constant("cancel" as const), up: fc.constant(ROOT) }), weight: f.cancelRoot },
    {
      arbitrary: fc.record({ k: fc.constant("foreign" as const), ms, fail: fc.constantFrom(false, false, false, true) }),
      weight: f.foreign,
    },
    { arbitrary: fc.record({ k: fc.constant("hcancel" as const), h: handleIndex }), weight: f.hcancel },
    {
      arbitrary: fc.record({ k: fc.constant("hawait" as const), h: handleIndex, within: fc.constantFrom(-1, -1, 0, 1, 3), rethrow: fc.boolean() }),
      weight: f.hawait,
    },
  );
  const stmtAt: fc.Arbitrary<Stmt>[] = [];
  const bodyAt: fc.Arbitrary<Stmt[]>[] = [];
  const groupBodyAt: fc.Arbitrary<Stmt[]>[] = [];
  // Built from the deepest level up, so each level's bodies are the next level's statements.
  for (let level = MAX_DEPTH; level >= 0; level--) {
    let stmt = leaf;
    if (level < MAX_DEPTH) {
      const body = bodyAt[level + 1]!;
      const spawn = fc.record({
        k: fc.constant("spawn" as const),
        start: fc.boolean(),
        handle: f.handle,
        into: f.into,
        startedAt: fc.constantFrom(0, 1, 2, 9, -1),
        body,
      });
      const w = f.composite(level);
      stmt = fc.oneof(
        { arbitrary: leaf, weight: 40 },
        { arbitrary: fc.record({ k: fc.constant("group" as const), body: groupBodyAt[level + 1]! }), weight: w * f.structure },
        { arbitrary: spawn, weight: w * f.structure },
        { arbitrary: fc.record({ k: fc.constant("shield" as const), body }), weight: w },
        { arbitrary: fc.record({ k: fc.constant("scope" as const), body }), weight: w },
        { arbitrary: fc.record({ k: fc.constant("moveOn" as const), ms, body }), weight: w },
        { arbitrary: fc.record({ k: fc.constant("failAfter" as const), ms, body }), weight: w },
        { arbitrary: fc.record({ k: fc.constant("swallow" as const), body }), weight: w },
        { arbitrary: fc.record({ k: fc.constant("try" as const), body }), weight: w },
      );
      groupBodyAt[level] = fc.array(fc.oneof({ arbitrary: spawn, weight: 2 }, { arbitrary: stmt, weight: 3 }), { maxLength: 5 });
    } else {
      groupBodyAt[level] = fc.array(stmt, { maxLength: 5 });
    }
    stmtAt[level] = stmt;
    bodyAt[level] = fc.array(stmt, { maxLength: 5 });
  }
  // main opens one to three groups (and maybe does more).
  return fc.record({
    main: fc.array(
      fc.oneof(
        { arbitrary: groupBodyAt[1]!.map((body): Stmt => ({ k: "group", body })), weight: 3 },
        { arbitrary: stmtAt[0]!, weight: 1 },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  });
}

const shortStep: fc.Arbitrary<Stmt> = fc.oneof(
  fc.record({ k: fc.constant("checkpoint" as const) }),
  fc.record({ k: fc.constant("micro" as const), n: fc.integer({ min: 1, max: 6 }) }),
);

/**
 * Programs of one risky shape, with random details: a group G (opened in one
 * task) whose body ends before its short-lived tasks, and a task elsewhere
 * that, after a few checkpoints and 0-8 microtasks, starts a task (which may
 * throw) into G, so the start lands at some microtask around the moment G
 * closes. The started task may come with a handle (`createTask`/`startTask`),
 * which X may then cancel or await (plain or within `moveOnAfter`).
 */
export const closingRace: fc.Arbitrary<TreeProgram> = fc
  .record({
    xPre: fc.array(shortStep, { maxLength: 2 }),
    xMicro: fc.integer({ min: 0, max: 8 }),
    tBodies: fc.array(fc.array(shortStep, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
    gTail: fc.array(shortStep, { maxLength: 1 }),
    xFirst: fc.boolean(),
    start: fc.boolean(),
    child: fc.array(shortStep, { minLength: 1, maxLength: 2 }),
    childThrows: fc.boolean(),
    handle: fc.boolean(),
    after: fc.constantFrom<Stmt[]>(
      [],
      [{ k: "hcancel", h: 0 }],
      [{ k: "hawait", h: 0, within: -1, rethrow: false }],
      [{ k: "hawait", h: 0, within: 1, rethrow: true }],
      [{ k: "micro", n: 1 }, { k: "hcancel", h: 0 }, { k: "hawait", h: 0, within: -1, rethrow: true }],
    ),
  })
  .map(({ xPre, xMicro, tBodies, gTail, xFirst, start, child, childThrows, handle, after }): TreeProgram => {
    const g: Stmt = {
      k: "spawn",
      start: false,
      handle: false,
      into: 0,
      startedAt: -1,
      body: [
        { k: "group", body: [...tBodies.map((body): Stmt => ({ k: "spawn", start: false, handle: false, into: 0, startedAt: -1, body })), ...gTail] },
      ],
    };
    const x: Stmt = {
      k: "spawn",
      start: false,
      handle: false,
      into: 0,
      startedAt: -1,
      body: [
        ...xPre,
        ...(xMicro > 0 ? [{ k: "micro" as const, n: xMicro }] : []),
        // groups[1] is G: g1 is groups[0] and G is the only other group.
        { k: "spawn", start, handle, into: 1, startedAt: start ? 9 : -1, body: childThrows ? [...child, { k: "throw" }] : child },
        ...(handle ? after : []),
      ],
    };
    return { main: [{ k: "group", body: xFirst ? [x, g] : [g, x] }] };
  });

const handleOp: fc.Arbitrary<Stmt> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("hcancel" as const), h: fc.integer({ min: 0, max: 2 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      k: fc.constant("hawait" as const),
      h: fc.integer({ min: 0, max: 2 }),
      within: fc.constantFrom(-1, -1, 0, 1),
      rethrow: fc.boolean(),
    }),
    weight: 3,
  },
  { arbitrary: shortStep, weight: 2 },
);

/**
 * Programs about handles, with random details: one group whose body makes
 * one to three handle tasks (`createTask`/`startTask`; short bodies that may
 * throw, swallow a `Cancelled`, or cancel and await the other handles), then
 * cancels and awaits them in some order, while maybe a plain sibling task
 * does the same; so results are awaited while their task fails, is
 * cancelled or is cancelled with its group, at every few microtasks.
 */
export const handleRace: fc.Arbitrary<TreeProgram> = fc
  .record({
    tasks: fc.array(
      fc.record({
        start: fc.boolean(),
        startedAt: fc.constantFrom(0, 1, 9),
        steps: fc.array(fc.oneof({ arbitrary: shortStep, weight: 3 }, { arbitrary: handleOp, weight: 1 }), { minLength: 1, maxLength: 3 }),
        end: fc.constantFrom<Stmt[]>([], [], [{ k: "throw" }], [{ k: "sleep", ms: 1 }]),
        swallow: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    ops: fc.array(handleOp, { minLength: 1, maxLength: 4 }),
    watcher: fc.array(handleOp, { maxLength: 3 }),
  })
  .map(({ tasks, ops, watcher }): TreeProgram => {
    const spawns = tasks.map(({ start, startedAt, steps, end, swallow }): Stmt => {
      const inner = [...steps, ...end];
      return { k: "spawn", start, handle: true, into: 0, startedAt, body: swallow ? [{ k: "swallow", body: inner }] : inner };
    });
    const w: Stmt[] = watcher.length > 0 ? [{ k: "spawn", start: false, handle: false, into: 0, startedAt: -1, body: watcher }] : [];
    return { main: [{ k: "group", body: [...spawns, ...w, ...ops] }] };
  });

/**
 * Random task-tree programs, of five flavours: general ones (every statement
 * kind); racy ones (short steps, many microtask yields, several groups alive
 * at once and most spawns into another group than the enclosing one); handle
 * ones (most spawns with a handle, many handle cancels and result waits);
 * {@link closingRace}, which reaches the one-microtask window around a
 * group's closing; and {@link handleRace}.
 */
export const treeProgram: fc.Arbitrary<TreeProgram> = fc.oneof(
  {
    arbitrary: flavour({
      sleep: 12,
      checkpoint: 4,
      micro: 4,
      throw: 1,
      cancel: 4,
      cancelRoot: 1,
      foreign: 3,
      hcancel: 1,
      hawait: 2,
      handle: fc.constantFrom(false, false, true),
      into: fc.constantFrom(0, 0, 0, 1, 2, 3),
      composite: (level) => (level < 2 ? 2 : 1),
      structure: 1,
    }),
    weight: 3,
  },
  {
    arbitrary: flavour({
      sleep: 2,
      checkpoint: 8,
      micro: 12,
      throw: 1,
      cancel: 1,
      cancelRoot: 0,
      foreign: 1,
      hcancel: 1,
      hawait: 2,
      handle: fc.constantFrom(false, true),
      into: fc.constantFrom(0, 1, 2, 3, 4),
      composite: (level) => (level < 3 ? 1 : 0),
      structure: 4,
    }),
    weight: 1,
  },
  {
    arbitrary: flavour({
      sleep: 4,
      checkpoint: 4,
      micro: 6,
      throw: 2,
      cancel: 1,
      cancelRoot: 0,
      foreign: 0,
      hcancel: 6,
      hawait: 8,
      handle: fc.constantFrom(false, true, true, true),
      into: fc.constantFrom(0, 0, 1, 2),
      composite: (level) => (level < 2 ? 2 : 1),
      structure: 3,
    }),
    weight: 1,
  },
  { arbitrary: closingRace, weight: 1 },
  { arbitrary: handleRace, weight: 1 },
);

// ---------------------------------------------------------------------------
// Printing

/** A statement with its id (pre-order number; `main` is #0) and its numbered body. */
interface Node {
  readonly s: Stmt;
  readonly id: number;
  readonly body: Node[];
}

/** Numbers every statement in pre-order (by position, so a shared object gets one id per place). */
function number(program: TreeProgram): Node[] {
  let next = 1;
  const walk = (body: Stmt[]): Node[] =>
    body.map((s) => {
      const id = next++;
      return { s, id, body: "body" in s ? walk(s.body) : [] };
    });
  return walk(program.main);
}

function cancelTarget(up: number): string {
  if (up === ROOT) return "the root scope";
  if (up === 0) return "the innermost enclosing scope";
  return `the enclosing scope ${up} level${up > 1 ? "s" : ""} out (at most the outermost below the root)`;
}

/** The program as indented text, TypeScript-like; `#n` is the statement's id, used by the trace. */
export function printTree(program: TreeProgram): string {
  const lines = (texts: string[]): string => (texts.length === 0 ? "{}" : `{\n${indent(texts.join("\n"), 2)}\n}`);
  const block = (body: Node[]): string => lines(body.map(line));
  const line = (node: Node): string => {
    const { s, id } = node;
    const body = node.body;
    switch (s.k) {
      case "sleep":
        return `await cx.sleep(${s.ms})`;
      case "checkpoint":
        return "await cx.checkpoint()";
      case "micro":
        return `await null (x${s.n})`;
      case "throw":
        return `throw E${id}`;
      case "cancel":
        return `cancel ${cancelTarget(s.up)}`;
      case "foreign":
        return `await cx.abandonOnCancel(setTimeout ${s.ms} ms then ${s.fail ? `reject F${id}` : "resolve"})`;
      case "shield":
        return `withCancelScope({ shield: true }) s${id} ${block(body)}`;
      case "scope":
        return `withCancelScope({}) s${id} ${block(body)}`;
      case "moveOn":
        return `moveOnAfter(${s.ms}) s${id} ${block(body)}`;
      case "failAfter":
        return `failAfter(${s.ms}) s${id} ${block(body)}`;
      case "group":
        return `taskGroup g${id} ${block(body)}`;
      case "hcancel":
        return `handles[-${s.h + 1}].cancel()`;
      case "hawait": {
        const wait = `await handles[-${s.h + 1}].result(cx)${s.rethrow ? "" : " catch TaskFailedError/TaskCancelledError"}`;
        return s.within < 0 ? wait : `moveOnAfter(${s.within}) s${id} { ${wait} }`;
      }
      case "spawn": {
        const into = s.into === 0 ? "the enclosing group" : `groups[${s.into} mod groups opened so far]`;
        const ret = s.handle ? [`return T${id}`] : [];
        if (!s.start) return `${s.handle ? "createTask" : "startSoon"} t${id} into ${into} ${lines([...body.map(line), ...ret])}`;
        const texts = body.map(line);
        if (s.startedAt >= 0) texts.splice(Math.min(s.startedAt, texts.length), 0, s.handle ? `cx.started(S${id})` : "cx.started()");
        return `await ${s.handle ? "startTask" : "start"} t${id} into ${into} ${lines([...texts, ...ret])}`;
      }
      case "swallow":
        return `try ${block(body)} catch Cancelled once #${id}`;
      case "try":
        return `try ${block(body)} catch non-Cancelled #${id}`;
    }
  };
  return (
    "// sN, gN, tN, EN, FN, #N: the scope, group, task, error, foreign rejection, block of statement N;\n" +
    "// TN, SN: the tokens task N returns and passes to cx.started (handle tasks only);\n" +
    "// groups[i] is the i-th group opened in the run (closed ones included);\n" +
    "// handles[-k] is the k-th most recent handle made so far in the run (k mod their count)\n" +
    `main ${block(number(program))}`
  );
}

// ---------------------------------------------------------------------------
// The interpreter

class ProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProgramError";
  }
}

interface ChainEntry {
  readonly scope: CancelScope;
  readonly shield: boolean;
  readonly label: string;
}

interface GroupRec {
  readonly name: string;
  /** The task whose code opened the group: it waits for every task of the group. */
  readonly owner: TaskRec;
  tg: TaskGroup | null;
  chain: ChainEntry[];
  returned: boolean;
  /** The tasks started into it, by any of the four calls. */
  readonly members: TaskRec[];
  /** A non-`Cancelled` error left its body. */
  bodyFailed: boolean;
  /**
   * Scopes outside its chain whose cancellation reaches it: a group opened by a
   * `start`ed task before `started()` lives under the `start` caller's scopes.
   */
  readonly extra: Set<CancelScope> | null;
}

/** How a task's function ended. */
type Outcome = { readonly kind: "finished" } | { readonly kind: "cancelled" | "failed"; readonly error: unknown };

interface TaskRec {
  readonly name: string;
  readonly group: GroupRec | null;
  /** The chain length at the task's top level: entries from here on are the task's own scopes. */
  readonly base: number;
  /** For a `start`ed task: the scopes enclosing the `start` caller (up to its nearest shield). */
  readonly extra: Set<CancelScope> | null;
  /** Started with `start`/`startTask`. */
  readonly start: boolean;
  /** Its `start` call resolved: from `started()` on its errors went to the group. */
  startResolved: boolean;
  /** What it passes to `cx.started` (a token for `startTask`, else undefined). */
  readonly startedValue: unknown;
  /** What it returns (a token for handle tasks, else undefined). */
  readonly token: unknown;
  lateGroup: boolean;
  lateRun: boolean;
  /** Set when its function returned or threw. */
  outcome: Outcome | null;
  /** The tasks it waits for now, through `result` or `start`. */
  readonly waits: Set<TaskRec>;
  /** Its handle, once the program holds it. */
  handle: HandleRec | null;
  /** Its own cancel scope (handle tasks), once it runs. */
  scope: CancelScope | null;
  /** Reported a final status while running (reported once). */
  finalSeen: boolean;
}

interface HandleRec {
  readonly handle: TaskHandle<unknown>;
  readonly task: TaskRec;
  readonly group: GroupRec;
  /** The status seen last. */
  last: TaskStatus;
}

interface Env {
  readonly cx: Context;
  readonly chain: ChainEntry[];
  readonly task: TaskRec;
  readonly group: GroupRec | null;
}

function union(a: Set<CancelScope>, b: Set<CancelScope> | null): Set<CancelScope> {
  if (b !== null) for (const x of b) a.add(x);
  return a;
}

function newTask(
  name: string,
  group: GroupRec | null,
  base: number,
  extra: Set<CancelScope> | null,
  start: boolean,
  startedValue: unknown,
  token: unknown,
): TaskRec {
  return {
    name, group, base, extra, start, startedValue, token,
    startResolved: false, lateGroup: false, lateRun: false, outcome: null,
    waits: new Set(), handle: null, scope: null, finalSeen: false,
  };
}

/** pending 0, cancelling 1, a final state 2. */
function rank(status: TaskStatus): number {
  return status === "pending" ? 0 : status === "cancelling" ? 1 : 2;
}

function outcomeText(outcome: Outcome | null): string {
  if (outcome === null) return "has not ended";
  if (outcome.kind === "finished") return "returned";
  return `threw ${describe(outcome.error)}`;
}

/** Every `tg.start` of the interpreter goes through here; `cx` is the caller's context. */
function callStart(tg: TaskGroup, cx: Context, fn: (cx: Context) => Promise<unknown>): Promise<unknown> {
  return tg.start(cx, fn);
}

class TreeCase {
  readonly trace: string[] = [];
  readonly violations: Violation[] = [];
  readonly main: Node[];
  readonly entered = new Map<number, number>();
  readonly finals = new Map<number, number>();
  readonly labels = new Map<CancelScope, string>();
  readonly groups: GroupRec[] = [];
  /** Every handle the program got, in order. */
  readonly handles: HandleRec[] = [];
  /** Errors thrown into the program (and rethrown handle errors) -> times they surfaced. */
  readonly thrown = new Map<unknown, number>();
  /** Scopes a `cancel` statement cancelled. */
  readonly cancelledScopes = new Set<CancelScope>();
  readonly foreignFired: Promise<void>[] = [];
  root: CancelScope | null = null;
  runDone = false;

  constructor(readonly program: TreeProgram) {
    this.main = number(program);
  }

  violate(invariant: string, detail: string): void {
    if (this.violations.length < 50) this.violations.push({ invariant, detail });
    this.trace.push(`!! ${invariant}: ${detail}`);
  }

  /** Checks that the task running `env` may still run, and samples every handle's status. */
  step(env: Env): void {
    const task = env.task;
    if (!task.lateGroup && task.group !== null && task.group.returned) {
      task.lateGroup = true;
      this.violate("ran-after-group-returned", `${task.name} ran after its group ${task.group.name} returned`);
    }
    if (!task.lateRun && this.runDone) {
      task.lateRun = true;
      this.violate("ran-after-run-returned", `${task.name} ran after run() settled`);
    }
    if (task.handle !== null && !task.finalSeen && rank(task.handle.handle.status) === 2) {
      task.finalSeen = true;
      this.violate("handle-status", `the handle of ${task.name} says "${task.handle.handle.status}" while the task still runs`);
    }
    this.observeHandles();
  }

  /** Status moves forward only: pending -> cancelling -> one final state. */
  observeHandles(): void {
    for (const h of this.handles) {
      const now = h.handle.status;
      const last = h.last;
      if (now === last) continue;
      if (rank(now) < rank(last) || rank(last) === 2) {
        this.violate("handle-status-backwards", `the handle of ${h.task.name} went from "${last}" to "${now}"`);
      }
      h.last = now;
    }
  }

  /** The scopes whose `Cancelled` code running in `env` may see. */
  validScopes(env: Env): Set<CancelScope> {
    const valid = new Set<CancelScope>();
    const chain = env.chain;
    for (let i = chain.length - 1; i >= 0; i--) {
      const entry = chain[i]!;
      valid.add(entry.scope);
      if (entry.shield) {
        if (i >= env.task.base) return valid; // a shield of the task's own: nothing outside it
        break;
      }
    }
    if (env.task.extra !== null) for (const s of env.task.extra) valid.add(s);
    return valid;
  }

  label(scope: CancelScope | undefined): string {
    if (scope === undefined) return "no scope";
    return this.labels.get(scope) ?? "a scope the program did not open";
  }

  checkCancelled(env: Env, error: Cancelled, where: string): void {
    const scope = error.scope;
    if (scope !== undefined && this.validScopes(env).has(scope)) return;
    const enclosing = env.chain.some((e) => e.scope === scope) || (env.task.extra?.has(scope!) ?? false);
    this.violate(
      enclosing ? "shield" : "cancelled-scope",
      enclosing
        ? `${where} in ${env.task.name} (inside a shield) saw the Cancelled of ${this.label(scope)}, which is outside the shield`
        : `${where} in ${env.task.name} saw the Cancelled of ${this.label(scope)}, which does not enclose it (enclosing: ${env.chain.map((e) => e.label).join(" > ")})`,
    );
  }

  /** Records errors that reached a catch or `run`; `atRun` says which. */
  surfaced(error: unknown, where: string, atRun: boolean): void {
    for (const leaf of leaves(error)) {
      const n = this.thrown.get(leaf);
      if (n !== undefined) {
        this.thrown.set(leaf, n + 1);
      } else if (leaf instanceof Cancelled) {
        if (!atRun) this.violate("unexpected-error", `${where}: a Cancelled inside an error group: ${describe(error)}`);
        else if (!(leaf.scope === this.root && this.root.cancelCalled)) {
          this.violate("cancelled-escaped-run", `run() rejected with the Cancelled of ${this.label(leaf.scope)}${this.root?.cancelCalled ? "" : " (the root was never cancelled)"}`);
        }
      } else if (!(leaf instanceof TimeoutError || leaf instanceof UsageError)) {
        // A TaskFailedError/TaskCancelledError the program did not rethrow lands here too.
        this.violate("unexpected-error", `${where}: ${describe(leaf)}${leaf instanceof Error && leaf.stack ? `\n${leaf.stack}` : ""}`);
      }
    }
  }

  sub(env: Env, cx: Context, shield: boolean, label: string): Env {
    this.labels.set(cx.cancelScope, label);
    return { cx, chain: [...env.chain, { scope: cx.cancelScope, shield, label }], task: env.task, group: env.group };
  }

  async block(id: number, body: Node[], env: Env, startedAt = -2): Promise<void> {
    this.entered.set(id, (this.entered.get(id) ?? 0) + 1);
    try {
      for (let i = 0; i <= body.length; i++) {
        if (i === startedAt || (i === body.length && startedAt > body.length)) {
          this.trace.push(`${env.task.name}: started()`);
          env.cx.started(env.task.startedValue);
        }
        if (i === body.length) break;
        this.step(env);
        await this.stmt(body[i]!, env);
        this.step(env);
      }
    } catch (error) {
      this.step(env);
      if (error instanceof Cancelled) this.checkCancelled(env, error, `block #${id}`);
      throw error;
    } finally {
      this.step(env);
      this.finals.set(id, (this.finals.get(id) ?? 0) + 1);
    }
  }

  async stmt(node: Node, env: Env): Promise<void> {
    const { s, id, body } = node;
    const cx = env.cx;
    switch (s.k) {
      case "sleep":
        await cx.sleep(s.ms);
        return;
      case "checkpoint":
        await cx.checkpoint();
        return;
      case "micro":
        for (let i = 0; i < s.n; i++) {
          await null;
          this.step(env);
        }
        return;
      case "throw": {
        const error = new ProgramError(`E${id}`);
        this.thrown.set(error, 0);
        this.trace.push(`${env.task.name}: throw E${id}`);
        throw error;
      }
      case "cancel": {
        const chain = env.chain;
        // Past the outermost scope below the root, clamp there: the root is its own statement.
        const entry = s.up === ROOT ? chain[0]! : chain[Math.max(Math.min(1, chain.length - 1), chain.length - 1 - s.up)]!;
        this.trace.push(`${env.task.name}: cancel ${entry.label}`);
        this.cancelledScopes.add(entry.scope);
        entry.scope.cancel();
        return;
      }
      case "foreign":
        return this.foreign(id, s.ms, s.fail, env);
      case "shield":
        await cx.withCancelScope({ shield: true }, (icx) => this.block(id, body, this.sub(env, icx, true, `shield s${id}`)));
        return;
      case "scope":
        await cx.withCancelScope({}, (icx) => this.block(id, body, this.sub(env, icx, false, `scope s${id}`)));
        return;
      case "moveOn": {
        const r = await cx.moveOnAfter(s.ms, (icx) => this.block(id, body, this.sub(env, icx, false, `moveOnAfter s${id}`)));
        if (r.cancelled) this.trace.push(`${env.task.name}: s${id} moved on`);
        return;
      }
      case "failAfter":
        try {
          await cx.failAfter(s.ms, (icx) => this.block(id, body, this.sub(env, icx, false, `failAfter s${id}`)));
        } catch (error) {
          if (error instanceof TimeoutError) this.trace.push(`${env.task.name}: s${id} timed out`);
          throw error;
        }
        return;
      case "group":
        return this.group(id, body, env);
      case "spawn":
        return this.spawn(id, s, body, env);
      case "hcancel":
        this.cancelHandle(s.h, env);
        return;
      case "hawait":
        return this.awaitHandle(id, s, env);
      case "swallow":
        try {
          await this.block(id, body, env);
        } catch (error) {
          this.step(env);
          if (!(error instanceof Cancelled)) throw error;
          this.checkCancelled(env, error, `catch #${id}`);
          this.trace.push(`${env.task.name}: #${id} swallowed the Cancelled of ${this.label(error.scope)}`);
        }
        return;
      case "try":
        try {
          await this.block(id, body, env);
        } catch (error) {
          this.step(env);
          if (error instanceof Cancelled) throw error;
          this.trace.push(`${env.task.name}: #${id} caught ${describe(error)}`);
          this.surfaced(error, `catch #${id}`, false);
        }
        return;
    }
  }

  async foreign(id: number, ms: number, fail: boolean, env: Env): Promise<void> {
    const error = new ProgramError(`F${id}`);
    let settle!: () => void;
    const promise = new Promise<void>((resolve, reject) => {
      settle = () => (fail ? reject(error) : resolve());
    });
    this.foreignFired.push(
      new Promise<void>((fired) =>
        setTimeout(() => {
          settle();
          fired();
        }, ms),
      ),
    );
    try {
      await env.cx.abandonOnCancel(promise);
    } catch (e) {
      if (e === error) {
        this.thrown.set(error, 0);
        this.trace.push(`${env.task.name}: foreign promise rejected F${id}`);
      }
      throw e;
    }
  }

  async group(id: number, body: Node[], env: Env): Promise<void> {
    const rec: GroupRec = { name: `g${id}`, owner: env.task, tg: null, chain: [], returned: false, members: [], bodyFailed: false, extra: env.task.extra };
    this.trace.push(`${env.task.name}: opens g${id}`);
    try {
      await env.cx.taskGroup(async (tg, gcx) => {
        rec.tg = tg;
        this.labels.set(tg.cancelScope, `group g${id}`);
        rec.chain = [...env.chain, { scope: tg.cancelScope, shield: false, label: `group g${id}` }];
        this.groups.push(rec);
        try {
          await this.block(id, body, { cx: gcx, chain: rec.chain, task: env.task, group: rec });
        } catch (error) {
          if (!(error instanceof Cancelled)) rec.bodyFailed = true;
          throw error;
        }
      });
      this.trace.push(`g${id} returned`);
    } catch (error) {
      this.trace.push(`g${id} threw ${describe(error)}`);
      throw error;
    } finally {
      rec.returned = true;
    }
  }

  async spawn(id: number, s: Extract<Stmt, { k: "spawn" }>, body: Node[], env: Env): Promise<void> {
    let target = s.into === 0 ? env.group : null;
    if (target === null) {
      if (this.groups.length === 0) {
        this.trace.push(`${env.task.name}: t${id} not started (no group yet)`);
        return;
      }
      target = this.groups[s.into % this.groups.length]!;
    }
    const tg = target.tg!;
    const child = newTask(
      `t${id}`,
      target,
      target.chain.length,
      s.start ? union(this.validScopes(env), target.extra) : target.extra,
      s.start,
      s.start && s.handle ? { started: `S${id}` } : undefined,
      s.handle ? { returned: `T${id}` } : undefined,
    );
    const chain = target.chain;
    const group = target;
    const fn = async (ccx: Context): Promise<unknown> => {
      let taskChain = chain;
      if (s.handle) {
        // The handle's own scope, just inside the group's (under the caller's, for startTask before started()).
        child.scope = ccx.cancelScope;
        this.labels.set(ccx.cancelScope, `the scope of t${id}`);
        taskChain = [...chain, { scope: ccx.cancelScope, shield: false, label: `the scope of t${id}` }];
      }
      try {
        await this.block(id, body, { cx: ccx, chain: taskChain, task: child, group }, s.start ? s.startedAt : -1);
      } catch (error) {
        child.outcome = { kind: error instanceof Cancelled ? "cancelled" : "failed", error };
        this.trace.push(`${child.name} ended: threw ${describe(error)}`);
        throw error;
      }
      child.outcome = { kind: "finished" };
      this.trace.push(`${child.name} ended: returned`);
      return child.token;
    };
    const returned = target.returned;
    const how = s.start ? (s.handle ? "startTask" : "start") : s.handle ? "createTask" : "startSoon";
    let started: Promise<unknown> | null = null;
    let created: TaskHandle<unknown> | null = null;
    try {
      if (s.start) started = s.handle ? tg.startTask(env.cx, { name: `t${id}` }, fn) : callStart(tg, env.cx, fn);
      else if (s.handle) created = tg.createTask({ name: `t${id}` }, fn);
      else tg.startSoon({ name: `t${id}` }, fn);
    } catch (error) {
      if (error instanceof ClosedResourceError) {
        this.trace.push(`${env.task.name}: ${how} t${id} into ${target.name}: refused (ClosedResourceError)`);
        return;
      }
      throw error;
    }
    target.members.push(child);
    this.trace.push(`${env.task.name}: ${how} t${id} into ${target.name}`);
    if (returned) this.violate("spawn-after-group-returned", `${how} t${id} into ${target.name} was accepted after the group returned`);
    if (created !== null) {
      this.addHandle(created, child, target);
      if (rank(created.status) === 2) this.violate("handle-status", `createTask t${id} returned a handle already "${created.status}"`);
      return;
    }
    if (started === null) return;
    started.then(
      () => (child.startResolved = true),
      () => undefined,
    );
    env.task.waits.add(child);
    let value: unknown;
    try {
      value = await started;
    } catch (error) {
      this.step(env);
      this.trace.push(`${env.task.name}: ${how} t${id} rejected with ${describe(error)}`);
      throw error;
    } finally {
      env.task.waits.delete(child);
    }
    this.trace.push(`${env.task.name}: ${how} t${id} resolved`);
    if (!s.handle) return;
    const r = value as StartedTask<unknown, unknown> | null;
    if (r === null || typeof r !== "object" || !(r.handle instanceof TaskHandle) || r.value !== child.startedValue) {
      this.violate("handle-result", `startTask t${id} resolved with ${String(r)} (value ${describe(r?.value)}), not { value: S${id}, handle }`);
      return;
    }
    this.addHandle(r.handle, child, target);
  }

  addHandle(handle: TaskHandle<unknown>, task: TaskRec, group: GroupRec): void {
    const rec: HandleRec = { handle, task, group, last: handle.status };
    task.handle = rec;
    this.handles.push(rec);
    if (handle.name !== task.name) this.violate("handle-result", `the handle of ${task.name} is named ${JSON.stringify(handle.name)}`);
  }

  /** `handles[-1 - h mod count]`, or null before the first handle. */
  pickHandle(h: number): HandleRec | null {
    const n = this.handles.length;
    return n === 0 ? null : this.handles[n - 1 - (h % n)]!;
  }

  cancelHandle(h: number, env: Env): void {
    const rec = this.pickHandle(h);
    if (rec === null) {
      this.trace.push(`${env.task.name}: no handle to cancel yet`);
      return;
    }
    const before = this.handles.map((x) => x.handle.status);
    const groupScope = rec.group.tg!.cancelScope;
    const groupBefore = groupScope.cancelCalled;
    rec.handle.cancel(`by ${env.task.name}`);
    const after = rec.handle.status;
    this.trace.push(`${env.task.name}: cancel the handle of ${rec.task.name} ("${before[this.handles.indexOf(rec)]}" -> "${after}")`);
    if (after === "pending") this.violate("handle-status", `the handle of ${rec.task.name} is still "pending" right after cancel()`);
    if (!groupBefore && groupScope.cancelCalled) {
      this.violate("handle-cancel-leaked", `cancelling the handle of ${rec.task.name} cancelled its group ${rec.group.name}`);
    }
    const inner = rec.task.scope;
    this.handles.forEach((other, i) => {
      const now = other.handle.status;
      if (other === rec || now === before[i]) return;
      // A task running inside the cancelled one (in a group it opened) is cancelled with it.
      if (inner !== null && other.group.chain.some((e) => e.scope === inner)) return;
      this.violate("handle-cancel-leaked", `cancelling the handle of ${rec.task.name} moved the handle of ${other.task.name} from "${before[i]}" to "${now}"`);
    });
  }

  async awaitHandle(id: number, s: Extract<Stmt, { k: "hawait" }>, env: Env): Promise<void> {
    const rec = this.pickHandle(s.h);
    if (rec === null) {
      this.trace.push(`${env.task.name}: no handle to await yet`);
      return;
    }
    if (s.within < 0 && this.waitsFor(rec.task, env.task)) {
      this.trace.push(`${env.task.name}: skips awaiting the result of ${rec.task.name} (a wait-for cycle: it would deadlock)`);
      return;
    }
    if (s.within < 0) return this.awaitResult(rec, env.cx, env, s.rethrow);
    const r = await env.cx.moveOnAfter(s.within, (wcx) => {
      this.labels.set(wcx.cancelScope, `moveOnAfter s${id}`);
      return this.awaitResult(rec, wcx, env, s.rethrow);
    });
    if (r.cancelled) this.trace.push(`${env.task.name}: s${id} moved on`);
  }

  async awaitResult(rec: HandleRec, wcx: Context, env: Env, rethrow: boolean): Promise<void> {
    const who = env.task;
    const name = rec.task.name;
    this.trace.push(`${who.name}: awaits the result of ${name} ("${rec.handle.status}")`);
    who.waits.add(rec.task);
    let value: unknown;
    try {
      value = await rec.handle.result(wcx);
    } catch (error) {
      this.step(env);
      if (error instanceof Cancelled) {
        this.trace.push(`${who.name}: the wait for ${name} was cancelled (${this.label(error.scope)})`);
        throw error;
      }
      this.trace.push(`${who.name}: the result of ${name} threw ${describe(error)}`);
      this.checkResult(rec, { error }, `${who.name} awaiting the result of ${name}`);
      if (!(error instanceof TaskFailedError || error instanceof TaskCancelledError)) throw error;
      if (!rethrow) return;
      this.thrown.set(error, 0);
      throw error;
    } finally {
      who.waits.delete(rec.task);
    }
    this.step(env);
    this.trace.push(`${who.name}: the result of ${name} is ${value === rec.task.token ? `T${name.slice(1)}` : describe(value)}`);
    this.checkResult(rec, { value }, `${who.name} awaiting the result of ${name}`);
  }

  /** `result()` agrees with the status and with what the task did. */
  checkResult(rec: HandleRec, got: { value: unknown } | { error: unknown }, where: string): void {
    const status = rec.handle.status;
    const outcome = rec.task.outcome;
    let ok: boolean;
    let text: string;
    if ("error" in got) {
      const e = got.error;
      text = `rejected with ${describe(e)}`;
      if (e instanceof TaskFailedError) {
        ok = status === "failed" && outcome?.kind === "failed" && e.cause === outcome.error;
        if (outcome?.kind === "failed" && e.cause !== outcome.error) text += ` whose cause is ${describe(e.cause)}, not the error the task threw`;
      } else {
        ok = e instanceof TaskCancelledError && status === "cancelled" && outcome?.kind === "cancelled";
      }
    } else {
      text = `resolved with ${describe(got.value)}`;
      ok = status === "finished" && outcome?.kind === "finished" && got.value === rec.task.token;
    }
    if (!ok) this.violate("handle-result", `${where}: result() ${text}; the status is "${status}" and the task ${outcomeText(outcome)}`);
  }

  /** Whether `from` waits, directly or through other tasks, for `to` (only live tasks wait). */
  waitsFor(from: TaskRec, to: TaskRec): boolean {
    const seen = new Set<TaskRec>();
    const stack = [from];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t === to) return true;
      if (t.outcome !== null || seen.has(t)) continue;
      seen.add(t);
      for (const w of t.waits) stack.push(w);
      for (const g of this.groups) if (g.owner === t && !g.returned) stack.push(...g.members);
    }
    return false;
  }

  /** After the run: every handle's final status matches its task, and `result()` agrees (in a run of its own). */
  async checkHandlesAtEnd(): Promise<void> {
    this.observeHandles();
    const ended: HandleRec[] = [];
    for (const rec of this.handles) {
      const status = rec.handle.status;
      const expected = rec.task.outcome?.kind ?? "a final state";
      if (status !== expected) {
        this.violate("handle-status", `at the end the handle of ${rec.task.name} says "${status}" but the task ${outcomeText(rec.task.outcome)}`);
      }
      if (rank(status) === 2) ended.push(rec);
    }
    if (ended.length === 0) return;
    const check = await withWatchdog(
      run(async (cx) => {
        for (const rec of ended) {
          try {
            const value = await rec.handle.result(cx);
            this.checkResult(rec, { value }, "after the run");
          } catch (error) {
            this.checkResult(rec, { error }, "after the run");
          }
        }
      }),
    );
    if (check === HUNG || !check.ok) this.violate("handle-result", `result() after the run ${check === HUNG ? "hung" : `failed: ${describe(check.error)}`}`);
  }

  /** A group's scope was cancelled only by a statement or by an error reaching the group. */
  checkGroupsAtEnd(): void {
    for (const g of this.groups) {
      const scope = g.tg!.cancelScope;
      if (!scope.cancelCalled || this.cancelledScopes.has(scope) || g.bodyFailed) continue;
      if (g.members.some((t) => t.outcome?.kind === "failed" && (!t.start || t.startResolved))) continue;
      this.violate("handle-cancel-leaked", `group ${g.name} was cancelled, but no statement cancelled it and no error reached it`);
    }
  }
}

/** Runs one program and checks every invariant of property A. */
export async function runTreeCase(program: TreeProgram): Promise<CaseResult> {
  const c = new TreeCase(program);
  const unhandledBefore = unhandledCount();
  const main = async (cx: Context): Promise<void> => {
    c.root = cx.cancelScope;
    c.labels.set(cx.cancelScope, "root");
    const rootTask = newTask("main", null, 1, null, false, undefined, undefined);
    await c.block(0, c.main, { cx, chain: [{ scope: cx.cancelScope, shield: false, label: "root" }], task: rootTask, group: null });
  };
  const outcome = await withWatchdog(run(main));
  c.runDone = true;
  if (outcome === HUNG) {
    c.violate("hang", `run() did not settle within the watchdog`);
  } else if (!outcome.ok) {
    c.trace.push(`run() rejected with ${describe(outcome.error)}`);
    c.surfaced(outcome.error, "run()", true);
  } else {
    c.trace.push("run() resolved");
  }
  await Promise.all(c.foreignFired);
  await settleMacrotasks();
  if (outcome !== HUNG) {
    for (const [id, n] of c.entered) {
      const f = c.finals.get(id) ?? 0;
      if (n !== 1 || f !== 1) c.violate("finally", `block #${id} began ${n} time(s) and ran its finally ${f} time(s)`);
    }
    for (const [error, n] of c.thrown) {
      if (n !== 1) c.violate("error-surfaced", `${describe(error)} surfaced ${n} times`);
    }
    await c.checkHandlesAtEnd();
    c.checkGroupsAtEnd();
  }
  for (const reason of unhandledSince(unhandledBefore)) c.violate("unhandled-rejection", reason);
  return { violations: c.violations, trace: c.trace };
}
