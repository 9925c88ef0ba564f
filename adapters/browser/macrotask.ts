/**
 * A macrotask yield built on `MessageChannel`: callbacks queued in one turn
 * run together on the next message event, in order. The channel lives as
 * long as the page (a page has no process to keep alive); the Deno
 * adapter, which must let its process exit, uses its own yield.
 *
 * @module
 */

/** Returns a function that runs callbacks on a later macrotask. @internal */
export function macrotaskQueue(): (callback: () => void) => void {
  let queue: Array<() => void> = [];
  let channel: MessageChannel | null = null;
  const flush = (): void => {
    const batch = queue;
    queue = [];
    for (const callback of batch) callback();
  };
  return (callback) => {
    queue.push(callback);
    if (queue.length > 1) return;
    if (channel === null) {
      channel = new MessageChannel();
      channel.port1.onmessage = flush;
    }
    channel.port2.postMessage(null);
  };
}
