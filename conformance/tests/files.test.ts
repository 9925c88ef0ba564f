// Files: the same tests on every runtime. On Node, Deno and Bun they run in a
// temporary directory of the system's; in Chromium in a fresh directory under
// the origin private file system (OPFS), made by the same withTempDir.
import { describe, expect, inject, it } from "vitest";
import {
  type Adapter,
  AsyncFile,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  copyFile,
  type Instrument,
  DirectoryNotEmptyError,
  EndOfStream,
  exists,
  FileExistsError,
  FileNotFoundError,
  FileReadStream,
  FileSystemError,
  FileWriteStream,
  IsADirectoryError,
  mkdir,
  NotADirectoryError,
  openFile,
  PermissionDeniedError,
  readDir,
  readFile,
  readTextFile,
  rename,
  rm,
  run,
  SkeinError,
  stat,
  TextReceiveStream,
  UnsupportedError,
  UsageError,
  withTempDir,
  writeFile,
  writeTextFile,
} from "skein";
import { fileTest, names } from "../helpers/files.ts";

const browser = inject("runtime") === "chromium";
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);


async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("files", () => {
  fileTest("bytes and text round-trip through writeFile and readFile", async (cx, dir) => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    await writeFile(cx, `${dir}/a.bin`, bytes);
    expect(Array.from(await readFile(cx, `${dir}/a.bin`))).toEqual([0, 1, 2, 254, 255]);
    await writeTextFile(cx, `${dir}/a.txt`, "héllo\n");
    await writeFile(cx, `${dir}/a.txt`, "wörld\n", { append: true });
    expect(await readTextFile(cx, `${dir}/a.txt`)).toBe("héllo\nwörld\n");
    await writeFile(cx, `${dir}/a.txt`, "short");
    expect(await readTextFile(cx, `${dir}/a.txt`)).toBe("short");
    const info = await stat(cx, `${dir}/a.txt`);
    expect([info.size, info.isFile, info.isDirectory]).toEqual([5, true, false]);
    expect(await exists(cx, `${dir}/a.txt`)).toBe(true);
    expect(await exists(cx, `${dir}/nothing`)).toBe(false);
    expect(await exists(cx, `${dir}/a.txt/below`)).toBe(false);
  });

  fileTest("openFile: the modes read, write, append and create as in Python", async (cx, dir) => {
    const path = `${dir}/m.txt`;
    {
      await using f = await openFile(cx, path, "w+");
      expect(f).toBeInstanceOf(AsyncFile);
      await f.write(cx, "hello world");
      expect(f.tell()).toBe(11);
      await f.seek(cx, 0);
      expect(str(await f.read(cx, 5))).toBe("hello");
      expect(str(await f.readAll(cx))).toBe(" world");
      expect((await f.read(cx, 10)).length).toBe(0); // end of file
    }
    {
      await using f = await openFile(cx, path, "a+");
      expect(f.tell()).toBe(11);
      await f.write(cx, "!");
      expect(f.tell()).toBe(12);
      await f.seek(cx, 0);
      await f.write(cx, "?"); // append mode: still at the end
      expect(f.tell()).toBe(13);
      await f.seek(cx, 0);
      expect(str(await f.read(cx))).toBe("hello world!?");
    }
    {
      await using f = await openFile(cx, path); // "r"
      expect(f.mode).toBe("r");
      expect(str(await f.read(cx))).toBe("hello world!?");
      expect(await caught(f.write(cx, "x"))).toBeInstanceOf(UsageError);
    }
    {
      await using f = await openFile(cx, path, "r+");
      await f.write(cx, "J");
      expect(str(await f.read(cx, 4))).toBe("ello");
    }
    expect(await readTextFile(cx, path)).toBe("Jello world!?");
    await using w = await openFile(cx, path, "w"); // truncates
    expect((await w.stat(cx)).size).toBe(0);
    expect(await caught(w.read(cx))).toBeInstanceOf(UsageError);
    const err = await caught(openFile(cx, path, "x"));
    expect(err).toBeInstanceOf(FileExistsError);
    await using fresh = await openFile(cx, `${dir}/new.txt`, "x+");
    await fresh.write(cx, "new");
    await fresh.seek(cx, 0);
    expect(str(await fresh.read(cx))).toBe("new");
  });

  fileTest("seek, tell and truncate", async (cx, dir) => {
    await using f = await openFile(cx, `${dir}/s.bin`, "w+");
    await f.write(cx, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(await f.seek(cx, -3, "end")).toBe(5);
    expect(Array.from(await f.read(cx, 2))).toEqual([6, 7]);
    expect(await f.seek(cx, -4, "current")).toBe(3);
    expect(f.tell()).toBe(3);
    await f.truncate(cx); // at the position
    expect(f.tell()).toBe(3);
    expect((await f.stat(cx)).size).toBe(3);
    await f.truncate(cx, 5); // extends with zeros
    await f.seek(cx, 0);
    expect(Array.from(await f.read(cx))).toEqual([1, 2, 3, 0, 0]);
    await f.seek(cx, 7); // past the end: a gap of zeros
    await f.write(cx, new Uint8Array([9]));
    await f.seek(cx, 0, "start");
    expect(Array.from(await f.read(cx))).toEqual([1, 2, 3, 0, 0, 0, 0, 9]);
    await f.sync(cx);
    expect(await caught(f.seek(cx, -1))).toBeInstanceOf(RangeError);
    expect(await caught(f.seek(cx, 0, "middle" as "start"))).toBeInstanceOf(TypeError);
  });

  fileTest("readInto reads into the caller's buffer and moves the position", async (cx, dir) => {
    await writeFile(cx, `${dir}/r.bin`, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await using f = await openFile(cx, `${dir}/r.bin`);
    const buffer = new Uint8Array(4);
    const counts: number[] = [];
    const seen: number[] = [];
    for (let n = await f.readInto(cx, buffer); n > 0; n = await f.readInto(cx, buffer)) {
      counts.push(n);
      seen.push(...buffer.subarray(0, n));
    }
    expect([counts, seen, f.tell()]).toEqual([[4, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10]);
    await f.seek(cx, 8);
    expect(await f.readInto(cx, buffer)).toBe(2);
    expect(await caught(f.readInto(cx, [0] as unknown as Uint8Array))).toBeInstanceOf(TypeError);
  });

  fileTest(
    "a 50 MB file streams through FileWriteStream and FileReadStream in chunks",
    async (cx, dir) => {
      const path = `${dir}/big.bin`;
      const chunk = new Uint8Array(65536);
      const total = 50 * 1024 * 1024;
      {
        await using out = await FileWriteStream.from(cx, path);
        for (let i = 0; i < total / chunk.length; i++) {
          chunk.fill(i & 0xff);
          await out.send(cx, chunk);
        }
      }
      expect((await stat(cx, path)).size).toBe(total);
      await using input = await FileReadStream.from(cx, path);
      let received = 0;
      let chunks = 0;
      let wrong = 0;
      for (;;) {
        let got: Uint8Array;
        try {
          got = await input.receive(cx, 100_000);
        } catch (error) {
          if (error instanceof EndOfStream) break;
          throw error;
        }
        expect(got.length).toBeGreaterThan(0);
        expect(got.length).toBeLessThanOrEqual(100_000);
        for (let j = 0; j < got.length; j += 4096) if (got[j] !== (Math.floor((received + j) / 65536) & 0xff)) wrong++;
        received += got.length;
        chunks++;
      }
      expect([received, wrong, chunks >= total / 100_000]).toEqual([total, 0, true]);
      expect(await caught(input.receive(cx))).toBeInstanceOf(EndOfStream); // every time
      expect(input.tell()).toBe(total);
      await input.seek(cx, total - 3);
      expect((await input.receive(cx)).length).toBe(3);
    },
    120_000,
  );

  fileTest("file streams work with the stream wrappers, and FileWriteStream appends", async (cx, dir) => {
    const path = `${dir}/lines.txt`;
    {
      await using out = await FileWriteStream.from(cx, path);
      await out.send(cx, text("one\n"));
    }
    {
      await using out = await FileWriteStream.from(cx, path, { append: true });
      await out.send(cx, text("two\n"));
    }
    await using input = await FileReadStream.from(cx, path, { start: 1 });
    const decoded = new TextReceiveStream(input);
    let all = "";
    for (;;) {
      try {
        all += await decoded.receive(cx);
      } catch (error) {
        if (error instanceof EndOfStream) break;
        throw error;
      }
    }
    expect(all).toBe("ne\ntwo\n");
    const file = await openFile(cx, path, "r+");
    const stream = FileReadStream.fromFile(file);
    const small = await stream.receive(cx, 3);
    expect(str(small)).toBe("one");
    expect(small.buffer.byteLength).toBe(3); // a small chunk is a copy: it pins no read-ahead buffer
    await FileWriteStream.fromFile(file).send(cx, text("!")); // drops the stream's read-ahead
    expect(file.tell()).toBe(4);
    expect(str(await stream.receive(cx))).toBe("two\n");
    await file.seek(cx, 1);
    expect(str(await stream.receive(cx, 3))).toBe("ne!");
    await stream.close();
    expect(file.closed).toBe(true);
    expect(await readTextFile(cx, path)).toBe("one!two\n");
  });

  fileTest("every failure maps to its named error class, with the runtime's error as cause", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/file`, "x");
    await mkdir(cx, `${dir}/sub/deeper`, { recursive: true });
    const cases: [string, () => Promise<unknown>, new (...args: never[]) => FileSystemError, string][] = [
      ["readFile missing", () => readFile(cx, `${dir}/missing`), FileNotFoundError, "ENOENT"],
      ["open missing", () => openFile(cx, `${dir}/missing`), FileNotFoundError, "ENOENT"],
      ["mkdir existing", () => mkdir(cx, `${dir}/sub`), FileExistsError, "EEXIST"],
      ["open x existing", () => openFile(cx, `${dir}/file`, "x"), FileExistsError, "EEXIST"],
      ["below a file", () => readFile(cx, `${dir}/file/below`), NotADirectoryError, "ENOTDIR"],
      ["readFile of a directory", () => readFile(cx, `${dir}/sub`), IsADirectoryError, "EISDIR"],
      ["rm of a non-empty directory", () => rm(cx, `${dir}/sub`), DirectoryNotEmptyError, "ENOTEMPTY"],
    ];
    for (const [what, start, Class, code] of cases) {
      const error = await caught(start());
      expect([what, error instanceof Class, String(error)]).toEqual([what, true, String(error)]);
      const e = error as FileSystemError;
      expect(e).toBeInstanceOf(FileSystemError);
      expect(e).toBeInstanceOf(SkeinError);
      expect([what, e.code]).toEqual([what, code]);
      expect(e.path.startsWith(dir)).toBe(true);
      expect(e.cause).toBeDefined();
      expect(e.cause).not.toBeInstanceOf(SkeinError);
    }
    const listing = await caught(names(cx, `${dir}/file`));
    expect(listing).toBeInstanceOf(NotADirectoryError);
    expect((listing as FileSystemError).syscall).toBe("readDir");
    if (browser) {
      // OPFS: an entry with an open writable is locked against removal.
      await using f = await openFile(cx, `${dir}/locked`, "w");
      await f.write(cx, "x");
      const denied = await caught(rm(cx, `${dir}/locked`));
      expect(denied).toBeInstanceOf(PermissionDeniedError);
      expect((denied as FileSystemError).cause).toBeInstanceOf(DOMException);
    } else {
      // Refused to root as well: sysfs does not let files be created.
      const denied = await caught(writeFile(cx, "/sys/kernel/skein-conformance", "x"));
      expect(denied).toBeInstanceOf(PermissionDeniedError);
      expect((denied as FileSystemError).code).toBe("EACCES");
      expect((denied as FileSystemError).syscall).toBe("writeFile");
    }
  });

  fileTest("readDir lists every entry once, with its kind", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/a.txt`, "a");
    await writeTextFile(cx, `${dir}/b.txt`, "b");
    await mkdir(cx, `${dir}/c`);
    const entries: [string, boolean, boolean][] = [];
    for await (const e of readDir(cx, dir)) entries.push([e.name, e.isFile, e.isDirectory]);
    entries.sort((x, y) => (x[0] < y[0] ? -1 : 1));
    expect(entries).toEqual([
      ["a.txt", true, false],
      ["b.txt", true, false],
      ["c", false, true],
    ]);
    // break releases the listing; a new one starts over
    for await (const _ of readDir(cx, dir)) break;
    expect(await names(cx, `${dir}/c`)).toEqual([]);
    expect(await caught(names(cx, `${dir}/missing`))).toBeInstanceOf(FileNotFoundError);
  });

  fileTest("mkdir: recursive makes the parents and accepts an existing directory", async (cx, dir) => {
    expect(await caught(mkdir(cx, `${dir}/x/y/z`))).toBeInstanceOf(FileNotFoundError);
    await mkdir(cx, `${dir}/x/y/z`, { recursive: true });
    await mkdir(cx, `${dir}/x/y/z`, { recursive: true });
    expect((await stat(cx, `${dir}/x/y/z`)).isDirectory).toBe(true);
    await mkdir(cx, `${dir}/x/w`);
    expect(await names(cx, `${dir}/x`)).toEqual(["w", "y"]);
  });

  fileTest("rm: files, empty directories, recursive trees, and force", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/f`, "f");
    await rm(cx, `${dir}/f`);
    await mkdir(cx, `${dir}/empty`);
    await rm(cx, `${dir}/empty`);
    await mkdir(cx, `${dir}/tree/a/b`, { recursive: true });
    await writeTextFile(cx, `${dir}/tree/a/b/leaf`, "leaf");
    await writeTextFile(cx, `${dir}/tree/top`, "top");
    await rm(cx, `${dir}/tree`, { recursive: true });
    expect(await names(cx, dir)).toEqual([]);
    expect(await caught(rm(cx, `${dir}/gone`))).toBeInstanceOf(FileNotFoundError);
    await rm(cx, `${dir}/gone`, { force: true });
    await rm(cx, `${dir}/gone`, { recursive: true, force: true });
  });

  fileTest("rename moves files and directories; copyFile copies; both replace a file", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/a`, "A");
    await rename(cx, `${dir}/a`, `${dir}/b`);
    expect(await names(cx, dir)).toEqual(["b"]);
    await writeTextFile(cx, `${dir}/c`, "C");
    await rename(cx, `${dir}/c`, `${dir}/b`); // replaces
    expect(await readTextFile(cx, `${dir}/b`)).toBe("C");
    await copyFile(cx, `${dir}/b`, `${dir}/d`);
    await writeTextFile(cx, `${dir}/e`, "old");
    await copyFile(cx, `${dir}/b`, `${dir}/e`); // replaces
    expect([await readTextFile(cx, `${dir}/d`), await readTextFile(cx, `${dir}/e`)]).toEqual(["C", "C"]);
    await mkdir(cx, `${dir}/sub`);
    await rename(cx, `${dir}/d`, `${dir}/sub/d`);
    expect(await readTextFile(cx, `${dir}/sub/d`)).toBe("C");
    await mkdir(cx, `${dir}/dir1/inner`, { recursive: true });
    await rename(cx, `${dir}/dir1`, `${dir}/dir2`);
    expect(await names(cx, `${dir}/dir2`)).toEqual(["inner"]);
    expect(await names(cx, dir)).toEqual(["b", "dir2", "e", "sub"]);
    expect(await caught(rename(cx, `${dir}/nope`, `${dir}/x`))).toBeInstanceOf(FileNotFoundError);
    expect(await caught(copyFile(cx, `${dir}/nope`, `${dir}/x`))).toBeInstanceOf(FileNotFoundError);
  });

  it("withTempDir removes its directory when the body returns, throws or is cancelled", async () => {
    const seen: string[] = [];
    const result = await run(async (cx) => {
      const value = await withTempDir(cx, async (dir, cx) => {
        seen.push(dir);
        await writeTextFile(cx, `${dir}/f`, "x");
        return 42;
      });
      const failure = await caught(
        withTempDir(cx, async (dir, cx) => {
          seen.push(dir);
          await mkdir(cx, `${dir}/a/b`, { recursive: true });
          await writeTextFile(cx, `${dir}/a/b/f`, "x");
          throw new Error("boom");
        }),
      );
      const { cancelled } = await cx.moveOnAfter(20, (cx) =>
        withTempDir(cx, async (dir, cx) => {
          seen.push(dir);
          await writeTextFile(cx, `${dir}/f`, "x");
          await cx.sleepForever();
        }),
      );
      const gone: boolean[] = [];
      for (const dir of seen) gone.push(!(await exists(cx, dir)));
      return { value, failure: (failure as Error).message, cancelled, gone, distinct: new Set(seen).size };
    });
    expect(result).toEqual({ value: 42, failure: "boom", cancelled: true, gone: [true, true, true], distinct: 3 });
  });

  fileTest("await using closes the file; any use after close raises ClosedResourceError", async (cx, dir) => {
    let saved!: AsyncFile;
    {
      await using f = await openFile(cx, `${dir}/u`, "w+");
      saved = f;
      await f.write(cx, "x");
    }
    expect(saved.closed).toBe(true);
    const uses = [saved.read(cx), saved.write(cx, "y"), saved.seek(cx, 0), saved.truncate(cx, 0), saved.stat(cx), saved.sync(cx)];
    for (const use of uses) expect(await caught(use)).toBeInstanceOf(ClosedResourceError);
    expect(() => saved.tell()).toThrow(ClosedResourceError);
    await saved.close(); // idempotent
    const stream = await FileReadStream.from(cx, `${dir}/u`);
    await stream.close();
    expect(await caught(stream.receive(cx))).toBeInstanceOf(ClosedResourceError);
    expect(await caught(stream.seek(cx, 0))).toBeInstanceOf(ClosedResourceError);
    expect(() => stream.tell()).toThrow(ClosedResourceError);
    const out = await FileWriteStream.from(cx, `${dir}/v`);
    await out.close();
    expect(await caught(out.send(cx, text("z")))).toBeInstanceOf(ClosedResourceError);
  });

  it("the run closes the files the program left open", async () => {
    const left = await run((cx) =>
      withTempDir(cx, async (dir, cx) => {
        const file = await openFile(cx, `${dir}/open`, "w");
        const stream = await FileReadStream.from(cx, `${dir}/open`);
        return [file, stream] as const;
      }),
    );
    expect(left[0].closed).toBe(true);
    await run(async (cx) => {
      expect(await caught(left[1].receive(cx))).toBeInstanceOf(ClosedResourceError);
    });
  });

  fileTest("closing a file wakes the task using it with ClosedResourceError; a second user is BusyResourceError", async (cx, dir) => {
    await writeFile(cx, `${dir}/r`, new Uint8Array(1000));
    const stream = await FileReadStream.from(cx, `${dir}/r`);
    const first = stream.receive(cx, 10); // in the runtime from here on
    const second = stream.receive(cx, 10);
    const closing = stream.close(); // while the first is still in flight
    expect(await caught(second)).toBeInstanceOf(BusyResourceError);
    expect(await caught(first)).toBeInstanceOf(ClosedResourceError);
    await closing;
  });

  fileTest("in a cancelled scope every operation raises Cancelled and does nothing", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/keep`, "kept");
    await using f = await openFile(cx, `${dir}/keep`, "r+");
    const outcomes = await cx.withCancelScope({}, async (cx) => {
      cx.cancelScope.cancel();
      const attempts: Promise<unknown>[] = [
        writeFile(cx, `${dir}/new`, "x"),
        writeTextFile(cx, `${dir}/keep`, "replaced"),
        openFile(cx, `${dir}/created`, "w"),
        mkdir(cx, `${dir}/d`),
        rm(cx, `${dir}/keep`),
        rename(cx, `${dir}/keep`, `${dir}/moved`),
        copyFile(cx, `${dir}/keep`, `${dir}/copy`),
        FileWriteStream.from(cx, `${dir}/stream`),
        f.write(cx, "zzzz"),
        f.truncate(cx, 0),
        readFile(cx, `${dir}/keep`),
        names(cx, dir),
        withTempDir(cx, () => "never"),
      ];
      const results: boolean[] = [];
      for (const attempt of attempts) results.push((await caught(attempt)) instanceof Cancelled);
      return results;
    });
    expect(outcomes).toEqual(new Array(13).fill(true));
    expect(await names(cx, dir)).toEqual(["keep"]);
    expect(await readTextFile(cx, `${dir}/keep`)).toBe("kept");
    expect(f.tell()).toBe(0);
  });

  fileTest("an operation that has started finishes; Cancelled comes at the next checkpoint", async (cx, dir) => {
    const big = new Uint8Array(4 * 1024 * 1024).fill(7);
    const log: string[] = [];
    await cx.withCancelScope({}, async (cx) => {
      const writing = writeFile(cx, `${dir}/big`, big); // started now
      cx.cancelScope.cancel();
      await writing; // not interrupted: its result is returned
      log.push("written");
      const opening = openFile(cx, `${dir}/big`);
      const f = await opening.catch((e: unknown) => e);
      log.push(f instanceof Cancelled ? "open cancelled" : "opened");
      try {
        await cx.checkpoint();
      } catch (error) {
        log.push(error instanceof Cancelled ? "Cancelled" : "other");
        throw error;
      }
    });
    expect(log).toEqual(["written", "open cancelled", "Cancelled"]);
    expect((await stat(cx, `${dir}/big`)).size).toBe(big.length);
  });

  it("a task blocked on a file operation shows what it waits for", async () => {
    const blocks: string[] = [];
    const instrument: Instrument = { beforeBlocking: (_task, what) => void blocks.push(what) };
    let base = "";
    await run(
      (cx) =>
        withTempDir(cx, async (dir, cx) => {
          base = dir;
          await writeTextFile(cx, `${dir}/f`, "x");
          await readFile(cx, `${dir}/f`);
          await using s = await FileReadStream.from(cx, `${dir}/f`);
          await s.receive(cx);
          await mkdir(cx, `${dir}/d`);
          await names(cx, dir);
        }),
      { instruments: [instrument] },
    );
    const ours = blocks.filter((what) => what.includes(base)).map((what) => what.replace(base, "<dir>"));
    expect(ours).toEqual([
      "writeFile <dir>/f",
      "readFile <dir>/f",
      "open <dir>/f",
      "read <dir>/f",
      "mkdir <dir>/d",
      "readDir <dir>", // open
      "readDir <dir>", // the two entries
      "readDir <dir>",
      "readDir <dir>", // the end
      "rm <dir>", // withTempDir's removal
    ]);
  });

  it("bad input raises TypeError or RangeError naming the argument", async () => {
    await run(async (cx) => {
      expect(await caught(readFile(cx, "" as string))).toBeInstanceOf(TypeError);
      expect(((await caught(readFile(cx, 42 as unknown as string))) as Error).message).toMatch(/^path must be/);
      expect(((await caught(openFile(cx, "/x", "rw" as "r"))) as Error).message).toMatch(/^mode must be/);
      expect(await caught(writeFile(cx, "/x", 5 as unknown as string))).toBeInstanceOf(TypeError);
      expect(((await caught(mkdir(cx, "/x", { recursive: "yes" as unknown as boolean }))) as Error).message).toMatch(/^options.recursive/);
      expect(await caught(rename(cx, "/a", null as unknown as string))).toBeInstanceOf(TypeError);
      expect(() => readDir(cx, undefined as unknown as string)).toThrow(TypeError);
      expect(((await caught(withTempDir(cx, "body" as unknown as () => void))) as Error).message).toMatch(/^body must be a function/);
      await withTempDir(cx, async (dir, cx) => {
        await using f = await openFile(cx, `${dir}/f`, "w+");
        expect(await caught(f.read(cx, -1))).toBeInstanceOf(RangeError);
        await using s = await FileReadStream.from(cx, `${dir}/f`);
        expect(((await caught(s.receive(cx, 0))) as Error).message).toMatch(/^maxBytes/);
        expect(await caught(FileReadStream.from(cx, `${dir}/f`, { start: -1 }))).toBeInstanceOf(RangeError);
      });
    });
  });

  it("an adapter without files raises UnsupportedError naming the call", async () => {
    const bare: Adapter = {
      name: "bare",
      now: () => performance.now(),
      setTimer: (callback, delay) => setTimeout(callback, delay),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      yieldMacrotask: (callback) => void setTimeout(callback, 0),
      reportError: (error) => {
        throw error;
      },
    };
    const error = await run((cx) => readFile(cx, "/x"), { adapter: bare }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe("readFile is not supported on the bare adapter: it has no file system");
  });
});
