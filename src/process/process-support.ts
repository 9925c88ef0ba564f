/**
 * The subprocess capability of an adapter: what a runtime supplies so that
 * `src/process` can offer `runProcess` and `openProcess` on it (anyio's
 * split between one abstract interface and one backend per event loop).
 *
 * The adapter speaks its runtime's native API (`node:child_process`,
 * `Deno.Command`, ...) and exposes plain promises with no notion of cancel
 * scopes; `src/process` makes them cancel-safe and structured.
 *
 * Contract (the adapter must keep all of it):
 * - **Pull, one at a time.** `RawReadPipe.read` is called with at most one
 *   call in flight per pipe, and the neutral layer never abandons a call in
 *   flight (a cancelled receive leaves it for the next one), as for
 *   `RawSocket` in `src/net/net-support.ts`.
 * - **Backpressure.** While no `read` is in flight the adapter buffers at most
 *   a bounded amount (the runtime's pipe buffer plus one chunk) and stops
 *   reading from the OS, so a child writing faster than the parent reads is
 *   blocked by the kernel, never buffered without limit.
 * - **`write` resolves on acceptance** (the runtime took every byte and its
 *   buffer is below its high-water mark), at most one in flight, and rejects
 *   with the runtime's own error (`EPIPE` once the child closed its stdin).
 * - **Errors are the runtime's own**, unchanged, so the neutral layer keeps
 *   them as `cause`. End of output is `read` resolving `null`.
 * - **`close` is immediate and idempotent.** For a read pipe it discards what
 *   is buffered and releases the handle; for a write pipe it ends the stream
 *   (the child reads end of file after the bytes already accepted).
 * - **`exited` always settles**, resolving once the child has exited and been
 *   reaped (no zombie), with `code` null when a signal ended it.
 * - **`kill` never throws for a process that already exited**; it throws
 *   (the runtime's error) for a signal name the runtime does not know.
 * - **Spawn failures reject `spawn`** with the runtime's error;
 *   `isNotFound(error)` says whether it means "no such executable (or
 *   working directory)".
 * - A child that has exited, with its pipes closed, holds nothing that keeps
 *   the parent process alive.
 *
 * @module
 */

/**
 * Where a child's standard stream goes: a pipe to the parent, the parent's
 * own stream, or nowhere (`/dev/null`).
 *
 * @example
 * ```ts
 * const mode: StdioMode = "inherit";
 * ```
 */
export type StdioMode = "pipe" | "inherit" | "ignore";

/**
 * Options of one raw spawn, already validated by the neutral layer.
 *
 * @example
 * ```ts
 * const o: RawSpawnOptions = { shell: false, replaceEnv: false, stdin: "pipe", stdout: "pipe", stderr: "inherit" };
 * ```
 */
export interface RawSpawnOptions {
  /** `argv` is one command line for the system shell (`/bin/sh -c`, `cmd.exe /c`). */
  readonly shell: boolean;
  /** The child's working directory; the parent's when absent. */
  readonly cwd?: string;
  /** Variables to set in the child's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `env` is the child's whole environment instead of being merged into the parent's. */
  readonly replaceEnv: boolean;
  /** The child's standard input. */
  readonly stdin: StdioMode;
  /** The child's standard output. */
  readonly stdout: StdioMode;
  /** The child's standard error. */
  readonly stderr: StdioMode;
}

/**
 * How a child ended: its exit code, or the signal that killed it.
 *
 * @example
 * ```ts
 * const normal: RawExit = { code: 0, signal: null };
 * const killed: RawExit = { code: null, signal: "SIGKILL" };
 * ```
 */
export interface RawExit {
  /** The exit code, or null if a signal ended the process. */
  readonly code: number | null;
  /** The name of the signal that ended the process (`"SIGTERM"`), or null. */
  readonly signal: string | null;
}

/**
 * The parent's reading end of a child's stdout or stderr.
 *
 * @example
 * ```ts
 * const chunk = await pipe.read(65536); // null at end of output
 * ```
 */
export interface RawReadPipe {
  /** Reads between 1 and `maxBytes` bytes; `null` at end of output. */
  read(maxBytes: number): Promise<Uint8Array | null>;
  /** Discards what is buffered and releases the pipe. Idempotent. */
  close(): void;
}

/**
 * The parent's writing end of a child's stdin.
 *
 * @example
 * ```ts
 * await pipe.write(new TextEncoder().encode("hello\n"));
 * pipe.close(); // the child reads end of file
 * ```
 */
export interface RawWritePipe {
  /** Writes every byte; resolves when the runtime has accepted them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the stream after the bytes already accepted. Idempotent. */
  close(): void;
}

/**
 * A running child process, as an adapter gives it.
 *
 * @example
 * ```ts
 * const child = await adapter.processes!.spawn(["ls"], options);
 * child.kill("SIGTERM");
 * const { code, signal } = await child.exited;
 * ```
 */
export interface RawProcess {
  /** The operating system's process id. */
  readonly pid: number;
  /** The child's stdin, when it is `"pipe"`. */
  readonly stdin: RawWritePipe | null;
  /** The child's stdout, when it is `"pipe"`. */
  readonly stdout: RawReadPipe | null;
  /** The child's stderr, when it is `"pipe"`. */
  readonly stderr: RawReadPipe | null;
  /** Settles once the child has exited and been reaped. Never rejects. */
  readonly exited: Promise<RawExit>;
  /** Sends `signal` (a name such as `"SIGTERM"`); does nothing once the child has exited. */
  kill(signal: string): void;
}

/**
 * What an adapter with subprocesses supplies (`Adapter.processes`). An
 * adapter without it (browsers) makes every process call fail with
 * `UnsupportedError`.
 *
 * @example
 * ```ts
 * const child = await adapter.processes!.spawn(["echo", "hi"], {
 *   shell: false, replaceEnv: false, stdin: "ignore", stdout: "pipe", stderr: "inherit",
 * });
 * ```
 */
export interface ProcessSupport {
  /** Starts `argv` (or, with `shell`, the one command line `argv[0]`). */
  spawn(argv: readonly string[], options: RawSpawnOptions): Promise<RawProcess>;
  /** Whether a `spawn` rejection means the executable (or the working directory) does not exist. */
  isNotFound(error: unknown): boolean;
}
