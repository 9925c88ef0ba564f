/**
 * What the Bun project adds to Bun's own types (`@types/bun`, no DOM lib).
 *
 * `src/` names the objects a `postMessage` may move `Transferable`, a global
 * type of the DOM lib that Bun's types keep in the `Bun` namespace.
 */

type Transferable = Bun.Transferable;
