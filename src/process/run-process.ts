/**
 * `runProcess`: run a command to completion and collect its output (anyio's
 * `run_process`, Python's `subprocess.run`, asyncio's
 * `create_subprocess_exec` + `communicate`).
 *
 * Invariants:
 * - stdout and stderr are drained concurrently with writing `input` and
 *   waiting, so no pipe can fill up and deadlock the child.
 * - Output is collected as the list of chunks received and joined once at
 *   the end: linear in its size, never quadratic.
 * - Cancellation stops the child (SIGTERM, `terminateGrace` ms, SIGKILL) and
 *   reaps it, shielded, before `Cancelled` propagates (see `Process.wait`).
 * - If the child stops reading its stdin before taking all of `input`, the
 *   rest is dropped (as `communicate` does) rather than failing the call.
 *
 * Costs: one task per piped stream, plus one for the input; each output is
 * held twice at the end (the chunks and the joined copy) for the moment of
 * joining.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BrokenResourceError, EndOfStream } from "../core/errors.ts";
import { checkBoolean, checkContext, describeValue } from "../core/validate.ts";
import { ProcessError } from "./errors.ts";
import type { ProcessReceiveStream } from "./pipe-streams.ts";
import { type CommonProcessOptions, openProcess } from "./process.ts";

/**
 * Options of {@link runProcess}.
 *
 * @example
 * ```ts
 * const options: RunProcessOptions = { input: "hello", stderr: "inherit", check: false };
 * ```
 */
export interface RunProcessOptions extends CommonProcessOptions {
  /** Bytes (or text, as UTF-8) for the child's stdin, which is then closed. Without it stdin is `stdin`. */
  readonly input?: Uint8Array | string;
  /** The child's stdin when there is no `input`: none (the default) or the parent's. */
  readonly stdin?: "ignore" | "inherit";
  /** The child's stdout: collected (`"pipe"`, the default), the parent's, or none. */
  readonly stdout?: "pipe" | "inherit" | "ignore";
  /** The child's stderr: collected (`"pipe"`, the default), the parent's, or none. */
  readonly stderr?: "pipe" | "inherit" | "ignore";
  /** Raise {@link ProcessError} unless the command exits with code 0. Default true. */
  readonly check?: boolean;
}

/**
 * What a finished command gives back.
 *
 * @example
 * ```ts
 * const result: ProcessResult = await runProcess(cx, ["true"]);
 * console.log(result.returnCode); // 0
 * ```
 */
export interface ProcessResult {
  /** The command as given (trio's and Python's `CompletedProcess.args`), as {@link ProcessError} has it. */
  readonly command: string | readonly string[];
  /** The exit code, or null if a signal ended the process. */
  readonly returnCode: number | null;
  /** The signal that ended the process, or null. */
  readonly signal: string | null;
  /** Everything the command wrote to stdout, when it was `"pipe"`; else null. */
  readonly stdout: Uint8Array | null;
  /** Everything the command wrote to stderr, when it was `"pipe"`; else null. */
  readonly stderr: Uint8Array | null;
}

async function collect(cx: Context, stream: ProcessReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx, 1 << 20);
    } catch (error) {
      if (error instanceof EndOfStream) break;
      throw error;
    }
    chunks.push(chunk);
    total += chunk.length;
  }
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/**
 * Runs `command` to completion and returns its exit status and output
 * (anyio's `run_process`). A checkpoint; cancelling it stops the child
 * (SIGTERM, `terminateGrace` ms, SIGKILL) and reaps it before `Cancelled`
 * propagates.
 *
 * @param command The program and its arguments, or with `shell: true` one command line.
 * @throws {@link ProcessError} with `check` (the default) if the command exited with a non-zero code or was ended by a signal.
 * @throws {@link ExecutableNotFoundError} if the program (or the working directory) does not exist.
 * @throws {@link UnsupportedError} on a runtime without subprocesses (browsers).
 * @throws {@link !TypeError} for a bad command or option.
 * @throws {@link !RangeError} for an empty command or a negative `terminateGrace`.
 * @example
 * ```ts
 * import { run, runProcess } from "skein";
 * await run(async (cx) => {
 *   const { stdout } = await runProcess(cx, ["git", "rev-parse", "HEAD"]);
 *   console.log(new TextDecoder().decode(stdout!).trim());
 *   const sorted = await runProcess(cx, "sort | uniq -c", { shell: true, input: "b\na\nb\n" });
 *   console.log(new TextDecoder().decode(sorted.stdout!));
 * });
 * ```
 */
export async function runProcess(cx: Context, command: string | readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  checkContext(cx, "runProcess");
  if (options === null || typeof options !== "object") throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  const check = options.check ?? true;
  checkBoolean("options.check", check);
  const input = options.input;
  let bytes: Uint8Array | null = null;
  if (typeof input === "string") bytes = new TextEncoder().encode(input);
  else if (input instanceof Uint8Array) bytes = input;
  else if (input !== undefined) throw new TypeError(`options.input must be a Uint8Array or a string, got ${describeValue(input)}`);
  const stdinMode = options.stdin ?? "ignore";
  if (stdinMode !== "ignore" && stdinMode !== "inherit") {
    throw new TypeError(`options.stdin must be "ignore" or "inherit", got ${describeValue(stdinMode)}`);
  }
  if (bytes !== null && options.stdin !== undefined) throw new TypeError(`options.stdin cannot be given with options.input`);
  const { input: _input, check: _check, ...rest } = options;
  const proc = await openProcess(cx, command, { ...rest, stdin: bytes !== null ? "pipe" : stdinMode });
  let stdout: Uint8Array | null = null;
  let stderr: Uint8Array | null = null;
  try {
    await cx.taskGroup(async (tg, cx) => {
      const out = proc.stdout;
      const err = proc.stderr;
      const stdin = proc.stdin;
      if (out !== null) tg.startSoon(async (cx) => void (stdout = await collect(cx, out)));
      if (err !== null) tg.startSoon(async (cx) => void (stderr = await collect(cx, err)));
      if (stdin !== null && bytes !== null) {
        const data = bytes;
        tg.startSoon(async (cx) => {
          try {
            await stdin.send(cx, data);
          } catch (error) {
            if (!(error instanceof BrokenResourceError)) throw error; // the child stopped reading: drop the rest
          } finally {
            await stdin.close();
          }
        });
      }
      await proc.wait(cx);
    });
  } finally {
    await proc[Symbol.asyncDispose]();
  }
  const result: ProcessResult = { command: proc.command, returnCode: proc.returnCode, signal: proc.signal, stdout, stderr };
  if (check && (result.returnCode !== 0 || result.signal !== null)) {
    throw new ProcessError(proc.command, result.returnCode, result.signal, stdout, stderr);
  }
  return result;
}
