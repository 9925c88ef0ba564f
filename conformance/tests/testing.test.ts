// skein/testing: the test helpers themselves, on every runtime.
import { describe, expect, it } from "vitest";
import { BrokenResourceError, Cancelled, run, UsageError } from "skein";
import { Sequencer } from "skein/testing";

describe("Sequencer", () => {
  it("runs steps of different tasks in position order", async () => {
    const seq = new Sequencer();
    const log: string[] = [];
    await run((cx) =>
      cx.taskGroup(async (tg) => {
        tg.startSoon(async (cx) => {
          await seq.at(cx, 1, async () => log.push("b1"));
          await seq.at(cx, 3, async (cx) => {
            await cx.sleep(1);
            log.push("b3");
          });
        });
        tg.startSoon(async (cx) => {
          await seq.at(cx, 0, async (cx) => {
            await cx.sleep(5);
            log.push("a0");
          });
          await seq.at(cx, 2, async () => log.push("a2"));
          await seq.at(cx, 4, async () => log.push("a4"));
        });
      }),
    );
    expect(log).toEqual(["a0", "b1", "a2", "b3", "a4"]);
  });

  it("a reused position is a UsageError; a cancelled wait breaks the sequence for everyone", async () => {
    const seq = new Sequencer();
    const log: string[] = [];
    await run(async (cx) => {
      await seq.at(cx, 0, async () => {});
      await expect(seq.at(cx, 0, async () => {})).rejects.toBeInstanceOf(UsageError);
      await cx.taskGroup(async (tg, cx) => {
        tg.startSoon(async (cx) => {
          await seq.at(cx, 3, async () => {}).catch((e: unknown) => log.push(e instanceof BrokenResourceError ? "3 broken" : String(e)));
        });
        const r = await cx.moveOnAfter(5, (cx) =>
          seq.at(cx, 2, async () => {}).catch((e: unknown) => {
            log.push(e instanceof Cancelled ? "2 cancelled" : String(e));
            throw e;
          }),
        );
        log.push(`moved on ${r.cancelled}`);
      });
      await expect(seq.at(cx, 5, async () => {})).rejects.toBeInstanceOf(BrokenResourceError);
    });
    expect(log).toEqual(["2 cancelled", "3 broken", "moved on true"]);
  });
});
