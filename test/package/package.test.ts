import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const tsc = join(root, "node_modules/typescript/bin/tsc");

describe("the published package", () => {
  const bad = join(root, "test/package/bad-consumer.ts");
  afterAll(() => rmSync(bad, { force: true }));

  it("exports point at built files: types and import conditions, package.json", () => {
    expect(pkg.exports["."]).toEqual({ types: "./dist/types/index.d.ts", import: "./dist/index.js" });
    expect(pkg.types).toBe("./dist/types/index.d.ts");
    for (const f of [pkg.types, pkg.main, pkg.exports["."].import, pkg.bin.badgateway])
      expect(existsSync(join(root, f)), f).toBe(true);
    expect(pkg.repository.url).toMatch(/^git\+https:\/\//);
    expect(existsSync(join(root, "LICENSE"))).toBe(true);
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toMatch(/^MIT License/);
  });

  it("runtime dependencies are exactly what dist/index.js imports (the CLI bundle carries its own)", () => {
    const lib = readFileSync(join(root, "dist/index.js"), "utf8");
    const imported = new Set(
      [...lib.matchAll(/from "([^".][^"]*)"/g)]
        .map((m) => m[1] as string)
        .filter((s) => !s.startsWith("node:"))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : (s.split("/")[0] as string))),
    );
    expect(new Set(Object.keys(pkg.dependencies ?? {}))).toEqual(imported);
    expect(readFileSync(join(root, "dist/cli.js"), "utf8")).not.toMatch(/from "commander"/);
    // The bin (CommonJS) carries its quick path whole and needs only Node's own modules.
    const bin = readFileSync(join(root, pkg.bin.badgateway), "utf8");
    expect(
      [...bin.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((s) => !s?.startsWith("node:")),
    ).toEqual([]);
  });

  it("a consumer type-checks against the emitted declarations (strict, skipLibCheck off); misuse and internal names do not", () => {
    writeFileSync(
      bad,
      `import { diagnose, rank } from "badgateway";\nexport const x: number = diagnose("not evidence").exitCode;\nexport const y = rank;\n`,
    );
    const cfg = join(root, "test/package/tsconfig.both.json");
    writeFileSync(
      cfg,
      JSON.stringify({ extends: "./tsconfig.json", files: ["consumer.ts", "bad-consumer.ts"] }),
    );
    try {
      const r = spawnSync(process.execPath, [tsc, "-p", cfg], { encoding: "utf8", timeout: 120_000 });
      const errors = (r.stdout + r.stderr).split("\n").filter((l) => /error TS\d+/.test(l));
      expect(r.status).not.toBe(0);
      // Every error is in the bad file: the good consumer compiles against dist/types.
      expect(errors.filter((l) => !l.startsWith("test/package/bad-consumer.ts"))).toEqual([]);
      expect(errors.join("\n")).toMatch(/has no exported member (named )?'rank'/);
      expect(errors.join("\n")).toMatch(/Argument of type 'string' is not assignable/);
    } finally {
      rmSync(cfg, { force: true });
    }
  }, 120_000);

  it("npm pack ships the library, its types, the CLI, LICENSE and docs, and no tests or sources", () => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: root,
      encoding: "utf8",
    });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    for (const f of [
      "LICENSE",
      "package.json",
      "dist/index.js",
      "dist/cli.js",
      "dist/cli.cjs",
      "dist/cli-help.json",
      "dist/types/index.d.ts",
      "dist/core.wasm",
      "dist/scan-worker.js",
      "docs/api.md",
      "docs/watch.md",
      "deploy/prometheus/alerts.yml",
      "deploy/grafana/badgateway.json",
      "deploy/systemd/badgateway-watch.service",
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.startsWith("test/") || f.startsWith("src/"))).toEqual([]);
  }, 60_000);
});

describe("publint", () => {
  it("finds nothing to warn about in the package as npm would pack it (strict)", async () => {
    const { publint } = await import("publint");
    const { messages } = await publint({ pkgDir: root, strict: true });
    expect(messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
  }, 120_000);
});
