// The WebSocket test servers of the conformance suite, started once per run by
// vitest's globalSetup (in the process that runs vitest: node, deno or bun; for
// the chromium column, node). Everything listens on 127.0.0.1, port 0; the
// URLs reach the tests through `provide`/`inject`:
//
//   wsUrl        an echo server (the `ws` package). Text comes back as text,
//                binary as binary. Text commands (never echoed):
//                  "close:CODE:REASON"  the server closes with that code and reason
//                  "terminate"          the server drops the TCP connection (no close frame)
//                  "flood:N"            the server sends "0", "1", ... "N-1"
//                  "hung"               replies "hung:K", K = open connections to hangUrl
//                  "hold"               the server stops reading (so never answers a close
//                                       frame), replies "held", and drops the connection 2 s later
//                A connection to path /reject is refused with HTTP 403.
//   wsHangUrl    a TCP server that accepts and never answers the handshake, so
//                a connect to it stays pending until cancelled.
//   wsRefusedUrl a port nobody listens on (connection refused).
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

declare module "vitest" {
  export interface ProvidedContext {
    wsUrl: string;
    wsHangUrl: string;
    wsRefusedUrl: string;
  }
}

interface Project {
  provide(key: "wsUrl" | "wsHangUrl" | "wsRefusedUrl", value: string): void;
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

export default async function setup(project: Project): Promise<() => Promise<void>> {
  // The hanging server: accepts TCP, reads, never answers.
  const hung = new Set<Socket>();
  const hang = createTcpServer((socket) => {
    hung.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => hung.delete(socket));
    socket.resume();
  });
  const hangPort = await listen(hang);

  // A refused port: bind one, then close it.
  const probe = createTcpServer();
  const refusedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const http = createHttpServer((_req, res) => {
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info: { req: { url?: string } }) => info.req.url !== "/reject",
  });
  wss.on("connection", (ws) => {
    ws.on("error", () => {});
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        ws.send(data, { binary: true });
        return;
      }
      const text = data.toString();
      const close = /^close:(\d+):(.*)$/s.exec(text);
      if (close) ws.close(Number(close[1]), close[2]);
      else if (text === "terminate") ws.terminate();
      else if (text === "hold") {
        ws.pause();
        ws.send("held");
        setTimeout(() => ws.terminate(), 2000).unref();
      }
      else if (/^flood:\d+$/.test(text)) {
        const n = Number(text.slice(6));
        for (let i = 0; i < n; i++) ws.send(String(i));
      } else if (text === "hung") ws.send(`hung:${hung.size}`);
      else ws.send(text);
    });
  });
  const port = await listen(http);

  project.provide("wsUrl", `ws://127.0.0.1:${port}/`);
  project.provide("wsHangUrl", `ws://127.0.0.1:${hangPort}/`);
  project.provide("wsRefusedUrl", `ws://127.0.0.1:${refusedPort}/`);

  return async () => {
    for (const client of wss.clients) client.terminate();
    for (const socket of hung) socket.destroy();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await new Promise<void>((resolve) => hang.close(() => resolve()));
  };
}
