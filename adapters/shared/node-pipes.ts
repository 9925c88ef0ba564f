/**
 * Raw pipes (`RawReadPipe`, `RawWritePipe`) over Node streams, for the
 * subprocess capability of the adapters that use `node:child_process`.
 *
 * Reading pulls through the stream's async iterator: the stream stays paused
 * and reads from the OS only until its buffer reaches its high-water mark, so
 * a child that writes faster than the parent reads is held back by the
 * kernel (real backpressure). A chunk longer than the caller asked for is
 * kept for the next read. Writing resolves from the write callback (the
 * bytes reached the OS); errors (`EPIPE`) reject the write and are also
 * caught on the stream, so none becomes an uncaught exception.
 *
 * Costs: one iterator step (one promise) per chunk read, one promise per
 * write.
 *
 * @module
 */

import type { Readable, Writable } from "node:stream";
import type { RawReadPipe, RawWritePipe } from "../../src/process/process-support.ts";

/** A read pipe over a paused Node `Readable`. */
export class NodeReadPipe implements RawReadPipe {
  private readonly stream: Readable;
  private readonly chunks: AsyncIterator<Buffer>;
  private leftover: Uint8Array | null = null;
  private closed = false;

  constructor(stream: Readable) {
    this.stream = stream;
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(maxBytes: number): Promise<Uint8Array | null> {
    let chunk = this.leftover;
    this.leftover = null;
    if (chunk === null) {
      if (this.closed) return null;
      const step = await this.chunks.next();
      if (step.done === true || this.closed) return null;
      chunk = new Uint8Array(step.value.buffer, step.value.byteOffset, step.value.byteLength);
    }
    if (chunk.length <= maxBytes) return chunk;
    this.leftover = chunk.subarray(maxBytes);
    return chunk.subarray(0, maxBytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leftover = null;
    this.stream.destroy();
  }
}

/** A write pipe over a Node `Writable`. */
export class NodeWritePipe implements RawWritePipe {
  private readonly stream: Writable;
  private failure: Error | null = null;

  constructor(stream: Writable) {
    this.stream = stream;
    stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      this.stream.write(bytes, (error) => {
        if (error == null) resolve();
        else reject(error);
      });
    });
  }

  close(): void {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }
}
