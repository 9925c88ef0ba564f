/**
 * `ResourceGuard`: detects two tasks using, at the same time, a resource
 * that only one may use (receiving from one byte stream, say). Unlike a
 * lock it never waits: the second user gets `BusyResourceError` at once,
 * because such overlap is a bug to report, not contention to queue.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { BusyResourceError } from "../core/errors.ts";
import { checkContext, checkFunction, describeValue } from "../core/validate.ts";

/**
 * Guards a resource against concurrent use.
 *
 * @example
 * ```ts
 * import { type Context, ResourceGuard } from "skein";
 * class Connection {
 *   private readonly receiving = new ResourceGuard("reading from");
 *   receive(cx: Context) {
 *     return this.receiving.use(cx, (cx) => this.readFrame(cx));
 *   }
 *   private async readFrame(cx: Context): Promise<Uint8Array> { await cx.checkpoint(); return new Uint8Array(); }
 * }
 * ```
 */
export class ResourceGuard {
  private busy = false;

  /** @param action what the error message says the other task is doing ("using" by default). */
  constructor(readonly action: string = "using") {
    if (typeof action !== "string") throw new TypeError(`action must be a string, got ${describeValue(action)}`);
  }

  /**
   * Runs `body`; if another use is in progress, throws instead.
   *
   * @throws {@link BusyResourceError} if the resource is in use.
   * @example
   * ```ts
   * await guard.use(cx, (cx) => socket.read(cx));
   * ```
   */
  async use<T>(cx: Context, body: (cx: Context) => T | PromiseLike<T>): Promise<T> {
    checkContext(cx, "ResourceGuard.use");
    checkFunction("body", body);
    const release = this.enter();
    try {
      return await body(cx);
    } finally {
      release[Symbol.dispose]();
    }
  }

  /**
   * Marks the resource in use until the handle is disposed, for `using`.
   *
   * @throws {@link BusyResourceError} if the resource is in use.
   * @example
   * ```ts
   * using _busy = guard.hold();
   * ```
   */
  hold(): Disposable {
    return this.enter();
  }

  private enter(): Disposable {
    if (this.busy) throw new BusyResourceError(`another task is already ${this.action} this resource`);
    this.busy = true;
    let done = false;
    return {
      [Symbol.dispose]: () => {
        if (!done) {
          done = true;
          this.busy = false;
        }
      },
    };
  }
}
