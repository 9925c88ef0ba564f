// Raw baseline for Web Workers (Deno, Bun): echoes every message.
self.onmessage = (e) => self.postMessage(e.data);
