// Byte helpers shared by the conformance tests (not a test file itself).
import { type ByteReceiveStream, type Context, EndOfStream } from "skein";

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
