// trio's and anyio's own tests of their testing tools, translated to Skein's
// skein/testing: trio src/trio/_core/_tests/test_mock_clock.py (MockClock),
// src/trio/_tests/test_testing.py (wait_all_tasks_blocked, assert_checkpoints,
// Sequencer, the memory byte streams and the generic stream checkers),
// src/trio/_tests/test_highlevel_generic.py (StapledStream, Skein's
// StapledByteStream) and anyio tests/test_testing.py (Sequencer). Each test
// names its source. Durations are in ms (trio's seconds × 1000); virtual
// times are asserted exactly; real time appears only where the peer's test is
// about real time (the cushions of wait_all_tasks_blocked, the clock's rate),
// as inequalities or with wide margins. trio's `async with seq(n):` is
// `await seq.at(cx, n, body)`; `receive_some` returning b"" at the end is
// `receive` throwing EndOfStream; `aclose()` is `close()`.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  type Context,
  EndOfStream,
  run,
  StapledByteStream,
  type ByteReceiveStream,
  type ByteSendStream,
  type HalfCloseableStream,
  UsageError,
  WouldBlock,
} from "skein";
import {
  checkHalfCloseableStream,
  checkOneWayStream,
  checkTwoWayStream,
  lockstepStreamOneWayPair,
  lockstepStreamPair,
  MemoryReceiveStream,
  MemorySendStream,
  memoryStreamOneWayPair,
  memoryStreamPair,
  MockClock,
  Sequencer,
  waitAllTasksBlocked,
} from "skein/testing";
import { assertCheckpoints, assertNoCheckpoints, errorOf, failing } from "../helpers/peer.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** trio's `cancel_shielded_checkpoint`: a schedule point that is no cancel point. */
const shieldedCheckpoint = (cx: Context): Promise<void> => cx.withCancelScope({ shield: true }, (cx) => cx.checkpoint());


describe("trio test_mock_clock.py", () => {
  // trio test_mock_clock.py::test_mock_clock (adapted: trio fakes the clock's
  // real-time source; Skein's reads performance.now(), so the virtual time at
  // a rate is bounded by real readings taken around it; deadline_to_sleep_time
  // belongs to trio's Clock ABC, which Skein's Clock (setTimer) has not: left out)
  it("test_mock_clock", () => {
    const c = new MockClock();
    expect(String(c)).toBeTypeOf("string"); // repr(c): smoke test
    expect(c.rate).toBe(0);
    expect(c.now()).toBe(0);
    c.jump(1_200);
    expect(c.now()).toBe(1_200);
    expect(() => c.jump(-1)).toThrow(RangeError); // trio: ValueError "time can't go backwards"
    expect(c.now()).toBe(1_200);

    expect(() => (c.rate = -1)).toThrow(RangeError); // trio: ValueError "rate must be >= 0"
    expect(c.rate).toBe(0);

    // rate 2: time so far is kept, then it runs at 2 virtual ms per real ms.
    const eps = 1e-6;
    let r0 = performance.now();
    c.rate = 2;
    let r1 = performance.now();
    let v = c.now();
    let r2 = performance.now();
    expect(v).toBeGreaterThanOrEqual(1_200 - eps);
    expect(v).toBeLessThanOrEqual(1_200 + 2 * (r2 - r0) + eps);
    let before = performance.now();
    const v1 = c.now();
    while (performance.now() - before < 2) {
      /* let some real time pass */
    }
    const v2 = c.now();
    let after = performance.now();
    expect(v2 - v1).toBeGreaterThan(0);
    expect(v2 - v1).toBeLessThanOrEqual(2 * (after - before) + eps);

    // rate 0.5: the time so far is kept again.
    r0 = performance.now();
    const kept = c.now();
    c.rate = 0.5;
    r1 = performance.now();
    v = c.now();
    r2 = performance.now();
    expect(v).toBeGreaterThanOrEqual(kept - eps);
    expect(v).toBeLessThanOrEqual(kept + 2 * (r1 - r0) + 0.5 * (r2 - r0) + eps);

    // A jump adds exactly its amount, at any rate (trio: jump(0.8) from 3.2 gives 4.0).
    c.rate = 0;
    const frozen = c.now();
    expect(c.now()).toBe(frozen);
    c.jump(800);
    expect(c.now()).toBe(frozen + 800);
    c.rate = 0.5;
    before = performance.now();
    const w1 = c.now();
    while (performance.now() - before < 2) {
      /* let some real time pass */
    }
    const w2 = c.now();
    after = performance.now();
    expect(w1).toBeGreaterThanOrEqual(frozen + 800 - eps);
    expect(w2 - w1).toBeLessThanOrEqual(0.5 * (after - before) + eps);

    const c2 = new MockClock({ rate: 3 });
    expect(c2.rate).toBe(3);
    expect(c2.now()).toBeLessThan(10_000);
  });

  // trio test_mock_clock.py::test_mock_clock_autojump (the mock_clock fixture:
  // a MockClock without autojump; trio's `real_duration < 1` is wall-clock: left out)
  it("test_mock_clock_autojump", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      expect(clock.autojumpThreshold).toBe(Infinity);
      clock.autojumpThreshold = 0;
      expect(clock.autojumpThreshold).toBe(0);

      let virtualStart = cx.currentTime();
      for (let i = 0; i < 10; i++) {
        await cx.sleep(10_000 * i);
        expect(cx.currentTime()).toBe(virtualStart + 10_000 * i);
        virtualStart = cx.currentTime();
      }

      clock.autojumpThreshold = 20;
      const t = cx.currentTime();
      // this should wake up before the autojump threshold triggers, so time shouldn't change
      await waitAllTasksBlocked(cx);
      expect(cx.currentTime()).toBe(t);
      // this should too
      await waitAllTasksBlocked(cx, 10);
      expect(cx.currentTime()).toBe(t);

      // the autojump check is then blocked for a long time: lowering the
      // threshold must take effect at once, or the sleep below hangs 10 s
      clock.autojumpThreshold = 10_000;
      await waitAllTasksBlocked(cx);
      clock.autojumpThreshold = 0;
      await cx.sleep(100_000_000);
      expect(cx.currentTime()).toBe(t + 100_000_000);
    }, { clock });
  });

  // trio test_mock_clock.py::test_mock_clock_autojump_interference
  it("test_mock_clock_autojump_interference", async () => {
    const clock = new MockClock();
    await run(async (cx) => {
      clock.autojumpThreshold = 20;
      const clock2 = new MockClock();
      // the threshold of a clock no run uses does nothing
      clock2.autojumpThreshold = 10;
      // if 10 ms were in effect, this would never return: the autojump check
      // would wake every 10 ms
      await waitAllTasksBlocked(cx, 15);
      // but the 20 ms threshold does apply
      await cx.sleep(100_000_000);
      expect(cx.currentTime()).toBe(100_000_000);
    }, { clock });
  });

  // trio test_mock_clock.py::test_mock_clock_autojump_preset (trio's
  // `< 1 s of real time` is asserted as the sleep finishing at its virtual time)
  it("test_mock_clock_autojump_preset", async () => {
    const clock = new MockClock({ autojumpThreshold: 100 });
    clock.autojumpThreshold = 10;
    const ended = await run(async (cx) => {
      await cx.sleep(10_000_000);
      return cx.currentTime();
    }, { clock });
    expect(ended).toBe(10_000_000);
  });

  // trio test_mock_clock.py::test_mock_clock_autojump_0_and_wait_all_tasks_blocked_0
  it("test_mock_clock_autojump_0_and_wait_all_tasks_blocked_0", async () => {
    const clock = new MockClock();
    const record: string[] = [];
    await run(async (cx) => {
      clock.autojumpThreshold = 0;
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(100_000);
          record.push("yawn");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          record.push("waiter woke");
          await cx.sleep(1_000_000);
          record.push("waiter done");
        });
      });
    }, { clock });
    expect(record).toEqual(["waiter woke", "yawn", "waiter done"]);
  });

  // trio test_mock_clock.py::test_mock_clock_autojump_0_and_wait_all_tasks_blocked_nonzero
  // (trio's cushion of 1 s is 50 ms here: the same order, a fast test)
  it("test_mock_clock_autojump_0_and_wait_all_tasks_blocked_nonzero", async () => {
    const clock = new MockClock();
    const record: string[] = [];
    await run(async (cx) => {
      clock.autojumpThreshold = 0;
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await cx.sleep(100_000);
          record.push("yawn");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 50);
          record.push("waiter done");
        });
      });
    }, { clock });
    expect(record).toEqual(["waiter done", "yawn"]);
  });
});

describe("trio test_testing.py: wait_all_tasks_blocked", () => {
  // trio test_testing.py::test_wait_all_tasks_blocked
  it("test_wait_all_tasks_blocked", async () => {
    let record: string[] = [];
    await run(async (cx) => {
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          for (let i = 0; i < 10; i++) await cx.checkpoint();
          record.push("busy bee exhausted");
        });
        const waitingForBeeToLeave = async (cx: Context) => {
          await waitAllTasksBlocked(cx);
          record.push("quiet at last!");
        };
        tg.startSoon(waitingForBeeToLeave);
        tg.startSoon(waitingForBeeToLeave);
      });
      expect(record).toEqual(["busy bee exhausted", "quiet at last!", "quiet at last!"]);

      // check cancellation
      record = [];
      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          try {
            await waitAllTasksBlocked(cx);
          } catch (e) {
            if (!(e instanceof Cancelled)) throw e;
            record.push("ok");
          }
        });
        tg.cancelScope.cancel();
      });
      expect(record).toEqual(["ok"]);
    });
  });

  // trio test_testing.py::test_wait_all_tasks_blocked_with_timeouts (the mock_clock fixture: no autojump)
  it("test_wait_all_tasks_blocked_with_timeouts", async () => {
    const clock = new MockClock();
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          record.push("tt start");
          await cx.sleep(5_000);
          record.push("tt finished");
        });
        await waitAllTasksBlocked(cx);
        expect(record).toEqual(["tt start"]);
        clock.jump(10_000);
        await waitAllTasksBlocked(cx);
        expect(record).toEqual(["tt start", "tt finished"]);
      }),
    { clock });
  });

  // trio test_testing.py::test_wait_all_tasks_blocked_with_cushion (real time,
  // as in trio; trio's 10 ms sleeps against 20/30 ms cushions are 5 ms sleeps
  // against 150/300 ms cushions here, so the order holds on a loaded machine)
  it("test_wait_all_tasks_blocked_with_cushion", async () => {
    const record: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          record.push("blink start");
          await cx.sleep(5);
          await cx.sleep(5);
          await cx.sleep(5);
          record.push("blink end");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          record.push("wait_no_cushion end");
        });
        const waitSmallCushion = async (cx: Context) => {
          await waitAllTasksBlocked(cx, 150);
          record.push("wait_small_cushion end");
        };
        tg.startSoon(waitSmallCushion);
        tg.startSoon(waitSmallCushion);
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx, 300);
          record.push("wait_big_cushion end");
        });
      }),
    );
    expect(record).toEqual([
      "blink start",
      "wait_no_cushion end",
      "blink end",
      "wait_small_cushion end",
      "wait_small_cushion end",
      "wait_big_cushion end",
    ]);
  });
});

describe("trio test_testing.py: assert_checkpoints", () => {
  // skein/testing has no assert_checkpoints; the conformance suite's own
  // (conformance/helpers/peer.ts), which the translated tests lean on, stands
  // in for it. trio's context manager is a function of the call here.

  // trio test_testing.py::test_assert_checkpoints
  it("test_assert_checkpoints", async () => {
    await run(async (cx) => {
      await assertCheckpoints(cx, (cx) => cx.checkpoint());
      await expect(assertCheckpoints(cx, async () => 1 + 1)).rejects.toThrow(/assertCheckpoints/);
      // partial yield cases: a schedule point but no cancel point, or the other
      // way round, is no checkpoint
      for (const partialYield of [async (cx: Context) => cx.checkpointIfCancelled(), shieldedCheckpoint]) {
        await expect(assertCheckpoints(cx, partialYield)).rejects.toThrow(/assertCheckpoints/);
      }
      // but both together count as a checkpoint
      await assertCheckpoints(cx, async (cx) => {
        cx.checkpointIfCancelled();
        await shieldedCheckpoint(cx);
      });
    });
  });

  // trio test_testing.py::test_assert_no_checkpoints
  it("test_assert_no_checkpoints", async () => {
    await run(async (cx) => {
      expect(await assertNoCheckpoints(cx, async () => 1 + 1)).toBe(2);
      await expect(assertNoCheckpoints(cx, (cx) => cx.checkpoint())).rejects.toThrow(/assertNoCheckpoints/);
      // partial yield cases: either half makes assert_no_checkpoints unhappy
      for (const partialYield of [async (cx: Context) => cx.checkpointIfCancelled(), shieldedCheckpoint]) {
        await expect(assertNoCheckpoints(cx, partialYield)).rejects.toThrow(/assertNoCheckpoints/);
      }
      // and both together too
      await expect(
        assertNoCheckpoints(cx, async (cx) => {
          cx.checkpointIfCancelled();
          await shieldedCheckpoint(cx);
        }),
      ).rejects.toThrow(/assertNoCheckpoints/);
    });
  });
});

/** trio and anyio test_Sequencer (the two are the same test). */
async function sequencerTest(): Promise<void> {
  const record: string[] = [];
  const t = (val: string) => void record.push(val);
  const f1 = async (cx: Context, seq: Sequencer) => {
    await seq.at(cx, 1, () => t("f1 1"));
    await seq.at(cx, 3, () => t("f1 3"));
    await seq.at(cx, 4, () => t("f1 4"));
  };
  const f2 = async (cx: Context, seq: Sequencer) => {
    await seq.at(cx, 0, () => t("f2 0"));
    await seq.at(cx, 2, () => t("f2 2"));
  };
  await run(async (cx) => {
    let seq = new Sequencer();
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => f1(cx, seq));
      tg.startSoon((cx) => f2(cx, seq));
      await seq.at(cx, 5, (cx) => waitAllTasksBlocked(cx));
      expect(record).toEqual(["f2 0", "f1 1", "f2 2", "f1 3", "f1 4"]);
    });

    seq = new Sequencer();
    // catches us if we try to reuse a sequence point (trio: RuntimeError)
    await seq.at(cx, 0, () => {});
    await expect(seq.at(cx, 0, () => {})).rejects.toBeInstanceOf(UsageError);
  });
}

/**
 * trio and anyio test_Sequencer_cancel (adapted: trio turns the cancelled
 * wait of step 1 into RuntimeError; Skein never turns a Cancelled into another
 * error, so step 1 sees Cancelled, which its scope absorbs, and the steps
 * that find the sequence broken get BrokenResourceError, not RuntimeError).
 */
async function sequencerCancelTest(): Promise<void> {
  // killing a blocked task makes everything blow up
  const record: string[] = [];
  const seq = new Sequencer();
  const child = async (cx: Context, i: number) => {
    const scope = new CancelScope();
    await cx.withCancelScope(scope, async (cx) => {
      if (i === 1) scope.cancel();
      try {
        await seq.at(cx, i, () => fail(`seq(${i}) body`));
      } catch (e) {
        if (e instanceof BrokenResourceError) record.push(`seq(${i}) BrokenResourceError`);
        else if (e instanceof Cancelled) {
          record.push(`seq(${i}) Cancelled`);
          throw e;
        } else throw e;
      }
    });
  };
  await run(async (cx) => {
    await cx.taskGroup(async (tg, cx) => {
      tg.startSoon((cx) => child(cx, 1));
      tg.startSoon((cx) => child(cx, 2));
      await seq.at(cx, 0, () => {});
    });
    expect(record).toEqual(["seq(1) Cancelled", "seq(2) BrokenResourceError"]);
    // late arrivals also get errors
    await expect(seq.at(cx, 3, () => fail("seq(3) body"))).rejects.toBeInstanceOf(BrokenResourceError);
  });
}

const fail = (what: string): never => {
  throw new Error(`should not run: ${what}`);
};

describe("trio test_testing.py: Sequencer", () => {
  // trio test_testing.py::test_Sequencer
  it("test_Sequencer", sequencerTest);
  // trio test_testing.py::test_Sequencer_cancel (adapted, see sequencerCancelTest)
  it("test_Sequencer_cancel", sequencerCancelTest);
});

describe("anyio tests/test_testing.py", () => {
  // anyio tests/test_testing.py::test_Sequencer
  it("test_Sequencer", sequencerTest);
  // anyio tests/test_testing.py::test_Sequencer_cancel (adapted, see sequencerCancelTest)
  it("test_Sequencer_cancel", sequencerCancelTest);
});

describe("trio test_testing.py: memory streams", () => {
  // trio test_testing.py::test_MemorySendStream (adapted: hooks are
  // properties, not constructor arguments; no wait_send_all_might_not_block;
  // close() takes no context, so it is no checkpoint; the close hook runs on
  // the first close only, as close is idempotent)
  it("test_MemorySendStream", async () => {
    await run(async (cx) => {
      const mss = new MemorySendStream();
      const doSendAll = (data: string) => assertCheckpoints(cx, (cx) => mss.send(cx, bytes(data)));

      await doSendAll("123");
      expect(text(mss.getDataNowait(1))).toBe("1");
      expect(text(mss.getDataNowait())).toBe("23");

      expect(() => mss.getDataNowait()).toThrow(WouldBlock);
      expect(() => mss.getDataNowait(10)).toThrow(WouldBlock);

      await doSendAll("456");
      expect(text(await assertCheckpoints(cx, (cx) => mss.getData(cx)))).toBe("456");

      // two sends at once: one gets BusyResourceError, one succeeds (trio's
      // sends run inside assert_checkpoints; plain sends here, so that
      // assertCheckpoints' two calls per send do not add sends of their own)
      let resourceBusyCount = 0;
      await cx.taskGroup(async (tg) => {
        for (let i = 0; i < 2; i++) {
          tg.startSoon(async (cx) => {
            try {
              await mss.send(cx, bytes("xxx"));
            } catch (e) {
              if (!(e instanceof BusyResourceError)) throw e;
              resourceBusyCount++;
            }
          });
        }
      });
      expect(resourceBusyCount).toBe(1);

      await mss.close();

      expect(text(await mss.getData(cx))).toBe("xxx");
      expect(text(await mss.getData(cx))).toBe("");
      await expect(doSendAll("---")).rejects.toBeInstanceOf(ClosedResourceError);

      // hooks
      expect(mss.sendHook).toBeNull();
      expect(mss.closeHook).toBeNull();

      const record: string[] = [];
      const mss2 = new MemorySendStream();
      const sendAllHook = async () => {
        // the hook runs after send did its work (it can pull the data out)
        expect(text(mss2.getDataNowait())).toBe("abc");
        record.push("send_all_hook");
      };
      const closeHook = () => void record.push("close_hook");
      mss2.sendHook = sendAllHook;
      mss2.closeHook = closeHook;
      expect(mss2.sendHook).toBe(sendAllHook);
      expect(mss2.closeHook).toBe(closeHook);

      await mss2.send(cx, bytes("abc"));
      await mss2.close(); // trio: aclose_forcefully(mss2)
      await mss2.close(); // trio: mss2.close()
      expect(record).toEqual(["send_all_hook", "close_hook"]);
    });
  });

  // trio test_testing.py::test_MemoryReceiveStream (adapted: hooks are
  // properties; EndOfStream for trio's b""; close() is no checkpoint)
  it("test_MemoryReceiveStream", async () => {
    await run(async (cx) => {
      const mrs = new MemoryReceiveStream();
      const doReceiveSome = (maxBytes?: number, tcx: Context = cx) => assertCheckpoints(tcx, (cx) => mrs.receive(cx, maxBytes));

      mrs.putData(bytes("abc"));
      expect(text(await doReceiveSome(1))).toBe("a");
      expect(text(await doReceiveSome(10))).toBe("bc");
      mrs.putData(bytes("abc"));
      expect(text(await doReceiveSome(undefined))).toBe("abc");

      // one error out of a task group is that error
      await expect(
        cx.taskGroup(async (tg) => {
          tg.startSoon((cx) => doReceiveSome(10, cx));
          tg.startSoon((cx) => doReceiveSome(10, cx));
        }),
      ).rejects.toBeInstanceOf(BusyResourceError);

      expect(mrs.receiveHook).toBeNull();

      mrs.putData(bytes("def"));
      mrs.putEof();
      mrs.putEof();

      expect(text(await doReceiveSome(10))).toBe("def");
      expect(await assertCheckpoints(cx, failing((cx) => mrs.receive(cx, 10)))).toBeInstanceOf(EndOfStream);
      expect(await assertCheckpoints(cx, failing((cx) => mrs.receive(cx, 10)))).toBeInstanceOf(EndOfStream);

      expect(() => mrs.putData(bytes("---"))).toThrow(ClosedResourceError);

      const record: string[] = [];
      const mrs2 = new MemoryReceiveStream();
      const receiveSomeHook = async () => void mrs2.putData(bytes("xxx"));
      const closeHook = () => void record.push("closed");
      mrs2.receiveHook = receiveSomeHook;
      mrs2.closeHook = closeHook;
      expect(mrs2.receiveHook).toBe(receiveSomeHook);
      expect(mrs2.closeHook).toBe(closeHook);

      mrs2.putData(bytes("yyy"));
      expect(text(await mrs2.receive(cx, 10))).toBe("yyyxxx");
      expect(text(await mrs2.receive(cx, 10))).toBe("xxx");
      expect(text(await mrs2.receive(cx, 10))).toBe("xxx");

      mrs2.putData(bytes("zzz"));
      mrs2.receiveHook = null;
      expect(text(await mrs2.receive(cx, 10))).toBe("zzz");

      mrs2.putData(bytes("lost on close"));
      await mrs2.close();
      expect(record).toEqual(["closed"]);

      await expect(mrs2.receive(cx, 10)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  // trio test_testing.py::test_MemoryRecvStream_closing
  it("test_MemoryRecvStream_closing", async () => {
    await run(async (cx) => {
      const mrs = new MemoryReceiveStream();
      // close with no pending data
      await mrs.close();
      await expect(mrs.receive(cx, 10)).rejects.toBeInstanceOf(ClosedResourceError);
      // repeated closes ok
      await mrs.close();
      // put_data now fails
      expect(() => mrs.putData(bytes("123"))).toThrow(ClosedResourceError);

      const mrs2 = new MemoryReceiveStream();
      // close with pending data
      mrs2.putData(bytes("xyz"));
      await mrs2.close();
      await expect(mrs2.receive(cx, 10)).rejects.toBeInstanceOf(ClosedResourceError);
    });
  });

  // trio test_testing.py::test_memory_stream_one_way_pair (adapted: Skein's
  // pair shares one buffer instead of pumping through hooks, so its hooks are
  // all null, and the part that unsets send_all_hook to stop the pump is left
  // out; trio's b"" at the end is EndOfStream)
  it("test_memory_stream_one_way_pair", async () => {
    await run(async (cx) => {
      let [s, r] = memoryStreamOneWayPair();
      expect(s.sendHook).toBeNull();
      expect(s.closeHook).toBeNull();
      expect(r.receiveHook).toBeNull();
      await s.send(cx, bytes("123"));
      expect(text(await r.receive(cx, 10))).toBe("123");

      const receiver = (expected: string | typeof EndOfStream) => async (cx: Context) => {
        if (typeof expected === "string") expect(text(await r.receive(cx, 10))).toBe(expected);
        else expect(await errorOf(r.receive(cx, 10))).toBeInstanceOf(expected);
      };

      // a receiver already waiting gets what is sent
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(receiver("abc"));
        await waitAllTasksBlocked(cx);
        await s.send(cx, bytes("abc"));
      });

      // and the end of the stream when the sender closes
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(receiver(EndOfStream));
        await waitAllTasksBlocked(cx);
        await s.close();
      });

      [s, r] = memoryStreamOneWayPair();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(receiver(EndOfStream));
        await waitAllTasksBlocked(cx);
        void s.close(); // trio: the synchronous s.close()
      });
    });
  });

  // trio test_testing.py::test_memory_stream_pair
  it("test_memory_stream_pair", async () => {
    await run(async (cx) => {
      const [a, b] = memoryStreamPair();
      await a.send(cx, bytes("123"));
      await b.send(cx, bytes("abc"));
      expect(text(await b.receive(cx, 10))).toBe("123");
      expect(text(await a.receive(cx, 10))).toBe("abc");

      await a.sendEof(cx);
      await expect(b.receive(cx, 10)).rejects.toBeInstanceOf(EndOfStream);

      await cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          expect(text(await a.receive(cx, 10))).toBe("xyz");
        });
        tg.startSoon(async (cx) => {
          await waitAllTasksBlocked(cx);
          await b.send(cx, bytes("xyz"));
        });
      });
    });
  });

  // trio test_testing.py::test_memory_streams_with_generic_tests
  it("test_memory_streams_with_generic_tests", async () => {
    await run(async (cx) => {
      await checkOneWayStream(cx, async () => memoryStreamOneWayPair(), undefined);
      await checkHalfCloseableStream(cx, async () => memoryStreamPair(), undefined);
    });
  });

  // trio test_testing.py::test_lockstep_streams_with_generic_tests
  it("test_lockstep_streams_with_generic_tests", async () => {
    await run(async (cx) => {
      const oneWayStreamMaker = async () => lockstepStreamOneWayPair();
      await checkOneWayStream(cx, oneWayStreamMaker, oneWayStreamMaker);
      const twoWayStreamMaker = async () => lockstepStreamPair();
      await checkTwoWayStream(cx, twoWayStreamMaker, twoWayStreamMaker);
    });
  });
});

describe("trio test_highlevel_generic.py", () => {
  type Entry = string | [string, unknown];
  class RecordSendStream implements ByteSendStream {
    record: Entry[] = [];
    async send(_cx: Context, data: Uint8Array): Promise<void> {
      this.record.push(["send_all", data]);
    }
    async close(): Promise<void> {
      this.record.push("aclose");
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }
  class RecordReceiveStream implements ByteReceiveStream {
    record: Entry[] = [];
    async receive(_cx: Context, maxBytes?: number): Promise<Uint8Array> {
      this.record.push(["receive_some", maxBytes]);
      return new Uint8Array(0);
    }
    async close(): Promise<void> {
      this.record.push("aclose");
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }

  // trio test_highlevel_generic.py::test_StapledStream (Skein's
  // StapledByteStream; no wait_send_all_might_not_block)
  it("test_StapledStream", async () => {
    const sendStream = new RecordSendStream();
    const receiveStream = new RecordReceiveStream();
    const stapled = new StapledByteStream(sendStream, receiveStream);

    expect(stapled.sendStream).toBe(sendStream);
    expect(stapled.receiveStream).toBe(receiveStream);

    await run(async (cx) => {
      const foo = bytes("foo");
      await stapled.send(cx, foo);
      expect(sendStream.record).toEqual([["send_all", foo]]);
      sendStream.record.length = 0;

      await stapled.sendEof(cx);
      expect(sendStream.record).toEqual(["aclose"]);
      sendStream.record.length = 0;
      expect(receiveStream.record).toEqual([]);

      await stapled.receive(cx, 1234);
      expect(receiveStream.record).toEqual([["receive_some", 1234]]);
      expect(sendStream.record).toEqual([]);
      receiveStream.record.length = 0;

      await stapled.close();
      expect(receiveStream.record).toEqual(["aclose"]);
      expect(sendStream.record).toEqual(["aclose"]);
      sendStream.record.length = 0;
      receiveStream.record.length = 0;

      // A send half that can half-close itself gets its own sendEof, not a
      // close: it stays open, and so does its other direction.
      class SendStreamWithEof extends RecordSendStream implements HalfCloseableStream {
        async sendEof(_cx: Context): Promise<void> {
          this.record.push("send_eof");
        }
        async receive(_cx: Context): Promise<Uint8Array> {
          return new Uint8Array(0);
        }
      }
      const sendStreamWithEof = new SendStreamWithEof();
      const stapled2 = new StapledByteStream(sendStreamWithEof, receiveStream);
      await stapled2.sendEof(cx);
      expect(sendStreamWithEof.record).toEqual(["send_eof"]);
    });
  });

  // trio test_highlevel_generic.py::test_StapledStream_with_erroring_close
  // (adapted: trio raises the second error with the first as its
  // __context__; JavaScript has no such chaining, so both leave together in
  // one AggregateError, in the order the halves were closed)
  it("test_StapledStream_with_erroring_close", async () => {
    // if one of the close methods fails, the other one still gets called
    class BrokenSendStream extends RecordSendStream {
      override async close(): Promise<void> {
        await super.close();
        throw new RangeError("send error");
      }
    }
    class BrokenReceiveStream extends RecordReceiveStream {
      override async close(): Promise<void> {
        await super.close();
        throw new RangeError("recv error");
      }
    }
    const sendStream = new BrokenSendStream();
    const receiveStream = new BrokenReceiveStream();
    const stapled = new StapledByteStream(sendStream, receiveStream);

    const error = await errorOf(stapled.close());
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(["send error", "recv error"]);

    expect(sendStream.record).toEqual(["aclose"]);
    expect(receiveStream.record).toEqual(["aclose"]);
  });
});
