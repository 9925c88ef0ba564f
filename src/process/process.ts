/**
 * Child processes (anyio's `open_process` and `Process`): {@link openProcess}
 * starts a command and gives a {@link Process} with its pipes as Skein byte
 * streams, on any adapter with the subprocess capability
 * (`src/process/process-support.ts`).
 *
 * Invariants:
 * - **No zombie, no orphan.** Every process started is reaped: a cancelled
 *   `wait` and `await using` stop a running child (SIGTERM, a grace period of
 *   `terminateGrace` ms, then SIGKILL) and wait for its exit shielded from
 *   cancellation. The run keeps a service of its live children; when the run
 *   ends, any child the program left running is killed (SIGKILL at once: the
 *   run is over, no one waits for a graceful exit) and reaped before `run`
 *   returns.
 * - **Grace period.** 5000 ms by default, as trio's `run_process` (its
 *   `deliver_cancel` sends SIGTERM, waits 5 s, then SIGKILL). anyio kills at
 *   once on cancellation; pass `terminateGrace: 0` for that.
 * - **Clear start errors.** A program that does not exist raises
 *   {@link ExecutableNotFoundError} naming it, with the runtime's error as
 *   `cause`; other spawn failures propagate the runtime's error unchanged.
 * - The environment given is merged into the parent's by the adapter (the
 *   neutral layer cannot read it) unless `replaceEnv`.
 *
 * Costs: per process, one spawn, one promise for its exit, one set entry in
 * the run's service; per `wait` that blocks, one waiter; the grace period uses one timer of the run's clock only
 * while a child is being stopped.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { Cancelled, UnsupportedError } from "../core/errors.ts";
import type { Runner } from "../core/runner.ts";
import { checkBoolean, checkContext, checkCount, describeValue } from "../core/validate.ts";
import { parkWhereBlocked, Waiter } from "../core/waiter.ts";
import { ExecutableNotFoundError } from "./errors.ts";
import { ProcessReceiveStream, ProcessSendStream } from "./pipe-streams.ts";
import type { ProcessSupport, RawExit, RawProcess, RawSpawnOptions, StdioMode } from "./process-support.ts";

/** trio's grace period between SIGTERM and SIGKILL. */
const DEFAULT_TERMINATE_GRACE = 5000;

/**
 * What `openProcess` and `runProcess` share: where the command runs and how
 * a cancelled one is stopped.
 *
 * @example
 * ```ts
 * const options: CommonProcessOptions = { cwd: "/tmp", env: { LANG: "C" }, terminateGrace: 1000 };
 * ```
 */
export interface CommonProcessOptions {
  /** Run `command` (a string) through the system shell. Default false. */
  readonly shell?: boolean;
  /** The working directory. Default: the parent's. */
  readonly cwd?: string;
  /** Environment variables for the child, merged into the parent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `env` is the child's whole environment instead. Default false. */
  readonly replaceEnv?: boolean;
  /** Milliseconds between SIGTERM and SIGKILL when stopping the child (cancellation, `await using`). Default 5000. */
  readonly terminateGrace?: number;
}

/**
 * Options of {@link openProcess}.
 *
 * @example
 * ```ts
 * const options: OpenProcessOptions = { stdin: "pipe", stdout: "pipe", stderr: "inherit" };
 * ```
 */
export interface OpenProcessOptions extends CommonProcessOptions {
  /** The child's stdin: a pipe (`proc.stdin`, the default), the parent's, or none. */
  readonly stdin?: StdioMode;
  /** The child's stdout: a pipe (`proc.stdout`, the default), the parent's, or none. */
  readonly stdout?: StdioMode;
  /** The child's stderr: a pipe (`proc.stderr`, the default), the parent's, or none. */
  readonly stderr?: StdioMode;
}

const STDIO_MODES: readonly unknown[] = ["pipe", "inherit", "ignore"];

/** Checks a stdio option. @internal */
export function checkStdio(name: string, value: unknown): StdioMode {
  if (value === undefined) return "pipe";
  if (!STDIO_MODES.includes(value)) throw new TypeError(`${name} must be "pipe", "inherit" or "ignore", got ${describeValue(value)}`);
  return value as StdioMode;
}

/** Checks a command and returns the argv the adapter gets. @internal */
export function checkCommand(command: unknown, shell: boolean): string[] {
  if (typeof command === "string") {
    if (!shell) throw new TypeError(`command must be an array of strings unless shell is true, got the string ${describeValue(command)}`);
    if (command === "") throw new RangeError(`command must not be empty`);
    if (command.includes("\0")) throw new TypeError(`command must not contain a NUL character, got ${describeValue(command)}`);
    return [command];
  }
  if (shell) throw new TypeError(`command must be a string when shell is true, got ${describeValue(command)}`);
  if (!Array.isArray(command)) throw new TypeError(`command must be an array of strings, got ${describeValue(command)}`);
  if (command.length === 0) throw new RangeError(`command must not be empty`);
  for (let i = 0; i < command.length; i++) {
    const arg: unknown = command[i];
    if (typeof arg !== "string") throw new TypeError(`command[${i}] must be a string, got ${describeValue(arg)}`);
    if (arg.includes("\0")) throw new TypeError(`command[${i}] must not contain a NUL character, got ${describeValue(arg)}`);
  }
  if (command[0] === "") throw new RangeError(`command[0] (the program) must not be empty`);
  return command.slice() as string[];
}

/** Checks the common options; returns the raw spawn options (stdio filled in by the caller) and the grace. @internal */
export function checkCommon(options: unknown): { raw: Omit<RawSpawnOptions, "stdin" | "stdout" | "stderr">; grace: number } {
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const o = options as CommonProcessOptions;
  const shell = o.shell ?? false;
  checkBoolean("options.shell", shell);
  const replaceEnv = o.replaceEnv ?? false;
  checkBoolean("options.replaceEnv", replaceEnv);
  if (o.cwd !== undefined && (typeof o.cwd !== "string" || o.cwd === "")) {
    throw new TypeError(`options.cwd must be a non-empty string, got ${describeValue(o.cwd)}`);
  }
  let env: Record<string, string> | undefined;
  if (o.env !== undefined) {
    if (o.env === null || typeof o.env !== "object") throw new TypeError(`options.env must be an object of strings, got ${describeValue(o.env)}`);
    env = {};
    for (const [key, value] of Object.entries(o.env)) {
      if (typeof value !== "string") throw new TypeError(`options.env.${key} must be a string, got ${describeValue(value)}`);
      env[key] = value;
    }
  }
  const grace = o.terminateGrace ?? DEFAULT_TERMINATE_GRACE;
  checkCount("options.terminateGrace", grace, 0, true);
  const raw: Omit<RawSpawnOptions, "stdin" | "stdout" | "stderr"> = { shell, replaceEnv };
  if (o.cwd !== undefined) (raw as { cwd?: string }).cwd = o.cwd;
  if (env !== undefined) (raw as { env?: Record<string, string> }).env = env;
  return { raw, grace };
}

/** The run's live children: a run service that kills and reaps the rest when the run ends. */
class LiveProcesses {
  readonly live: Set<Process> = new Set();
  close(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    return Promise.all(all.map((p) => p._forceStop())).then(() => {});
  }
}

const LIVE = Symbol("skein.processes");

function supportOf(runner: Runner): ProcessSupport {
  const support = runner.adapter.processes;
  if (support === undefined) throw new UnsupportedError(`subprocesses are not supported on the ${runner.adapter.name} adapter`);
  return support;
}

/**
 * A running (or finished) child process, from {@link openProcess}. Use it
 * with `await using`, which stops it if it is still running (SIGTERM, grace,
 * SIGKILL) and reaps it; call `wait(cx)` to let it finish first.
 *
 * @example
 * ```ts
 * import { openProcess, run } from "skein";
 * await run(async (cx) => {
 *   await using proc = await openProcess(cx, ["sort"], { stderr: "inherit" });
 *   await proc.stdin!.send(cx, new TextEncoder().encode("b\na\n"));
 *   await proc.stdin!.close();
 *   console.log(new TextDecoder().decode(await proc.stdout!.receive(cx))); // "a\nb\n"
 *   console.log(await proc.wait(cx)); // 0
 * });
 * ```
 */
export class Process implements AsyncDisposable {
  /** The operating system's process id. */
  readonly pid: number;
  /** The child's stdin, when opened with `stdin: "pipe"` (the default); else null. */
  readonly stdin: ProcessSendStream | null;
  /** The child's stdout, when opened with `stdout: "pipe"` (the default); else null. */
  readonly stdout: ProcessReceiveStream | null;
  /** The child's stderr, when opened with `stderr: "pipe"` (the default); else null. */
  readonly stderr: ProcessReceiveStream | null;
  /** The command as given. */
  readonly command: string | readonly string[];
  private readonly raw: RawProcess;
  private readonly runner: Runner;
  private readonly grace: number;
  private readonly exited: Promise<RawExit>;
  private status: RawExit | null = null;
  private stopping: Promise<void> | null = null;

  /** @internal Made by `openProcess`. */
  constructor(raw: RawProcess, command: string | readonly string[], runner: Runner, grace: number, live: LiveProcesses) {
    this.raw = raw;
    this.pid = raw.pid;
    this.command = command;
    this.runner = runner;
    this.grace = grace;
    const name = typeof command === "string" ? command : command[0]!;
    const label = (what: string): string => `${what} of process ${raw.pid} (${name})`;
    this.stdin = raw.stdin === null ? null : new ProcessSendStream(raw.stdin, label("stdin"));
    this.stdout = raw.stdout === null ? null : new ProcessReceiveStream(raw.stdout, label("stdout"));
    this.stderr = raw.stderr === null ? null : new ProcessReceiveStream(raw.stderr, label("stderr"));
    live.live.add(this);
    this.exited = raw.exited.then((status) => {
      this.status = status;
      live.live.delete(this);
      return status;
    });
  }

  /**
   * The exit code once the process has exited, or null (still running, or
   * ended by a signal: see {@link Process.signal}).
   *
   * @example
   * ```ts
   * if (proc.returnCode === null && proc.signal === null) console.log("still running");
   * ```
   */
  get returnCode(): number | null {
    return this.status?.code ?? null;
  }

  /**
   * The name of the signal that ended the process (`"SIGTERM"`), or null.
   *
   * @example
   * ```ts
   * await proc.wait(cx);
   * console.log(proc.signal); // null after a normal exit
   * ```
   */
  get signal(): string | null {
    return this.status?.signal ?? null;
  }

  /**
   * Waits for the process to exit and returns its exit code (null if a
   * signal ended it; see {@link Process.signal}). A checkpoint. If
   * cancelled, it stops the process (SIGTERM, `terminateGrace` ms, SIGKILL),
   * waits for its exit shielded from the cancellation, and then raises
   * `Cancelled`.
   *
   * @throws {@link Cancelled} if the wait was cancelled (the process was stopped first).
   * @example
   * ```ts
   * const code = await proc.wait(cx);
   * ```
   */
  async wait(cx: Context): Promise<number | null> {
    checkContext(cx, "Process.wait");
    if (this.status === null) {
      try {
        await this.waitExited(cx);
      } catch (error) {
        if (error instanceof Cancelled) await this.stop();
        throw error;
      }
    } else {
      await cx.checkpoint();
    }
    return this.status!.code;
  }

  /**
   * Asks the process to end (SIGTERM; on Windows, ends it). Does nothing
   * once it has exited.
   *
   * @example
   * ```ts
   * proc.terminate();
   * await proc.wait(cx);
   * ```
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Ends the process at once (SIGKILL). Does nothing once it has exited.
   *
   * @example
   * ```ts
   * proc.kill();
   * ```
   */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * Sends the named signal (`"SIGINT"`, `"SIGHUP"`, `"SIGUSR1"` ...) to the
   * process. Does nothing once it has exited.
   *
   * @throws {@link !TypeError} if `signal` is not a signal name (`"SIG"` and capitals or digits).
   * @throws {@link !RangeError} if the runtime knows no signal of that name (its own error as `cause`).
   * @example
   * ```ts
   * proc.sendSignal("SIGINT");
   * ```
   */
  sendSignal(signal: string): void {
    checkSignalName("signal", signal);
    if (this.status !== null) return;
    try {
      this.raw.kill(signal);
    } catch (cause) {
      throw new RangeError(`signal is ${signal}, which this runtime does not know`, { cause });
    }
  }

  /**
   * Closes stdin, stops the process if it is still running (SIGTERM,
   * `terminateGrace` ms, SIGKILL), waits for its exit (never cancelled), and
   * closes stdout and stderr. For `await using`.
   *
   * @example
   * ```ts
   * await using proc = await openProcess(cx, ["sleep", "10"]);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stdin?.close();
    await this.stop();
    await this.stdout?.close();
    await this.stderr?.close();
  }

  /** @internal For messages. */
  toString(): string {
    return `Process(${this.pid})`;
  }

  /** Parks the caller until the exit (cancellable), seen by instruments as "wait for process N". */
  private waitExited(cx: Context): Promise<unknown> {
    const waiter = new Waiter<RawExit>();
    this.exited.then((status) => waiter.wake(status));
    const parked = parkWhereBlocked(waiter, cx.cancelScope);
    const instruments = cx._task.runner.instruments;
    return instruments === null ? parked : instruments.block(cx._task, `wait for process ${this.pid}`, parked);
  }

  /** Stops the process: SIGTERM, the grace period, SIGKILL; resolves once it has been reaped. */
  private stop(): Promise<void> {
    if (this.status !== null) return Promise.resolve();
    return (this.stopping ??= this.terminateThenKill());
  }

  private async terminateThenKill(): Promise<void> {
    this.raw.kill("SIGTERM");
    const grace = this.grace;
    if (grace === Infinity) {
      await this.exited;
      return;
    }
    if (grace > 0 && this.status === null) {
      const clock = this.runner.clock;
      await new Promise<void>((resolve) => {
        const handle = clock.setTimer(resolve, grace);
        this.exited.then(() => {
          clock.clearTimer(handle);
          resolve();
        });
      });
    }
    if (this.status === null) this.raw.kill("SIGKILL");
    await this.exited;
  }

  /** @internal When the run ends: SIGKILL at once, close the pipes, reap. */
  async _forceStop(): Promise<void> {
    if (this.status === null) this.raw.kill("SIGKILL");
    await this.stdin?.close();
    await this.stdout?.close();
    await this.stderr?.close();
    await this.exited;
  }
}

const SIGNAL_NAME = /^SIG[A-Z0-9]+$/;

/** Throws unless `value` looks like a signal name. @internal */
export function checkSignalName(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !SIGNAL_NAME.test(value)) {
    throw new TypeError(`${name} must be a signal name such as "SIGTERM", got ${describeValue(value)}`);
  }
}

/**
 * Starts `command` as a child process and returns it with its pipes as byte
 * streams (anyio's `open_process`, asyncio's `create_subprocess_exec`; with
 * `shell: true` and a string, `create_subprocess_shell`). Use the result with
 * `await using`.
 *
 * @param command The program and its arguments (`["ls", "-l"]`), or with
 * `shell: true` one command line for the system shell.
 * @throws {@link ExecutableNotFoundError} if the program (or the working directory) does not exist.
 * @throws {@link UnsupportedError} on a runtime without subprocesses (browsers).
 * @throws {@link !TypeError} for a bad command or option (a string command without `shell: true`, a non-string argument).
 * @throws {@link !RangeError} for an empty command or a negative `terminateGrace`.
 * @example
 * ```ts
 * import { openProcess, run } from "skein";
 * await run(async (cx) => {
 *   await using proc = await openProcess(cx, ["cat"]);
 *   await proc.stdin!.send(cx, new TextEncoder().encode("ping"));
 *   await proc.stdin!.close();
 *   console.log(new TextDecoder().decode(await proc.stdout!.receive(cx))); // "ping"
 *   await proc.wait(cx);
 * });
 * ```
 */
export async function openProcess(cx: Context, command: string | readonly string[], options: OpenProcessOptions = {}): Promise<Process> {
  checkContext(cx, "openProcess");
  const { raw, grace } = checkCommon(options);
  const argv = checkCommand(command, raw.shell);
  const spawnOptions: RawSpawnOptions = {
    ...raw,
    stdin: checkStdio("options.stdin", options.stdin),
    stdout: checkStdio("options.stdout", options.stdout),
    stderr: checkStdio("options.stderr", options.stderr),
  };
  const runner = cx._task.runner;
  const support = supportOf(runner);
  cx.checkpointIfCancelled();
  const live = runner.service(LIVE, () => new LiveProcesses());
  let child: RawProcess;
  try {
    child = await support.spawn(argv, spawnOptions);
  } catch (error) {
    if (support.isNotFound(error)) {
      throw new ExecutableNotFoundError(raw.shell ? "the system shell" : argv[0]!, raw.cwd, { cause: error });
    }
    throw error;
  }
  const proc = new Process(child, typeof command === "string" ? command : argv, runner, grace, live);
  if (runner.closed) await proc._forceStop(); // the run ended while spawning
  return proc;
}
