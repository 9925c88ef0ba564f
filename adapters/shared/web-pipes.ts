/**
 * Raw pipes (`RawReadPipe`, `RawWritePipe`) over web streams, for the
 * subprocess capability of runtimes whose child pipes are web streams (Deno's
 * `Deno.Command`, Bun's `Bun.spawn`).
 *
 * Reading holds one reader and calls `read()` once per pull, so the runtime
 * reads from the OS only when asked (plus its queue's high-water mark): an
 * unread pipe holds the child back. A chunk longer than asked for is kept for
 * the next read. Writing goes through one writer; `write` resolves when the
 * runtime has taken the bytes.
 *
 * Costs: one reader step (one promise) per chunk, one promise per write.
 *
 * @module
 */

import type { RawReadPipe, RawWritePipe } from "../../src/process/process-support.ts";

/** What the pipe uses of a stream's default reader (declared, as Bun's and the DOM's reader types differ). */
export interface PullReader {
  read(): Promise<{ done: true; value?: Uint8Array | undefined } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** A read pipe over a web `ReadableStream`. */
export class WebReadPipe implements RawReadPipe {
  private readonly reader: PullReader;
  private leftover: Uint8Array | null = null;
  private closed = false;

  /** Takes `stream.getReader()`. */
  constructor(reader: PullReader) {
    this.reader = reader;
  }

  async read(maxBytes: number): Promise<Uint8Array | null> {
    let chunk = this.leftover;
    this.leftover = null;
    while (chunk === null || chunk.length === 0) {
      if (this.closed) return null;
      const step = await this.reader.read();
      if (step.done || this.closed) return null;
      chunk = step.value;
    }
    if (chunk.length <= maxBytes) return chunk;
    this.leftover = chunk.subarray(maxBytes);
    return chunk.subarray(0, maxBytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leftover = null;
    this.reader.cancel().catch(() => {});
  }
}

/** A write pipe over a web `WritableStream`. */
export class WebWritePipe implements RawWritePipe {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;

  constructor(stream: WritableStream<Uint8Array>) {
    this.writer = stream.getWriter();
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.writer.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close().catch(() => {});
  }
}
