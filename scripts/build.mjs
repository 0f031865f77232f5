// Bundles the CLI into one ESM file so `badgateway` starts fast (no module resolution at run time),
// and builds the library entry separately so it can be imported without the CLI.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
// picocolors decides its default colours when it is loaded, by reading process.stdout.isTTY; for a pipe that makes
// Node build the stdout stream and load its stream and socket modules, about 10 ms of every start-up.
// badgateway never uses those defaults (every renderer calls createColors with the CLI's own decision,
// src/cli/color.ts), so in the CLI bundle the terminal test is dropped from picocolors' default.
const picocolorsWithoutStdoutProbe = {
  name: "picocolors-without-stdout-probe",
  setup(b) {
    b.onLoad({ filter: /[\\/]picocolors[\\/]picocolors\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const probe = '((p.stdout || {}).isTTY && env.TERM !== "dumb")';
      if (!source.includes(probe))
        return {
          errors: [
            {
              text: `picocolors changed: "${probe}" not found in ${args.path}; update the plugin in scripts/build.mjs`,
            },
          ],
        };
      return { contents: source.replace(probe, "false"), loader: "js" };
    });
  },
};
await build({
  ...common,
  plugins: [noChildProcessForCommander, picocolorsWithoutStdoutProbe],
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  splitting: true,
  // Less source text for V8 to parse at every start (compiling the modules is a tenth of `explain`'s time).
  // Names are not kept: esbuild's keepNames calls a helper for every class and function at load time (4 ms of
  // `explain`, and a chunk cli.js had to import), and nothing here reads a function's name (classes that need
  // one set `name` themselves); stack traces map back through the linked source maps.
  minify: true,
  chunkNames: "chunk-[hash]",
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
// The banner's createRequire costs every chunk that carries it a Module object and a path walk (about 0.2 ms each,
// a millisecond over the chunks `explain` loads), and only code that calls the global `require` needs it (esbuild's
// helper for bundled CommonJS, in one chunk). Elsewhere its line is emptied, which keeps the line numbers the
// source maps point at.
const bannerLine = `\n${common.banner.js}\n`;
for (const f of readdirSync("dist").filter((n) => n === "cli.js" || /^chunk-[\w-]+\.js$/.test(n))) {
  const code = readFileSync(`dist/${f}`, "utf8");
  const at = code.indexOf(bannerLine);
  if (at < 0) continue;
  const rest = code.slice(at + bannerLine.length);
  if (!/(?<![.\w$])require(?![\w$])/.test(rest))
    writeFileSync(`dist/${f}`, `${code.slice(0, at)}\n\n${rest}`);
}
// The bin, dist/cli.cjs (src/cli/bin.ts): CommonJS, so `--version`, help and `explain '<line>'` skip Node's
// ES-module loader and the program; everything else it hands to dist/cli.js. The help texts it prints are
// commander's, taken here from the program just built with stdout on a pipe (the bin answers help only there),
// into dist/cli-help.json.
const helpOf = (args) => {
  const { FORCE_COLOR: _f, ...env } = process.env;
  return execFileSync(process.execPath, ["dist/cli.js", ...args], {
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
};
const help = { "": helpOf(["--help"]) };
const listed = help[""].split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? "";
for (const m of listed.matchAll(/^ {2}([a-z][\w-]*)/gm))
  if (m[1] !== "help") help[m[1]] = helpOf([m[1], "--help"]);
if (Object.keys(help).length < 5) {
  console.error("build: the command list was not found in `dist/cli.js --help`; see scripts/build.mjs");
  process.exit(1);
}
writeFileSync("dist/cli-help.json", `${JSON.stringify(help)}\n`);
await build({
  ...common,
  entryPoints: ["src/cli/bin.ts"],
  outfile: "dist/cli.cjs",
  format: "cjs",
  minify: true,
  plugins: [picocolorsWithoutStdoutProbe],
  banner: { js: "#!/usr/bin/env node" },
  // stdout-sync.ts takes node:fs with createRequire(import.meta.url), which CommonJS spells __filename.
  define: { ...common.define, "import.meta.url": "__filename" },
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
