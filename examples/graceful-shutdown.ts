// Graceful shutdown on Ctrl-C, the same on Node, Deno and Bun:
//
//   npm run build && node examples/graceful-shutdown.ts
//   deno run -A examples/graceful-shutdown.ts
//   bun examples/graceful-shutdown.ts
//
// The first SIGINT (or SIGTERM) cancels the main work's scope: every pending
// checkpoint in it raises Cancelled, its `finally` blocks run (here a
// shielded clean-up that takes a moment), and the program ends normally.
// A second signal during the clean-up exits at once. Without any signal the
// work ends by itself after a few seconds.
import process from "node:process";
import { CancelScope, type Context, openSignalReceiver, run } from "skein";

const log = (msg: string) => console.log(msg);

/** The program's real work: a loop that must clean up when stopped. */
async function work(cx: Context): Promise<void> {
  try {
    for (let i = 1; i <= 20; i++) {
      log(`working ${i}`);
      await cx.sleep(250);
    }
    log("work done");
  } finally {
    // Clean-up that must not be cut short by the cancellation itself.
    await cx.withCancelScope({ shield: true }, async (cx) => {
      log("cleaning up");
      await cx.sleep(500);
      log("clean");
    });
  }
}

await run((cx) =>
  openSignalReceiver(cx, ["SIGINT", "SIGTERM"], (signals, cx) =>
    cx.taskGroup(async (tg) => {
      const main = new CancelScope();
      tg.startSoon(async (cx) => {
        await cx.withCancelScope(main, work);
        tg.cancelScope.cancel(); // the work is over, however it ended: stop watching for signals
      });
      tg.startSoon(async (cx) => {
        const first = await signals.receive(cx);
        log(`${first}: shutting down (send it again to exit at once)`);
        main.cancel();
        const second = await signals.receive(cx);
        log(`${second} again: exiting now`);
        process.exit(130);
      });
    }),
  ),
);
log("bye");
