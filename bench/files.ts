// Reading a 100 MB file through FileReadStream (64 KiB receives) against the
// runtime's raw read loop in the same process: Node's callback `fs.read`
// into one reused buffer, Deno's `FsFile.read`, Bun's `node:fs` read (its
// native implementation); also the raw loop with a new buffer per read (what
// any API that hands out its chunks pays) and AsyncFile.readInto with one
// reused buffer (Skein's loop that need not keep its chunks).
// Runs on Node, Deno and Bun:
//   npm run build && node bench/files.ts
//   deno run -A bench/files.ts
//   bun bench/files.ts
// Benchmark code may look at globals to pick the raw contender.
import { EndOfStream, FileReadStream, openFile, run, withTempDir, writeFile } from "skein";
import { type Contender, measure } from "./harness.ts";

const SIZE = 100 * 1024 * 1024;
const CHUNK = 65536;
const ROUNDS = 15;
const g = globalThis as Record<string, unknown>;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";

interface DenoLike {
  open(path: string): Promise<{ read(p: Uint8Array): Promise<number | null>; close(): void }>;
}

/**
 * The raw runtime read loop over the whole file; returns the byte count.
 * `fresh`: a new buffer per read, as any API that hands out its chunks
 * (FileReadStream, Node's createReadStream) must allocate.
 */
async function rawRead(path: string, fresh: boolean): Promise<number> {
  const reused = new Uint8Array(CHUNK);
  let total = 0;
  if (runtime === "deno") {
    const file = await (g.Deno as DenoLike).open(path);
    for (;;) {
      const n = await file.read(fresh ? new Uint8Array(CHUNK) : reused);
      if (n === null) break;
      total += n;
    }
    file.close();
    return total;
  }
  const fs = await import("node:fs");
  const fd = await new Promise<number>((resolve, reject) => fs.open(path, "r", (e, fd) => (e ? reject(e) : resolve(fd))));
  for (;;) {
    const buffer = fresh ? new Uint8Array(CHUNK) : reused;
    const n = await new Promise<number>((resolve, reject) =>
      fs.read(fd, buffer, 0, CHUNK, total, (e, n) => (e ? reject(e) : resolve(n))),
    );
    if (n === 0) break;
    total += n;
  }
  await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  return total;
}

/** The same file through Skein's FileReadStream. */
function skeinRead(path: string): Promise<number> {
  return run(async (cx) => {
    await using stream = await FileReadStream.from(cx, path);
    let total = 0;
    for (;;) {
      try {
        total += (await stream.receive(cx, CHUNK)).length;
      } catch (error) {
        if (error instanceof EndOfStream) return total;
        throw error;
      }
    }
  });
}

/** The same loop as the raw one, through AsyncFile.readInto (one reused buffer). */
function skeinReadInto(path: string): Promise<number> {
  return run(async (cx) => {
    await using file = await openFile(cx, path);
    const buffer = new Uint8Array(CHUNK);
    let total = 0;
    for (let n = await file.readInto(cx, buffer); n > 0; n = await file.readInto(cx, buffer)) total += n;
    return total;
  });
}

await run((cx) =>
  withTempDir(cx, async (dir, cx) => {
    const path = `${dir}/big.bin`;
    await writeFile(cx, path, new Uint8Array(SIZE).fill(1));
    const check = async (read: (p: string) => Promise<number>) => {
      const n = await read(path);
      if (n !== SIZE) throw new Error(`read ${n} bytes, expected ${SIZE}`);
    };
    const contenders: Contender[] = [
      { name: "raw", round: async () => check((p) => rawRead(p, false)) },
      { name: "raw-fresh", round: async () => check((p) => rawRead(p, true)) },
      { name: "skein", round: async () => check(skeinRead) },
      { name: "readInto", round: async () => check(skeinReadInto) },
    ];
    const rows = await measure(contenders, 1, ROUNDS);
    const mbps = (usPerOp: number) => SIZE / 1024 / 1024 / (usPerOp / 1e6);
    console.log(`\nReading a 100 MB file in 64 KiB chunks on ${runtime} (median of ${ROUNDS} interleaved rounds)`);
    for (const r of rows) console.log(`  ${r.name.padEnd(10)} ${mbps(r.usPerOp).toFixed(0).padStart(6)} MB/s`);
    const [raw, fresh, skein, into] = [rows[0]!, rows[1]!, rows[2]!, rows[3]!];
    console.log(`  FileReadStream throughput = ${(raw.usPerOp / skein.usPerOp).toFixed(2)}x raw (reused buffer; target >= 0.9x)`);
    console.log(`  FileReadStream throughput = ${(fresh.usPerOp / skein.usPerOp).toFixed(2)}x raw-fresh (a new buffer per read)`);
    console.log(`  AsyncFile.readInto throughput = ${(raw.usPerOp / into.usPerOp).toFixed(2)}x raw (the same reused buffer)`);
  }),
);
