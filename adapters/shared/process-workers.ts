/**
 * Worker processes through `node:child_process` `fork`, shared by the Node,
 * Deno and Bun adapters (`processWorkers`, for `toProcess`): each worker is
 * a child process of the same runtime (`process.execPath`) running the
 * adapter's process worker entry, which serves the calls of `toThread`'s
 * protocol over the IPC channel (see {@link serveProcessWorker}).
 *
 * The channel uses `serialization: "advanced"` (the V8 serializer, i.e.
 * structured clone), so Maps, typed arrays, Dates and the rest arrive as
 * themselves on all three runtimes; transfer lists are ignored (an IPC
 * message is always a copy). Deno's `fork` runs the child as `deno run -A`
 * whatever the parent's permissions; Node and Bun pass the parent's
 * `execArgv`.
 *
 * Invariants:
 * - The pool hears of a child's end once, through `close` (after `exit`
 *   and after the IPC channel has delivered every message the child sent),
 *   with its exit code or the signal that killed it.
 * - `terminate()` sends SIGKILL and resolves once the child has been
 *   reaped, so its pid is gone when the pool says the worker is.
 * - The child exits by itself when its channel closes (`disconnect`: the
 *   parent died or let it go), so a parent killed hard leaves no orphan.
 * - An idle child (and its channel) is unref'd and never keeps the parent's
 *   event loop alive; a busy one is ref'd.
 *
 * - A message that cannot be cloned (a function) throws from `post` on
 *   either side, so the pool and the server turn it into a `TypeError` for
 *   that call. Node's and Bun's `send` throw by themselves; Deno's sends
 *   something the other side cannot read (the whole channel then fails), so
 *   the Deno adapter and entry pass `checkClone`: `structuredClone` first.
 *
 * Costs: one process and one IPC pipe per worker; each message is
 * serialized and copied through the pipe (on Deno, cloned once more first).
 *
 * @internal
 * @module
 */

import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Adapter, WorkerPort, WorkerSupport } from "../../src/core/adapter.ts";
import type { FromWorker, ToWorker } from "../../src/threads/worker-protocol.ts";
import { serveWorker } from "../../src/threads/worker-server.ts";

/** The ref/unref of a child's IPC channel (declared by Node's types as `Pipe`, which lacks them). */
type Channel = { ref?(): void; unref?(): void };

/** How a runtime's IPC needs to be used. @internal */
export interface ProcessWorkerOptions {
  /** Check that each message can be cloned before sending it (Deno: its `send` does not throw). */
  checkClone?: boolean;
}

/** Child processes forked to run `entry`, for {@link WorkerSupport}. @internal */
export function processWorkers(entry: URL, options: ProcessWorkerOptions = {}): WorkerSupport {
  const checkClone = options.checkClone === true;
  const path = fileURLToPath(entry);
  return {
    hardwareConcurrency: () => availableParallelism(),
    spawn(): WorkerPort {
      const child = fork(path, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
      return new ProcessPort(child, checkClone);
    },
  };
}

class ProcessPort implements WorkerPort {
  constructor(
    private readonly child: ChildProcess,
    private readonly checkClone: boolean,
  ) {}

  post(message: unknown): void {
    if (this.checkClone) structuredClone(message);
    this.child.send(message as ToWorker);
  }

  listen(handlers: Parameters<WorkerPort["listen"]>[0]): void {
    const child = this.child;
    child.on("message", handlers.message);
    child.on("error", handlers.error);
    child.on("close", (code: number | null, signal: string | null) => handlers.exit(code ?? undefined, signal ?? undefined));
  }

  terminate(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    // Ref'd so that the wait for the reaping holds the event loop even if the child was idle.
    child.ref();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  setIdle(idle: boolean): void {
    const channel = this.child.channel as Channel | null | undefined;
    if (idle) {
      this.child.unref();
      channel?.unref?.();
    } else {
      this.child.ref();
      channel?.ref?.();
    }
  }
}

/**
 * The child's half: serve `toThread`'s protocol over this process's IPC
 * channel, and exit when the channel closes. @internal
 */
export function serveProcessWorker(adapter: Adapter, options: ProcessWorkerOptions = {}): void {
  const checkClone = options.checkClone === true;
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error("serveProcessWorker() runs only in a process forked with an IPC channel");
  process.on("disconnect", () => process.exit(0));
  serveWorker(
    {
      post: (message: unknown) => {
        if (checkClone) structuredClone(message);
        send(message as FromWorker);
      },
      listen: (onMessage) => process.on("message", (data) => onMessage(data as ToWorker)),
    },
    adapter,
  );
}
