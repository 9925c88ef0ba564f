// tinypool / piscina task for the CPU-bound scaling benchmark.
import { spinWork } from "./spin.js";
export default function spin(n) {
  return spinWork(n);
}
