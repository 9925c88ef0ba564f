/**
 * Files for Bun: Bun implements `node:fs` natively, so the Node adapter's
 * file support (`adapters/shared/node-files.ts`) serves it unchanged.
 *
 * @module
 */

import type { FileSupport } from "../../src/fs/file-support.ts";
import { nodeFiles } from "../shared/node-files.ts";

/** Files for Bun. */
export const bunFiles: FileSupport = nodeFiles;
