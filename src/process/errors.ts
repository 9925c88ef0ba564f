/**
 * The error classes of `src/process`: {@link ProcessError} (a command that
 * failed its `check`) and {@link ExecutableNotFoundError} (a command that
 * could not start because its program does not exist).
 *
 * @module
 */

import { SkeinError } from "../core/errors.ts";

function describeCommand(command: string | readonly string[]): string {
  return typeof command === "string" ? command : command.join(" ");
}

/**
 * Thrown by `runProcess` (with `check`, the default) when the command exited
 * with a non-zero code or was ended by a signal (Python's
 * `CalledProcessError`). It carries what the command printed, when piped.
 *
 * @example
 * ```ts
 * import { ProcessError, run, runProcess } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await runProcess(cx, ["ls", "/nonexistent"]);
 *   } catch (error) {
 *     if (error instanceof ProcessError) console.log(error.returnCode, new TextDecoder().decode(error.stderr!));
 *   }
 * });
 * ```
 */
export class ProcessError extends SkeinError {
  /** The exit code, or null if a signal ended the process. */
  readonly returnCode: number | null;
  /** The signal that ended the process (`"SIGTERM"`), or null. */
  readonly signal: string | null;
  /** What the command wrote to stdout, when it was piped; else null. */
  readonly stdout: Uint8Array | null;
  /** What the command wrote to stderr, when it was piped; else null. */
  readonly stderr: Uint8Array | null;
  /** The command as given. */
  readonly command: string | readonly string[];

  constructor(
    command: string | readonly string[],
    returnCode: number | null,
    signal: string | null,
    stdout: Uint8Array | null,
    stderr: Uint8Array | null,
  ) {
    const how = signal !== null ? `was ended by ${signal}` : `exited with code ${returnCode}`;
    super(`the command ${JSON.stringify(describeCommand(command))} ${how}`);
    this.name = "ProcessError";
    this.command = command;
    this.returnCode = returnCode;
    this.signal = signal;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/**
 * Thrown by `runProcess` and `openProcess` when the program to run does not
 * exist (or, on some runtimes, the working directory does not): what would
 * otherwise be a bare `ENOENT` or a shell's exit code 127. `cause` is the
 * runtime's error.
 *
 * @example
 * ```ts
 * import { ExecutableNotFoundError, run, runProcess } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await runProcess(cx, ["no-such-program"]);
 *   } catch (error) {
 *     if (error instanceof ExecutableNotFoundError) console.log(error.executable); // "no-such-program"
 *   }
 * });
 * ```
 */
export class ExecutableNotFoundError extends SkeinError {
  /** The program that was not found (the shell, for a shell command). */
  readonly executable: string;

  constructor(executable: string, cwd: string | undefined, options: { cause: unknown }) {
    const where = cwd === undefined ? "" : ` (or the working directory ${JSON.stringify(cwd)} does not exist)`;
    super(`executable not found: ${JSON.stringify(executable)}${where}`, options);
    this.name = "ExecutableNotFoundError";
    this.executable = executable;
  }
}
