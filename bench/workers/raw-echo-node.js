// Raw baseline on Node: a worker_threads worker that echoes every message.
import { parentPort } from "node:worker_threads";
parentPort.on("message", (m) => parentPort.postMessage(m));
