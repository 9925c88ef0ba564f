/**
 * What the Node project adds to Node's own types (`@types/node`, no DOM lib).
 *
 * `src/` names the objects a `postMessage` may move `Transferable`, a global
 * type of the DOM lib that Node's types do not declare. On Node they are
 * Node's transferables, so that is what the name means here.
 */

type Transferable = import("node:worker_threads").Transferable;
