// anyio's and trio's own tests of files, translated to Skein: anyio
// tests/test_fileio.py (AsyncFile, Path), anyio tests/streams/test_file.py
// (FileReadStream, FileWriteStream), trio src/trio/_tests/test_file_io.py and
// test_path.py. Each test names its source. Files are real, in a fresh
// temporary directory made by withTempDir (on Chromium: under the origin
// private file system, as in files.test.ts).
//
// Mapping: anyio/trio `open_file(p, mode)` is `openFile(cx, p, mode)` (no "b"
// or "t": an AsyncFile reads bytes, writes bytes or strings); `aclose()` is
// `close()` (no cx) or `await using`; a `Path(p).method()` is the path function
// of the same job (`read_bytes` is readFile, `iterdir` readDir, `unlink` and
// `rmdir` are rm, `rename`/`replace`/`move` are rename, `copy` is copyFile,
// `stat`/`is_file`/`is_dir` are stat, `exists` is exists); `from_path` is
// `from(cx, path)`; `ValueError` for a bad argument is `RangeError`.
import { describe, expect, inject } from "vitest";
import {
  AsyncFile,
  BufferedByteReceiveStream,
  Cancelled,
  ClosedResourceError,
  type Context,
  copyFile,
  EndOfStream,
  exists,
  FileNotFoundError,
  FileReadStream,
  type FileSystemError,
  FileWriteStream,
  IncompleteRead,
  IsADirectoryError,
  mkdir,
  openFile,
  readDir,
  readFile,
  readTextFile,
  rename,
  rm,
  stat,
  writeFile,
  writeTextFile,
} from "skein";
import { errorOf } from "../helpers/peer.ts";
import { fileTest, names } from "../helpers/files.ts";

const browser = inject("runtime") === "chromium";
const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);


/** Python's `Path.touch()`: creates the file if missing, leaves its content. */
async function touch(cx: Context, path: string): Promise<void> {
  await (await openFile(cx, path, "a")).close();
}

/**
 * Python's `Path(path).symlink_to(target)`, through node:fs (Node, Deno and
 * Bun): Skein makes no symlinks, but follows or reports the ones it finds.
 * The origin private file system (Chromium) has none.
 */
async function symlinkTo(target: string, path: string): Promise<void> {
  const moduleName = "node:fs/promises";
  const fs = (await import(/* @vite-ignore */ moduleName)) as { symlink(target: string, path: string): Promise<void> };
  await fs.symlink(target, path);
}

/** anyio's `testdata` fixture: 1000 bytes of each of 0..9. */
const testdata = (): Uint8Array => {
  const data = new Uint8Array(10_000);
  for (let i = 0; i < 10; i++) data.fill(i, i * 1000, (i + 1) * 1000);
  return data;
};

/** anyio's `testdatafile` fixture, in `dir`. */
async function testdatafile(cx: Context, dir: string): Promise<string> {
  await mkdir(cx, `${dir}/file`);
  const path = `${dir}/file/testdata`;
  await writeFile(cx, path, testdata());
  return path;
}

/** anyio's `populated_tmpdir` fixture. */
async function populate(cx: Context, dir: string): Promise<void> {
  await touch(cx, `${dir}/testfile`);
  await touch(cx, `${dir}/testfile2`);
  for (const sub of ["subdir", "sibdir"]) {
    await mkdir(cx, `${dir}/${sub}`);
    await touch(cx, `${dir}/${sub}/dummyfile1.txt`);
    await touch(cx, `${dir}/${sub}/dummyfile2.txt`);
  }
}

describe("anyio test_fileio.py TestAsyncFile", () => {
  // anyio test_fileio.py::TestAsyncFile::test_open_close
  fileTest("test_open_close", async (cx, dir) => {
    const f = await openFile(cx, await testdatafile(cx, dir));
    expect(f.closed).toBe(false);
    await f.close();
    expect(f.closed).toBe(true);
  });

  // anyio test_fileio.py::TestAsyncFile::test_read
  fileTest("test_read", async (cx, dir) => {
    const path = await testdatafile(cx, dir);
    let saved: AsyncFile;
    let data: Uint8Array;
    {
      await using f = await openFile(cx, path, "r"); // "rb": Skein's files are binary
      saved = f;
      data = await f.read(cx);
    }
    expect(saved.closed).toBe(true);
    expect(data).toEqual(testdata());
  });

  // anyio test_fileio.py::TestAsyncFile::test_readinto
  fileTest("test_readinto", async (cx, dir) => {
    const buffer = new Uint8Array(100);
    await using f = await openFile(cx, await testdatafile(cx, dir));
    expect(await f.readInto(cx, buffer)).toBe(100);
    expect(buffer).toEqual(testdata().subarray(0, 100));
  });

  // anyio test_fileio.py::TestAsyncFile::test_readinto1 (readinto1 is readInto: one runtime read)
  fileTest("test_readinto1", async (cx, dir) => {
    const buffer = new Uint8Array(100);
    await using f = await openFile(cx, await testdatafile(cx, dir));
    await f.seek(cx, 950);
    expect(await f.readInto(cx, buffer)).toBe(100);
    expect(buffer).toEqual(testdata().subarray(950, 1050));
    expect(f.tell()).toBe(1050);
  });

  // anyio test_fileio.py::TestAsyncFile::test_write
  fileTest("test_write", async (cx, dir) => {
    const path = await testdatafile(cx, dir);
    {
      await using f = await openFile(cx, path, "a"); // "ab"
      await f.write(cx, new Uint8Array(1000).fill(0x66)); // b"f" * 1000
    }
    expect((await stat(cx, path)).size).toBe(10_000 + 1000);
  });

  // anyio test_fileio.py::TestAsyncFile::test_async_iteration (adapted: a file is not
  // async-iterable, its reads take cx; lines come from a BufferedByteReceiveStream)
  fileTest("test_async_iteration", async (cx, dir) => {
    const lines = ["blah blah\n", "foo foo\n", "bar bar"];
    const path = `${dir}/testfile`;
    await writeTextFile(cx, path, lines.join(""));
    await using f = await openFile(cx, path);
    const error = await errorOf(async () => {
      for await (const _ of f as unknown as AsyncIterable<unknown>) break;
    });
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^AsyncFile is not async-iterable: .*cx/);
    const buffered = new BufferedByteReceiveStream(FileReadStream.fromFile(f));
    const got: string[] = [];
    for (;;) {
      try {
        got.push(`${str(await buffered.receiveUntil(cx, bytes("\n"), 1000))}\n`);
      } catch (error) {
        if (!(error instanceof IncompleteRead)) throw error;
        got.push(str(buffered.buffer)); // the last line, without a newline
        break;
      }
    }
    expect(got).toEqual(lines);
  });
});

describe("anyio test_fileio.py TestPath", () => {
  // anyio test_fileio.py::TestPath::test_exists ("~" is not expanded: a relative path)
  fileTest("test_exists", async (cx, dir) => {
    expect(await exists(cx, "~/btelkbee")).toBe(false);
    expect(await exists(cx, dir)).toBe(true);
  });

  // anyio test_fileio.py::TestPath::test_exists, with symlinks: Path.exists() follows them, so a
  // dangling link or a loop does not exist (os.path.exists too, which from-asyncio.md maps to exists)
  fileTest("test_exists follows symlinks", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/target`, "x");
    if (browser) {
      // OPFS has no symlinks: exists sees files and directories only
      expect([await exists(cx, `${dir}/target`), await exists(cx, `${dir}/dangling`)]).toEqual([true, false]);
      return;
    }
    await symlinkTo(`${dir}/target`, `${dir}/link`);
    await symlinkTo(`${dir}/nowhere`, `${dir}/dangling`);
    await symlinkTo(`${dir}/loop`, `${dir}/loop`);
    const found: boolean[] = [];
    for (const name of ["link", "dangling", "loop"]) found.push(await exists(cx, `${dir}/${name}`));
    expect(found).toEqual([true, false, false]);
    expect((await stat(cx, `${dir}/dangling`, { followSymlinks: false })).isSymlink).toBe(true); // lexists
  });

  // anyio test_fileio.py::TestPath::test_is_symlink (the link made through node:fs; not on OPFS)
  fileTest("test_is_symlink", async (cx, dir) => {
    const path = `${dir}/testfile`;
    expect(await exists(cx, path)).toBe(false);
    if (browser) {
      await touch(cx, path);
      expect((await stat(cx, path, { followSymlinks: false })).isSymlink).toBe(false);
      return;
    }
    await symlinkTo("/foo", path);
    expect((await stat(cx, path, { followSymlinks: false })).isSymlink).toBe(true);
    const entries: [string, boolean, boolean, boolean][] = [];
    for await (const e of readDir(cx, dir)) entries.push([e.name, e.isSymlink, e.isFile, e.isDirectory]);
    expect(entries).toEqual([["testfile", true, false, false]]);
  });

  // anyio test_fileio.py::TestPath::test_lstat (lstat is stat with followSymlinks: false; not on OPFS)
  fileTest("test_lstat", async (cx, dir) => {
    const path = `${dir}/testfile`;
    if (browser) {
      await touch(cx, path);
      expect((await stat(cx, path, { followSymlinks: false })).isFile).toBe(true);
      return;
    }
    await symlinkTo("/foo/bar/baz", path);
    const info = await stat(cx, path, { followSymlinks: false });
    expect([info.isSymlink, info.isFile, info.isDirectory]).toEqual([true, false, false]);
    expect(await errorOf(stat(cx, path))).toBeInstanceOf(FileNotFoundError); // followed: nothing there
  });

  // anyio test_fileio.py::TestPath::test_unlink, of a symlink (Path.unlink and shutil.rmtree remove
  // the link, never what it points to)
  fileTest("test_unlink of a symlink removes the link, not its target", async (cx, dir) => {
    await mkdir(cx, `${dir}/keep/inner`, { recursive: true });
    await writeTextFile(cx, `${dir}/keep/inner/f`, "kept");
    await mkdir(cx, `${dir}/tree`);
    if (!browser) {
      await symlinkTo(`${dir}/keep/inner/f`, `${dir}/link`);
      await symlinkTo(`${dir}/keep`, `${dir}/tree/dirlink`);
      await rm(cx, `${dir}/link`);
    }
    await rm(cx, `${dir}/tree`, { recursive: true });
    expect(await names(cx, dir)).toEqual(["keep"]);
    expect(await readTextFile(cx, `${dir}/keep/inner/f`)).toBe("kept");
  });

  // anyio test_fileio.py::TestPath::test_is_dir (adapted: stat(...).isDirectory; a missing path
  // is FileNotFoundError from stat, false from exists)
  fileTest("test_is_dir", async (cx, dir) => {
    const path = `${dir}/somedir`;
    expect(await exists(cx, path)).toBe(false);
    expect(await errorOf(stat(cx, path))).toBeInstanceOf(FileNotFoundError);
    await mkdir(cx, path);
    expect((await stat(cx, path)).isDirectory).toBe(true);
  });

  // anyio test_fileio.py::TestPath::test_is_file (adapted as test_is_dir)
  fileTest("test_is_file", async (cx, dir) => {
    const path = `${dir}/somefile`;
    expect(await exists(cx, path)).toBe(false);
    await touch(cx, path);
    const info = await stat(cx, path);
    expect([info.isFile, info.isDirectory, info.size]).toEqual([true, false, 0]);
  });

  // anyio test_fileio.py::TestPath::test_copy
  fileTest("test_copy", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/source`, "hello");
    await copyFile(cx, `${dir}/source`, `${dir}/destination`);
    expect(await readTextFile(cx, `${dir}/destination`)).toBe("hello");
    expect(await readTextFile(cx, `${dir}/source`)).toBe("hello");
  });

  // anyio test_fileio.py::TestPath::test_copy_into (adapted: copyFile names the new file)
  fileTest("test_copy_into", async (cx, dir) => {
    await mkdir(cx, `${dir}/destination`);
    await writeTextFile(cx, `${dir}/source`, "hello");
    await copyFile(cx, `${dir}/source`, `${dir}/destination/source`);
    expect(await readTextFile(cx, `${dir}/destination/source`)).toBe("hello");
  });

  // anyio test_fileio.py::TestPath::test_move
  fileTest("test_move", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/source`, "hello");
    await rename(cx, `${dir}/source`, `${dir}/destination`);
    expect(await readTextFile(cx, `${dir}/destination`)).toBe("hello");
    expect(await exists(cx, `${dir}/source`)).toBe(false);
  });

  // anyio test_fileio.py::TestPath::test_move_into (adapted: rename names the new path)
  fileTest("test_move_into", async (cx, dir) => {
    await mkdir(cx, `${dir}/destination`);
    await writeTextFile(cx, `${dir}/source`, "hello");
    await rename(cx, `${dir}/source`, `${dir}/destination/source`);
    expect(await readTextFile(cx, `${dir}/destination/source`)).toBe("hello");
    expect(await exists(cx, `${dir}/source`)).toBe(false);
  });

  // anyio test_fileio.py::TestPath::test_iterdir
  fileTest("test_iterdir", async (cx, dir) => {
    await populate(cx, dir);
    expect(await names(cx, dir)).toEqual(["sibdir", "subdir", "testfile", "testfile2"]);
  });

  // anyio test_fileio.py::TestPath::test_mkdir
  fileTest("test_mkdir", async (cx, dir) => {
    await mkdir(cx, `${dir}/testdir`);
    expect((await stat(cx, `${dir}/testdir`)).isDirectory).toBe(true);
  });

  // anyio test_fileio.py::TestPath::test_open
  fileTest("test_open", async (cx, dir) => {
    const path = `${dir}/testfile`;
    await writeFile(cx, path, bytes("bibbitibobbitiboo"));
    const fp = await openFile(cx, path, "r");
    expect(fp).toBeInstanceOf(AsyncFile);
    expect(fp.path).toBe(path);
    await fp.close();
  });

  // anyio test_fileio.py::TestPath::test_read_bytes
  fileTest("test_read_bytes", async (cx, dir) => {
    await writeFile(cx, `${dir}/testfile`, bytes("bibbitibobbitiboo"));
    expect(await readFile(cx, `${dir}/testfile`)).toEqual(bytes("bibbitibobbitiboo"));
  });

  // anyio test_fileio.py::TestPath::test_read_text
  fileTest("test_read_text", async (cx, dir) => {
    await writeFile(cx, `${dir}/testfile`, bytes("some text åäö"));
    expect(await readTextFile(cx, `${dir}/testfile`)).toBe("some text åäö");
  });

  // anyio test_fileio.py::TestPath::test_rename
  fileTest("test_rename", async (cx, dir) => {
    await touch(cx, `${dir}/somefile`);
    await rename(cx, `${dir}/somefile`, `${dir}/anotherfile`);
    expect(await names(cx, dir)).toEqual(["anotherfile"]);
  });

  // anyio test_fileio.py::TestPath::test_replace (rename replaces an existing file)
  fileTest("test_replace", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/somefile`, "hello");
    await writeTextFile(cx, `${dir}/anotherfile`, "world");
    await rename(cx, `${dir}/somefile`, `${dir}/anotherfile`);
    expect(await readTextFile(cx, `${dir}/anotherfile`)).toBe("hello");
    expect(await names(cx, dir)).toEqual(["anotherfile"]);
  });

  // anyio test_fileio.py::TestPath::test_rmdir
  fileTest("test_rmdir", async (cx, dir) => {
    await mkdir(cx, `${dir}/somedir`);
    await rm(cx, `${dir}/somedir`);
    expect(await exists(cx, `${dir}/somedir`)).toBe(false);
  });

  // anyio test_fileio.py::TestPath::test_stat
  fileTest("test_stat", async (cx, dir) => {
    const info = await stat(cx, dir);
    expect([info.isDirectory, info.isFile, info.isSymlink]).toEqual([true, false, false]);
    expect(info.mtimeMs === null || typeof info.mtimeMs === "number").toBe(true);
  });

  // anyio test_fileio.py::TestPath::test_touch (no touch: opening with "a" creates, keeps the content)
  fileTest("test_touch", async (cx, dir) => {
    const path = `${dir}/testfile`;
    await touch(cx, path);
    expect((await stat(cx, path)).isFile).toBe(true);
    await writeTextFile(cx, path, "kept");
    await touch(cx, path);
    expect(await readTextFile(cx, path)).toBe("kept");
  });

  // anyio test_fileio.py::TestPath::test_unlink
  fileTest("test_unlink", async (cx, dir) => {
    await touch(cx, `${dir}/testfile`);
    await rm(cx, `${dir}/testfile`);
    expect(await exists(cx, `${dir}/testfile`)).toBe(false);
  });

  // anyio test_fileio.py::TestPath::test_unlink_missing_file (missing_ok is `force`)
  fileTest("test_unlink_missing_file", async (cx, dir) => {
    await rm(cx, `${dir}/testfile`, { force: true });
    expect(await errorOf(rm(cx, `${dir}/testfile`))).toBeInstanceOf(FileNotFoundError);
  });

  // anyio test_fileio.py::TestPath::test_write_bytes
  fileTest("test_write_bytes", async (cx, dir) => {
    await writeFile(cx, `${dir}/testfile`, bytes("bibbitibobbitiboo"));
    expect(str(await readFile(cx, `${dir}/testfile`))).toBe("bibbitibobbitiboo");
  });

  // anyio test_fileio.py::TestPath::test_write_text
  fileTest("test_write_text", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/testfile`, "some text åäö");
    expect(await readFile(cx, `${dir}/testfile`)).toEqual(bytes("some text åäö"));
  });
});

describe("anyio streams/test_file.py", () => {
  /** TestFileReadStream's `file_path` fixture. */
  async function helloFile(cx: Context, dir: string): Promise<string> {
    await mkdir(cx, `${dir}/filestream`);
    await writeTextFile(cx, `${dir}/filestream/data.txt`, "Hello");
    return `${dir}/filestream/data.txt`;
  }

  /** TestFileReadStream._run_filestream_test. */
  async function runFilestreamTest(cx: Context, stream: FileReadStream): Promise<void> {
    expect(str(await stream.receive(cx, 3))).toBe("Hel");
    expect(str(await stream.receive(cx, 3))).toBe("lo");
    expect(await errorOf(stream.receive(cx, 1))).toBeInstanceOf(EndOfStream);
  }

  // anyio streams/test_file.py::TestFileReadStream::test_read_file_as_path (str; a path is a string in Skein)
  fileTest("TestFileReadStream::test_read_file_as_path", async (cx, dir) => {
    await using stream = await FileReadStream.from(cx, await helloFile(cx, dir));
    await runFilestreamTest(cx, stream);
  });

  // anyio streams/test_file.py::TestFileReadStream::test_read_file (an open file: fromFile)
  fileTest("TestFileReadStream::test_read_file", async (cx, dir) => {
    await using file = await openFile(cx, await helloFile(cx, dir));
    await using stream = FileReadStream.fromFile(file);
    await runFilestreamTest(cx, stream);
  });

  // anyio streams/test_file.py::TestFileReadStream::test_read_file, and TestFileWriteStream, with
  // the path given where the open file goes (anyio's FileReadStream(file) takes a file object)
  fileTest("TestFileReadStream::test_read_file, fromFile given a path names its argument", async (cx, dir) => {
    const path = await helloFile(cx, dir);
    for (const [what, make] of [
      ["FileReadStream.fromFile", () => FileReadStream.fromFile(path as unknown as AsyncFile)],
      ["FileWriteStream.fromFile", () => FileWriteStream.fromFile(path as unknown as AsyncFile)],
    ] as const) {
      const error = await errorOf(make);
      expect([what, error instanceof TypeError, (error as Error).message]).toEqual([
        what,
        true,
        `file must be an AsyncFile (from openFile), got ${JSON.stringify(path)}`,
      ]);
    }
  });

  // anyio streams/test_file.py::TestFileReadStream::test_read_file, written word for word
  // (`FileReadStream(file)`): the constructor is internal, and says what to call instead
  fileTest("TestFileReadStream::test_read_file, new FileReadStream(file) says to call fromFile", async (cx, dir) => {
    await using file = await openFile(cx, await helloFile(cx, dir));
    for (const [what, make] of [
      ["FileReadStream", () => new (FileReadStream as unknown as new (file: unknown) => unknown)(file)],
      ["FileWriteStream", () => new (FileWriteStream as unknown as new (file: unknown) => unknown)(file)],
    ] as const) {
      const error = await errorOf(make);
      expect([what, error instanceof TypeError]).toEqual([what, true]);
      expect((error as Error).message).toMatch(
        new RegExp(`^new ${what}\\(\\) is internal: use ${what}\\.fromFile\\(file\\) or ${what}\\.from\\(cx, path\\), got an instance of AsyncFile$`),
      );
    }
  });

  // anyio streams/test_file.py::TestFileReadStream::test_receive_max_bytes_validation[0, -1]
  // (ValueError is RangeError)
  fileTest("TestFileReadStream::test_receive_max_bytes_validation", async (cx, dir) => {
    await using stream = await FileReadStream.from(cx, await helloFile(cx, dir));
    for (const maxBytes of [0, -1]) {
      const error = await errorOf(stream.receive(cx, maxBytes));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/maxBytes/);
    }
    expect(str(await stream.receive(cx))).toBe("Hello"); // nothing was consumed
  });

  // anyio streams/test_file.py::TestFileReadStream::test_read_after_close
  fileTest("TestFileReadStream::test_read_after_close", async (cx, dir) => {
    let saved: FileReadStream;
    {
      await using stream = await FileReadStream.from(cx, await helloFile(cx, dir));
      saved = stream;
    }
    expect(await errorOf(saved.receive(cx))).toBeInstanceOf(ClosedResourceError);
  });

  // anyio streams/test_file.py::TestFileReadStream::test_seek
  fileTest("TestFileReadStream::test_seek", async (cx, dir) => {
    await using file = await openFile(cx, await helloFile(cx, dir));
    await using stream = FileReadStream.fromFile(file);
    expect(await stream.seek(cx, 2)).toBe(2);
    expect(stream.tell()).toBe(2);
    expect(str(await stream.receive(cx))).toBe("llo");
    expect(stream.tell()).toBe(5);
  });

  // anyio streams/test_file.py::TestFileReadStream::test_extra_attributes (the path; no fileno in JS)
  fileTest("TestFileReadStream::test_extra_attributes", async (cx, dir) => {
    const path = await helloFile(cx, dir);
    await using stream = await FileReadStream.from(cx, path);
    expect(stream.path).toBe(path);
  });

  // anyio streams/test_file.py::TestFileWriteStream::test_write_file
  fileTest("TestFileWriteStream::test_write_file", async (cx, dir) => {
    const path = `${dir}/written_data.txt`;
    {
      await using stream = await FileWriteStream.from(cx, path);
      await stream.send(cx, bytes("Hel"));
      await stream.send(cx, bytes("lo"));
    }
    expect(await readTextFile(cx, path)).toBe("Hello");
  });

  // anyio streams/test_file.py::TestFileWriteStream::test_append_file
  fileTest("TestFileWriteStream::test_append_file", async (cx, dir) => {
    const path = `${dir}/written_data.txt`;
    await writeTextFile(cx, path, "Hello");
    {
      await using stream = await FileWriteStream.from(cx, path, { append: true });
      await stream.send(cx, bytes(", World!"));
    }
    expect(await readTextFile(cx, path)).toBe("Hello, World!");
  });

  // anyio streams/test_file.py::TestFileWriteStream::test_write_after_close
  fileTest("TestFileWriteStream::test_write_after_close", async (cx, dir) => {
    let saved: FileWriteStream;
    {
      await using stream = await FileWriteStream.from(cx, `${dir}/written_data.txt`, { append: true });
      saved = stream;
    }
    expect(await errorOf(saved.send(cx, bytes("foo")))).toBeInstanceOf(ClosedResourceError);
  });

  // anyio streams/test_file.py::TestFileWriteStream::test_extra_attributes (the path; no fileno in JS)
  fileTest("TestFileWriteStream::test_extra_attributes", async (cx, dir) => {
    const path = `${dir}/written_data.txt`;
    await using stream = await FileWriteStream.from(cx, path);
    expect(stream.path).toBe(path);
  });

  // anyio streams/test_file.py, the calls as written there (`from_path(p)`, `receive(3)`,
  // `seek(2)`, `send(b"...")`) with the context forgotten: a TypeError that says to pass cx
  fileTest("the anyio calls without cx name the missing context", async (cx, dir) => {
    const path = await helloFile(cx, dir);
    await using stream = await FileReadStream.from(cx, path);
    await using out = await FileWriteStream.from(cx, `${dir}/out`);
    const loose = <T>(f: T) => f as unknown as (...args: unknown[]) => Promise<unknown>;
    const calls: [string, () => Promise<unknown>][] = [
      ["FileReadStream.from", () => loose(FileReadStream.from)(path)],
      ["FileReadStream.receive", () => loose(stream.receive).call(stream, 3)],
      ["FileReadStream.seek", () => loose(stream.seek).call(stream, 2)],
      ["FileWriteStream.from", () => loose(FileWriteStream.from)(`${dir}/out2`, { append: true })],
      ["FileWriteStream.send", () => loose(out.send).call(out, bytes("foo"))],
    ];
    for (const [call, start] of calls) {
      const error = await errorOf(start);
      expect([call, error instanceof TypeError, (error as Error).message]).toEqual([
        call,
        true,
        expect.stringMatching(new RegExp(`^${call.replace(".", "\\.")}\\(cx\\): pass the context \\(cx\\)`)),
      ]);
    }
    expect(str(await stream.receive(cx))).toBe("Hello"); // the stream is still usable
    expect(await names(cx, dir)).toEqual(["filestream", "out"]); // nothing was created
  });
});

describe("trio test_file_io.py", () => {
  // trio test_file_io.py::test_open
  fileTest("test_open", async (cx, dir) => {
    const f = await openFile(cx, `${dir}/test`, "w");
    expect(f).toBeInstanceOf(AsyncFile);
    await f.close();
  });

  // trio test_file_io.py::test_open_context_manager
  fileTest("test_open_context_manager", async (cx, dir) => {
    let saved: AsyncFile;
    {
      await using f = await openFile(cx, `${dir}/test`, "w");
      saved = f;
      expect(f).toBeInstanceOf(AsyncFile);
      expect(f.closed).toBe(false);
    }
    expect(saved.closed).toBe(true);
  });

  // trio test_file_io.py::test_async_iter (adapted: `async for line in f` is a TypeError saying what to write)
  fileTest("test_async_iter", async (cx, dir) => {
    await writeTextFile(cx, `${dir}/test`, "test\nfoo\nbar");
    await using f = await openFile(cx, `${dir}/test`);
    await using stream = await FileReadStream.from(cx, `${dir}/test`);
    for (const [what, target] of [
      ["AsyncFile", f],
      ["FileReadStream", stream],
    ] as const) {
      const error = await errorOf(async () => {
        for await (const _ of target as unknown as AsyncIterable<unknown>) break;
      });
      expect([what, error instanceof TypeError]).toEqual([what, true]);
      expect((error as Error).message).toMatch(new RegExp(`^${what} is not async-iterable: its receives take the context \\(cx\\)`));
    }
    expect(str(await f.read(cx))).toBe("test\nfoo\nbar"); // both are still usable
    expect(str(await stream.receive(cx))).toBe("test\nfoo\nbar");
  });

  // trio test_file_io.py::test_aclose_cancelled (adapted: close() takes no cx and always closes;
  // Cancelled comes at the next checkpoint instead of from aclose)
  fileTest("test_aclose_cancelled", async (cx, dir) => {
    const log: string[] = [];
    let f!: AsyncFile;
    const scope = await cx.withCancelScope({}, async (cx) => {
      f = await openFile(cx, `${dir}/test`, "w");
      cx.cancelScope.cancel();
      const error = await errorOf(f.write(cx, "a"));
      log.push(error instanceof Cancelled ? "write: Cancelled" : `write: ${String(error)}`);
      await f.close();
      log.push(`closed: ${f.closed}`);
      await cx.checkpoint();
      log.push("not reached");
    });
    expect(scope).toBeUndefined();
    expect(log).toEqual(["write: Cancelled", "closed: true"]);
    expect(f.closed).toBe(true);
    expect((await stat(cx, `${dir}/test`)).size).toBe(0); // the cancelled write did nothing
  });
});

describe("trio test_path.py", () => {
  // trio test_path.py::test_open_is_async_context_manager
  fileTest("test_open_is_async_context_manager", async (cx, dir) => {
    let saved: AsyncFile;
    {
      await using f = await openFile(cx, `${dir}/test`, "w");
      saved = f;
      expect(f).toBeInstanceOf(AsyncFile);
    }
    expect(saved.closed).toBe(true);
  });

  // trio test_path.py::test_compare_async_stat_methods[is_dir, is_file] (adapted: trio compares
  // pathlib's sync answer with its async one; here readDir's kinds and stat's agree)
  fileTest("test_compare_async_stat_methods", async (cx, dir) => {
    await mkdir(cx, `${dir}/d`);
    await touch(cx, `${dir}/f`);
    for await (const entry of readDir(cx, dir)) {
      const info = await stat(cx, `${dir}/${entry.name}`);
      expect([entry.name, info.isDirectory, info.isFile]).toEqual([entry.name, entry.isDirectory, entry.isFile]);
    }
    const top = await stat(cx, dir);
    expect([top.isDirectory, top.isFile]).toEqual([true, false]);
  });

  // trio test_path.py::test_path_nonpath (trio.Path(1) is a TypeError: so is a path that is not a string)
  fileTest("test_path_nonpath", async (cx) => {
    for (const call of [
      () => openFile(cx, 1 as unknown as string),
      () => readFile(cx, 1 as unknown as string),
      () => stat(cx, 1 as unknown as string),
      () => FileReadStream.from(cx, 1 as unknown as string),
    ]) {
      const error = await errorOf(call);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe("path must be a non-empty string, got 1");
    }
  });

  // trio test_path.py::test_open_file_can_open_path (f.name is the path)
  fileTest("test_open_file_can_open_path", async (cx, dir) => {
    await using f = await openFile(cx, `${dir}/test`, "w");
    expect(f.path).toBe(`${dir}/test`);
  });

  // trio test_path.py::test_iterdir
  fileTest("test_iterdir", async (cx, dir) => {
    const path = `${dir}/test`;
    await mkdir(cx, path);
    await mkdir(cx, `${path}/foo`);
    await writeFile(cx, `${path}/bar.txt`, new Uint8Array(0));
    expect(await names(cx, path)).toEqual(["bar.txt", "foo"]);
  });
});

describe("Python's open() and shutil.copyfile, under anyio's and trio's wrappers", () => {
  // anyio test_fileio.py::TestPath::test_open and trio test_file_io.py::test_open, with a directory:
  // anyio's and trio's open_file are Python's open(), which raises IsADirectoryError at once (it
  // fstats what it opened), in every mode; Skein's openFile documents the same.
  fileTest("opening a directory raises IsADirectoryError from the open, in every mode", async (cx, dir) => {
    await mkdir(cx, `${dir}/d`);
    const path = `${dir}/d`;
    const opens: [string, () => Promise<{ close(): Promise<void> }>][] = [
      ["openFile r", () => openFile(cx, path)],
      ["openFile r+", () => openFile(cx, path, "r+")],
      ["openFile w", () => openFile(cx, path, "w")],
      ["openFile a+", () => openFile(cx, path, "a+")],
      ["FileReadStream.from", () => FileReadStream.from(cx, path)],
      ["FileWriteStream.from", () => FileWriteStream.from(cx, path)],
    ];
    for (const [what, open] of opens) {
      const error = await errorOf(async () => {
        const opened = await open();
        await opened.close();
      });
      expect([what, error instanceof IsADirectoryError]).toEqual([what, true]);
      const e = error as FileSystemError;
      expect([what, e.syscall, e.code, e.path]).toEqual([what, "open", "EISDIR", path]);
      expect(e.cause).toBeDefined();
    }
    expect((await stat(cx, path)).isDirectory).toBe(true);
  });

  // anyio test_fileio.py::TestPath::test_copy, with a directory as the source: Python's
  // shutil.copyfile raises IsADirectoryError, on every runtime the same
  fileTest("copying a directory raises IsADirectoryError and creates nothing", async (cx, dir) => {
    await mkdir(cx, `${dir}/d`);
    const error = await errorOf(copyFile(cx, `${dir}/d`, `${dir}/copy`));
    expect(error).toBeInstanceOf(IsADirectoryError);
    expect([(error as FileSystemError).code, (error as FileSystemError).syscall]).toEqual(["EISDIR", "copyFile"]);
    expect(await names(cx, dir)).toEqual(["d"]);
  });
});
