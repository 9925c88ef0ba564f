/**
 * Networking on Node: `node:net` and `node:dns`, implemented in
 * `adapters/shared/node-net.ts` (shared with the Deno adapter, which uses it
 * where `Deno.connect` falls short). Reading is on demand, so backpressure is
 * real; see that file. Sockets Skein connects read through Node's `onread`
 * option (`nodeOwnNet`: no fresh buffer per read).
 *
 * @module
 */

import type { NetSupport } from "../../src/net/net-support.ts";
import { nodeOwnNet } from "../shared/node-net.ts";

/** `node:net` and `node:dns` for {@link NetSupport}. @internal */
export const nodeNet: NetSupport = nodeOwnNet;
