// trio's and anyio's own tests of memory channels and stream wrappers,
// translated to Skein: trio src/trio/_tests/test_channel.py (memory
// channels) and anyio tests/streams/test_memory.py, test_buffered.py,
// test_stapled.py and test_text.py. Each test names its source. trio's
// `open_memory_channel` is Skein's `createMemoryObjectStream` (EndOfChannel is
// EndOfStream, `aclose()` is `close()`, `async for` is `iterate(cx)`); one
// error out of a task group is that error, not an ExceptionGroup of one.
import { describe, expect, it } from "vitest";
import {
  BrokenResourceError,
  BufferedByteReceiveStream,
  type ByteReceiveStream,
  type ByteSendStream,
  Cancelled,
  CancelScope,
  ClosedResourceError,
  type Context,
  createMemoryObjectStream,
  EndOfStream,
  IncompleteRead,
  type MemoryObjectReceiveStream,
  type ObjectReceiveStream,
  type ObjectSendStream,
  run,
  StapledByteStream,
  StapledObjectStream,
  TextReceiveStream,
  TextSendStream,
  TextStream,
  WouldBlock,
} from "skein";
import { MockClock, waitAllTasksBlocked } from "skein/testing";
import { assertCancelPointOnly } from "../helpers/peer.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const hex = (...b: number[]) => new Uint8Array(b);

/** Rejections of `promise`, or "no error". */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (e: unknown) => e,
  );

describe("trio test_channel.py", () => {
  // trio test_channel.py::test_channel
  it("test_channel", async () => {
    expect(() => createMemoryObjectStream(1.5)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(-1)).toThrow(/maxBufferSize/);
    await run(async (cx) => {
      const [s, r] = createMemoryObjectStream<number | string | null>(2);
      s.sendNowait(1);
      // trio: `with assert_checkpoints(): await s.send(2)` and `... r.receive()`. A send or
      // receive that need not wait is a cancel point but no schedule point in Skein, by design
      // (docs/guide.md section 8): it yields only once the run has held the event loop ~1 ms.
      await assertCancelPointOnly(cx, (cx) => s.send(cx, 2));
      expect(() => s.sendNowait(null)).toThrow(WouldBlock);

      expect(await assertCancelPointOnly(cx, (cx) => r.receive(cx))).toBe(1);
      expect(r.receiveNowait()).toBe(2);
      expect(() => r.receiveNowait()).toThrow(WouldBlock);

      s.sendNowait("last");
      s.close();
      expect(() => s.send(cx, "too late")).toThrow(ClosedResourceError);
      expect(() => s.sendNowait("too late")).toThrow(ClosedResourceError);
      expect(() => s.clone()).toThrow(ClosedResourceError);
      s.close();

      expect(r.receiveNowait()).toBe("last");
      await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
      r.close();
      expect(() => r.receive(cx)).toThrow(ClosedResourceError);
      expect(() => r.receiveNowait()).toThrow(ClosedResourceError);
      r.close();
    });
  });

  // trio test_channel.py::test_553
  it("test_553", async () => {
    await run(
      async (cx) => {
        const [s, r] = createMemoryObjectStream<string>(1);
        const result = await cx.moveOnAfter(10_000, (cx) => r.receive(cx));
        expect(result.cancelled).toBe(true);
        await s.send(cx, "Test for PR #553");
        expect(r.receiveNowait()).toBe("Test for PR #553");
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
  });

  // trio test_channel.py::test_channel_multiple_producers
  it("test_channel_multiple_producers", async () => {
    const got: number[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(0);
        // We hand out clones to all the new producers, and then close the original.
        using _send = send;
        for (let i = 0; i < 10; i++)
          tg.startSoon(async (cx, mine) => {
            using _mine = mine;
            for (let j = 3 * i; j < 3 * (i + 1); j++) await mine.send(cx, j);
          }, send.clone());
        send.close();
        for await (const value of receive.iterate(cx)) got.push(value);
      }),
    );
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  // trio test_channel.py::test_channel_multiple_consumers
  it("test_channel_multiple_consumers", async () => {
    const successfulReceivers = new Set<number>();
    const received: number[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const [send, receive] = createMemoryObjectStream<number>(1);
        for (let i = 0; i < 5; i++)
          tg.startSoon(async (cx) => {
            for await (const value of receive.iterate(cx)) {
              successfulReceivers.add(i);
              received.push(value);
            }
          });
        await waitAllTasksBlocked(cx);
        for (let i = 0; i < 10; i++) await send.send(cx, i);
        send.close();
      }),
    );
    expect(successfulReceivers).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(received).toHaveLength(10);
    expect(new Set(received)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
  });

  // trio test_channel.py::test_close_basics and ::test_close_sync (Skein's close() is synchronous: one test for both)
  for (const name of ["test_close_basics", "test_close_sync"]) {
    // trio test_channel.py::test_close_basics / test_close_sync
    it(name, async () => {
      await run(async (cx) => {
        // closing send -> other send gets ClosedResourceError
        let [s, r] = createMemoryObjectStream<null>(0);
        const s1 = s;
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => expect(await outcome(s1.send(cx, null))).toBeInstanceOf(ClosedResourceError));
          await waitAllTasksBlocked(cx);
          s1.close();
        });
        // and it's persistent
        expect(() => s.sendNowait(null)).toThrow(ClosedResourceError);
        expect(() => s.send(cx, null)).toThrow(ClosedResourceError);
        // and receive gets EndOfStream
        expect(() => r.receiveNowait()).toThrow(EndOfStream);
        await expect(r.receive(cx)).rejects.toBeInstanceOf(EndOfStream);

        // closing receive -> send gets BrokenResourceError
        [s, r] = createMemoryObjectStream<null>(0);
        const [s2, r2] = [s, r];
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => expect(await outcome(s2.send(cx, null))).toBeInstanceOf(BrokenResourceError));
          await waitAllTasksBlocked(cx);
          r2.close();
        });
        // and it's persistent
        expect(() => s.sendNowait(null)).toThrow(BrokenResourceError);
        await expect(s.send(cx, null)).rejects.toBeInstanceOf(BrokenResourceError);

        // closing receive -> other receive gets ClosedResourceError
        const [, r3] = createMemoryObjectStream<null>(0);
        await cx.taskGroup(async (tg, cx) => {
          tg.startSoon(async (cx) => expect(await outcome(r3.receive(cx))).toBeInstanceOf(ClosedResourceError));
          await waitAllTasksBlocked(cx);
          r3.close();
        });
        // and it's persistent
        expect(() => r3.receiveNowait()).toThrow(ClosedResourceError);
        expect(() => r3.receive(cx)).toThrow(ClosedResourceError);
      });
    });
  }

  // trio test_channel.py::test_receive_channel_clone_and_close
  it("test_receive_channel_clone_and_close", () => {
    const [s, r] = createMemoryObjectStream<null>(10);
    const r2 = r.clone();
    const r3 = r.clone();
    s.sendNowait(null);
    r.close();
    {
      using _r2 = r2;
    }
    expect(() => r.clone()).toThrow(ClosedResourceError);
    expect(() => r2.clone()).toThrow(ClosedResourceError);
    // Can still send, r3 is still open
    s.sendNowait(null);
    r3.close();
    // But now the receiver is really closed
    expect(() => s.sendNowait(null)).toThrow(BrokenResourceError);
  });

  // trio test_channel.py::test_close_multiple_send_handles
  it("test_close_multiple_send_handles", async () => {
    // With multiple send handles, closing one handle only wakes senders on
    // that handle, but others can continue just fine
    await run(async (cx) => {
      const [s1, r] = createMemoryObjectStream<string>(0);
      const s2 = s1.clone();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => expect(await outcome(s1.send(cx, "nope"))).toBeInstanceOf(ClosedResourceError));
        tg.startSoon((cx) => s2.send(cx, "ok"));
        await waitAllTasksBlocked(cx);
        s1.close();
        expect(await r.receive(cx)).toBe("ok");
      });
    });
  });

  // trio test_channel.py::test_close_multiple_receive_handles
  it("test_close_multiple_receive_handles", async () => {
    // With multiple receive handles, closing one handle only wakes receivers
    // on that handle, but others can continue just fine
    await run(async (cx) => {
      const [s, r1] = createMemoryObjectStream<string>(0);
      const r2 = r1.clone();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => expect(await outcome(r1.receive(cx))).toBeInstanceOf(ClosedResourceError));
        tg.startSoon(async (cx) => expect(await r2.receive(cx)).toBe("ok"));
        await waitAllTasksBlocked(cx);
        r1.close();
        await s.send(cx, "ok");
      });
    });
  });

  // trio test_channel.py::test_close_multiple_receive_handles, receiving with
  // `iterate(cx)` (trio's `async for`): the closed handle's step fails too
  it("test_close_multiple_receive_handles[iterate]", async () => {
    await run(async (cx) => {
      const [s, r1] = createMemoryObjectStream<string>(0);
      const r2 = r1.clone();
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          const steps = r1.iterate(cx);
          expect(await outcome(steps.next())).toBeInstanceOf(ClosedResourceError);
          expect(await steps.next()).toEqual({ done: true, value: undefined }); // the iteration is finished
        });
        tg.startSoon(async (cx) => {
          for await (const item of r2.iterate(cx)) expect(item).toBe("ok");
        });
        await waitAllTasksBlocked(cx);
        r1.close();
        await s.send(cx, "ok");
        s.close();
      });
    });
  });

  // trio test_channel.py::test_inf_capacity
  it("test_inf_capacity", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<number>(Infinity);
      // It's accepted, and we can send all day without blocking
      {
        using _send = send;
        for (let i = 0; i < 10; i++) send.sendNowait(i);
      }
      const got: number[] = [];
      for await (const i of receive.iterate(cx)) got.push(i);
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  // trio test_channel.py::test_statistics
  it("test_statistics", async () => {
    await run(async (cx) => {
      const [s, r] = createMemoryObjectStream<null>(2);
      expect(s.statistics()).toEqual(r.statistics());
      expect(s.statistics()).toEqual({
        currentBufferUsed: 0,
        maxBufferSize: 2,
        openSendStreams: 1,
        openReceiveStreams: 1,
        tasksWaitingSend: 0,
        tasksWaitingReceive: 0,
      });
      s.sendNowait(null);
      expect(s.statistics().currentBufferUsed).toBe(1);

      const s2 = s.clone();
      expect(s.statistics().openSendStreams).toBe(2);
      s.close();
      expect(s2.statistics().openSendStreams).toBe(1);

      const r2 = r.clone();
      expect(s2.statistics().openReceiveStreams).toBe(2);
      r2.close();
      expect(s2.statistics().openReceiveStreams).toBe(1);

      await cx.taskGroup(async (tg, cx) => {
        s2.sendNowait(null); // fill up the buffer
        expect(s.statistics().currentBufferUsed).toBe(2);
        tg.startSoon((cx) => s2.send(cx, null));
        tg.startSoon((cx) => s2.send(cx, null));
        await waitAllTasksBlocked(cx);
        expect(s.statistics().tasksWaitingSend).toBe(2);
        tg.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingSend).toBe(0);

      // empty out the buffer again
      for (;;) {
        try {
          r.receiveNowait();
        } catch (error) {
          expect(error).toBeInstanceOf(WouldBlock);
          break;
        }
      }

      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => r.receive(cx));
        await waitAllTasksBlocked(cx);
        expect(s.statistics().tasksWaitingReceive).toBe(1);
        tg.cancelScope.cancel();
      });
      expect(s.statistics().tasksWaitingReceive).toBe(0);
    });
  });

  // trio test_channel.py::test_channel_fairness
  it("test_channel_fairness", async () => {
    await run(async (cx) => {
      // We can remove an item we just sent, and send an item back in after,
      // if no-one else is waiting.
      let [s, r] = createMemoryObjectStream<number | null>(1);
      s.sendNowait(1);
      expect(r.receiveNowait()).toBe(1);
      s.sendNowait(2);
      expect(r.receiveNowait()).toBe(2);

      // But if someone else is waiting to receive, then they "own" the item
      // we send, so we can't receive it (even though we run first):
      let result: number | null = null;
      const r1 = r;
      const s1 = s;
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => void (result = await r1.receive(cx)));
        await waitAllTasksBlocked(cx);
        s1.sendNowait(2);
        expect(() => r1.receiveNowait()).toThrow(WouldBlock);
      });
      expect(result).toBe(2);

      // And the analogous situation for send: if we free up a space, we
      // can't immediately send something in it if someone is already waiting
      [s, r] = createMemoryObjectStream<number | null>(1);
      const [s2, r2] = [s, r];
      s2.sendNowait(1);
      expect(() => s2.sendNowait(null)).toThrow(WouldBlock);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => s2.send(cx, 2));
        await waitAllTasksBlocked(cx);
        expect(r2.receiveNowait()).toBe(1);
        expect(() => s2.sendNowait(3)).toThrow(WouldBlock);
        expect(await r2.receive(cx)).toBe(2);
      });
    });
  });

  // trio test_channel.py::test_unbuffered
  it("test_unbuffered", async () => {
    await run(async (cx) => {
      const [s, r] = createMemoryObjectStream<number>(0);
      expect(() => r.receiveNowait()).toThrow(WouldBlock);
      expect(() => s.sendNowait(1)).toThrow(WouldBlock);
      // trio: the sender's `send` and the receiver's `receive` are each inside assert_checkpoints.
      // In Skein both are cancel points but, by design (docs/guide.md section 8), no schedule
      // points: the one that finds its peer waiting completes at once, and the one that waited
      // is woken as one of the run's steps, without the run's tick.
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => assertCancelPointOnly(cx, (cx) => s.send(cx, 1)));
        expect(await assertCancelPointOnly(cx, (cx) => r.receive(cx))).toBe(1);
      });
      expect(() => r.receiveNowait()).toThrow(WouldBlock);
    });
  });
});

describe("anyio tests/streams/test_memory.py", () => {
  // anyio test_memory.py::test_invalid_max_buffer (1.0 is an integer in JavaScript: 1.5)
  it("test_invalid_max_buffer", () => {
    expect(() => createMemoryObjectStream(1.5)).toThrow(RangeError);
    expect(() => createMemoryObjectStream("1" as never)).toThrow(TypeError);
  });

  // anyio test_memory.py::test_negative_max_buffer
  it("test_negative_max_buffer", () => {
    expect(() => createMemoryObjectStream(-1)).toThrow(RangeError);
    expect(() => createMemoryObjectStream(-1)).toThrow(/maxBufferSize/);
  });

  // anyio test_memory.py::test_receive_then_send
  it("test_receive_then_send", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          received.push(await receive.receive(cx));
          received.push(await receive.receive(cx));
        });
        await waitAllTasksBlocked(cx);
        await send.send(cx, "hello");
        await send.send(cx, "anyio");
      }),
    );
    expect(received).toEqual(["hello", "anyio"]);
    send.close();
    receive.close();
  });

  // anyio test_memory.py::test_receive_then_send_nowait
  it("test_receive_then_send_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    const received: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => void received.push(await receive.receive(cx)));
        tg.startSoon(async (cx) => void received.push(await receive.receive(cx)));
        await waitAllTasksBlocked(cx);
        send.sendNowait("hello");
        send.sendNowait("anyio");
      }),
    );
    expect(received.sort().reverse()).toEqual(["hello", "anyio"]);
  });

  // anyio test_memory.py::test_send_then_receive_nowait
  it("test_send_then_receive_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(0);
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => send.send(cx, "hello"));
        await waitAllTasksBlocked(cx);
        expect(receive.receiveNowait()).toBe("hello");
      }),
    );
  });

  // anyio test_memory.py::test_send_is_unblocked_after_receive_nowait
  it("test_send_is_unblocked_after_receive_nowait", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    send.sendNowait("hello");
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => send.send(cx, "anyio"));
        await waitAllTasksBlocked(cx);
        expect(receive.receiveNowait()).toBe("hello");
      }),
    );
    expect(receive.receiveNowait()).toBe("anyio");
  });

  // anyio test_memory.py::test_send_nowait_then_receive_nowait
  it("test_send_nowait_then_receive_nowait", () => {
    const [send, receive] = createMemoryObjectStream<string>(2);
    send.sendNowait("hello");
    send.sendNowait("anyio");
    expect(receive.receiveNowait()).toBe("hello");
    expect(receive.receiveNowait()).toBe("anyio");
  });

  // anyio test_memory.py::test_iterate
  it("test_iterate", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    const received: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          for await (const item of receive.iterate(cx)) received.push(item);
        });
        await send.send(cx, "hello");
        await send.send(cx, "anyio");
        send.close();
      }),
    );
    expect(received).toEqual(["hello", "anyio"]);
  });

  // anyio test_memory.py::test_receive_send_closed_send_stream
  it("test_receive_send_closed_send_stream", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<null>();
      send.close();
      expect(() => receive.receiveNowait()).toThrow(EndOfStream);
      expect(() => send.send(cx, null)).toThrow(ClosedResourceError);
    });
  });

  // anyio test_memory.py::test_receive_send_closed_receive_stream
  it("test_receive_send_closed_receive_stream", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<null>();
      receive.close();
      expect(() => receive.receiveNowait()).toThrow(ClosedResourceError);
      await expect(send.send(cx, null)).rejects.toBeInstanceOf(BrokenResourceError);
    });
  });

  // anyio test_memory.py::test_cancel_receive
  it("test_cancel_receive", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => receive.receive(cx));
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      }),
    );
    expect(() => send.sendNowait("hello")).toThrow(WouldBlock);
  });

  // anyio test_memory.py::test_cancel_send
  it("test_cancel_send", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => send.send(cx, "hello"));
        await waitAllTasksBlocked(cx);
        tg.cancelScope.cancel();
      }),
    );
    expect(() => receive.receiveNowait()).toThrow(WouldBlock);
  });

  // anyio test_memory.py::test_clone
  it("test_clone", () => {
    const [send1, receive1] = createMemoryObjectStream<string>(1);
    const send2 = send1.clone();
    const receive2 = receive1.clone();
    send1.close();
    receive1.close();
    send2.sendNowait("hello");
    expect(receive2.receiveNowait()).toBe("hello");
  });

  // anyio test_memory.py::test_clone_closed
  it("test_clone_closed", () => {
    const [send, receive] = createMemoryObjectStream<never>(1);
    send.close();
    receive.close();
    expect(() => send.clone()).toThrow(ClosedResourceError);
    expect(() => receive.clone()).toThrow(ClosedResourceError);
  });

  // anyio test_memory.py::test_close_send_while_receiving (one error: EndOfStream itself, not a group of one)
  it("test_close_send_while_receiving", async () => {
    const [send, receive] = createMemoryObjectStream<never>(1);
    const error = await outcome(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) => receive.receive(cx));
          await waitAllTasksBlocked(cx);
          send.close();
        }),
      ),
    );
    expect(error).toBeInstanceOf(EndOfStream);
  });

  // anyio test_memory.py::test_close_receive_while_sending (one error: BrokenResourceError itself)
  it("test_close_receive_while_sending", async () => {
    // We send undefined here as a regression test for anyio #731
    const [send, receive] = createMemoryObjectStream<undefined>(0);
    const error = await outcome(
      run((cx) =>
        cx.taskGroup(async (tg, cx) => {
          tg.startSoon((cx) => send.send(cx, undefined));
          await waitAllTasksBlocked(cx);
          receive.close();
        }),
      ),
    );
    expect(error).toBeInstanceOf(BrokenResourceError);
  });

  // anyio test_memory.py::test_receive_after_send_closed
  it("test_receive_after_send_closed", async () => {
    await run(async (cx) => {
      const [send, receive] = createMemoryObjectStream<string>(1);
      await send.send(cx, "hello");
      send.close();
      expect(await receive.receive(cx)).toBe("hello");
    });
  });

  // anyio test_memory.py::test_receive_when_cancelled
  it("test_receive_when_cancelled", async () => {
    const [send, receive] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon((cx) => send.send(cx, "hello"));
        await waitAllTasksBlocked(cx);
        tg.startSoon((cx) => send.send(cx, "world"));
        await waitAllTasksBlocked(cx);
        const scope = new CancelScope();
        await cx.withCancelScope(scope, async (cx) => {
          scope.cancel();
          await receive.receive(cx);
        });
        expect(await receive.receive(cx)).toBe("hello");
        expect(await receive.receive(cx)).toBe("world");
      }),
    );
  });

  // anyio test_memory.py::test_send_when_cancelled
  it("test_send_when_cancelled", async () => {
    const received: string[] = [];
    const [send, receive] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => void received.push(await receive.receive(cx)));
        const scope = new CancelScope();
        await cx.withCancelScope(scope, async (cx) => {
          scope.cancel();
          await send.send(cx, "hello");
        });
        await send.send(cx, "world");
      }),
    );
    expect(received).toEqual(["world"]);
  });

  // anyio test_memory.py::test_cancel_during_receive
  it("test_cancel_during_receive", async () => {
    const received: string[] = [];
    const [send, receive] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg, cx) => {
        const receiverScope = await tg.start<CancelScope>(cx, async (cx) => {
          const scope = new CancelScope();
          await cx.withCancelScope(scope, async (cx) => {
            cx.started(scope);
            received.push(await receive.receive(cx));
          });
          expect(scope.cancelCalled).toBe(true);
        });
        await waitAllTasksBlocked(cx);
        send.sendNowait("hello");
        receiverScope.cancel();
      }),
    );
    expect(received).toEqual(["hello"]);
  });

  // anyio test_memory.py::test_cancel_during_receive_buffered
  it("test_cancel_during_receive_buffered", async () => {
    const [send, receive] = createMemoryObjectStream<string>(1);
    await run(async (cx) => {
      await cx.taskGroup(async (tg, cx) => {
        const scope = await tg.start<CancelScope>(cx, async (cx) => {
          const scope = new CancelScope();
          await cx.withCancelScope(scope, async (cx) => {
            cx.started(scope);
            await receive.receive(cx);
          });
        });
        await waitAllTasksBlocked(cx);
        scope.cancel();
        send.sendNowait("item");
      });
      // Since the item was not sent to the cancelled task, it is available here
      expect(receive.receiveNowait()).toBe("item");
    });
  });

  // anyio test_memory.py::test_close_receive_after_send
  it("test_close_receive_after_send", async () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<string>();
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          using _s = sendStream;
          await sendStream.send(cx, "test");
        });
        tg.startSoon(async (cx) => {
          using _r = receiveStream;
          expect(await receiveStream.receive(cx)).toBe("test");
        });
      }),
    );
  });

  // anyio test_memory.py::test_statistics
  it("test_statistics", async () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<null>(1);
    const streams = [sendStream, receiveStream];
    for (const stream of streams)
      expect(stream.statistics()).toEqual({
        maxBufferSize: 1,
        currentBufferUsed: 0,
        openSendStreams: 1,
        openReceiveStreams: 1,
        tasksWaitingSend: 0,
        tasksWaitingReceive: 0,
      });
    await run(async (cx) => {
      for (const stream of streams) {
        await cx.taskGroup(async (tg, cx) => {
          // tasksWaitingSend
          sendStream.sendNowait(null);
          expect(stream.statistics().currentBufferUsed).toBe(1);
          tg.startSoon((cx) => sendStream.send(cx, null));
          await waitAllTasksBlocked(cx);
          expect(stream.statistics().currentBufferUsed).toBe(1);
          expect(stream.statistics().tasksWaitingSend).toBe(1);
          receiveStream.receiveNowait();
          expect(stream.statistics().currentBufferUsed).toBe(1);
          expect(stream.statistics().tasksWaitingSend).toBe(0);
          receiveStream.receiveNowait();
          expect(stream.statistics().currentBufferUsed).toBe(0);

          // tasksWaitingReceive
          tg.startSoon((cx) => receiveStream.receive(cx));
          await waitAllTasksBlocked(cx);
          expect(stream.statistics().tasksWaitingReceive).toBe(1);
          sendStream.sendNowait(null);
          expect(stream.statistics().tasksWaitingReceive).toBe(0);
        });

        await cx.taskGroup(async (tg, cx) => {
          sendStream.sendNowait(null);
          expect(stream.statistics().tasksWaitingSend).toBe(0);
          for (let i = 0; i < 3; i++) tg.startSoon((cx) => sendStream.send(cx, null));
          await waitAllTasksBlocked(cx);
          expect(stream.statistics().tasksWaitingSend).toBe(3);
          for (let i = 2; i > -1; i--) {
            receiveStream.receiveNowait();
            expect(stream.statistics().tasksWaitingSend).toBe(i);
          }
          receiveStream.receiveNowait();
        });
        expect(stream.statistics().currentBufferUsed).toBe(0);
        expect(stream.statistics().tasksWaitingSend).toBe(0);
        expect(stream.statistics().tasksWaitingReceive).toBe(0);
      }
    });
  });

  // anyio test_memory.py::test_sync_close
  it("test_sync_close", () => {
    const [sendStream, receiveStream] = createMemoryObjectStream<null>(1);
    {
      using _s = sendStream;
      using _r = receiveStream;
    }
    expect(() => sendStream.sendNowait(null)).toThrow(ClosedResourceError);
    expect(() => receiveStream.receiveNowait()).toThrow(ClosedResourceError);
  });
});

describe("anyio tests/streams/test_buffered.py", () => {
  // anyio test_buffered.py::test_receive_exactly
  it("test_receive_exactly", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = createMemoryObjectStream<Uint8Array>(2);
      const buffered = new BufferedByteReceiveStream(receiveStream as MemoryObjectReceiveStream<Uint8Array> & ByteReceiveStream);
      await sendStream.send(cx, bytes("abcd"));
      await sendStream.send(cx, bytes("efgh"));
      const result = await buffered.receiveExactly(cx, 8);
      expect(result).toEqual(bytes("abcdefgh"));
      expect(result).toBeInstanceOf(Uint8Array);
    });
  });

  // anyio test_buffered.py::test_receive_exactly_incomplete
  it("test_receive_exactly_incomplete", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = createMemoryObjectStream<Uint8Array>(1);
      const buffered = new BufferedByteReceiveStream(receiveStream as MemoryObjectReceiveStream<Uint8Array> & ByteReceiveStream);
      await sendStream.send(cx, bytes("abcd"));
      sendStream.close();
      await expect(buffered.receiveExactly(cx, 8)).rejects.toBeInstanceOf(IncompleteRead);
    });
  });

  // anyio test_buffered.py::test_receive_until
  it("test_receive_until", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = createMemoryObjectStream<Uint8Array>(2);
      const buffered = new BufferedByteReceiveStream(receiveStream as MemoryObjectReceiveStream<Uint8Array> & ByteReceiveStream);
      await sendStream.send(cx, bytes("abcd"));
      await sendStream.send(cx, bytes("efgh"));
      let result = await buffered.receiveUntil(cx, bytes("de"), 10);
      expect(result).toEqual(bytes("abc"));
      expect(result).toBeInstanceOf(Uint8Array);
      result = await buffered.receiveUntil(cx, bytes("h"), 10);
      expect(result).toEqual(bytes("fg"));
      expect(result).toBeInstanceOf(Uint8Array);
    });
  });

  // anyio test_buffered.py::test_receive_until_incomplete
  it("test_receive_until_incomplete", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = createMemoryObjectStream<Uint8Array>(1);
      const buffered = new BufferedByteReceiveStream(receiveStream as MemoryObjectReceiveStream<Uint8Array> & ByteReceiveStream);
      await sendStream.send(cx, bytes("abcd"));
      sendStream.close();
      await expect(buffered.receiveUntil(cx, bytes("de"), 10)).rejects.toBeInstanceOf(IncompleteRead);
      expect(buffered.buffer).toEqual(bytes("abcd"));
    });
  });
});

describe("anyio tests/streams/test_stapled.py", () => {
  // anyio test_stapled.py::DummyByteReceiveStream (at the end of its data it
  // throws EndOfStream, as Skein's byte streams do, instead of returning b"")
  class DummyByteReceiveStream implements ByteReceiveStream {
    buffer: Uint8Array;
    closed = false;
    constructor(data: Uint8Array) {
      this.buffer = data;
    }
    async receive(_cx: Context, maxBytes = 65536): Promise<Uint8Array> {
      if (this.closed) throw new ClosedResourceError();
      if (this.buffer.length === 0) throw new EndOfStream();
      const data = this.buffer.slice(0, maxBytes);
      this.buffer = this.buffer.slice(maxBytes);
      return data;
    }
    async close(): Promise<void> {
      this.closed = true;
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }
  class DummyByteSendStream implements ByteSendStream {
    buffer: number[] = [];
    closed = false;
    async send(_cx: Context, item: Uint8Array): Promise<void> {
      if (this.closed) throw new ClosedResourceError();
      this.buffer.push(...item);
    }
    async close(): Promise<void> {
      this.closed = true;
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }
  const byteFixture = () => {
    const sendStream = new DummyByteSendStream();
    const receiveStream = new DummyByteReceiveStream(bytes("hello, world"));
    return { sendStream, receiveStream, stapled: new StapledByteStream(sendStream, receiveStream) };
  };

  describe("TestStapledByteStream", () => {
    // anyio test_stapled.py::TestStapledByteStream::test_receive_send
    it("test_receive_send", async () => {
      const { sendStream, stapled } = byteFixture();
      await run(async (cx) => {
        expect(await stapled.receive(cx, 3)).toEqual(bytes("hel"));
        expect(await stapled.receive(cx)).toEqual(bytes("lo, world"));
        await expect(stapled.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
        await stapled.send(cx, bytes("how are you "));
        await stapled.send(cx, bytes("today?"));
        expect(stapled.sendStream).toBe(sendStream);
        expect(new Uint8Array(sendStream.buffer)).toEqual(bytes("how are you today?"));
      });
    });

    // anyio test_stapled.py::TestStapledByteStream::test_send_eof
    it("test_send_eof", async () => {
      const { stapled } = byteFixture();
      await run(async (cx) => {
        await stapled.sendEof(cx);
        await stapled.sendEof(cx);
        await expect(stapled.send(cx, bytes("world"))).rejects.toBeInstanceOf(ClosedResourceError);
        expect(await stapled.receive(cx)).toEqual(bytes("hello, world"));
      });
    });

    // anyio test_stapled.py::TestStapledByteStream::test_aclose
    it("test_aclose", async () => {
      const { stapled } = byteFixture();
      await run(async (cx) => {
        await stapled.close();
        await expect(stapled.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
        await expect(stapled.send(cx, bytes(""))).rejects.toBeInstanceOf(ClosedResourceError);
      });
    });
  });

  class DummyObjectReceiveStream<T> implements ObjectReceiveStream<T> {
    buffer: T[];
    closed = false;
    constructor(data: Iterable<T>) {
      this.buffer = [...data];
    }
    async receive(_cx: Context): Promise<T> {
      if (this.closed) throw new ClosedResourceError();
      if (this.buffer.length === 0) throw new EndOfStream();
      return this.buffer.shift() as T;
    }
    async close(): Promise<void> {
      this.closed = true;
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }
  class DummyObjectSendStream<T> implements ObjectSendStream<T> {
    buffer: T[] = [];
    closed = false;
    async send(_cx: Context, item: T): Promise<void> {
      if (this.closed) throw new ClosedResourceError();
      this.buffer.push(item);
    }
    async close(): Promise<void> {
      this.closed = true;
    }
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    }
  }
  const objectFixture = () => {
    const receiveStream = new DummyObjectReceiveStream(["hello", "world"]);
    const sendStream = new DummyObjectSendStream<string>();
    return { sendStream, receiveStream, stapled: new StapledObjectStream(sendStream, receiveStream) };
  };

  describe("TestStapledObjectStream", () => {
    // anyio test_stapled.py::TestStapledObjectStream::test_receive_send
    it("test_receive_send", async () => {
      const { sendStream, stapled } = objectFixture();
      await run(async (cx) => {
        expect(await stapled.receive(cx)).toBe("hello");
        expect(await stapled.receive(cx)).toBe("world");
        await expect(stapled.receive(cx)).rejects.toBeInstanceOf(EndOfStream);
        await stapled.send(cx, "how are you ");
        await stapled.send(cx, "today?");
        expect(stapled.sendStream).toBe(sendStream);
        expect(sendStream.buffer).toEqual(["how are you ", "today?"]);
      });
    });

    // anyio test_stapled.py::TestStapledObjectStream::test_send_eof
    it("test_send_eof", async () => {
      const { stapled } = objectFixture();
      await run(async (cx) => {
        await stapled.sendEof(cx);
        await stapled.sendEof(cx);
        await expect(stapled.send(cx, "world")).rejects.toBeInstanceOf(ClosedResourceError);
        expect(await stapled.receive(cx)).toBe("hello");
        expect(await stapled.receive(cx)).toBe("world");
      });
    });

    // anyio test_stapled.py::TestStapledObjectStream::test_aclose
    it("test_aclose", async () => {
      const { stapled } = objectFixture();
      await run(async (cx) => {
        await stapled.close();
        await expect(stapled.receive(cx)).rejects.toBeInstanceOf(ClosedResourceError);
        await expect(stapled.send(cx, "")).rejects.toBeInstanceOf(ClosedResourceError);
      });
    });
  });
});

describe("anyio tests/streams/test_text.py", () => {
  const pair = (size: number) => {
    const [send, receive] = createMemoryObjectStream<Uint8Array>(size);
    return [send as typeof send & ByteSendStream, receive as typeof receive & ByteReceiveStream] as const;
  };

  // anyio test_text.py::test_receive
  it("test_receive", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = pair(1);
      const textStream = new TextReceiveStream(receiveStream);
      await sendStream.send(cx, hex(0xc3, 0xa5, 0xc3, 0xa4, 0xc3)); // ends with half of the "ö" letter
      expect(await textStream.receive(cx)).toBe("åä");
      // Send the missing byte for "ö"
      await sendStream.send(cx, hex(0xb6));
      expect(await textStream.receive(cx)).toBe("ö");
    });
  });

  // anyio test_text.py::test_send
  it("test_send", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = pair(1);
      const textStream = new TextSendStream(sendStream);
      await textStream.send(cx, "åäö");
      expect(await receiveStream.receive(cx)).toEqual(hex(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
    });
  });

  // anyio test_text.py::test_receive_encoding_error (errors="replace" is Skein's default, fatal: false)
  it("test_receive_encoding_error", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = pair(1);
      const textStream = new TextReceiveStream(receiveStream, { fatal: false });
      await sendStream.send(cx, hex(0xe5, 0xe4, 0xf6)); // "åäö" in latin-1
      expect(await textStream.receive(cx)).toBe("\ufffd\ufffd\ufffd");
    });
  });

  // anyio test_text.py::test_bidirectional_stream (no extra_attributes in Skein)
  it("test_bidirectional_stream", async () => {
    await run(async (cx) => {
      const [sendStream, receiveStream] = pair(1);
      const stapled = new StapledObjectStream(sendStream, receiveStream);
      const textStream = new TextStream(stapled as StapledObjectStream<Uint8Array> & StapledByteStream);
      await textStream.send(cx, "åäö");
      expect(await receiveStream.receive(cx)).toEqual(hex(0xc3, 0xa5, 0xc3, 0xa4, 0xc3, 0xb6));
      await sendStream.send(cx, hex(0xc3, 0xa6, 0xc3, 0xb8));
      expect(await textStream.receive(cx)).toBe("æø");
    });
  });
});
