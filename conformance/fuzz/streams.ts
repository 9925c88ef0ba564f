/**
 * Property B: memory object streams and `Queue` under random cancellation.
 *
 * Streams. A program has a buffer size (0, 1, 2, 3 or Infinity), one to
 * three senders (each with one or two clones of the send end), one to three
 * receivers (clones of the receive end) and a controller task. Senders send
 * fresh items (plain, under `moveOnAfter`, in a scope the controller may
 * cancel, or `sendNowait`), sleep, and close clones early; each closes its
 * clones when done. Receivers receive the same four ways and sleep; receiver
 * 0 then drains until `EndOfStream`, the others may close early and close
 * when done. The controller sleeps and cancels the guarded operation a task
 * is in. Invariants:
 * - `lost-item` / `duplicate-item`: every item whose send returned normally
 *   is received exactly once (receiver 0 keeps its end open until the end of
 *   the stream, so no item may be dropped);
 * - `phantom-item`: no item is received whose send threw (Cancelled,
 *   WouldBlock, ClosedResourceError);
 * - `early-eos`: `EndOfStream` only after every send clone was closed, and
 *   with the buffer drained;
 * - `unexpected-error`: nothing else is thrown (no BrokenResourceError while
 *   receiver 0 is open, no Cancelled outside a guarded operation);
 * - `statistics`: at the end, nothing buffered, waiting or open;
 * - `waiting-count` (at every step): the statistics never count more tasks
 *   waiting in send/receive than the program has inside those calls (a
 *   cancelled waiter must leave at once); `buffer-bound`: never more items
 *   buffered than the buffer size;
 * - `send-unsettled`, `hang`, `unhandled-rejection`.
 *
 * Queue. The same with `put`/`get` (`putNowait`/`getNowait`) and a maximum
 * size (1, 2, 3, Infinity), without close: consumer 0 keeps getting (under
 * `moveOnAfter(1)`) until every producer has ended, then drains with
 * `getNowait`; every blocking get of the others is bounded. Invariants:
 * `lost-item`, `duplicate-item`, `phantom-item`, `unexpected-error`,
 * `statistics` (size, waiting getters and putters, and `unfinished` after a
 * `taskDone()` per item all zero), `waiting-count`, `buffer-bound` (size <=
 * maxSize), `put-unsettled`, `hang`,
 * `unhandled-rejection`.
 *
 * Costs: one `run` per case, sleeps of 0-3 ms; a case costs a few ms.
 *
 * @module
 */

import fc from "fast-check";
import {
  Cancelled,
  ClosedResourceError,
  createMemoryObjectStream,
  EndOfStream,
  Queue,
  run,
  WouldBlock,
  type Context,
  type MemoryObjectSendStream,
} from "skein";
import {
  type Cancellable,
  type CaseResult,
  describe,
  guarded,
  HUNG,
  type How,
  settleMacrotasks,
  unhandledCount,
  unhandledSince,
  type Violation,
  withWatchdog,
} from "./harness.ts";

// ---------------------------------------------------------------------------
// Shared

/**
 * A controller step: sleep, or cancel the guarded operation of the
 * `target`-th task among those in one (waiting up to 20 checkpoints for one).
 */
export type CtlOp = { readonly k: "sleep"; readonly ms: number } | { readonly k: "cancel"; readonly target: number };

const ms = fc.constantFrom(0, 1, 0, 0, 2, 0, 1, 3);
const how = fc.constantFrom<How>("plain", "moveOn", "scoped", "scoped", "nowait");
const sleep = fc.record({ k: fc.constant("sleep" as const), ms });
export const controller: fc.Arbitrary<CtlOp[]> = fc.array(
  fc.oneof(sleep, fc.record({ k: fc.constant("cancel" as const), target: fc.nat(5) })),
  { maxLength: 5 },
);

/** Controller steps as text. */
export function printCtl(ops: CtlOp[]): string {
  return ops.map((op) => (op.k === "sleep" ? `sleep ${op.ms}` : `cancel the guarded op of task #${op.target} (mod count) of those in one`)).join("; ") || "(nothing)";
}

function printHow(h: How, ms: number): string {
  return h === "moveOn" ? ` in moveOnAfter(${ms})` : h === "scoped" ? " in a cancellable scope" : h === "nowait" ? " nowait" : "";
}

/** Item bookkeeping shared by both properties. */
class Ledger {
  readonly trace: string[] = [];
  readonly violations: Violation[] = [];
  /** Item -> how its send/put ended: "pending", "ok", or the error's name. */
  readonly outcome = new Map<number, string>();
  readonly received = new Map<number, number>();
  next = 0;
  /** Checks the primitive's statistics against what the program knows; run at every step. */
  audit: (who: string) => void = () => {};
  private readonly once = new Set<string>();

  violate(invariant: string, detail: string): void {
    if (this.violations.length < 50) this.violations.push({ invariant, detail });
    this.trace.push(`!! ${invariant}: ${detail}`);
  }

  /** Like {@link violate}, at most once per invariant (for checks made at every step). */
  violateOnce(invariant: string, detail: string): void {
    if (this.once.has(invariant)) return;
    this.once.add(invariant);
    this.violate(invariant, detail);
  }

  got(item: number, who: string): void {
    this.trace.push(`${who}: got ${item}`);
    this.received.set(item, (this.received.get(item) ?? 0) + 1);
  }

  check(verb: string): void {
    for (const [item, outcome] of this.outcome) {
      const n = this.received.get(item) ?? 0;
      if (outcome === "pending") this.violate(`${verb}-unsettled`, `the ${verb} of item ${item} never settled`);
      else if (outcome === "ok" && n === 0) this.violate("lost-item", `item ${item} was ${verb === "send" ? "sent" : "put"} but never received`);
      else if (outcome !== "ok" && n > 0) this.violate("phantom-item", `item ${item} was received though its ${verb} threw ${outcome}`);
      if (n > 1) this.violate("duplicate-item", `item ${item} was received ${n} times`);
    }
    for (const item of this.received.keys()) {
      if (!this.outcome.has(item)) this.violate("phantom-item", `item ${item} was received but never sent`);
    }
  }

  unexpected(who: string, error: unknown): void {
    this.violate("unexpected-error", `${who}: ${describe(error)}`);
  }
}

async function finish(ledger: Ledger, outcome: Awaited<ReturnType<typeof withWatchdog>>, unhandledBefore: number): Promise<boolean> {
  if (outcome === HUNG) ledger.violate("hang", "run() did not settle within the watchdog");
  else if (!outcome.ok) ledger.unexpected("run()", outcome.error);
  await settleMacrotasks();
  for (const reason of unhandledSince(unhandledBefore)) ledger.violate("unhandled-rejection", reason);
  return outcome !== HUNG;
}

/** Picks, among the tasks now in a guarded op, the `target`-th (mod their count), waiting up to 20 checkpoints for one. */
export async function pickGuarded<T extends Cancellable>(cx: Context, tasks: T[], target: number): Promise<T | null> {
  for (let i = 0; i < 20; i++) {
    const inOp = tasks.filter((t) => t.current !== null);
    if (inOp.length > 0) return inOp[target % inOp.length]!;
    await cx.checkpoint();
  }
  return null;
}

async function runController(cx: Context, ops: CtlOp[], tasks: (Cancellable & { name: string })[], ledger: Ledger): Promise<void> {
  for (const op of ops) {
    if (op.k === "sleep") {
      await cx.sleep(op.ms);
    } else {
      const t = await pickGuarded(cx, tasks, op.target);
      ledger.trace.push(t === null ? "controller: no task in a guarded op to cancel" : `controller: cancel ${t.name}'s guarded op`);
      t?.current?.cancel();
    }
    ledger.audit("controller");
  }
}

// ---------------------------------------------------------------------------
// Streams

export type SendOp =
  | { readonly k: "send"; readonly via: number; readonly how: How; readonly ms: number }
  | { readonly k: "sleep"; readonly ms: number }
  | { readonly k: "close"; readonly via: number };
export type RecvOp =
  | { readonly k: "receive"; readonly how: How; readonly ms: number }
  | { readonly k: "sleep"; readonly ms: number }
  | { readonly k: "close" };

export interface StreamProgram {
  readonly buffer: number;
  readonly senders: { readonly clones: number; readonly ops: SendOp[] }[];
  readonly receivers: RecvOp[][];
  readonly controller: CtlOp[];
}

const sendOp: fc.Arbitrary<SendOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("send" as const), via: fc.constantFrom(0, 0, 1), how, ms }), weight: 6 },
  { arbitrary: sleep, weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("close" as const), via: fc.constantFrom(0, 1) }), weight: 1 },
);
const recvOp: fc.Arbitrary<RecvOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("receive" as const), how, ms }), weight: 6 },
  { arbitrary: sleep, weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("close" as const) }), weight: 1 },
);

/** Random stream programs. */
export const streamProgram: fc.Arbitrary<StreamProgram> = fc.record({
  buffer: fc.constantFrom(0, 1, 2, 3, Infinity),
  senders: fc.array(fc.record({ clones: fc.constantFrom(1, 1, 2), ops: fc.array(sendOp, { maxLength: 5 }) }), { minLength: 1, maxLength: 3 }),
  receivers: fc.array(fc.array(recvOp, { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  controller,
});

/** A stream program as text. */
export function printStream(p: StreamProgram): string {
  const lines = [`createMemoryObjectStream(${p.buffer}); the original send end is closed once the clones are made`];
  p.senders.forEach((s, i) => {
    const ops = s.ops.map((op) =>
      op.k === "sleep" ? `sleep ${op.ms}` : op.k === "close" ? `close clone ${op.via % s.clones}` : `send via clone ${op.via % s.clones}${printHow(op.how, op.ms)}`,
    );
    lines.push(`sender ${i} (${s.clones} clone${s.clones > 1 ? "s" : ""}): ${[...ops, "close its clones"].join("; ")}`);
  });
  p.receivers.forEach((r, i) => {
    const ops = r
      .filter((op) => i > 0 || op.k !== "close")
      .map((op) => (op.k === "sleep" ? `sleep ${op.ms}` : op.k === "close" ? "close" : `receive${printHow(op.how, op.ms)}`));
    lines.push(`receiver ${i}${i === 0 ? " (original end)" : ""}: ${[...ops, i === 0 ? "receive until EndOfStream, close" : "close"].join("; ")}`);
  });
  lines.push(`controller: ${printCtl(p.controller)}`);
  return lines.join("\n");
}

interface Worker extends Cancellable {
  readonly name: string;
}

/** Runs one stream program and checks the invariants of property B. */
export async function runStreamCase(p: StreamProgram): Promise<CaseResult> {
  const ledger = new Ledger();
  const unhandledBefore = unhandledCount();
  const [send0, receive0] = createMemoryObjectStream<number>(p.buffer);
  let sendEnds = 1;
  let sendEndsClosed = 0;
  const closeSend = (end: MemoryObjectSendStream<number>, closed: Set<object>): void => {
    if (closed.has(end)) return;
    closed.add(end);
    sendEndsClosed++; // counted before close(), which may end waiting receivers
    end.close();
  };
  const closedEnds = new Set<object>();
  const senderEnds = p.senders.map((s) =>
    Array.from({ length: s.clones }, () => {
      sendEnds++;
      return send0.clone();
    }),
  );
  closeSend(send0, closedEnds);
  const receiveEnds = p.receivers.map((_, i) => (i === 0 ? receive0 : receive0.clone()));
  const senders: Worker[] = p.senders.map((_, i) => ({ name: `sender ${i}`, current: null }));
  const receivers: Worker[] = p.receivers.map((_, i) => ({ name: `receiver ${i}`, current: null }));

  // Tasks inside a blocking send()/receive(): the statistics may never count more waiting.
  let inSend = 0;
  let inReceive = 0;
  ledger.audit = (who) => {
    const st = receive0.statistics();
    if (st.tasksWaitingSend > inSend) ledger.violateOnce("waiting-count", `${who}: statistics count ${st.tasksWaitingSend} task(s) waiting in send, ${inSend} are in send()`);
    if (st.tasksWaitingReceive > inReceive) {
      ledger.violateOnce("waiting-count", `${who}: statistics count ${st.tasksWaitingReceive} task(s) waiting in receive, ${inReceive} are in receive()`);
    }
    if (st.currentBufferUsed > p.buffer) ledger.violateOnce("buffer-bound", `${who}: ${st.currentBufferUsed} items buffered, maxBufferSize ${p.buffer}`);
  };

  const endOfStream = (who: string): void => {
    ledger.trace.push(`${who}: EndOfStream`);
    if (sendEndsClosed < sendEnds) ledger.violate("early-eos", `${who} got EndOfStream with ${sendEnds - sendEndsClosed} send end(s) open`);
    const used = receive0.statistics().currentBufferUsed;
    if (used > 0) ledger.violate("early-eos", `${who} got EndOfStream with ${used} item(s) still buffered`);
  };

  const sender = async (cx: Context, i: number): Promise<void> => {
    const me = senders[i]!;
    const ends = senderEnds[i]!;
    try {
      for (const op of p.senders[i]!.ops) {
        ledger.audit(me.name);
        if (op.k === "sleep") {
          await cx.sleep(op.ms);
        } else if (op.k === "close") {
          ledger.trace.push(`${me.name}: close clone ${op.via % ends.length}`);
          closeSend(ends[op.via % ends.length]!, closedEnds);
        } else {
          const end = ends[op.via % ends.length]!;
          await guarded(cx, me, op.how, op.ms, async (cx) => {
            const item = ledger.next++;
            ledger.outcome.set(item, "pending");
            try {
              if (op.how === "nowait") end.sendNowait(item);
              else {
                inSend++;
                try {
                  await end.send(cx, item);
                } finally {
                  inSend--;
                }
              }
              ledger.outcome.set(item, "ok");
              ledger.trace.push(`${me.name}: sent ${item}${printHow(op.how, op.ms)}`);
            } catch (error) {
              ledger.outcome.set(item, error instanceof Error ? error.name : String(error));
              ledger.trace.push(`${me.name}: send ${item}${printHow(op.how, op.ms)} threw ${describe(error)}`);
              if (error instanceof Cancelled && op.how !== "plain" && op.how !== "nowait") throw error; // the guard absorbs it
              if (error instanceof WouldBlock && op.how === "nowait") return;
              if (error instanceof ClosedResourceError && closedEnds.has(end)) return;
              ledger.unexpected(me.name, error);
            }
          });
        }
      }
    } catch (error) {
      ledger.unexpected(me.name, error);
    } finally {
      for (const end of ends) closeSend(end, closedEnds);
    }
  };

  const receiver = async (cx: Context, i: number): Promise<void> => {
    const me = receivers[i]!;
    const end = receiveEnds[i]!;
    let closed = false;
    const receiveOne = async (cx: Context, h: How): Promise<boolean> => {
      try {
        let item: number;
        if (h === "nowait") item = end.receiveNowait();
        else {
          inReceive++;
          try {
            item = await end.receive(cx);
          } finally {
            inReceive--;
          }
        }
        ledger.got(item, me.name);
      } catch (error) {
        if (!(error instanceof EndOfStream)) ledger.trace.push(`${me.name}: receive${printHow(h, 0)} threw ${describe(error)}`);
        if (error instanceof EndOfStream) {
          endOfStream(me.name);
          return false;
        }
        if (error instanceof Cancelled && h !== "plain" && h !== "nowait") throw error;
        if (error instanceof WouldBlock && h === "nowait") return true;
        if (error instanceof ClosedResourceError && closed) return true;
        ledger.unexpected(me.name, error);
        return false;
      }
      return true;
    };
    try {
      for (const op of p.receivers[i]!) {
        ledger.audit(me.name);
        if (op.k === "sleep") {
          await cx.sleep(op.ms);
        } else if (op.k === "close") {
          if (i === 0) continue; // the drainer keeps its end open
          ledger.trace.push(`${me.name}: close`);
          closed = true;
          end.close();
        } else {
          await guarded(cx, me, op.how, op.ms, async (cx) => {
            await receiveOne(cx, op.how);
          });
        }
      }
      if (i === 0) while (await receiveOne(cx, "plain")) ledger.audit(me.name);
    } catch (error) {
      ledger.unexpected(me.name, error);
    } finally {
      end.close();
    }
  };

  const outcome = await withWatchdog(
    run((cx) =>
      cx.taskGroup((tg) => {
        p.senders.forEach((_, i) => tg.startSoon(sender, i));
        p.receivers.forEach((_, i) => tg.startSoon(receiver, i));
        tg.startSoon(runController, p.controller, [...senders, ...receivers], ledger);
      }),
    ),
  );
  if (await finish(ledger, outcome, unhandledBefore)) {
    ledger.check("send");
    const st = receive0.statistics();
    if (st.currentBufferUsed !== 0 || st.openSendStreams !== 0 || st.openReceiveStreams !== 0 || st.tasksWaitingSend !== 0 || st.tasksWaitingReceive !== 0) {
      ledger.violate("statistics", `at the end: ${JSON.stringify(st)}`);
    }
  }
  return { violations: ledger.violations, trace: ledger.trace };
}

// ---------------------------------------------------------------------------
// Queue

export type PutOp = { readonly k: "put"; readonly how: How; readonly ms: number } | { readonly k: "sleep"; readonly ms: number };
export type GetOp = { readonly k: "get"; readonly how: How; readonly ms: number } | { readonly k: "sleep"; readonly ms: number };

export interface QueueProgram {
  readonly maxSize: number;
  readonly producers: PutOp[][];
  readonly consumers: GetOp[][];
  readonly controller: CtlOp[];
}

const putOp: fc.Arbitrary<PutOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("put" as const), how, ms }), weight: 3 },
  { arbitrary: sleep, weight: 1 },
);
// Gets always have a bound: plain gets are given a moveOnAfter.
const getOp: fc.Arbitrary<GetOp> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant("get" as const), how: fc.constantFrom<How>("moveOn", "scoped", "scoped", "nowait"), ms }), weight: 3 },
  { arbitrary: sleep, weight: 1 },
);

/** Random Queue programs. */
export const queueProgram: fc.Arbitrary<QueueProgram> = fc.record({
  maxSize: fc.constantFrom(1, 2, 3, Infinity),
  producers: fc.array(fc.array(putOp, { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.array(getOp, { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  controller,
});

/** A Queue program as text. */
export function printQueue(p: QueueProgram): string {
  const lines = [`new Queue(${p.maxSize})`];
  p.producers.forEach((ops, i) => {
    lines.push(`producer ${i}: ${ops.map((op) => (op.k === "sleep" ? `sleep ${op.ms}` : `put${printHow(op.how, op.ms)}`)).join("; ") || "(nothing)"}`);
  });
  p.consumers.forEach((ops, i) => {
    const text = ops.map((op) => (op.k === "sleep" ? `sleep ${op.ms}` : `get${printHow(op.how, op.ms)}${op.how === "scoped" ? ` (deadline ${op.ms + 2} ms)` : ""}`));
    if (i === 0) text.push("get in moveOnAfter(1) until every producer ended, then getNowait until WouldBlock");
    lines.push(`consumer ${i}: ${text.join("; ") || "(nothing)"}`);
  });
  lines.push(`controller: ${printCtl(p.controller)}`);
  return lines.join("\n");
}

/** Runs one Queue program and checks the invariants of property B. */
export async function runQueueCase(p: QueueProgram): Promise<CaseResult> {
  const ledger = new Ledger();
  const unhandledBefore = unhandledCount();
  const queue = new Queue<number>(p.maxSize);
  const producers: Worker[] = p.producers.map((_, i) => ({ name: `producer ${i}`, current: null }));
  const consumers: Worker[] = p.consumers.map((_, i) => ({ name: `consumer ${i}`, current: null }));
  let producing = p.producers.length;
  // Tasks inside a blocking put()/get(): the statistics may never count more waiting.
  let inPut = 0;
  let inGet = 0;
  ledger.audit = (who) => {
    const st = queue.statistics();
    if (st.waitingPut > inPut) ledger.violateOnce("waiting-count", `${who}: statistics count ${st.waitingPut} task(s) waiting in put, ${inPut} are in put()`);
    if (st.waitingGet > inGet) ledger.violateOnce("waiting-count", `${who}: statistics count ${st.waitingGet} task(s) waiting in get, ${inGet} are in get()`);
    if (st.size > p.maxSize) ledger.violateOnce("buffer-bound", `${who}: the queue holds ${st.size} items, maxSize ${p.maxSize}`);
  };

  const producer = async (cx: Context, i: number): Promise<void> => {
    const me = producers[i]!;
    try {
      for (const op of p.producers[i]!) {
        ledger.audit(me.name);
        if (op.k === "sleep") {
          await cx.sleep(op.ms);
          continue;
        }
        await guarded(cx, me, op.how, op.ms, async (cx) => {
          const item = ledger.next++;
          ledger.outcome.set(item, "pending");
          try {
            if (op.how === "nowait") queue.putNowait(item);
            else {
              inPut++;
              try {
                await queue.put(cx, item);
              } finally {
                inPut--;
              }
            }
            ledger.outcome.set(item, "ok");
            ledger.trace.push(`${me.name}: put ${item}${printHow(op.how, op.ms)}`);
          } catch (error) {
            ledger.outcome.set(item, error instanceof Error ? error.name : String(error));
            ledger.trace.push(`${me.name}: put ${item}${printHow(op.how, op.ms)} threw ${describe(error)}`);
            if (error instanceof Cancelled && op.how !== "plain" && op.how !== "nowait") throw error;
            if (error instanceof WouldBlock && op.how === "nowait") return;
            ledger.unexpected(me.name, error);
          }
        });
      }
    } catch (error) {
      ledger.unexpected(me.name, error);
    } finally {
      producing--;
      ledger.trace.push(`${me.name}: done`);
    }
  };

  const consumer = async (cx: Context, i: number): Promise<void> => {
    const me = consumers[i]!;
    const getOne = async (cx: Context, h: How): Promise<boolean> => {
      try {
        let item: number;
        if (h === "nowait") item = queue.getNowait();
        else {
          inGet++;
          try {
            item = await queue.get(cx);
          } finally {
            inGet--;
          }
        }
        ledger.got(item, me.name);
        queue.taskDone();
        return true;
      } catch (error) {
        if (!(error instanceof WouldBlock)) ledger.trace.push(`${me.name}: get threw ${describe(error)}`);
        if (error instanceof Cancelled && h !== "plain" && h !== "nowait") throw error;
        if (error instanceof WouldBlock && h === "nowait") return false;
        ledger.unexpected(me.name, error);
        return false;
      }
    };
    try {
      for (const op of p.consumers[i]!) {
        ledger.audit(me.name);
        if (op.k === "sleep") await cx.sleep(op.ms);
        else await guarded(cx, me, op.how, op.ms, (cx) => getOne(cx, op.how).then(() => undefined), true);
      }
      if (i === 0) {
        while (producing > 0) {
          await cx.moveOnAfter(1, (cx) => getOne(cx, "moveOn"));
          ledger.audit(me.name);
        }
        for (;;) {
          let item: number;
          try {
            item = queue.getNowait();
          } catch (error) {
            if (!(error instanceof WouldBlock)) ledger.unexpected(me.name, error);
            break;
          }
          ledger.got(item, me.name);
          queue.taskDone();
        }
      }
    } catch (error) {
      ledger.unexpected(me.name, error);
    }
  };

  const outcome = await withWatchdog(
    run((cx) =>
      cx.taskGroup((tg) => {
        p.producers.forEach((_, i) => tg.startSoon(producer, i));
        p.consumers.forEach((_, i) => tg.startSoon(consumer, i));
        tg.startSoon(runController, p.controller, [...producers, ...consumers], ledger);
      }),
    ),
  );
  if (await finish(ledger, outcome, unhandledBefore)) {
    ledger.check("put");
    const st = queue.statistics();
    if (st.size !== 0 || st.unfinished !== 0 || st.waitingGet !== 0 || st.waitingPut !== 0) {
      ledger.violate("statistics", `at the end: ${JSON.stringify(st)}`);
    }
  }
  return { violations: ledger.violations, trace: ledger.trace };
}
