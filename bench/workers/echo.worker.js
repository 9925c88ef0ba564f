// Skein worker module for the toThread benchmark.
export async function echo(cx, value) {
  return value;
}
