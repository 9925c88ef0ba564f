// Lock and Semaphore acquire/release, uncontended and with 100 contending
// tasks, against async-mutex's Mutex and Semaphore in the same process.
// Skein's uncontended acquire yields to the event loop (a schedule point, as
// in trio and anyio); `skein-fast` is `new Lock({ fastAcquire: true })`.
import { Mutex, Semaphore as AmSemaphore } from "async-mutex";
import { Lock, run, Semaphore } from "skein";
import { type Contender, measure, report } from "./harness.ts";

const TASKS = 100;

function uncontended(): Contender[] {
  return [
    {
      name: "async-mutex",
      async round(n) {
        const m = new Mutex();
        for (let i = 0; i < n; i++) {
          const release = await m.acquire();
          release();
        }
      },
    },
    {
      name: "skein",
      async round(n) {
        await run(async (cx) => {
          const lock = new Lock();
          for (let i = 0; i < n; i++) {
            await lock.acquire(cx);
            lock.release(cx);
          }
        });
      },
    },
    {
      // anyio's fast_acquire: no schedule point when the lock is free.
      name: "skein-fast",
      async round(n) {
        await run(async (cx) => {
          const lock = new Lock({ fastAcquire: true });
          for (let i = 0; i < n; i++) {
            await lock.acquire(cx);
            lock.release(cx);
          }
        });
      },
    },
  ];
}

function contended(): Contender[] {
  return [
    {
      name: "async-mutex",
      async round(n) {
        const m = new Mutex();
        const per = n / TASKS;
        await Promise.all(
          Array.from({ length: TASKS }, async () => {
            for (let i = 0; i < per; i++) {
              const release = await m.acquire();
              await null; // hold it across a suspension, so others queue
              release();
            }
          }),
        );
      },
    },
    {
      name: "skein",
      async round(n) {
        await run((cx) =>
          cx.taskGroup(async (tg) => {
            const lock = new Lock();
            const per = n / TASKS;
            for (let t = 0; t < TASKS; t++)
              tg.startSoon(async (cx) => {
                for (let i = 0; i < per; i++) {
                  await lock.acquire(cx);
                  await null;
                  lock.release(cx);
                }
              });
          }),
        );
      },
    },
  ];
}

function semaphores(): Contender[] {
  return [
    {
      name: "async-mutex",
      async round(n) {
        const s = new AmSemaphore(10);
        const per = n / TASKS;
        await Promise.all(
          Array.from({ length: TASKS }, async () => {
            for (let i = 0; i < per; i++) {
              const [, release] = await s.acquire();
              await null;
              release();
            }
          }),
        );
      },
    },
    {
      name: "skein",
      async round(n) {
        await run((cx) =>
          cx.taskGroup(async (tg) => {
            const s = new Semaphore(10);
            const per = n / TASKS;
            for (let t = 0; t < TASKS; t++)
              tg.startSoon(async (cx) => {
                for (let i = 0; i < per; i++) {
                  await s.acquire(cx);
                  await null;
                  s.release();
                }
              });
          }),
        );
      },
    },
  ];
}

export async function benchSync(): Promise<void> {
  const n = 100_000;
  report(`Lock acquire/release, uncontended, ${n} times`, await measure(uncontended(), n), "async-mutex", "skein");
  report(`Lock acquire/release, ${TASKS} contending tasks, ${n} in all`, await measure(contended(), n), "async-mutex", "skein");
  report(`Semaphore(10) acquire/release, ${TASKS} contending tasks, ${n} in all`, await measure(semaphores(), n), "async-mutex", "skein");
}
