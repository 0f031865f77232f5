// Bundles the CLI into one ESM file so `badgateway` starts fast (no module resolution at run time),
// and builds the library entry separately so it can be imported without the CLI.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import asc from "assemblyscript/asc";
import { build, transform } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: "linked",
  logLevel: "warning",
  define: { __BADGATEWAY_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __bgCreateRequire } from 'node:module'; const require = __bgCreateRequire(import.meta.url);",
  },
};
// Split into chunks (dist/chunk-*.js, next to cli.js so the worker and core.wasm paths resolve the same):
// src/cli/main.ts imports each command on demand, so `--version`, `--help` and `explain` load only what they
// run. The shebang goes into every chunk too (harmless: a module may start with one).
for (const f of existsSync("dist") ? readdirSync("dist") : [])
  if (/^chunk-[\w-]+\.js(\.map)?$/.test(f)) rmSync(`dist/${f}`);
// commander requires node:child_process for executable subcommands, which badgateway does not have; loading it
// (and node:net behind it) costs start-up time on every run, so commander gets a stand-in that fails if used.
const noChildProcessForCommander = {
  name: "no-child-process-for-commander",
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer)
        ? { path: "child_process", namespace: "commander-stub" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "commander-stub" }, () => ({
      contents:
        "const no = () => { throw new Error('executable subcommands are not supported'); };\nmodule.exports = { spawn: no, execFileSync: no };\n",
      loader: "js",
    }));
  },
};
await build({
  ...common,
  plugins: [noChildProcessForCommander],
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  // Less source text for V8 to parse at every start (compiling the modules is a tenth of `explain`'s time).
  minify: true,
  keepNames: true,
  chunkNames: "chunk-[hash]",
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", packages: "external" });
// Worker thread of the log scanner for big files (resolved next to dist/cli.js and dist/index.js).
await build({ ...common, entryPoints: ["src/evidence/scan/worker.ts"], outfile: "dist/scan-worker.js" });

// The scanner cores (src/nginx/wasm/, AssemblyScript) in one WebAssembly module. Its memory is laid out by hand
// (src/nginx/wasm/layout.ts, read here too) below MEMORY_BASE; the compiler's own data goes above; fixed size.
mkdirSync("dist", { recursive: true });
const layoutTs = readFileSync(new URL("../src/nginx/wasm/layout.ts", import.meta.url), "utf8");
const layoutJs = (await transform(layoutTs, { loader: "ts", format: "esm" })).code;
const layout = await import(`data:text/javascript,${encodeURIComponent(layoutJs)}`);
const wasm = await asc.main(
  [
    "src/nginx/wasm/index.ts",
    "-O3",
    "--runtime",
    "stub",
    "--memoryBase",
    String(layout.MEMORY_BASE),
    "--initialMemory",
    String(layout.MEMORY_PAGES),
    "--maximumMemory",
    String(layout.MEMORY_PAGES),
    "--noAssert",
    "--enable",
    "simd",
    "--outFile",
    "dist/core.wasm",
  ],
  { stdout: process.stdout, stderr: process.stderr },
);
if (wasm.error) {
  console.error(`build: the scanner cores did not compile: ${wasm.error.message}`);
  process.exit(1);
}

// The library's type declarations (dist/types/, "types" in package.json), from src/index.ts and what it reaches.
rmSync("dist/types", { recursive: true, force: true });
try {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
} catch {
  console.error("build: the type declarations did not compile (tsc -p tsconfig.build.json)");
  process.exit(1);
}
