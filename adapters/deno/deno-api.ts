/**
 * The few parts of Deno's own API that the Deno adapter's process and signal
 * capabilities use, declared here because the one program of the typings and
 * docs build (Node types + DOM) has no `Deno` global. Read from `globalThis`
 * at call time, so loading this module elsewhere costs nothing.
 *
 * @internal
 * @module
 */

/** `Deno.ChildProcess`, as far as the adapter uses it. @internal */
export interface DenoChild {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ readonly code: number; readonly signal: string | null }>;
  kill(signal?: string): void;
}

/** `Deno.CommandOptions`, as far as the adapter uses it. @internal */
export interface DenoCommandOptions {
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  clearEnv: boolean;
  stdin: "piped" | "inherit" | "null";
  stdout: "piped" | "inherit" | "null";
  stderr: "piped" | "inherit" | "null";
}

/** The `Deno` namespace, as far as the adapter uses it. @internal */
export interface DenoApi {
  readonly Command: new (command: string, options: DenoCommandOptions) => { spawn(): DenoChild };
  readonly errors: { readonly NotFound: abstract new (...args: never[]) => Error };
  readonly build: { readonly os: string };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
}

/** The running Deno's namespace. @internal */
export function denoApi(): DenoApi {
  return (globalThis as unknown as { Deno: DenoApi }).Deno;
}
