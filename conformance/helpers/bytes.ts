// Byte helpers shared by the conformance tests (not a test file itself).
import { type ByteReceiveStream, type ByteSendStream, type Context, EndOfStream, type HalfCloseableStream } from "skein";

/** `n` pseudo-random bytes, the same for the same seed. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The chunks joined into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Whether two arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Everything `stream` gives until its end of stream, joined. */
export async function receiveAll(cx: Context, stream: ByteReceiveStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    try {
      chunks.push(await stream.receive(cx));
    } catch (error) {
      if (error instanceof EndOfStream) return concat(chunks);
      throw error;
    }
  }
}

/** Echoes what `stream` receives until its end of stream, then sends end of stream back (a `serve` handler). */
export async function echo(stream: HalfCloseableStream, cx: Context): Promise<void> {
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx);
    } catch (error) {
      if (error instanceof EndOfStream) break;
      throw error;
    }
    await stream.send(cx, chunk);
  }
  await stream.sendEof(cx);
}

/**
 * Fills each direction of a connected pair until its sends block (no send
 * completed for a whole 50 ms window: the OS buffers are full), and returns
 * the pair. The junk is read by whoever drains it.
 */
export async function clog<S extends ByteSendStream>(cx: Context, pair: [S, S]): Promise<[S, S]> {
  const junk = new Uint8Array(65536);
  for (const sender of pair) {
    for (let progressed = true; progressed; ) {
      progressed = false;
      await cx.moveOnAfter(50, async (cx) => {
        for (;;) {
          await sender.send(cx, junk);
          progressed = true;
        }
      });
    }
  }
  return pair;
}
