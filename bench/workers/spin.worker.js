// Skein worker module for the CPU-bound scaling benchmark.
import { spinWork } from "./spin.js";
export async function spin(cx, n) {
  return spinWork(n);
}
