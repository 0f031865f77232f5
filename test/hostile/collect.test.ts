/**
 * `collect` run as a hostile or unlucky user would: planted secrets must not reach the bundle, planted
 * symlinks and foreign directories must not be written through, big logs must not grow memory, and nothing is
 * dropped silently. Everything runs the built CLI as a child process against a real nginx.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, runCliAsync } from "../helpers/cli.js";
import { type RunningNginx, startNginx } from "../helpers/nginx.js";
import { findProgram, systemDescribe } from "../helpers/system.js";

const isRoot = process.getuid?.() === 0;
const maxrssHook = new URL("../helpers/maxrss.cjs", import.meta.url).pathname;

/** Runs the CLI as `nobody` (setpriv), for the cases where privilege matters. */
function runAsNobody(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    "setpriv",
    ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, cliPath, ...args],
    { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function nobodyIds(): { uid: number; gid: number } {
  const uid = Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("getent", ["group", "nogroup"], { encoding: "utf8" }).stdout.split(":")[2]);
  return { uid, gid };
}

/** Every file under a directory (contents as latin1 so any byte can be searched). */
function bundleTexts(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of readdirSync(dir)) out.set(n, readFileSync(join(dir, n), "latin1"));
  return out;
}

/** A GET from a chosen loopback source address, with any headers. */
function getFrom(
  port: number,
  path: string,
  headers: Record<string, string>,
  localAddress = "127.0.0.1",
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path, headers, localAddress, agent: false, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
  });
}

/** A keep-alive request over a raw socket from `localAddress`, then a close: nginx logs (info)
 * "client ADDR closed keepalive connection". */
function keepaliveThenClose(port: number, localAddress: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      s.write("GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
    let got = "";
    s.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n\r\n")) s.end();
    });
    s.on("close", () => resolve());
    s.on("error", reject);
  });
}

const B64 = (s: string) => Buffer.from(s).toString("base64");

systemDescribe(["nginx"], "collect: redaction by design", () => {
  let ngx: RunningNginx;
  let work: string;
  let out: string;
  const SECRETS = {
    cfgBasic: "CfgBasicSecret1",
    cfgApiKey: "CfgApiKeySecret2",
    cfgSet: "CfgSetSecret3",
    cfgMapKey: "CfgMapKeySecret4",
    cfgEnv: "CfgEnvSecret5",
    cfgMoreHeaders: "CfgMoreHdrSecret6",
    cookie: "CookieSecret7",
    bearer: "BearerSecret8",
    apiKeyHeader: "ClientApiKeySecret9",
    query: "QuerySecret10",
    clientUser: "secretuser11",
    clientPass: "ClientPassSecret12",
    unknownUser: "ghostuser13",
    xff1: "203.0.113.77",
    xff2: "198.51.100.88",
    client: "127.0.0.3",
    htpasswd: "HtpasswdSecret14",
  };
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "bg-hostile-collect-"));
    const htpasswd = join(work, "htpasswd");
    writeFileSync(htpasswd, `${SECRETS.clientUser}:{PLAIN}right-${SECRETS.htpasswd}\n`);
    chmodSync(work, 0o755);
    chmodSync(htpasswd, 0o644);
    ngx = await startNginx({
      main: () => `env API_TOKEN=${SECRETS.cfgEnv};`,
      logFormat:
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" xff="$http_x_forwarded_for" auth="$http_authorization" ck="$http_cookie" key="$http_x_api_key" ua="$upstream_addr" us="$upstream_status" rt=$request_time',
      http: (p) => `
  log_format js escape=json '{"ip":"$remote_addr","xff":"$http_x_forwarded_for","cookie":"$http_cookie","req":"$request","status":"$status","up":"$upstream_addr"}';
  map $http_x_api_key $client_ok { ${SECRETS.cfgMapKey} 1; default 0; }
  server {
    listen 127.0.0.1:${p.port};
    access_log ${p.prefix}/logs/access.log lab;
    access_log ${p.prefix}/logs/json.log js;
    location / {
      set $upstream_token ${SECRETS.cfgSet};
      proxy_set_header Authorization "Basic ${B64(`svc:${SECRETS.cfgBasic}`)}";
      proxy_set_header X-Api-Key ${SECRETS.cfgApiKey};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_pass http://127.0.0.2:${p.free[0]};
    }
    location /ok { return 200 "ok\\n"; }
    location /auth { auth_basic "staff"; auth_basic_user_file ${htpasswd}; root ${work}; }
  }`,
    });
    const headers = {
      Cookie: `sid=${SECRETS.cookie}; theme=dark`,
      Authorization: `Bearer ${SECRETS.bearer}`,
      "X-Api-Key": SECRETS.apiKeyHeader,
      "X-Forwarded-For": `${SECRETS.xff1}, ${SECRETS.xff2}`,
    };
    expect(await getFrom(ngx.port, `/cart?session=${SECRETS.query}&page=2`, headers, SECRETS.client)).toBe(
      502,
    );
    expect(
      await getFrom(
        ngx.port,
        "/auth",
        { Authorization: `Basic ${B64(`${SECRETS.clientUser}:${SECRETS.clientPass}`)}` },
        SECRETS.client,
      ),
    ).toBe(401);
    expect(
      await getFrom(
        ngx.port,
        "/auth",
        { Authorization: `Basic ${B64(`${SECRETS.unknownUser}:x`)}` },
        SECRETS.client,
      ),
    ).toBe(401);
    await keepaliveThenClose(ngx.port, SECRETS.client);
    await ngx.waitForErrorLog(new RegExp(`client ${SECRETS.client.replace(/\./g, "\\.")} closed keepalive`));
    await ngx.waitForErrorLog(/was not found/);
    out = join(work, "bundle");
  });
  afterAll(async () => {
    await ngx?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("plants a secret in every place and finds none of them in any bundle file", async () => {
    // The secrets really are in what nginx wrote, so the test can fail.
    const rawAccess = readFileSync(ngx.accessLogPath, "utf8");
    const rawJson = readFileSync(join(ngx.prefix, "logs", "json.log"), "utf8");
    const rawError = ngx.errorLog();
    expect(rawAccess).toContain(SECRETS.cookie);
    expect(rawAccess).toContain(SECRETS.bearer);
    expect(rawAccess).toContain(B64(`${SECRETS.clientUser}:${SECRETS.clientPass}`));
    expect(rawAccess).toContain(SECRETS.xff1);
    expect(rawJson).toContain(`"ip":"${SECRETS.client}"`);
    expect(rawError).toContain(`user "${SECRETS.clientUser}": password mismatch`);
    expect(rawError).toContain(`[info]`);
    expect(ngx.conf).toContain(SECRETS.cfgApiKey);

    const pid = readFileSync(join(ngx.prefix, "nginx.pid"), "utf8").trim();
    const r = await runCliAsync(["collect", "--out", out, "--pid", pid, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const files = bundleTexts(out);
    expect([...files.keys()].sort()).toEqual(
      // backends.json: the error log shows a failing local peer (no unit found here; no secret may appear in it either)
      ["access.log", "access.log.1", "backends.json", "bundle.json", "error.log", "nginx-T.txt"].sort(),
    );
    const forbidden = [
      ...Object.values(SECRETS),
      B64(`svc:${SECRETS.cfgBasic}`),
      B64(`${SECRETS.clientUser}:${SECRETS.clientPass}`),
      B64(`${SECRETS.unknownUser}:x`),
    ];
    for (const [name, text] of files)
      for (const s of forbidden) expect(text.includes(s), `${s} found in ${name}`).toBe(false);

    // What must stay: the upstream peer, the directives themselves, the htpasswd path, the pseudonyms.
    const conf = files.get("nginx-T.txt") as string;
    expect(conf).toContain('proxy_set_header Authorization "REDACTED";');
    expect(conf).toContain("proxy_set_header X-Api-Key REDACTED;");
    expect(conf).toContain("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;");
    expect(conf).toContain(`auth_basic_user_file ${join(work, "htpasswd")};`);
    const err = files.get("error.log") as string;
    expect(err).toContain(`upstream: "http://127.0.0.2:${ngx.free[0]}/cart?session=REDACTED&page=REDACTED"`);
    expect(err).toMatch(/client ip-\d+ closed keepalive connection/);
    expect(err).toMatch(/user "user-\d+": password mismatch/);
    const acc = [files.get("access.log"), files.get("access.log.1")].join("");
    expect(acc).toMatch(/xff="ip-\d+, ip-\d+"/);
    expect(acc).toContain('auth="REDACTED" ck="REDACTED" key="REDACTED"');
    expect(acc).toContain(`ua="127.0.0.2:${ngx.free[0]}"`);
    expect(acc).toMatch(/"ip":"ip-\d+"/);
    const meta = JSON.parse(files.get("bundle.json") as string);
    expect(meta.redacted).toBe(true);
    expect(meta.redaction.redacted.configValue).toBeGreaterThanOrEqual(5);
    expect(meta.redaction.redacted.credential).toBeGreaterThanOrEqual(3);
    expect(meta.redaction.redacted.userName).toBeGreaterThanOrEqual(2);
    expect(meta.redaction.distinct.clientAddress).toBeGreaterThanOrEqual(3);
    expect(meta.redaction.kept.join(" ")).toContain("upstream peer addresses");
    // Files 0600 in a 0700 directory.
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const n of files.keys()) expect(statSync(join(out, n)).mode & 0o777).toBe(0o600);
    // The redacted bundle still diagnoses.
    const d = await runCliAsync(["diagnose", "--bundle", out, "--json"]);
    const dj = JSON.parse(d.stdout);
    expect(dj.findings[0].id).toBe("upstream-down");
    // each redacted access log is read with its own format (bundle.json records it): every line counts
    expect(
      meta.files
        .filter((f: { format?: string }) => f.format)
        .map((f: { format: string }) => f.format)
        .sort(),
    ).toEqual(["js", "lab"]);
    expect(dj.basis.accessLog.requests).toBe(8);
    expect(dj.warnings.join("\n")).not.toMatch(/did not match|matched/);
  });
});

systemDescribe(["nginx"], "collect: writes only inside a directory it owns", () => {
  let ngx: RunningNginx;
  let work: string;
  let pid: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "bg-hostile-out-"));
    chmodSync(work, 0o755);
    ngx = await startNginx({
      http: (p) =>
        `server { listen 127.0.0.1:${p.port}; location / { proxy_pass http://127.0.0.1:${p.free[0]}; } }`,
    });
    await ngx.get("/x");
    await ngx.waitForErrorLog(/Connection refused/);
    pid = readFileSync(join(ngx.prefix, "nginx.pid"), "utf8").trim();
  });
  afterAll(async () => {
    await ngx?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const victim = () => {
    const v = join(work, `victim-${Math.random().toString(36).slice(2)}`);
    writeFileSync(v, "precious\n", { mode: 0o600 });
    return { path: v, mtime: statSync(v).mtimeMs };
  };
  const untouched = (v: { path: string; mtime: number }) => {
    expect(readFileSync(v.path, "utf8")).toBe("precious\n");
    expect(statSync(v.path).mtimeMs).toBe(v.mtime);
  };

  it.runIf(isRoot)("refuses an empty directory created by another user (as root)", async () => {
    const { uid, gid } = nobodyIds();
    const dir = join(work, "made-by-nobody");
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    chownSync(dir, uid, gid);
    const r = await runCliAsync(["collect", "--out", dir, "--pid", pid]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/belongs to another user/);
    expect(r.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(isRoot)("trusts a parent owned by the user who ran sudo, and no other user", async () => {
    const { uid, gid } = nobodyIds();
    const home = join(work, "home-of-nobody");
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, uid, gid);
    const refused = await runCliAsync(["collect", "--out", join(home, "b1"), "--pid", pid], { SUDO_UID: "" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/home-of-nobody belongs to another user \(uid \d+\), who could swap/);
    const viaSudo = await runCliAsync(["collect", "--out", join(home, "b2"), "--pid", pid], {
      SUDO_UID: String(uid),
    });
    expect(viaSudo.stderr).toBe("");
    expect(viaSudo.code).toBe(0);
    expect(statSync(join(home, "b2")).uid).toBe(0);
  });

  it("refuses an existing directory of ours that others may read or write", async () => {
    const dir = join(work, "too-open");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const r = await runCliAsync(["collect", "--out", dir, "--pid", pid]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mode 0755.*0700 or stricter/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("accepts an existing empty directory of ours with mode 0700", async () => {
    const dir = mkdtempSync(join(work, "mine-"));
    const r = await runCliAsync(["collect", "--out", dir, "--pid", pid]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toContain("bundle.json");
  });

  it("refuses --out that is a symlink, and never writes into its target", async () => {
    const target = join(work, "link-target");
    mkdirSync(target, { mode: 0o700 });
    const link = join(work, "out-link");
    symlinkSync(target, link);
    const r = await runCliAsync(["collect", "--out", link, "--pid", pid]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(readdirSync(target)).toEqual([]);
  });

  it("refuses a parent directory other users can write without the sticky bit", async () => {
    const open = join(work, "open-parent");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r = await runCliAsync(["collect", "--out", join(open, "bundle"), "--pid", pid]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/writable by other users \(mode 0777, no sticky bit\)/);
    expect(readdirSync(open)).toEqual([]);
  });

  it.runIf(isRoot && findProgram("setpriv") !== null)(
    "as an unprivileged user: refuses root's empty directory and a parent it does not own",
    () => {
      const rootDir = join(work, "made-by-root");
      mkdirSync(rootDir, { mode: 0o777 });
      chmodSync(rootDir, 0o777);
      const r1 = runAsNobody(["collect", "--out", rootDir]);
      expect(r1.code).toBe(2);
      expect(r1.stderr).toMatch(/belongs to another user \(uid 0\)/);
      expect(readdirSync(rootDir)).toEqual([]);
      // /tmp/… made by root, mode 0777 without sticky: nobody must not build there either
      const r2 = runAsNobody(["collect", "--out", join(rootDir, "inner")]);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/writable by other users/);
      expect(existsSync(join(rootDir, "inner"))).toBe(false);
    },
  );

  it("refuses nginx -T output over --max-config-size, before creating anything", async () => {
    const dir = join(work, "conf-cap");
    const r = await runCliAsync(["collect", "--out", dir, "--pid", pid, "--max-config-size", "100"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-T printed more than 100 bytes \(the configuration size cap\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it("never writes through a symlink planted while it runs", async () => {
    // A big rotated log makes collect take a while; a planter (this process, root or not — the
    // directory is ours and 0700, so only we could plant) races it with symlinks to a victim file.
    const big = join(ngx.prefix, "logs", "error.log.1");
    const line = `2026/11/24 13:36:30 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.1, server: _, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9/", host: "x"\n`;
    writeFileSync(big, line.repeat(150_000));
    try {
      const v = victim();
      const dir = join(work, "raced");
      const child = spawn(process.execPath, [cliPath, "collect", "--out", dir, "--pid", pid], {
        env: { ...process.env, NO_COLOR: "1" },
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const done = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
      let planted = 0;
      const deadline = Date.now() + 20_000;
      while (planted === 0 && Date.now() < deadline) {
        if (existsSync(dir))
          for (const n of ["bundle.json", "access.log", "error.log", "error.log.1", "nginx-T.txt"]) {
            try {
              symlinkSync(v.path, join(dir, n));
              planted++;
            } catch {
              /* already written by collect */
            }
          }
        await new Promise((r) => setImmediate(r));
      }
      const code = await done;
      expect(planted).toBeGreaterThan(0);
      expect(code).toBe(2);
      expect(stderr).toMatch(/refusing to write .*something else created it first/);
      untouched(v);
      // whatever collect did write is a regular 0600 file
      for (const n of readdirSync(dir)) {
        const st = lstatSync(join(dir, n));
        if (!st.isSymbolicLink()) expect(st.mode & 0o777).toBe(0o600);
      }
    } finally {
      rmSync(big, { force: true });
    }
  });

  it("skips a rotated log that is a symlink, a FIFO or a hard link, and says so on stderr and in bundle.json", async () => {
    const secret = join(work, "shadow-like");
    writeFileSync(secret, "root:ShadowSecret:19000:0:99999:7:::\n", { mode: 0o600 });
    const link = join(ngx.prefix, "logs", "error.log.2");
    const fifo = join(ngx.prefix, "logs", "access.log.1");
    const hard = join(ngx.prefix, "logs", "error.log.3");
    symlinkSync(secret, link);
    spawnSync("mkfifo", [fifo]);
    linkSync(secret, hard);
    try {
      const dir = join(work, "skips");
      const r = await runCliAsync(["collect", "--out", dir, "--pid", pid]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`skipped ${link}: is a symbolic link (to ${secret}); not followed`);
      expect(r.stderr).toContain(`skipped ${fifo}: is a FIFO, not a regular file`);
      expect(r.stderr).toContain(`skipped ${hard}: has 2 hard links (could be any file); not copied`);
      const meta = JSON.parse(readFileSync(join(dir, "bundle.json"), "utf8"));
      expect(meta.skipped).toEqual(
        expect.arrayContaining([
          { source: link, reason: `is a symbolic link (to ${secret}); not followed` },
          { source: fifo, reason: "is a FIFO, not a regular file" },
        ]),
      );
      for (const [, text] of bundleTexts(dir)) expect(text).not.toContain("ShadowSecret");
    } finally {
      rmSync(link, { force: true });
      rmSync(fifo, { force: true });
      rmSync(hard, { force: true });
    }
  });

  it("cuts a compressed log over --max-file-size to its newest part, with a note", async () => {
    const rotated = join(ngx.prefix, "logs", "error.log.1.gz");
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++)
      lines.push(
        `2026/11/24 13:36:30 [error] 1#1: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.1, server: _, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:9/", host: "x"`,
      );
    const text = `${lines.join("\n")}\n`;
    writeFileSync(rotated, gzipSync(text));
    try {
      const dir = join(work, "capped");
      const r = await runCliAsync(["collect", "--out", dir, "--pid", pid, "--max-file-size", "1M", "--json"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(`${rotated.replace(/\./g, "\\.")} is ${text.length} bytes, over the 1048576-byte cap`),
      );
      const meta = JSON.parse(readFileSync(join(dir, "bundle.json"), "utf8"));
      const cut = meta.truncated.find((t: { source: string }) => t.source === rotated);
      expect(cut.totalBytes).toBe(text.length);
      expect(cut.keptBytes).toBeLessThanOrEqual(1 << 20);
      const copied = readFileSync(join(dir, cut.file), "utf8");
      expect(copied.length).toBeLessThanOrEqual(1 << 20);
      expect(copied.length).toBeGreaterThan(900_000);
      // the newest lines are the ones kept, whole
      expect(copied).toContain("*39999 connect() failed");
      expect(copied).not.toContain("*0 connect() failed");
      expect(copied.split("\n")[0]).toMatch(/^2026\/11\/24 /);
    } finally {
      rmSync(rotated, { force: true });
    }
  });

  it("streams 250 MB and 500 MB logs with the same peak memory", async () => {
    const big = join(ngx.prefix, "logs", "access.log.1");
    const line = `192.0.2.44 - - [24/Nov/2026:13:36:30 +0000] "GET /cart?session=abc123 HTTP/1.1" 502 157 "-" "curl/8.5"\n`;
    const block = Buffer.from(line.repeat(Math.ceil((1 << 20) / line.length)));
    const { openSync, writeSync, closeSync } = await import("node:fs");
    // One collect over a log of `mib` MiB; returns its peak RSS in MiB.
    const collectPeak = async (mib: number, name: string): Promise<number> => {
      const fd = openSync(big, "w");
      for (let i = 0; i < mib; i++) writeSync(fd, block);
      closeSync(fd);
      expect(statSync(big).size).toBeGreaterThan(mib * 1024 * 1024);
      const dir = join(work, name);
      const rssFile = join(work, `maxrss-${name}`);
      const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(
          process.execPath,
          ["--require", maxrssHook, cliPath, "collect", "--out", dir, "--pid", pid],
          {
            // V8's young generation is pinned to Node 20's size: Node 22+ grows it in steps while a big log
            // streams (up to ~100 MiB more, reached at different sizes run to run), which would hide what this
            // measures — whether badgateway itself holds on to more as the log grows.
            env: {
              ...process.env,
              NO_COLOR: "1",
              BG_MAXRSS_FILE: rssFile,
              NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --max-semi-space-size=16`.trim(),
            },
          },
        );
        let stderr = "";
        c.stderr.on("data", (d) => {
          stderr += d;
        });
        c.on("close", (code) => resolve({ code, stderr }));
      });
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(statSync(join(dir, "access.log.1")).size).toBeGreaterThan(mib * 0.8 * 1024 * 1024);
      return Number(readFileSync(rssFile, "utf8")) / 1024;
    };
    try {
      const small = await collectPeak(250, "big250");
      const large = await collectPeak(500, "big500");
      // Twice the log, the same peak: 135–165 MiB (Node 20 and 24 alike with the young generation pinned;
      // unpinned, Node 24 peaks near 258 MiB). It was 1.38 GB for the 250 MB log when logs were held whole.
      expect(large - small).toBeLessThan(30);
      expect(large).toBeLessThan(200);
    } finally {
      rmSync(big, { force: true });
    }
  }, 300_000);
});

describe("collect: option checks", () => {
  it("rejects a bad --max-file-size before doing anything", async () => {
    const r = await runCliAsync([
      "collect",
      "--out",
      join(tmpdir(), "never-made"),
      "--max-file-size",
      "lots",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-file-size: "lots" is not a size');
    expect(existsSync(join(tmpdir(), "never-made"))).toBe(false);
  });
});
