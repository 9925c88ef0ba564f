/**
 * Skein: structured concurrency for TypeScript, in the style of trio and
 * anyio, the same on Node, Deno, Bun and browsers.
 *
 * This is the runtime-neutral core (`skein/core`). Its {@link run} needs an
 * explicit adapter; import from `"skein"` to get the one for your runtime.
 *
 * @example
 * ```ts
 * import { run } from "skein";
 * await run(async (cx) => {
 *   await cx.taskGroup(async (tg) => {
 *     tg.startSoon(async (cx) => { await cx.sleep(100); console.log("one"); });
 *     tg.startSoon(async (cx) => { await cx.sleep(50); console.log("two"); });
 *   });
 * });
 * ```
 *
 * @module
 */

export type { Adapter, TimerHandle, WorkerPort, WorkerPortHandlers, WorkerSupport } from "./adapter.ts";
export { CancelScope, type CancelScopeOptions } from "./cancel-scope.ts";
export { Context } from "./context.ts";
export { ContextVar, ContextVarToken } from "./context-var.ts";
export {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  EndOfStream,
  SkeinError,
  TaskGroupError,
  TimeoutError,
  UnsupportedError,
  UsageError,
  WorkerCrashedError,
  WouldBlock,
} from "./errors.ts";
export { bindRun, run, type RunOptions } from "./run.ts";
export { TaskGroup, type TaskFunction, type TaskOptions } from "./task-group.ts";
export { type MoveOnCancelled, type MoveOnFinished, type MoveOnResult, waitFor } from "./timeouts.ts";
export { gather, type GatherOptions, type GatherResults, type GatherSettled, type Job } from "./gather.ts";
export { type Fulfilled, type Outcome, type Rejected, type ReturnWhen, wait, type WaitOptions, type WaitResult } from "./wait.ts";
export { asCompleted, type Completed } from "./as-completed.ts";
export { Queue, type QueueStatistics } from "./queue.ts";
export { type ArgsOf, type ResultOf, toThread, type WorkerFunctions, WorkerModule, workerModule, type WorkerModuleOptions } from "./to-thread.ts";
export type { Exposed, Limiter } from "./worker-pool.ts";
export { transfer } from "./worker-protocol.ts";
export { fromThread } from "./worker-server.ts";
export { Event, type EventStatistics } from "./event.ts";
export { Lock, type LockStatistics } from "./lock.ts";
export { Semaphore, type SemaphoreOptions, type SemaphoreStatistics } from "./semaphore.ts";
export { CapacityLimiter, type CapacityLimiterStatistics } from "./capacity-limiter.ts";
export { Condition, type ConditionStatistics } from "./condition.ts";
export { ResourceGuard } from "./resource-guard.ts";
export {
  createMemoryObjectStream,
  MemoryObjectReceiveStream,
  MemoryObjectSendStream,
  MemoryObjectStreamEnd,
  type MemoryObjectStreamStatistics,
} from "./memory-stream.ts";
