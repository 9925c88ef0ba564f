// A line-based chat server over TCP, and three scripted clients, in one run.
//
//   node examples/chat.ts      deno run -A examples/chat.ts      bun examples/chat.ts
//   (after `npm run build`)
//
// The server gives each client a memory object stream as its outbox: the
// client's connection task reads lines with `receiveUntil` and broadcasts them
// into every outbox; a writer task per client drains its outbox into its
// socket. A slow client therefore only fills its own (bounded) outbox: when it
// is full, that client is dropped instead of slowing everyone down
// (`sendNowait` raises `WouldBlock`). Everything is structured: closing the
// listener's group ends every connection task and writer.
import {
  BufferedByteStream,
  connectTcp,
  type Context,
  createMemoryObjectStream,
  createTcpListener,
  EndOfStream,
  IncompleteRead,
  type MemoryObjectSendStream,
  run,
  type SocketStream,
  WouldBlock,
} from "skein";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = encoder.encode("\n");

/** The server: who is connected, and where to send their lines. */
class ChatRoom {
  readonly outboxes = new Map<string, MemoryObjectSendStream<string>>();

  broadcast(line: string): void {
    for (const [name, outbox] of this.outboxes) {
      try {
        outbox.sendNowait(line);
      } catch (error) {
        if (!(error instanceof WouldBlock)) throw error;
        console.log(`server: ${name} is too slow; dropping them`);
        outbox.close();
        this.outboxes.delete(name);
      }
    }
  }

  /** One connection: first line is the name, then every line is a message. */
  async serve(stream: SocketStream, cx: Context): Promise<void> {
    const lines = new BufferedByteStream(stream);
    const name = decoder.decode(await lines.receiveUntil(cx, NEWLINE, 64));
    const [outbox, inbox] = createMemoryObjectStream<string>(16);
    this.outboxes.set(name, outbox);
    this.broadcast(`* ${name} joined`);
    await cx.taskGroup(async (tg, cx) => {
      // The writer: outbox -> socket, until the outbox is closed.
      tg.startSoon(async (cx: Context) => {
        for (;;) {
          let line: string;
          try {
            line = await inbox.receive(cx);
          } catch (error) {
            if (error instanceof EndOfStream) return;
            throw error;
          }
          await stream.send(cx, encoder.encode(`${line}\n`));
        }
      });
      // The reader: socket -> everyone's outbox, until the client hangs up.
      try {
        for (;;) this.broadcast(`${name}: ${decoder.decode(await lines.receiveUntil(cx, NEWLINE, 1024))}`);
      } catch (error) {
        if (!(error instanceof EndOfStream || error instanceof IncompleteRead)) throw error;
      } finally {
        this.outboxes.get(name)?.close();
        this.outboxes.delete(name);
        this.broadcast(`* ${name} left`);
      }
    });
  }
}

/** A scripted client: joins, says its lines, reads until it has seen `expect` lines, leaves. */
async function client(cx: Context, port: number, name: string, says: string[], expect: number): Promise<string[]> {
  await using stream = await connectTcp(cx, "127.0.0.1", port);
  const lines = new BufferedByteStream(stream);
  await stream.send(cx, encoder.encode(`${name}\n`));
  const seen: string[] = [];
  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon(async (cx: Context) => {
      for (const line of says) {
        await cx.sleep(20);
        await stream.send(cx, encoder.encode(`${line}\n`));
      }
    });
    while (seen.length < expect) seen.push(decoder.decode(await lines.receiveUntil(cx, NEWLINE, 1024)));
  });
  return seen;
}

await run(async (cx) => {
  const room = new ChatRoom();
  await using listener = await createTcpListener(cx, { host: "127.0.0.1", port: 0 });
  await cx.taskGroup(async (tg, cx) => {
    tg.startSoon((cx: Context) => listener.serve(cx, (stream, cx) => room.serve(stream, cx)));
    const port = listener.port!;
    // Three clients join a few ms apart and say a line each; each reads as
    // many lines as it waits for (joins and messages, in the server's order)
    // and leaves.
    const seen: Record<string, string[]> = {};
    await cx.taskGroup(async (clients) => {
      clients.startSoon(async (cx: Context) => (seen.ada = await client(cx, port, "ada", ["hello"], 5)));
      clients.startSoon(async (cx: Context) => (await cx.sleep(5), (seen.bob = await client(cx, port, "bob", ["hi ada"], 4))));
      clients.startSoon(async (cx: Context) => (await cx.sleep(10), (seen.cy = await client(cx, port, "cy", ["hey all"], 3))));
    });
    for (const [name, lines] of Object.entries(seen)) console.log(`${name} saw:\n  ${lines.join("\n  ")}`);
    tg.cancelScope.cancel(); // stop the server: every connection task ends with it
  });
  console.log("chat server closed; every connection ended with it");
});
