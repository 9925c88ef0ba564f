// One producer, one consumer, N items through a channel: Skein's memory
// object stream (buffer 0 and 100) against a minimal raw bounded async queue,
// Effect's Queue.bounded and Effection's queue (unbounded: it has no bounded
// one), all in the same process.
import { Effect, Queue } from "effect";
import * as effection from "effection";
import { createMemoryObjectStream, run } from "skein";
import { type Contender, measure, report, target, us } from "./harness.ts";

/** The smallest correct bounded async queue: what you would write by hand. */
class RawQueue<T> {
  private items: T[] = [];
  private head = 0;
  private getters: Array<(v: T) => void> = [];
  private putters: Array<() => void> = [];
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  put(item: T): Promise<void> | void {
    const g = this.getters.shift();
    if (g) return g(item);
    if (this.items.length - this.head < this.max) {
      this.items.push(item);
      return;
    }
    return new Promise<void>((resolve) =>
      this.putters.push(() => {
        this.items.push(item);
        resolve();
      }),
    );
  }
  get(): Promise<T> | T {
    if (this.items.length > this.head) {
      const item = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.putters.shift()?.();
      return item;
    }
    const p = this.putters.shift();
    if (p) {
      p();
      return this.get();
    }
    return new Promise<T>((resolve) => this.getters.push(resolve));
  }
}

function contenders(buffer: number): Contender[] {
  return [
    {
      name: "raw",
      async round(n) {
        const q = new RawQueue<number>(Math.max(1, buffer));
        let sum = 0;
        await Promise.all([
          (async () => {
            for (let i = 0; i < n; i++) await q.put(i);
          })(),
          (async () => {
            for (let i = 0; i < n; i++) sum += await q.get();
          })(),
        ]);
        if (sum < 0) throw new Error("unreachable");
      },
    },
    {
      name: "skein",
      async round(n) {
        await run((cx) =>
          cx.taskGroup(async (tg, cx) => {
            const [send, receive] = createMemoryObjectStream<number>(buffer);
            tg.startSoon(async (cx) => {
              for (let i = 0; i < n; i++) await send.send(cx, i);
              send.close();
            });
            let sum = 0;
            for (let i = 0; i < n; i++) sum += await receive.receive(cx);
            if (sum < 0) throw new Error("unreachable");
          }),
        );
      },
    },
    {
      name: "effect",
      async round(n) {
        await Effect.runPromise(
          Effect.gen(function* () {
            const q = yield* Queue.bounded<number>(Math.max(1, buffer));
            const producer = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
              }),
            );
            let sum = 0;
            for (let i = 0; i < n; i++) sum += yield* Queue.take(q);
            yield* Effect.asVoid(Effect.succeed(producer));
            if (sum < 0) throw new Error("unreachable");
          }),
        );
      },
    },
    {
      name: "effection",
      async round(n) {
        await effection.run(function* () {
          const q = effection.createQueue<number, void>();
          yield* effection.spawn(function* () {
            for (let i = 0; i < n; i++) q.add(i); // unbounded: never waits
          });
          let sum = 0;
          for (let i = 0; i < n; i++) {
            const r = yield* q.next();
            if (!r.done) sum += r.value;
          }
          if (sum < 0) throw new Error("unreachable");
        });
      },
    },
  ];
}

export async function benchStream(): Promise<void> {
  for (const buffer of [0, 100]) {
    const n = 100_000;
    const rows = await measure(contenders(buffer), n, 5);
    report(`one producer, one consumer, ${n} items, buffer ${buffer} (raw/effect use max(1, buffer))`, rows, "raw", "skein");
    target(`memory stream 1P/1C, buffer ${buffer}`, ">= 0.85x raw queue", us(rows, "raw") / us(rows, "skein"), "higher", 0.85);
    const mps = (name: string) => (1 / rows.find((r) => r.name === name)!.usPerOp).toFixed(2);
    console.log(`  throughput M msg/s: raw ${mps("raw")}, skein ${mps("skein")}, effect ${mps("effect")}, effection ${mps("effection")}`);
  }
}
