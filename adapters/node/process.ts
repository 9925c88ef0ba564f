/**
 * Child processes on Node (and on runtimes with a faithful
 * `node:child_process`): the adapter's {@link ProcessSupport}.
 *
 * `spawn` resolves once the child has a pid, or rejects with the `error`
 * event Node emits when it could not start (`ENOENT` for a missing
 * executable or working directory). `exited` comes from the `exit` event,
 * emitted after Node reaped the child. Environment variables are merged into
 * `process.env` unless `replaceEnv`.
 *
 * @module
 */

import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";
import type { ProcessSupport, RawExit, RawProcess } from "../../src/process/process-support.ts";
import { NodeReadPipe, NodeWritePipe } from "../shared/node-pipes.ts";
import { childEnv, isEnoent } from "../shared/spawn-options.ts";

class NodeProcess implements RawProcess {
  readonly pid: number;
  readonly stdin: NodeWritePipe | null;
  readonly stdout: NodeReadPipe | null;
  readonly stderr: NodeReadPipe | null;
  readonly exited: Promise<RawExit>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
    this.stdin = child.stdin === null ? null : new NodeWritePipe(child.stdin);
    this.stdout = child.stdout === null ? null : new NodeReadPipe(child.stdout);
    this.stderr = child.stderr === null ? null : new NodeReadPipe(child.stderr);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.done = true;
        resolve({ code, signal });
      });
    });
  }

  kill(signal: string): void {
    if (this.done || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal as NodeJS.Signals);
  }
}

/**
 * Subprocesses through `node:child_process`.
 *
 * @example
 * ```ts
 * const child = await nodeProcesses.spawn(["node", "-v"], {
 *   shell: false, replaceEnv: false, stdin: "ignore", stdout: "pipe", stderr: "inherit",
 * });
 * console.log(await child.exited); // { code: 0, signal: null }
 * ```
 */
export const nodeProcesses: ProcessSupport = {
  spawn(argv, options) {
    return new Promise((resolve, reject) => {
      const [file, ...args] = argv as [string, ...string[]];
      const child = nodeSpawn(file, args, {
        cwd: options.cwd,
        env: childEnv(options),
        shell: options.shell,
        stdio: [options.stdin, options.stdout, options.stderr],
        windowsHide: true,
      });
      let started = false;
      child.on("error", (error) => {
        if (started) return;
        // Node closes a failed child's pipes only later: close them now, so none is open once the spawn has failed.
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
        reject(error);
      });
      if (child.pid === undefined) return; // the error event follows
      started = true;
      resolve(new NodeProcess(child));
    });
  },
  isNotFound: isEnoent,
};
