/**
 * `badgateway fix` through the built CLI with a real nginx: validated diffs, changes nginx rejects are not
 * offered, `--diff` is a patch that `patch -p1 -d /` applies, `--apply` writes atomically with backups and
 * keeps mode and symlinks, a failing `nginx -t` after writing restores the original bytes, and no file is
 * touched without confirmation.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, expect, it } from "vitest";
import { cliPath, runCli } from "../helpers/cli.js";
import { findProgram, systemDescribe } from "../helpers/system.js";

const root = mkdtempSync(join(tmpdir(), "bg-fix-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FixJson {
  validated: boolean;
  notValidated: string | null;
  fixes: Array<{
    id: string;
    rule: string;
    title: string;
    explanation: string;
    offered: boolean;
    validation: { status: string; message: string };
    files: Array<{ file: string; diff: string }>;
    commands: string[];
  }>;
  applied?: { files: Array<{ file: string; backup: string }>; reloaded: boolean };
}

let n = 0;
/** A configuration tree: nginx.conf (CRLF line ends, a Latin-1 comment) plus a symlinked site file. */
function tree(tls = false): { dir: string; conf: string; site: string; bytes: () => Map<string, Buffer> } {
  const dir = join(root, `t${n++}`);
  mkdirSync(join(dir, "sites-available"), { recursive: true });
  mkdirSync(join(dir, "sites-enabled"));
  mkdirSync(join(dir, "logs"));
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    Buffer.from(
      `# caf\u00e9 (Latin-1)\r\nworker_processes 1;\r\npid ${dir}/nginx.pid;\r\nerror_log ${dir}/logs/error.log;\r\nevents {\r\n    worker_connections 64;\r\n}\r\nhttp {\r\n    access_log ${dir}/logs/access.log;\r\n    include sites-enabled/*;\r\n}\r\n`,
      "latin1",
    ),
  );
  chmodSync(conf, 0o640);
  const site = join(dir, "sites-available", "app.conf");
  writeFileSync(
    site,
    [
      "server {",
      "\tlisten 127.0.0.1:18099;",
      "\tlocation /api {",
      "\t\tproxy_pass http://127.0.0.1:3000/;  # the app",
      "\t\tproxy_read_timeout 1s;",
      "\t}",
      ...(tls
        ? ["\tlocation /tls/ {", "\t\tproxy_pass https://127.0.0.1:8443;", "\t\tproxy_ssl_verify on;", "\t}"]
        : []),
      "}",
      "",
    ].join("\n"),
  );
  symlinkSync("../sites-available/app.conf", join(dir, "sites-enabled", "app.conf"));
  const bytes = () =>
    new Map(
      [conf, site, join(dir, "sites-enabled", "app.conf")].map(
        (f) => [f, readFileSync(f)] as [string, Buffer],
      ),
    );
  return { dir, conf, site, bytes };
}

const fix = (args: string[], input?: string) => runCli(["fix", "--no-probe", ...args], input);

it("refuses --reload without --apply, and an unknown --finding, with exit 2", () => {
  const t = tree();
  expect(fix(["--config", t.conf, "--reload"]).code).toBe(2);
  const r = fix(["--config", t.conf, "--finding", "no-such-rule"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no fix matches no-such-rule/);
  expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
});

it("--help shows examples and the exit codes", () => {
  const r = runCli(["fix", "--help"]);
  expect(r.stdout).toContain("Examples:");
  expect(r.stdout).toContain("--apply");
  expect(r.stdout).toMatch(/Exit codes: 0/);
});

systemDescribe(["nginx"], "fix with a real nginx -t", () => {
  let t: ReturnType<typeof tree>;
  beforeEach(() => {
    t = tree();
  });

  it("lists validated fixes with their diffs, in the file that holds each directive", () => {
    const r = fix(["--config", t.conf, "--json"]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as FixJson;
    expect(out.validated).toBe(true);
    const byRule = new Map(out.fixes.map((f) => [f.rule, f]));
    // With no error log, diagnose predicts the URI problem from the configuration (uri-rewrite); the lint
    // finding's identical change is not listed twice.
    const uri = byRule.get("uri-rewrite") ?? byRule.get("proxy-pass-uri-prefix");
    expect(
      out.fixes.filter((f) => f.rule === "uri-rewrite" || f.rule === "proxy-pass-uri-prefix").length,
    ).toBe(1);
    expect(uri?.validation.status).toBe("valid");
    expect(uri?.offered).toBe(true);
    // The model names the file by the path nginx included it under (the symlink in sites-enabled).
    expect(uri?.files.map((f) => f.file)).toEqual([join(t.dir, "sites-enabled", "app.conf")]);
    expect(uri?.files[0]?.diff).toContain(
      "-\t\tproxy_pass http://127.0.0.1:3000/;  # the app\n+\t\tproxy_pass http://127.0.0.1:3000;  # the app\n",
    );
    const wc = byRule.get("worker-connections-small");
    expect(wc?.explanation).toContain("max(1024, 4 × 64) = 1024");
    // CRLF kept in the diff of the CRLF file.
    expect(wc?.files[0]?.diff).toContain("+    worker_connections 1024;\r\n");
    for (const f of out.fixes)
      expect(Object.keys(f).sort()).toEqual([
        "commands",
        "explanation",
        "files",
        "id",
        "offered",
        "rule",
        "title",
        "validation",
      ]);
  });

  it("when nginx -t already fails: a change that repairs it is valid, one nginx blames is not offered", () => {
    const bad = tree(true);
    const good = JSON.parse(
      fix(["--config", bad.conf, "--json", "--ca-bundle", "/etc/ssl/certs/ca-certificates.crt"]).stdout,
    ) as FixJson;
    expect(good.notValidated).toMatch(/already fails on the unchanged configuration/);
    const ca = good.fixes.find((f) => f.rule === "ssl-verify-without-trusted-cert");
    expect(ca?.validation).toEqual({
      status: "valid",
      message: "nginx -t accepts the changed configuration (and failed before it)",
    });
    expect(good.fixes.find((f) => f.rule === "proxy-read-timeout-low")?.validation.status).toBe(
      "not-validated",
    );
    const missing = join(bad.dir, "missing-ca.pem");
    const r = fix(["--config", bad.conf, "--ca-bundle", missing, "--json"]);
    const rejected = (JSON.parse(r.stdout) as FixJson).fixes.find(
      (f) => f.rule === "ssl-verify-without-trusted-cert",
    );
    expect(rejected?.offered).toBe(false);
    expect(rejected?.validation.status).toBe("invalid");
    expect(rejected?.validation.message).toMatch(/nginx -t rejects it: .*missing-ca\.pem/);
    const text = fix(["--config", bad.conf, "--ca-bundle", missing]).stdout;
    expect(text).toContain("NOT OFFERED");
    expect(text).not.toContain("+\t\tproxy_ssl_trusted_certificate");
    expect(fix(["--config", bad.conf, "--ca-bundle", missing, "--diff"]).stdout).not.toContain(
      "proxy_ssl_trusted_certificate",
    );
  });

  it("--apply: atomic writes with backups, mode kept, the symlink stays a symlink, Latin-1 bytes untouched", () => {
    const before = t.bytes();
    const r = fix(["--config", t.conf, "--apply", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as FixJson;
    expect(out.applied?.files.map((f) => f.file).sort()).toEqual([t.conf, t.site].sort());
    for (const f of out.applied?.files ?? []) {
      expect(readFileSync(f.backup)).toEqual(before.get(f.file));
      expect(f.backup).toMatch(/\/\.[^/]+\.badgateway-\d{8}T\d{6}Z\.bak$/);
    }
    expect(statSync(t.conf).mode & 0o777).toBe(0o640);
    const link = join(t.dir, "sites-enabled", "app.conf");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("../sites-available/app.conf");
    const conf = readFileSync(t.conf);
    expect(conf.includes(Buffer.from([0xe9]))).toBe(true); // é as one Latin-1 byte, as before
    expect(conf.toString("latin1")).toContain("    worker_connections 1024;\r\n");
    expect(readFileSync(t.site, "utf8")).toContain("\t\tproxy_pass http://127.0.0.1:3000;  # the app\n");
    // No temporary files left behind.
    expect(readdirSync(t.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(r.stderr).toMatch(/reload nginx to use it: .* -s reload/);
    // Applying again finds nothing left to change.
    const again = fix(["--config", t.conf, "--apply", "--yes"]);
    expect(again.stderr).toContain("no configuration change to apply");
  });

  it("--apply failure path: nginx -t fails on the real files → every original restored byte for byte (exit 2)", () => {
    const before = t.bytes();
    // A wrapper around the real nginx: the copy validates normally, the real configuration gets an unknown
    // directive from -g, so nginx -t fails only after badgateway wrote the files.
    const wrapper = join(t.dir, "nginx-fails-on-real.sh");
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in\n  *badgateway-fix-*) exec ${findProgram("nginx")} "$@" ;;\n  *) exec ${findProgram("nginx")} "$@" -g "not_a_directive on;" ;;\nesac\n`,
    );
    chmodSync(wrapper, 0o755);
    const r = fix(["--config", t.conf, "--apply", "--yes", "--nginx", wrapper]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nginx -t failed on the changed configuration: .*not_a_directive.*restored/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    for (const [f, b] of before) expect(readFileSync(f), f).toEqual(b);
    expect(lstatSync(join(t.dir, "sites-enabled", "app.conf")).isSymbolicLink()).toBe(true);
    expect(statSync(t.conf).mode & 0o777).toBe(0o640);
  });

  it("a symlink planted at the backup name makes --apply fail before any change, and its target is untouched", () => {
    const before = t.bytes();
    const victim = join(t.dir, "victim.txt");
    writeFileSync(victim, "do not overwrite\n");
    // The backup name carries the time to the second: plant links for the next seconds.
    const now = Date.now();
    for (let i = 0; i < 8; i++) {
      const when = new Date(now + i * 1000)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
      symlinkSync(victim, join(t.dir, `.nginx.conf.badgateway-${when}.bak`));
      symlinkSync(victim, join(t.dir, "sites-available", `.app.conf.badgateway-${when}.bak`));
    }
    const r = fix(["--config", t.conf, "--apply", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write a backup: .*EEXIST/);
    expect(readFileSync(victim, "utf8")).toBe("do not overwrite\n");
    for (const [f, b] of before) expect(readFileSync(f)).toEqual(b);
  });

  it("without --yes and with stdin not a terminal it refuses (exit 2) and changes nothing", () => {
    const before = t.bytes();
    const r = fix(["--config", t.conf, "--apply"], "y\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("stdin is not a terminal (add --yes)");
    for (const [f, b] of before) expect(readFileSync(f)).toEqual(b);
  });

  it("a saved nginx -T is shown as diffs but never applied", () => {
    const dump = join(t.dir, "nginx-T.txt");
    const tr = spawnSync(findProgram("nginx") as string, ["-T", "-c", t.conf], { encoding: "latin1" });
    writeFileSync(dump, Buffer.from(tr.stdout, "latin1"));
    const r = fix(["--nginx-t", dump, "--apply", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--apply needs the configuration files themselves");
    // The same dump still gives the diffs.
    const d = fix(["--nginx-t", dump, "--json"]);
    expect((JSON.parse(d.stdout) as FixJson).fixes.some((f) => f.rule === "proxy-read-timeout-low")).toBe(
      true,
    );
    // From stdin too (read once, kept for both the diagnosis and the diffs).
    const piped = runCli(["fix", "--no-probe", "--nginx-t", "-", "--json"], tr.stdout);
    expect(piped.code, piped.stderr).toBe(1);
    expect((JSON.parse(piped.stdout) as FixJson).fixes.some((f) => f.rule === "proxy-read-timeout-low")).toBe(
      true,
    );
  });

  it("an nginx that cannot run: changes are shown as not validated and --apply refuses", () => {
    const r = fix(["--config", t.conf, "--json", "--nginx", join(t.dir, "no-such-nginx")]);
    const out = JSON.parse(r.stdout) as FixJson;
    expect(out.validated).toBe(false);
    expect(out.notValidated).toMatch(/could not be run/);
    expect(
      out.fixes.filter((f) => f.files.length).every((f) => f.validation.status === "not-validated"),
    ).toBe(true);
    const before = t.bytes();
    const a = fix(["--config", t.conf, "--apply", "--yes", "--nginx", join(t.dir, "no-such-nginx")]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--apply needs nginx -t to work here");
    for (const [f, b] of before) expect(readFileSync(f)).toEqual(b);
  });

  it("a clean configuration: nothing to fix, exit 0", () => {
    const dir = join(root, "clean");
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, "nginx.conf");
    writeFileSync(
      conf,
      `events {}\nhttp { server { listen 127.0.0.1:18098; location / { return 204; } } }\n`,
    );
    const r = fix(["--config", conf]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("nothing to fix");
  });
});

systemDescribe(["nginx", "patch"], "fix --diff with GNU patch", () => {
  it("--diff is one patch that patch -p1 -d / applies, giving what --apply writes", () => {
    const t = tree();
    const patchTree = tree();
    const d = fix(["--config", patchTree.conf, "--diff"]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/^--- a\//);
    const p = spawnSync("patch", ["--binary", "-p1", "-s", "-d", "/"], { input: d.stdout });
    expect(p.status, String(p.stderr)).toBe(0);
    const a = fix(["--config", t.conf, "--apply", "--yes"]);
    expect(a.code, a.stderr).toBe(0);
    expect(readFileSync(patchTree.conf).toString("latin1").replaceAll(patchTree.dir, "DIR")).toBe(
      readFileSync(t.conf).toString("latin1").replaceAll(t.dir, "DIR"),
    );
    expect(readFileSync(patchTree.site, "utf8")).toBe(readFileSync(t.site, "utf8"));
  });
});

systemDescribe(["nginx", "script"], "fix --apply asks on a terminal", () => {
  // script(1) gives the CLI a pseudo-terminal and passes our stdin (the answer) to it.
  const onTty = (args: string[], answer: string) =>
    spawnSync(
      "script",
      ["-qec", ["node", cliPath, "fix", "--no-probe", ...args].map((a) => `'${a}'`).join(" "), "/dev/null"],
      {
        input: answer,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );

  it("answering no changes nothing; answering yes applies", () => {
    const t = tree();
    const before = t.bytes();
    const no = onTty(["--config", t.conf, "--apply"], "n\n");
    expect(no.stdout).toMatch(/Apply \d+ change\(s\) to 2 file\(s\): .*\? \[y\/N\]/);
    expect(no.stdout).toContain("nothing changed");
    for (const [f, b] of before) expect(readFileSync(f)).toEqual(b);
    const yes = onTty(["--config", t.conf, "--apply"], "y\n");
    expect(yes.stdout).toContain("nginx -t accepts the changed configuration");
    expect(readFileSync(t.conf).toString("latin1")).toContain("worker_connections 1024;");
  });
});
