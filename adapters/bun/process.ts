/**
 * Child processes on Bun through `Bun.spawn`: the adapter's
 * {@link ProcessSupport}.
 *
 * stdout and stderr are web `ReadableStream`s, read one `read()` per pull
 * (shared `WebReadPipe`); stdin is Bun's `FileSink`, whose `write` buffers
 * (or returns a promise when the pipe is full) and whose `flush` resolves
 * once the bytes went to the OS, so a write resolves after both
 * (backpressure through the pipe). Bun drops a write to a child that has
 * exited silently; this pipe rejects it with an `EPIPE` error of its own,
 * as Node and Deno do. `exited` resolves
 * after Bun reaped the child; a killed child reports its signal, with a null
 * code as on Node. A missing executable throws `ENOENT` from `Bun.spawn`.
 *
 * The one program of the typings and docs build has no Bun types, so this
 * file declares the few parts of `Bun.spawn` it uses.
 *
 * @module
 */

import type { ProcessSupport, RawExit, RawProcess, RawSpawnOptions, RawWritePipe } from "../../src/process/process-support.ts";
import process from "node:process";
import { childEnv, isEnoent } from "../shared/spawn-options.ts";
import { WebReadPipe } from "../shared/web-pipes.ts";

/** Bun's `FileSink`, as far as the adapter uses it. @internal */
export interface BunFileSink {
  write(chunk: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
  end(): number | Promise<number>;
}

/** Bun's `Subprocess`, as far as the adapter uses it. @internal */
export interface BunSubprocess {
  readonly pid: number;
  readonly stdin: BunFileSink | number | undefined | null;
  readonly stdout: ReadableStream<Uint8Array> | number | undefined | null;
  readonly stderr: ReadableStream<Uint8Array> | number | undefined | null;
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  kill(signal?: string): void;
}

/** `Bun.spawn`'s options, as far as the adapter uses them. @internal */
export interface BunSpawnOptions {
  cmd: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin: "pipe" | "inherit" | "ignore";
  stdout: "pipe" | "inherit" | "ignore";
  stderr: "pipe" | "inherit" | "ignore";
}

const bun = (): { spawn(options: BunSpawnOptions): BunSubprocess } =>
  (globalThis as unknown as { Bun: { spawn(options: BunSpawnOptions): BunSubprocess } }).Bun;

/** The error a write to an exited child gets (Bun itself drops such writes silently). */
function brokenPipe(): Error {
  return Object.assign(new Error("EPIPE: broken pipe, write (the child process has exited)"), { code: "EPIPE", syscall: "write" });
}

class BunWritePipe implements RawWritePipe {
  private readonly sink: BunFileSink;
  private readonly child: BunSubprocess;
  private closed = false;

  constructor(sink: BunFileSink, child: BunSubprocess) {
    this.sink = sink;
    this.child = child;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) throw brokenPipe();
    // `write` returns a promise when it could not write at once (and that
    // promise carries EPIPE); `flush` pushes out what it buffered.
    const written = this.sink.write(bytes);
    if (typeof written === "object") await written;
    const flushed = this.sink.flush();
    if (typeof flushed === "object") await flushed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      const ended = this.sink.end();
      if (typeof ended === "object") ended.catch(() => {});
    } catch {
      // already closed by the child's exit
    }
  }
}

class BunProcess implements RawProcess {
  readonly pid: number;
  readonly stdin: BunWritePipe | null;
  readonly stdout: WebReadPipe | null;
  readonly stderr: WebReadPipe | null;
  readonly exited: Promise<RawExit>;
  private readonly child: BunSubprocess;
  private done = false;

  constructor(child: BunSubprocess) {
    this.child = child;
    this.pid = child.pid;
    const { stdin, stdout, stderr } = child;
    this.stdin = stdin != null && typeof stdin === "object" ? new BunWritePipe(stdin, child) : null;
    this.stdout = stdout != null && typeof stdout === "object" ? new WebReadPipe(stdout.getReader()) : null;
    this.stderr = stderr != null && typeof stderr === "object" ? new WebReadPipe(stderr.getReader()) : null;
    this.exited = child.exited.then((code) => {
      this.done = true;
      const signal = child.signalCode;
      return signal === null ? { code, signal: null } : { code: null, signal };
    });
  }

  kill(signal: string): void {
    if (this.done || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
  }
}

function shellArgv(command: string): string[] {
  return process.platform === "win32" ? ["cmd.exe", "/d", "/s", "/c", command] : ["/bin/sh", "-c", command];
}

/**
 * Subprocesses through `Bun.spawn`.
 *
 * @example
 * ```ts
 * const child = await bunProcesses.spawn(["bun", "--version"], {
 *   shell: false, replaceEnv: false, stdin: "ignore", stdout: "pipe", stderr: "inherit",
 * });
 * console.log(await child.exited); // { code: 0, signal: null }
 * ```
 */
export const bunProcesses: ProcessSupport = {
  spawn(argv, options: RawSpawnOptions) {
    try {
      const env = childEnv(options);
      const spawnOptions: BunSpawnOptions = {
        cmd: options.shell ? shellArgv(argv[0]!) : [...argv],
        stdin: options.stdin,
        stdout: options.stdout,
        stderr: options.stderr,
      };
      if (options.cwd !== undefined) spawnOptions.cwd = options.cwd;
      if (env !== undefined) spawnOptions.env = env;
      return Promise.resolve(new BunProcess(bun().spawn(spawnOptions)));
    } catch (error) {
      return Promise.reject(error);
    }
  },
  isNotFound: isEnoent,
};
