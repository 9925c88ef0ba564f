// UDP sockets on loopback: unconnected and connected, IPv4 and IPv6, the
// cancellation and closing rules. Browsers have no UDP: there every test
// asserts the named UnsupportedError instead (same test names everywhere).
import { describe, expect, inject, it } from "vitest";
import {
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  type Context,
  createConnectedUdpSocket,
  createUdpSocket,
  run,
  UnsupportedError,
} from "skein";

const hasUdp = inject("runtime") !== "chromium";
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs `body` where UDP exists; elsewhere asserts that creating a socket is the named UnsupportedError. */
function udpTest(name: string, body: (cx: Context) => Promise<void>): void {
  it(name, async () => {
    if (hasUdp) return run(body);
    const error = await run((cx) => createUdpSocket(cx, { localHost: "127.0.0.1" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("UDP sockets are not supported on the browser adapter");
  });
}

describe("UDP", () => {
  udpTest("datagrams go both ways over IPv4, each with its sender's address", async (cx) => {
    await using a = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await using b = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const aa = a.localAddress;
    const ba = b.localAddress;
    if (aa.family === "unix" || ba.family === "unix") throw new Error("not an IP socket");
    expect([aa.family, aa.host, ba.port > 0]).toEqual([4, "127.0.0.1", true]);
    await a.sendTo(cx, text("ping"), "127.0.0.1", ba.port);
    const got = await b.receive(cx);
    expect([str(got.data), got.host, got.port]).toEqual(["ping", "127.0.0.1", aa.port]);
    await b.send(cx, { ...got, data: text("pong") }); // anyio's send((data, address))
    const back = await a.receive(cx);
    expect([str(back.data), back.port]).toEqual(["pong", ba.port]);
  });

  udpTest("IPv6 on ::1", async (cx) => {
    await using a = await createUdpSocket(cx, { localHost: "::1" });
    await using b = await createUdpSocket(cx, { family: 6, localHost: "::1" });
    const ba = b.localAddress;
    if (ba.family === "unix") throw new Error("not an IP socket");
    expect(a.localAddress.family).toBe(6);
    await a.sendTo(cx, text("six"), "::1", ba.port);
    const got = await b.receive(cx);
    expect([str(got.data), got.host]).toEqual(["six", "::1"]);
  });

  udpTest("message boundaries are kept, and order on loopback", async (cx) => {
    await using a = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await using b = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const port = (b.localAddress as { port: number }).port;
    for (let i = 0; i < 50; i++) await a.sendTo(cx, text(`m${i}`), "127.0.0.1", port);
    const got: string[] = [];
    for (let i = 0; i < 50; i++) got.push(str((await b.receive(cx)).data));
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  udpTest("a connected socket talks to its one peer", async (cx) => {
    await using server = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const port = (server.localAddress as { port: number }).port;
    await using client = await createConnectedUdpSocket(cx, { remoteHost: "127.0.0.1", remotePort: port });
    expect(client.remoteAddress).toEqual({ family: 4, host: "127.0.0.1", port });
    await client.send(cx, text("hello"));
    const got = await server.receive(cx);
    expect(str(got.data)).toBe("hello");
    await server.sendTo(cx, text("world"), got.host, got.port);
    expect(str(await client.receive(cx))).toBe("world");
  });

  udpTest("a connected socket resolves localhost", async (cx) => {
    await using server = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const port = (server.localAddress as { port: number }).port;
    await using client = await createConnectedUdpSocket(cx, { remoteHost: "localhost", remotePort: port, family: 4 });
    await client.send(cx, text("by name"));
    expect(str((await server.receive(cx)).data)).toBe("by name");
  });

  udpTest("a cancelled receive loses no datagram", async (cx) => {
    await using a = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await using b = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const port = (b.localAddress as { port: number }).port;
    const result = await cx.moveOnAfter(20, (cx) => b.receive(cx));
    expect(result.cancelled).toBe(true);
    await a.sendTo(cx, text("kept"), "127.0.0.1", port);
    expect(str((await b.receive(cx)).data)).toBe("kept");
  });

  udpTest("closing wakes a blocked receive with ClosedResourceError; later use is ClosedResourceError", async (cx) => {
    const sock = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    const seen: string[] = [];
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon(async (cx) => {
        await sock.receive(cx).catch((e: unknown) => seen.push(`receive: ${(e as Error).name}`));
      });
      await cx.sleep(10);
      await sock.close();
      await sock.close(); // idempotent
    });
    await sock.receive(cx).catch((e: unknown) => seen.push(`after: ${(e as Error).name}`));
    await sock.sendTo(cx, text("x"), "127.0.0.1", 9).catch((e: unknown) => seen.push(`send: ${(e as Error).name}`));
    expect(seen).toEqual(["receive: ClosedResourceError", "after: ClosedResourceError", "send: ClosedResourceError"]);
    expect(new ClosedResourceError()).toBeInstanceOf(Error);
  });

  udpTest("two concurrent receives: the second is BusyResourceError", async (cx) => {
    await using sock = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => sock.receive(cx).catch(() => {}));
      await cx.sleep(5);
      await expect(sock.receive(cx)).rejects.toBeInstanceOf(BusyResourceError);
      tg.cancelScope.cancel();
    });
  });

  udpTest("cancelled before it starts, a receive raises Cancelled; bad input is a TypeError or RangeError naming it", async (cx) => {
    await using sock = await createUdpSocket(cx, { localHost: "127.0.0.1" });
    await cx.moveOnAfter(0, async (cx) => {
      await expect(sock.receive(cx)).rejects.toBeInstanceOf(Cancelled);
    });
    await expect(sock.sendTo(cx, "x" as never, "127.0.0.1", 9)).rejects.toThrow(/data must be a Uint8Array/);
    await expect(sock.sendTo(cx, text("x"), "127.0.0.1", 70000)).rejects.toThrow(RangeError);
    await expect(createUdpSocket(cx, { localPort: -1 })).rejects.toThrow(/options.localPort/);
    await expect(createUdpSocket(cx, { localHost: "localhost" })).rejects.toThrow(/IP address literal/);
    await expect(createUdpSocket(cx, { family: 5 as never })).rejects.toThrow(RangeError);
  });
});

describe("UDP after a run", () => {
  it("the port of a socket a run left open is free once the run has ended", async () => {
    if (!hasUdp) return expect(hasUdp).toBe(false);
    const port = await run(async (cx) => {
      const sock = await createUdpSocket(cx, { localHost: "127.0.0.1" });
      return (sock.localAddress as { port: number }).port;
    });
    const again = await run(async (cx) => {
      await using sock = await createUdpSocket(cx, { localHost: "127.0.0.1", localPort: port });
      return (sock.localAddress as { port: number }).port;
    });
    expect(again).toBe(port);
  });
});
