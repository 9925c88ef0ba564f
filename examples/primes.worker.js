// A worker module for the demo: CPU-bound work that would freeze the event
// loop if it ran on the main thread. Plain JavaScript so that every runtime
// loads it as it is. Each exported function takes a Skein context first.

/** Counts the primes below `limit` (deliberately naive: it should take a while). */
export async function countPrimes(cx, limit) {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
    if (n % 200_000 === 0) cx.checkpointIfCancelled(); // cancellable, cheaply
  }
  return count;
}
