// tinypool / piscina task: returns its input.
export default function echo(value) {
  return value;
}
