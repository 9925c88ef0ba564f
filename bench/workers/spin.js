// CPU-bound work for the scaling benchmark: a fixed amount of arithmetic
// (about a millisecond), the same for Skein, tinypool and piscina.
export function spinWork(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003;
  return x;
}
