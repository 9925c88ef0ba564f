/**
 * Child processes on Deno through `Deno.Command(...).spawn()`: the adapter's
 * {@link ProcessSupport}.
 *
 * Deno gives web streams: stdout and stderr are read with one reader each,
 * one `read()` per pull (Deno reads from the OS only when asked, so an unread
 * pipe holds the child back); stdin is written through one writer whose
 * `write` resolves when the bytes were written. `child.status` resolves after
 * Deno reaped the child; a killed child reports its signal (and Deno's code
 * 128 + n is dropped to null, as on Node). A missing executable throws
 * `Deno.errors.NotFound` from `spawn`.
 *
 * @module
 */

import { type DenoChild, denoApi } from "./deno-api.ts";
import type { ProcessSupport, RawExit, RawProcess, RawSpawnOptions } from "../../src/process/process-support.ts";
import { WebReadPipe, WebWritePipe } from "../shared/web-pipes.ts";

class DenoProcess implements RawProcess {
  readonly pid: number;
  readonly stdin: WebWritePipe | null;
  readonly stdout: WebReadPipe | null;
  readonly stderr: WebReadPipe | null;
  readonly exited: Promise<RawExit>;
  private readonly child: DenoChild;
  private done = false;

  constructor(child: DenoChild, options: RawSpawnOptions) {
    this.child = child;
    this.pid = child.pid;
    this.stdin = options.stdin === "pipe" ? new WebWritePipe(child.stdin) : null;
    this.stdout = options.stdout === "pipe" ? new WebReadPipe(child.stdout.getReader()) : null;
    this.stderr = options.stderr === "pipe" ? new WebReadPipe(child.stderr.getReader()) : null;
    this.exited = child.status.then((status) => {
      this.done = true;
      return status.signal === null ? { code: status.code, signal: null } : { code: null, signal: status.signal };
    });
  }

  kill(signal: string): void {
    if (this.done) return;
    try {
      this.child.kill(signal);
    } catch (error) {
      // Deno throws once the child has exited; an unknown signal is the caller's error.
      if (!(error instanceof TypeError) || !/terminated|exited/i.test(error.message)) throw error;
    }
  }
}

function shellArgv(command: string): string[] {
  return denoApi().build.os === "windows" ? ["cmd.exe", "/d", "/s", "/c", command] : ["/bin/sh", "-c", command];
}

/**
 * Subprocesses through `Deno.Command`.
 *
 * @example
 * ```ts
 * const child = await denoProcesses.spawn(["deno", "--version"], {
 *   shell: false, replaceEnv: false, stdin: "ignore", stdout: "pipe", stderr: "inherit",
 * });
 * console.log(await child.exited); // { code: 0, signal: null }
 * ```
 */
export const denoProcesses: ProcessSupport = {
  spawn(argv, options) {
    const [file, ...args] = options.shell ? shellArgv(argv[0]!) : argv;
    const stdio = (mode: string): "piped" | "inherit" | "null" => (mode === "pipe" ? "piped" : mode === "inherit" ? "inherit" : "null");
    try {
      const child = new (denoApi().Command)(file!, {
        args,
        cwd: options.cwd,
        env: options.env === undefined ? undefined : { ...options.env },
        clearEnv: options.replaceEnv,
        stdin: stdio(options.stdin),
        stdout: stdio(options.stdout),
        stderr: stdio(options.stderr),
      }).spawn();
      return Promise.resolve(new DenoProcess(child, options));
    } catch (error) {
      return Promise.reject(error);
    }
  },
  isNotFound(error) {
    return error instanceof denoApi().errors.NotFound;
  },
};
