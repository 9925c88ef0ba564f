/**
 * Files for Node.js: `node:fs` (see `adapters/shared/node-files.ts`, which
 * Bun shares).
 *
 * @module
 */

import type { FileSupport } from "../../src/fs/file-support.ts";
import { nodeFiles as shared } from "../shared/node-files.ts";

/** Files for Node.js. */
export const nodeFiles: FileSupport = shared;
