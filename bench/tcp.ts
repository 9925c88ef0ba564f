// TCP over loopback (Node): Skein's SocketStream and SocketListener.serve
// against raw `node:net` in the same process. Bulk: one connection echoing
// 256 MiB in 64 KiB chunks (throughput). Ping-pong: 100 connections each
// sending a 1 KiB message and waiting for its echo, over and over
// (messages per second). Medians of 3 rounds; read the ratios.
import { createServer, connect, type Socket } from "node:net";
import { type Context, connectTcp, createTcpListener, EndOfStream, run, type SocketStream } from "skein";

const MB = 1024 * 1024;
const BULK = 256 * MB;
const CHUNK = 64 * 1024;
const CONNECTIONS = 100;
const ROUND_TRIPS = 200;
const MESSAGE = 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function listenRaw(onSocket: (s: Socket) => void): Promise<{ port: number; close(): void }> {
  return new Promise((resolve) => {
    const server = createServer(onSocket);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number };
      resolve({ port: address.port, close: () => server.close() });
    });
  });
}

function connectRaw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
}

async function rawBulk(): Promise<number> {
  const server = await listenRaw((s) => s.pipe(s));
  const socket = await connectRaw(server.port);
  const chunk = new Uint8Array(CHUNK);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let received = 0;
    socket.on("data", (d: Buffer) => {
      received += d.length;
      if (received >= BULK) resolve();
    });
    let sent = 0;
    const pump = () => {
      while (sent < BULK) {
        sent += CHUNK;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
  const ms = performance.now() - start;
  socket.destroy();
  server.close();
  return BULK / MB / (ms / 1000);
}

async function echo(stream: SocketStream, cx: Context): Promise<void> {
  for (;;) {
    let chunk: Uint8Array;
    try {
      chunk = await stream.receive(cx);
    } catch (error) {
      if (error instanceof EndOfStream) return;
      throw error;
    }
    await stream.send(cx, chunk);
  }
}

function skeinBulk(): Promise<number> {
  return run(async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    let rate = 0;
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => listener.serve(cx, echo));
      await using stream = await connectTcp(cx, "127.0.0.1", listener.port!);
      const chunk = new Uint8Array(CHUNK);
      const start = performance.now();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for (let sent = 0; sent < BULK; sent += CHUNK) await stream.send(cx, chunk);
        });
        for (let received = 0; received < BULK; ) received += (await stream.receive(cx)).length;
      });
      rate = BULK / MB / ((performance.now() - start) / 1000);
      await listener.close();
    });
    return rate;
  });
}

async function rawPingPong(): Promise<number> {
  const server = await listenRaw((s) => {
    s.setNoDelay(true);
    s.pipe(s);
  });
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, () => connectRaw(server.port)));
  const message = new Uint8Array(MESSAGE);
  const start = performance.now();
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          let trips = 0;
          let got = 0;
          socket.on("data", (d: Buffer) => {
            got += d.length;
            if (got < MESSAGE) return;
            got -= MESSAGE;
            if (++trips === ROUND_TRIPS) resolve();
            else socket.write(message);
          });
          socket.write(message);
        }),
    ),
  );
  const ms = performance.now() - start;
  for (const s of sockets) s.destroy();
  server.close();
  return (CONNECTIONS * ROUND_TRIPS) / (ms / 1000);
}

function skeinPingPong(): Promise<number> {
  return run(async (cx) => {
    await using listener = await createTcpListener(cx, { host: "127.0.0.1" });
    let rate = 0;
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => listener.serve(cx, echo));
      const streams = await Promise.all(Array.from({ length: CONNECTIONS }, () => connectTcp(cx, "127.0.0.1", listener.port!)));
      const message = new Uint8Array(MESSAGE);
      const start = performance.now();
      await cx.taskGroup(async (tg) => {
        for (const stream of streams) {
          tg.startSoon(async (cx) => {
            for (let trip = 0; trip < ROUND_TRIPS; trip++) {
              await stream.send(cx, message);
              for (let got = 0; got < MESSAGE; ) got += (await stream.receive(cx)).length;
            }
          });
        }
      });
      rate = (CONNECTIONS * ROUND_TRIPS) / ((performance.now() - start) / 1000);
      for (const s of streams) await s.close();
      await listener.close();
    });
    return rate;
  });
}

export async function benchTcp(): Promise<void> {
  const bulk = { raw: [] as number[], skein: [] as number[] };
  const pingPong = { raw: [] as number[], skein: [] as number[] };
  await rawBulk();
  await skeinBulk(); // warm-up
  for (let i = 0; i < 3; i++) {
    bulk.raw.push(await rawBulk());
    bulk.skein.push(await skeinBulk());
    pingPong.raw.push(await rawPingPong());
    pingPong.skein.push(await skeinPingPong());
  }
  const b = { raw: median(bulk.raw), skein: median(bulk.skein) };
  const p = { raw: median(pingPong.raw), skein: median(pingPong.skein) };
  console.log("\nTCP echo over loopback (node:net raw vs Skein)");
  console.log(`  bulk 256 MiB / 64 KiB chunks   raw ${b.raw.toFixed(0)} MiB/s   skein ${b.skein.toFixed(0)} MiB/s   (${(b.skein / b.raw).toFixed(2)}x raw)`);
  console.log(`  ping-pong 100 conns x 1 KiB    raw ${p.raw.toFixed(0)} msg/s   skein ${p.skein.toFixed(0)} msg/s   (${(p.skein / p.raw).toFixed(2)}x raw)`);
}

if (import.meta.main) await benchTcp();
