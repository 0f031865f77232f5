/**
 * badgateway library API. The CLI (src/cli) is a thin layer over exactly these exports.
 * Pipeline: collectors (src/evidence) → Evidence → rules (src/rules) → Findings → renderers (src/report).
 */
export const VERSION: string = __BADGATEWAY_VERSION__;
export * from "./evidence/access-log.js";
export * from "./evidence/input.js";
export * from "./nginx/config/defaults.js";
export * from "./nginx/config/lexer.js";
export * from "./nginx/config/model.js";
export * from "./nginx/config/parser.js";
export * from "./nginx/config/units.js";
export * from "./nginx/logformat.js";
export * from "./nginx/sketch.js";
export * from "./rules/types.js";
