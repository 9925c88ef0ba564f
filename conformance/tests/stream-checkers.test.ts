// The generic byte stream checkers of skein/testing, on every runtime: the
// memory streams pass them, and each checker fails on a deliberately broken
// stream (which proves the checkers check).
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  type ByteReceiveStream,
  type ByteSendStream,
  ClosedResourceError,
  type Context,
  EndOfStream,
  type HalfCloseableStream,
  Lock,
  run,
} from "skein";
import {
  checkHalfCloseableStream,
  checkOneWayStream,
  checkTwoWayStream,
  lockstepStreamOneWayPair,
  lockstepStreamPair,
  MemoryByteStream,
  memoryStreamOneWayPair,
  memoryStreamPair,
  StreamCheckError,
} from "skein/testing";

describe("the memory streams pass the stream checkers", () => {
  it("checkOneWayStream: buffered, bounded and lockstep one-way pairs", async () => {
    await run(async (cx) => {
      await checkOneWayStream(cx, () => memoryStreamOneWayPair(), () => lockstepStreamOneWayPair());
      await checkOneWayStream(cx, () => memoryStreamOneWayPair({ maxBufferSize: 100 }), () => lockstepStreamOneWayPair(), { seed: 2 });
      await checkOneWayStream(cx, () => lockstepStreamOneWayPair(), () => lockstepStreamOneWayPair(), { seed: 3 });
    });
  });

  it("checkTwoWayStream and checkHalfCloseableStream: memoryStreamPair and lockstepStreamPair", async () => {
    await run(async (cx) => {
      await checkTwoWayStream(cx, () => memoryStreamPair(), () => lockstepStreamPair());
      await checkHalfCloseableStream(cx, () => memoryStreamPair(), () => lockstepStreamPair());
      await checkHalfCloseableStream(cx, () => lockstepStreamPair(), () => lockstepStreamPair(), { seed: 4 });
    });
  });

  it("the checkers reject bad arguments", async () => {
    await run(async (cx) => {
      await expect(checkOneWayStream(cx, "nope" as never)).rejects.toThrow(/makePair must be a function/);
      await expect(checkTwoWayStream(cx, () => memoryStreamPair(), 3 as never)).rejects.toThrow(/makeCloggedPair must be a function/);
      await expect(checkHalfCloseableStream(cx, () => memoryStreamPair(), undefined, { hangTimeoutMs: -1 })).rejects.toThrow(RangeError);
    });
  });
});

// ---------------------------------------------------------------------------
// Deliberately broken streams, each wrapping a correct memory stream.

class ReceiveWrapper implements ByteReceiveStream {
  constructor(readonly inner: ByteReceiveStream) {}
  receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    return this.inner.receive(cx, maxBytes);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

class SendWrapper implements ByteSendStream {
  constructor(readonly inner: ByteSendStream) {}
  send(cx: Context, data: Uint8Array): Promise<void> {
    return this.inner.send(cx, data);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Takes the bytes, then checkpoints: a cancellation there loses them. */
class DropsOnCancel extends ReceiveWrapper {
  override async receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    const data = await this.inner.receive(cx, maxBytes);
    await cx.checkpoint();
    return data;
  }
}

/** Reverses each chunk. */
class Reorders extends ReceiveWrapper {
  override async receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    return (await this.inner.receive(cx, maxBytes)).slice().reverse();
  }
}

/** Reports its own close as end of stream. */
class NoClosedError extends ReceiveWrapper {
  override async receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    try {
      return await this.inner.receive(cx, maxBytes);
    } catch (error) {
      throw error instanceof ClosedResourceError ? new EndOfStream() : error;
    }
  }
}

/** Queues concurrent receives instead of refusing them. */
class NoBusyError extends ReceiveWrapper {
  private readonly lock = new Lock();
  override receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    return this.lock.withLock(cx, (cx) => this.inner.receive(cx, maxBytes));
  }
}

/** Closes properly, except that a close while a task is blocked in receive leaves that task asleep. */
class CloseDoesNotWake extends ReceiveWrapper {
  private closed = false;
  private receiving = 0;
  override async receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    if (this.closed) throw new ClosedResourceError();
    this.receiving++;
    try {
      return await this.inner.receive(cx, maxBytes);
    } finally {
      this.receiving--;
    }
  }
  override close(): Promise<void> {
    this.closed = true;
    return this.receiving === 0 ? this.inner.close() : Promise.resolve();
  }
}

/** Drops sends after the receiver closed, silently. */
class SwallowsBroken extends SendWrapper {
  override async send(cx: Context, data: Uint8Array): Promise<void> {
    try {
      await this.inner.send(cx, data);
    } catch (error) {
      if (!(error instanceof BrokenResourceError)) throw error;
    }
  }
}

/** A two-way stream whose close closes only the sending side, and whose sendEof closes both. */
class BadHalfClose implements HalfCloseableStream {
  constructor(
    readonly inner: MemoryByteStream,
    readonly mistake: "close" | "sendEof",
  ) {}
  send(cx: Context, data: Uint8Array): Promise<void> {
    return this.inner.send(cx, data);
  }
  receive(cx: Context, maxBytes?: number): Promise<Uint8Array> {
    return this.inner.receive(cx, maxBytes);
  }
  sendEof(cx: Context): Promise<void> {
    return this.mistake === "sendEof" ? this.inner.close() : this.inner.sendEof(cx);
  }
  close(): Promise<void> {
    return this.mistake === "close" ? this.inner.sendStream.close() : this.inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function brokenReceive(Wrapper: new (inner: ByteReceiveStream) => ByteReceiveStream) {
  return (): [ByteSendStream, ByteReceiveStream] => {
    const [s, r] = memoryStreamOneWayPair();
    return [s, new Wrapper(r)];
  };
}

async function failure(check: (cx: Context) => Promise<void>): Promise<StreamCheckError> {
  let caught: unknown;
  await run(async (cx) => {
    try {
      await check(cx);
    } catch (error) {
      caught = error;
    }
  });
  expect(caught).toBeInstanceOf(StreamCheckError);
  return caught as StreamCheckError;
}

describe("each checker fails on a broken stream", () => {
  it("checkOneWayStream: a receive that loses bytes when cancelled", async () => {
    const error = await failure((cx) => checkOneWayStream(cx, brokenReceive(DropsOnCancel)));
    expect(error.message).toMatch(/^checkOneWayStream: cancel safety: a cancelled receive loses nothing: bytes lost or repeated/);
  });

  it("checkOneWayStream: a receive that reorders bytes", async () => {
    const error = await failure((cx) => checkOneWayStream(cx, brokenReceive(Reorders)));
    expect(error.message).toMatch(/^checkOneWayStream: ordering and byte integrity: bytes out of order or corrupted/);
  });

  it("checkOneWayStream: a receive that does not throw ClosedResourceError after close", async () => {
    const error = await failure((cx) => checkOneWayStream(cx, brokenReceive(NoClosedError)));
    expect(error.message).toMatch(/^checkOneWayStream: receive after local close: .*expected ClosedResourceError/);
    expect(error.cause).toBeInstanceOf(EndOfStream);
  });

  it("checkOneWayStream: a close that does not wake a blocked receive (reported as hung, not hanging)", async () => {
    const error = await failure((cx) => checkOneWayStream(cx, brokenReceive(CloseDoesNotWake), undefined, { hangTimeoutMs: 1000 }));
    expect(error.message).toMatch(/^checkOneWayStream: close wakes a blocked receive: a receive blocked when its stream was closed was not woken within 1000 ms/);
  });

  it("checkOneWayStream: concurrent receives queued instead of refused", async () => {
    const error = await failure((cx) => checkOneWayStream(cx, brokenReceive(NoBusyError)));
    expect(error.message).toMatch(/^checkOneWayStream: concurrent receive: a second concurrent receive blocked, expected BusyResourceError at once/);
  });

  it("checkOneWayStream: sends silently dropped after the receiver closed", async () => {
    const error = await failure((cx) =>
      checkOneWayStream(cx, () => {
        const [s, r] = memoryStreamOneWayPair();
        return [new SwallowsBroken(s), r];
      }),
    );
    expect(error.message).toMatch(/^checkOneWayStream: send after the receiver closed: 1000 sends .* expected BrokenResourceError/);
  });

  it("checkTwoWayStream: a close that leaves the receiving side open", async () => {
    const error = await failure((cx) =>
      checkTwoWayStream(cx, () => {
        const [a, b] = memoryStreamPair();
        return [new BadHalfClose(a, "close"), new BadHalfClose(b, "close")];
      }),
    );
    expect(error.message).toMatch(/^checkTwoWayStream: receive after local close: /);
  });

  it("checkHalfCloseableStream: a sendEof that closes both directions", async () => {
    const error = await failure((cx) =>
      checkHalfCloseableStream(cx, () => {
        const [a, b] = memoryStreamPair();
        return [new BadHalfClose(a, "sendEof"), new BadHalfClose(b, "sendEof")];
      }),
    );
    expect(error.message).toMatch(/^checkHalfCloseableStream: sendEof: /);
  });
});
