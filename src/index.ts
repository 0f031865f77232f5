/**
 * badgateway library API. The CLI (src/cli) is a thin layer over exactly these exports.
 * Pipeline: collectors (src/evidence) → Evidence → rules (src/rules) → Findings → renderers (src/report).
 */
export const VERSION: string = __BADGATEWAY_VERSION__;
export * from "./evidence/access-log.js";
export * from "./evidence/collect.js";
export * from "./evidence/config-loader.js";
export * from "./evidence/error-log.js";
export * from "./evidence/gather.js";
export * from "./evidence/input.js";
export * from "./evidence/probes/dns.js";
export * from "./evidence/probes/facts.js";
export * from "./evidence/probes/fpm.js";
export * from "./evidence/probes/host.js";
export * from "./evidence/probes/http.js";
export * from "./evidence/probes/listeners.js";
export * from "./evidence/probes/run.js";
export * from "./evidence/probes/targets.js";
export * from "./evidence/probes/tcp.js";
export * from "./evidence/probes/tls.js";
export * from "./evidence/probes/types.js";
export * from "./evidence/probes/unix.js";
export * from "./evidence/types.js";
export * from "./nginx/config/defaults.js";
export * from "./nginx/config/lexer.js";
export * from "./nginx/config/logs.js";
export * from "./nginx/config/model.js";
export * from "./nginx/config/parser.js";
export * from "./nginx/config/payload.js";
export * from "./nginx/config/units.js";
export * from "./nginx/config/uri.js";
export * from "./nginx/errorlog/catalogue.js";
export * from "./nginx/errorlog/explain.js";
export * from "./nginx/errorlog/grammar.js";
export * from "./nginx/errorlog/taxonomy.js";
export * from "./nginx/logformat.js";
export * from "./nginx/sketch.js";
export * from "./report/diagnose.js";
export * from "./report/sarif.js";
export * from "./report/terminal.js";
export * from "./rules/causes/index.js";
export * from "./rules/causes/types.js";
export * from "./rules/diagnose.js";
export * from "./rules/lint/index.js";
export * from "./rules/lint/run.js";
export * from "./rules/lint/types.js";
export * from "./rules/types.js";
