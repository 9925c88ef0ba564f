// Types of scripts/mangle.mjs, for tsup.config.ts (type-checked with the root project).
export declare const mangleProps: RegExp;
export declare const reserveProps: RegExp;
export declare const internalNames: readonly string[];
