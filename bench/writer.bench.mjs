#!/usr/bin/env node
// Configuration writer benchmark: a generated configuration (LF and CRLF copies) parsed without and with
// offsets (`ParseOptions.offsets`, what the writer needs), and a full EditableConfig round trip (parse with
// offsets, one edit, text()). The sources are bundled with esbuild into bench/out first, so it runs from a
// checkout without a build. Median of 7 runs each.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
mkdirSync(out, { recursive: true });
const servers = Number(process.env.BENCH_SERVERS ?? 20000);

const conf = join(out, `writer-${servers}.conf`);
if (!existsSync(conf)) {
  const parts = ["events { worker_connections 4096; }\nhttp {\n"];
  for (let i = 0; i < servers; i++)
    parts.push(
      `    upstream app${i} {\n        server 10.0.${(i >> 8) & 255}.${i & 255}:8080 max_fails=3 fail_timeout=10s;\n        keepalive 8;\n    }\n    server {\n        listen 80;\n        server_name site${i}.example.com;\n        # generated site ${i}\n        location / {\n            proxy_pass http://app${i};\n            proxy_set_header Host $host;\n        }\n        location ~* \\.(css|js|png)$ { root "/srv/site${i}/static"; expires 7d; }\n    }\n`,
    );
  parts.push("}\n");
  writeFileSync(conf, parts.join(""));
}
const lf = readFileSync(conf, "utf8");
const crlf = lf.replace(/\n/g, "\r\n");

const bundle = join(out, "writer-bundle.mjs");
await build({
  stdin: {
    contents:
      'export { parseConfig } from "./src/nginx/config/parser.ts"; export { EditableConfig } from "./src/nginx/config/writer.ts";',
    resolveDir: join(here, ".."),
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: bundle,
  logLevel: "error",
});
const { parseConfig, EditableConfig } = await import(pathToFileURL(bundle).href);

function median(fn) {
  const t = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[3];
}

console.log(
  `${(lf.length / 1e6).toFixed(1)} MB, ${servers} server blocks; ${cpus().length} × ${cpus()[0]?.model}; Node ${process.version}`,
);
for (const [name, text] of [
  ["LF", lf],
  ["CRLF", crlf],
]) {
  const plain = median(() => parseConfig(text, { file: "x" }));
  const offsets = median(() => parseConfig(text, { file: "x", offsets: true }));
  let edited = "";
  const round = median(() => {
    const ed = new EditableConfig("x", text);
    ed.setArgs(ed.find("worker_connections", 1), ["8192"]);
    edited = ed.text();
  });
  if (!edited.startsWith("events { worker_connections 8192; }") || edited.length !== text.length)
    throw new Error("the writer did not make exactly the one edit");
  console.log(
    `${name.padEnd(5)} parse ${plain.toFixed(0)} ms · with offsets ${offsets.toFixed(0)} ms (${(offsets / plain).toFixed(2)}×) · writer round trip with one edit ${round.toFixed(0)} ms`,
  );
}
