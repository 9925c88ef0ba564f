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
 * @module skein/core
 */

export type { Adapter, TimerHandle, WorkerPort, WorkerPortHandlers, WorkerSupport } from "./core/adapter.ts";
export type { TransferableObject } from "./core/adapter.ts";
export { CancelScope, type CancelScopeOptions } from "./core/cancel-scope.ts";
export type { Clock, ClockRun } from "./core/clock.ts";
export { Context, type TaskGroupResult } from "./core/context.ts";
export {
  formatTaskTree,
  type Instrument,
  type TaskInfo,
  type TaskOutcome,
  type TaskState,
  type TaskTree,
  type TaskTreeGroup,
  taskTree,
} from "./core/instrument.ts";
export type { BlockingDetectorOptions, BlockingReport } from "./tracking/blocking-detector.ts";
export { ContextVar, ContextVarToken } from "./core/context-var.ts";
export {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  EndOfStream,
  SkeinError,
  TaskCancelledError,
  TaskFailedError,
  TaskGroupError,
  TimeoutError,
  UnsupportedError,
  UsageError,
  WorkerCrashedError,
  WouldBlock,
} from "./core/errors.ts";
export { bindRun, run, type RunOptions } from "./core/run.ts";
export { type StartedTask, TaskGroup, type TaskFunction, type TaskOptions } from "./core/task-group.ts";
export { TaskHandle, type TaskStatus } from "./core/task-handle.ts";
export { type FailOptions, type MoveOnCancelled, type MoveOnFinished, type MoveOnOptions, type MoveOnResult, waitFor } from "./core/timeouts.ts";
export { gather, type GatherOptions, type GatherResults, type GatherSettled, type Job } from "./patterns/gather.ts";
export { type Fulfilled, type Outcome, type Rejected, type ReturnWhen, wait, type WaitOptions, type WaitResult } from "./patterns/wait.ts";
export { asCompleted, type AsCompletedIterator, type Completed } from "./patterns/as-completed.ts";
export { LifoQueue, PriorityQueue, Queue, type QueueStatistics } from "./patterns/queue.ts";
export type {
  NetSupport,
  RawListener,
  RawSocket,
  RawTcpConnectOptions,
  RawTcpListenOptions,
  ResolvedAddress,
  SocketAddress,
} from "./net/net-support.ts";
export type { DatagramSupport, RawDatagram, RawDatagramSocket, RawUdpBindOptions } from "./net/datagram-support.ts";
export {
  ConnectedUdpSocket,
  type ConnectedUdpSocketOptions,
  createConnectedUdpSocket,
  createUdpSocket,
  type UdpPacket,
  UdpSocket,
  type UdpSocketOptions,
} from "./net/udp.ts";
export type { ByteReceiveStream, ByteSendStream, ByteStream, HalfCloseableStream } from "./streams/byte-stream.ts";
export type { ReceiveIntoStream } from "./streams/byte-stream.ts";
export { type ArgsOf, type ResultOf, toThread, type WorkerFunctions, WorkerModule, workerModule, type WorkerModuleOptions } from "./threads/to-thread.ts";
export type { Exposed, Limiter } from "./threads/worker-pool.ts";
export { transfer } from "./threads/worker-protocol.ts";
export { fromThread } from "./threads/worker-server.ts";
export { toProcess } from "./threads/to-process.ts";
export { Event, type EventStatistics } from "./sync/event.ts";
export { Lock, type LockOptions, type LockStatistics } from "./sync/lock.ts";
export { Semaphore, type SemaphoreOptions, type SemaphoreStatistics } from "./sync/semaphore.ts";
export { CapacityLimiter, type CapacityLimiterStatistics } from "./sync/capacity-limiter.ts";
export { Condition, type ConditionStatistics } from "./sync/condition.ts";
export { ResourceGuard } from "./sync/resource-guard.ts";
export {
  createMemoryObjectStream,
  MemoryObjectReceiveStream,
  MemoryObjectSendStream,
  MemoryObjectStreamEnd,
  type MemoryObjectStreamStatistics,
} from "./streams/memory-stream.ts";
export type { ObjectReceiveStream, ObjectSendStream, ObjectStream } from "./streams/object-stream.ts";
export { BufferedByteReceiveStream, BufferedByteStream } from "./streams/buffered.ts";
export { TextReceiveStream, TextSendStream, TextStream, type TextStreamOptions } from "./streams/text.ts";
export { StapledByteStream, StapledObjectStream } from "./streams/stapled.ts";
export {
  fromReadableStream,
  fromWritableStream,
  toReadableStream,
  toWritableStream,
  type ToReadableStreamOptions,
  type ToWritableStreamOptions,
  type WritableByteSendStream,
} from "./streams/web-streams.ts";
export { DelimiterNotFound, IncompleteRead } from "./core/errors.ts";
export { connectWebSocket, type WebSocketConnectOptions, WebSocketConnection, WebSocketError, type WebSocketMessage } from "./net/websocket.ts";
export { formatAddress, SocketStream } from "./net/socket-stream.ts";
export { type Listener, SocketListener } from "./net/listener.ts";
export { type ConnectAttemptFailure, ConnectError } from "./net/connect-error.ts";
export { ipFamily, lookup, type LookupOptions } from "./net/lookup.ts";
export { connectTcp, type ConnectTcpOptions, createTcpListener, interleaveFamilies, type TcpListenerOptions } from "./net/tcp.ts";
export { connectUnix, createUnixListener, type UnixListenerOptions } from "./net/unix.ts";
export type { DirEntry, FileErrorCode, FileInfo, FileSupport, RawDir, RawFile, RawOpenFlags } from "./fs/file-support.ts";
export {
  DirectoryNotEmptyError,
  FileExistsError,
  FileNotFoundError,
  FileSystemError,
  IsADirectoryError,
  NotADirectoryError,
  PermissionDeniedError,
} from "./fs/errors.ts";
export { AsyncFile, openFile, type SeekWhence } from "./fs/async-file.ts";
export type { FileMode } from "./fs/file-core.ts";
export { FileReadStream, type FileReadStreamOptions, FileWriteStream, type FileWriteStreamOptions } from "./fs/file-streams.ts";
export {
  copyFile,
  exists,
  makeTempDir,
  mkdir,
  type MkdirOptions,
  readDir,
  readFile,
  readTextFile,
  rename,
  rm,
  type RmOptions,
  stat,
  type StatOptions,
  type TempDirOptions,
  withTempDir,
  writeFile,
  type WriteFileOptions,
  writeTextFile,
} from "./fs/paths.ts";
export type { ProcessSupport, RawExit, RawProcess, RawReadPipe, RawSpawnOptions, RawWritePipe, StdioMode } from "./process/process-support.ts";
export { ExecutableNotFoundError, ProcessError } from "./process/errors.ts";
export { ProcessReceiveStream, ProcessSendStream } from "./process/pipe-streams.ts";
export { type CommonProcessOptions, openProcess, type OpenProcessOptions, Process } from "./process/process.ts";
export { type ProcessResult, runProcess, type RunProcessOptions } from "./process/run-process.ts";
export type { SignalSupport } from "./signals/signal-support.ts";
export { openSignalReceiver, SignalReceiver } from "./signals/signal-receiver.ts";
export type { RawTlsClientOptions, RawTlsServerOptions, RawTlsSocket, TlsSupport } from "./net/tls-support.ts";
export { TlsHandshakeError, type TlsClientOptions, type TlsServerOptions, wrapTls } from "./net/tls.ts";
export type { TlsWrapClientOptions, TlsWrapOptions, TlsWrapServerOptions } from "./net/tls.ts";
export { TlsStream } from "./net/tls-stream.ts";
export type { RawReadTarget, RawWriteTarget } from "./streams/raw-half.ts";
