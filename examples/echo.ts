// Echo over TCP and UDP, and a client with a timeout, in one run.
//
//   node examples/echo.ts      deno run -A examples/echo.ts      bun examples/echo.ts
//   (after `npm run build`)
import {
  connectTcp,
  type Context,
  createTcpListener,
  createUdpSocket,
  EndOfStream,
  run,
  type SocketStream,
  TimeoutError,
} from "skein";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Echoes every chunk back until the client half-closes. */
async function echo(stream: SocketStream, cx: Context): Promise<void> {
  try {
    for (;;) await stream.send(cx, await stream.receive(cx));
  } catch (error) {
    if (!(error instanceof EndOfStream)) throw error;
  }
}

/** A server that never answers: for the timeout below. */
async function silent(_stream: SocketStream, cx: Context): Promise<void> {
  await cx.sleepForever();
}

await run(async (cx) => {
  await using echoServer = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
  await using silentServer = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
  await using udpServer = await createUdpSocket(cx, { localHost: "127.0.0.1" });

  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon((cx: Context) => echoServer.serve(cx, echo));
    tg.startSoon((cx: Context) => silentServer.serve(cx, silent));
    tg.startSoon(async (cx: Context) => {
      for (;;) await udpServer.send(cx, await udpServer.receive(cx)); // echo each datagram to its sender
    });

    // 1. TCP: send, half-close, read the echo to the end.
    {
      await using stream = await connectTcp(cx, "localhost", echoServer.port!); // happy eyeballs over localhost's addresses
      await stream.send(cx, text("hello over TCP"));
      await stream.sendEof(cx);
      let reply = "";
      try {
        for (;;) reply += str(await stream.receive(cx));
      } catch (error) {
        if (!(error instanceof EndOfStream)) throw error;
      }
      console.log(`tcp echo: ${reply}`);
    }

    // 2. A client with a timeout: failAfter cancels the wait and closes the connection.
    try {
      await cx.failAfter(200, async (cx) => {
        await using stream = await connectTcp(cx, "127.0.0.1", silentServer.port!);
        await stream.send(cx, text("anyone there?"));
        await stream.receive(cx);
      });
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      console.log(`tcp client: no answer in 200 ms (${error.name}); the connection was closed`);
    }

    // 3. UDP: one datagram there and back.
    {
      await using udp = await createUdpSocket(cx, { localHost: "127.0.0.1" });
      const { port } = udpServer.localAddress as { port: number };
      await udp.sendTo(cx, text("hello over UDP"), "127.0.0.1", port);
      const { data, host } = await udp.receive(cx);
      console.log(`udp echo from ${host}: ${str(data)}`);
    }

    tg.cancelScope.cancel(); // stop the servers
  });
  console.log("done: every server, connection and socket is closed");
});
