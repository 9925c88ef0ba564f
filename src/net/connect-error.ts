/**
 * `ConnectError`: every attempt of a connection failed. Its message names
 * the host, the port and each address tried with the reason it failed;
 * `errors` keeps each attempt's runtime error (and `cause` the first), as
 * anyio's `OSError` from `connect_tcp` and Python's `create_connection`
 * with several addresses do.
 *
 * @module
 */

import { SkeinError } from "../core/errors.ts";

/**
 * One failed connection attempt: the address tried and the runtime's error.
 *
 * @example
 * ```ts
 * for (const { address, error } of connectError.attempts) console.log(address, error);
 * ```
 */
export interface ConnectAttemptFailure {
  /** The IP address (or Unix path) tried. */
  readonly address: string;
  /** The runtime's error for that attempt. */
  readonly error: unknown;
}

/**
 * Thrown by `connectTcp` and `connectUnix` when no attempt connected.
 *
 * @example
 * ```ts
 * import { connectTcp, ConnectError, run } from "skein";
 * await run(async (cx) => {
 *   try {
 *     await connectTcp(cx, "localhost", 1);
 *   } catch (error) {
 *     if (error instanceof ConnectError) console.log(error.message, error.errors);
 *     // "cannot connect to localhost port 1: 127.0.0.1: connect ECONNREFUSED 127.0.0.1:1"
 *   }
 * });
 * ```
 */
export class ConnectError extends SkeinError {
  /** The host (or Unix path) asked for. */
  readonly host: string;
  /** The port asked for (undefined for a Unix socket). */
  readonly port: number | undefined;
  /** Each attempt: the address tried and its error, in the order they failed. */
  readonly attempts: readonly ConnectAttemptFailure[];

  constructor(host: string, port: number | undefined, attempts: readonly ConnectAttemptFailure[]) {
    const where = port === undefined ? host : `${host} port ${port}`;
    const parts = attempts.map(({ address, error }) => `${address}: ${error instanceof Error ? error.message : String(error)}`);
    const why = parts.length === 0 ? "the name resolved to no address" : parts.join("; ");
    super(`cannot connect to ${where}: ${why}`, { cause: attempts[0]?.error });
    this.name = "ConnectError";
    this.host = host;
    this.port = port;
    this.attempts = attempts;
  }

  /** Each attempt's runtime error, in the order they failed. */
  get errors(): unknown[] {
    return this.attempts.map((a) => a.error);
  }
}
