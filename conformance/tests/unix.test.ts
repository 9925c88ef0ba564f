// Unix domain sockets (issue 11): connectUnix and createUnixListener, the
// same SocketStream and SocketListener as TCP. Socket files go under /tmp
// with a random name; the adapter removes them when the listener closes, and
// the test removes any left. On chromium each test asserts the
// UnsupportedError instead, under the same name.
import { describe, expect } from "vitest";
import {
  ConnectError,
  type Context,
  connectUnix,
  createUnixListener,
  type SocketStream,
} from "skein";
import { clog, concat, receiveAll } from "../helpers/bytes.ts";
import { removeQuietly, unixIt, unixPair } from "../helpers/net.ts";
import { checkHalfCloseableStream } from "skein/testing";

describe("Unix sockets", () => {
  unixIt("echo of 1 MB with half-close, through serve", async (cx, path) => {
    await using listener = await createUnixListener(cx, { path });
    expect(listener.localAddress).toEqual({ family: "unix", path });
    expect(listener.port).toBeUndefined();
    const data = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 255);
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) =>
        listener.serve(cx, async (stream, cx) => {
          const got = await receiveAll(cx, stream);
          await stream.send(cx, got);
          await stream.sendEof(cx);
        }),
      );
      await using stream = await connectUnix(cx, path);
      expect(stream.remoteAddress).toEqual({ family: "unix", path });
      const echoed = await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await stream.send(cx, data);
          await stream.sendEof(cx);
        });
        return receiveAll(cx, stream);
      });
      expect(echoed!.length).toBe(data.length);
      expect(echoed!.every((b, i) => b === data[i])).toBe(true);
      await listener.close();
    });
  });

  unixIt("connecting to a path with no listener: ConnectError naming the path, with the runtime's error as cause", async (cx, path) => {
    const error = await connectUnix(cx, path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).message).toContain(path);
    expect((error as ConnectError).cause).toBeDefined();
  });

  unixIt("checkHalfCloseableStream passes on a Unix socket pair (and on clogged pairs)", async (cx, path) => {
    let n = 0;
    const paths: string[] = [];
    const next = () => {
      const p = `${path}.${n++}`;
      paths.push(p);
      return p;
    };
    try {
      await checkHalfCloseableStream(
        cx,
        (cx) => unixPair(cx, next()),
        async (cx) => {
          // Fill each direction until no send completes for a whole 50 ms window.
          return clog(cx, await unixPair(cx, next()));
        },
      );
    } finally {
      for (const p of paths) await removeQuietly(p);
    }
  }, 120_000);

  unixIt("bad arguments: TypeError / RangeError naming the argument", async (cx) => {
    await expect(connectUnix(cx, "")).rejects.toThrow(/path/);
    await expect(connectUnix(cx, 3 as unknown as string)).rejects.toThrow(TypeError);
    await expect(createUnixListener(cx, { path: "" })).rejects.toThrow(/options\.path/);
    await expect(createUnixListener(cx, { path: "/tmp/x.sock", backlog: -1 })).rejects.toThrow(/options\.backlog/);
  });
});
