// TCP echo over loopback, Skein against the runtime's own raw socket API in
// the same process (node `net`, `Deno.connect`/`Deno.listen`,
// `Bun.connect`/`Bun.listen`):
//   bulk       one connection, the client sends BULK_MIB MiB in 64 KiB
//              chunks, the server echoes, the client reads it all back;
//              Skein twice: with `receive` (fresh bytes per chunk) and with
//              `receiveInto` (one reused buffer per side, as raw does; this
//              row carries the >= 0.85 target)
//   ping-pong  100 connections, each sends a 1 KiB message and waits for its
//              echo, ROUNDS times
// Each contender runs its own server and client in this process; the figure
// is throughput (MiB/s) or messages per second, and the ratio Skein/raw.
//
//   npm run bench:tcp            (Node)     npm run bench:tcp:deno / :bun
// Environment: SKEIN_BENCH_TCP_MIB (bulk size, 256), SKEIN_BENCH_TCP_ROUNDS
// (ping-pong messages per connection, 200), SKEIN_BENCH_TCP_REPEAT (timed
// rounds per contender, 5). Each line gives the medians, their ratio and the
// range of the per-round ratios (the machine's noise).
import * as skeinModule from "skein";
import type { Context, SocketStream } from "skein";

const BULK_MIB = Number(globalThis.process?.env?.SKEIN_BENCH_TCP_MIB ?? 256);
const CHUNK = 64 * 1024;
export const CONNECTIONS = 100;
export const ROUNDS = Number(globalThis.process?.env?.SKEIN_BENCH_TCP_ROUNDS ?? 200);
const MESSAGE = 1024;

export interface Echo {
  /** Starts an echo server on 127.0.0.1, returns its port and a stop function. */
  bulk(bytes: number): Promise<void>;
  pingPong(connections: number, rounds: number): Promise<void>;
}

declare const Deno: {
  listen(o: { hostname: string; port: number }): { addr: { port: number }; close(): void; [Symbol.asyncIterator](): AsyncIterator<DenoConn> };
  connect(o: { hostname: string; port: number }): Promise<DenoConn>;
} | undefined;
interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay(on: boolean): void;
}
declare const Bun: {
  listen(o: unknown): { port: number; stop(force?: boolean): void };
  connect(o: unknown): Promise<BunSocket>;
} | undefined;
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  data: unknown;
}

// ---------------------------------------------------------------- Skein

async function skeinEcho(cx: Context, stream: SocketStream): Promise<void> {
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx);
    } catch {
      break; // EndOfStream
    }
    await stream.send(cx, chunk);
  }
  await stream.sendEof(cx).catch(() => {});
}

/** The Skein contender on a given build of the package (`skein`, or another dist for A/B runs: bench/tcp-ab.ts). */
export function skeinEchoOf(mod: typeof skeinModule): Echo {
  const { connectTcp, createTcpListener, run } = mod;
  return {
    bulk: (bytes) =>
      run(async (cx) => {
        const listener = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx: Context) => listener.serve(cx, (stream, cx) => skeinEcho(cx, stream)));
          const client = await connectTcp(cx, "127.0.0.1", listener.port!);
          await cx.taskGroup(async (tg, cx) => {
            tg.startSoon(async (cx: Context) => {
              const chunk = new Uint8Array(CHUNK);
              for (let sent = 0; sent < bytes; sent += CHUNK) await client.send(cx, chunk);
              await client.sendEof(cx);
            });
            let got = 0;
            while (got < bytes) got += (await client.receive(cx)).byteLength;
          });
          await client.close();
          await listener.close();
        });
      }),
    pingPong: (connections, rounds) =>
      run(async (cx) => {
        const listener = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx: Context) => listener.serve(cx, (stream, cx) => skeinEcho(cx, stream)));
          await cx.taskGroup(async (clients) => {
            for (let c = 0; c < connections; c++) {
              clients.startSoon(async (cx: Context) => {
                const stream = await connectTcp(cx, "127.0.0.1", listener.port!);
                const message = new Uint8Array(MESSAGE);
                for (let r = 0; r < rounds; r++) {
                  await stream.send(cx, message);
                  let got = 0;
                  while (got < MESSAGE) got += (await stream.receive(cx)).byteLength;
                }
                await stream.close();
              });
            }
          });
          await listener.close();
        });
      }),
  };
}

const skein: Echo = skeinEchoOf(skeinModule);

/**
 * The bulk echo with `receiveInto` (trio's `recv_into`): the server echoes
 * and the client reads through one reused 64 KiB buffer each, as the raw
 * contenders do, so no chunk is fresh memory.
 */
async function skeinEchoInto(cx: Context, stream: SocketStream): Promise<void> {
  const buffer = new Uint8Array(CHUNK);
  for (;;) {
    let n: number;
    try {
      n = await stream.receiveInto(cx, buffer);
    } catch {
      break; // EndOfStream
    }
    await stream.send(cx, buffer.subarray(0, n));
  }
  await stream.sendEof(cx).catch(() => {});
}

/** The `receiveInto` bulk contender on a given build of the package (bench/tcp-ab.ts `into`). */
export function skeinIntoOf(mod: typeof skeinModule): Pick<Echo, "bulk"> {
  return {
    bulk: (bytes: number) =>
      mod.run(async (cx) => {
        const listener = await mod.createTcpListener(cx, { host: "127.0.0.1", port: 0 });
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx: Context) => listener.serve(cx, (stream, cx) => skeinEchoInto(cx, stream)));
          const client = await mod.connectTcp(cx, "127.0.0.1", listener.port!);
          await cx.taskGroup(async (tg, cx) => {
            tg.startSoon(async (cx: Context) => {
              const chunk = new Uint8Array(CHUNK);
              for (let sent = 0; sent < bytes; sent += CHUNK) await client.send(cx, chunk);
              await client.sendEof(cx);
            });
            const buffer = new Uint8Array(CHUNK);
            let got = 0;
            while (got < bytes) got += await client.receiveInto(cx, buffer);
          });
          await client.close();
          await listener.close();
        });
      }),
  };
}

const skeinInto = skeinIntoOf(skeinModule);

// ---------------------------------------------------------------- Node

async function nodeRaw(): Promise<Echo> {
  const net = await import("node:net");
  const server = async () => {
    const srv = net.createServer({ noDelay: true }, (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    return { port: (srv.address() as { port: number }).port, stop: () => new Promise<void>((r) => srv.close(() => r())) };
  };
  const connect = (port: number) =>
    new Promise<import("node:net").Socket>((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(s));
      s.once("error", reject);
    });
  return {
    async bulk(bytes) {
      const { port, stop } = await server();
      const s = await connect(port);
      const done = new Promise<void>((resolve) => {
        let got = 0;
        s.on("data", (d: Uint8Array) => {
          got += d.byteLength;
          if (got >= bytes) resolve();
        });
      });
      const chunk = new Uint8Array(CHUNK);
      for (let sent = 0; sent < bytes; sent += CHUNK) {
        if (!s.write(chunk)) await new Promise((r) => s.once("drain", r));
      }
      s.end();
      await done;
      s.destroy();
      await stop();
    },
    async pingPong(connections, rounds) {
      const { port, stop } = await server();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const s = await connect(port);
          const message = new Uint8Array(MESSAGE);
          let got = 0;
          let wake: (() => void) | null = null;
          s.on("data", (d: Uint8Array) => {
            got += d.byteLength;
            if (got >= MESSAGE && wake) wake();
          });
          for (let r = 0; r < rounds; r++) {
            const arrived = new Promise<void>((resolve) => (wake = resolve));
            s.write(message);
            await arrived;
            got -= MESSAGE;
          }
          s.destroy();
        }),
      );
      await stop();
    },
  };
}

// ---------------------------------------------------------------- Deno

/**
 * The raw Deno contender; `ticked`: with one `setImmediate` after every read
 * and every write (raw with trio-equivalent schedule points, as Skein's every
 * receive and send is: the extra row of `benchTcp` on Deno).
 */
function denoRaw(ticked = false): Echo {
  const D = Deno!;
  const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
  const server = () => {
    const listener = D.listen({ hostname: "127.0.0.1", port: 0 });
    const conns: DenoConn[] = [];
    (async () => {
      for await (const conn of { [Symbol.asyncIterator]: () => listener[Symbol.asyncIterator]() }) {
        conns.push(conn);
        conn.setNoDelay(true);
        (async () => {
          const buf = new Uint8Array(CHUNK);
          try {
            for (;;) {
              const n = await conn.read(buf);
              if (ticked) await tick();
              if (n === null) break;
              let off = 0;
              while (off < n) {
                off += await conn.write(buf.subarray(off, n));
                if (ticked) await tick();
              }
            }
            await conn.closeWrite();
          } catch {
            // closed
          }
        })();
      }
    })().catch(() => {});
    return {
      port: listener.addr.port,
      stop: () => {
        listener.close();
        for (const c of conns) {
          try {
            c.close();
          } catch {
            // already closed
          }
        }
      },
    };
  };
  return {
    async bulk(bytes) {
      const { port, stop } = server();
      const c = await D.connect({ hostname: "127.0.0.1", port });
      const reader = (async () => {
        const buf = new Uint8Array(CHUNK);
        let got = 0;
        while (got < bytes) {
          const n = await c.read(buf);
          if (ticked) await tick();
          if (n === null) break;
          got += n;
        }
      })();
      const chunk = new Uint8Array(CHUNK);
      for (let sent = 0; sent < bytes; sent += CHUNK) {
        let off = 0;
        while (off < CHUNK) {
          off += await c.write(chunk.subarray(off));
          if (ticked) await tick();
        }
      }
      await c.closeWrite();
      await reader;
      c.close();
      stop();
    },
    async pingPong(connections, rounds) {
      const { port, stop } = server();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const c = await D.connect({ hostname: "127.0.0.1", port });
          c.setNoDelay(true);
          const message = new Uint8Array(MESSAGE);
          const buf = new Uint8Array(MESSAGE);
          for (let r = 0; r < rounds; r++) {
            let off = 0;
            while (off < MESSAGE) off += await c.write(message.subarray(off));
            let got = 0;
            while (got < MESSAGE) got += (await c.read(buf.subarray(got)))!;
          }
          c.close();
        }),
      );
      stop();
    },
  };
}

// ---------------------------------------------------------------- Bun

/** Bun's socket handlers with a write queue, so the echo respects backpressure. */
function bunEchoHandlers() {
  type S = BunSocket & { data: { queue: Uint8Array[] } };
  const flush = (s: S) => {
    const q = s.data.queue;
    while (q.length > 0) {
      const head = q[0]!;
      const n = s.write(head);
      if (n < head.byteLength) {
        q[0] = head.subarray(Math.max(0, n));
        return;
      }
      q.shift();
    }
  };
  return {
    open(s: S) {
      s.data = { queue: [] };
    },
    data(s: S, d: Uint8Array) {
      s.data.queue.push(new Uint8Array(d));
      flush(s);
    },
    drain: flush,
    end(s: S) {
      s.end();
    },
    error() {},
  };
}

function bunRaw(): Echo {
  const B = Bun!;
  const server = () => {
    const srv = B.listen({ hostname: "127.0.0.1", port: 0, socket: bunEchoHandlers() });
    return { port: srv.port, stop: () => srv.stop(true) };
  };
  return {
    async bulk(bytes) {
      const { port, stop } = server();
      let got = 0;
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      let drained: (() => void) | null = null;
      const s = await B.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(_s: unknown, d: Uint8Array) {
            got += d.byteLength;
            if (got >= bytes) finish();
          },
          drain() {
            drained?.();
          },
          error() {},
        },
      });
      const chunk = new Uint8Array(CHUNK);
      for (let sent = 0; sent < bytes; sent += CHUNK) {
        let off = 0;
        while (off < CHUNK) {
          const n = s.write(chunk.subarray(off));
          off += Math.max(0, n);
          if (off < CHUNK) await new Promise<void>((r) => (drained = r));
        }
      }
      await done;
      s.end();
      stop();
    },
    async pingPong(connections, rounds) {
      const { port, stop } = server();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          let got = 0;
          let wake: (() => void) | null = null;
          const s = await B.connect({
            hostname: "127.0.0.1",
            port,
            socket: {
              data(_s: unknown, d: Uint8Array) {
                got += d.byteLength;
                if (got >= MESSAGE && wake) wake();
              },
              error() {},
            },
          });
          const message = new Uint8Array(MESSAGE);
          for (let r = 0; r < rounds; r++) {
            const arrived = new Promise<void>((resolve) => (wake = resolve));
            s.write(message);
            await arrived;
            got -= MESSAGE;
          }
          s.end();
        }),
      );
      stop();
    },
  };
}

// ---------------------------------------------------------------- driver

/** The runtime's own raw contender; `ticked` (Deno only): with a `setImmediate` after every read and write. */
export async function rawEcho(ticked = false): Promise<Echo> {
  return typeof Deno !== "undefined" ? denoRaw(ticked) : typeof Bun !== "undefined" ? bunRaw() : await nodeRaw();
}

export async function time(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Median of `rounds` timings, contenders interleaved (A/B/A/B), after one
 * warm-up each; also each round's Skein/raw ratio (raw time / skein time of
 * the same round), whose spread says how much the shared machine moved.
 */
async function compare(fns: { raw: () => Promise<void>; skein: () => Promise<void> }, rounds: number): Promise<{ raw: number; skein: number; ratios: number[] }> {
  await fns.raw();
  await fns.skein();
  const raw: number[] = [];
  const skein: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(await time(fns.raw));
    skein.push(await time(fns.skein));
  }
  const median = (s: number[]) => [...s].sort((a, b) => a - b)[s.length >> 1]!;
  return { raw: median(raw), skein: median(skein), ratios: raw.map((t, i) => t / skein[i]!).sort((a, b) => a - b) };
}

const spread = (ratios: number[]) => `(rounds ${ratios[0]!.toFixed(2)}..${ratios[ratios.length - 1]!.toFixed(2)})`;

/** The figures, for the summary table of `npm run bench`. */
export interface TcpFigures {
  runtime: string;
  bulkRatio: number;
  pingPongRatio: number;
  /** The bulk echo through `receiveInto` and reused buffers, against raw (the >= 0.85 target). */
  bulkIntoRatio: number;
}

export async function benchTcp(rounds = Number(globalThis.process?.env?.SKEIN_BENCH_TCP_REPEAT ?? 5)): Promise<TcpFigures> {
  const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
  const raw = runtime === "deno" ? denoRaw() : runtime === "bun" ? bunRaw() : await nodeRaw();
  const bytes = BULK_MIB * 1024 * 1024;
  console.log(`\nTCP echo over loopback (${runtime}): bulk ${BULK_MIB} MiB in 64 KiB chunks; ping-pong ${CONNECTIONS} connections × ${ROUNDS} 1 KiB messages`);
  const bulk = await compare({ raw: () => raw.bulk(bytes), skein: () => skein.bulk(bytes) }, rounds);
  const mibs = (ms: number) => (BULK_MIB / (ms / 1000)).toFixed(0);
  const bulkRatio = bulk.raw / bulk.skein;
  console.log(`  bulk       raw ${mibs(bulk.raw)} MiB/s   skein receive ${mibs(bulk.skein)} MiB/s   skein/raw ${bulkRatio.toFixed(2)}x ${spread(bulk.ratios)}`);
  const into = await compare({ raw: () => raw.bulk(bytes), skein: () => skeinInto.bulk(bytes) }, rounds);
  const bulkIntoRatio = into.raw / into.skein;
  console.log(`  bulk       raw ${mibs(into.raw)} MiB/s   skein receiveInto ${mibs(into.skein)} MiB/s   skein/raw ${bulkIntoRatio.toFixed(2)}x ${spread(into.ratios)} (target >= 0.85)`);
  if (runtime === "deno") {
    // Not the figure: raw with a macrotask after every read and write, the schedule points Skein must keep.
    const ticked = denoRaw(true);
    const t = await compare({ raw: () => ticked.bulk(bytes), skein: () => skein.bulk(bytes) }, rounds);
    console.log(`  bulk       raw+ticks ${mibs(t.raw)} MiB/s   skein receive ${mibs(t.skein)} MiB/s   skein/(raw+ticks) ${(t.raw / t.skein).toFixed(2)}x ${spread(t.ratios)} (raw with a setImmediate per read and write)`);
    const ti = await compare({ raw: () => ticked.bulk(bytes), skein: () => skeinInto.bulk(bytes) }, rounds);
    console.log(`  bulk       raw+ticks ${mibs(ti.raw)} MiB/s   skein receiveInto ${mibs(ti.skein)} MiB/s   skein/(raw+ticks) ${(ti.raw / ti.skein).toFixed(2)}x ${spread(ti.ratios)} (raw with a setImmediate per read and write)`);
  }
  const pp = await compare({ raw: () => raw.pingPong(CONNECTIONS, ROUNDS), skein: () => skein.pingPong(CONNECTIONS, ROUNDS) }, rounds);
  const rate = (ms: number) => ((CONNECTIONS * ROUNDS) / (ms / 1000)).toFixed(0);
  const pingPongRatio = pp.raw / pp.skein;
  console.log(`  ping-pong  raw ${rate(pp.raw)} msg/s   skein ${rate(pp.skein)} msg/s   skein/raw ${pingPongRatio.toFixed(2)}x ${spread(pp.ratios)} (target >= 0.7)`);
  return { runtime, bulkRatio, pingPongRatio, bulkIntoRatio };
}

/** Ping-pong of one contender only, `repeats` times (for a CPU profile: `bun --cpu-prof bench/tcp-pp-only.ts skein`). */
export async function benchTcpPingPong(which: "skein" | "raw", repeats: number): Promise<void> {
  const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
  const echo = which === "skein" ? skein : runtime === "deno" ? denoRaw() : runtime === "bun" ? bunRaw() : await nodeRaw();
  for (let r = 0; r < repeats; r++) {
    const ms = await time(() => echo.pingPong(CONNECTIONS, ROUNDS));
    console.log(`${which} ping-pong ${((CONNECTIONS * ROUNDS) / (ms / 1000)).toFixed(0)} msg/s`);
  }
}
