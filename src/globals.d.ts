/** Replaced at build time by esbuild (scripts/build.mjs) and vitest (vitest.config.ts). */
declare const __BADGATEWAY_VERSION__: string;
