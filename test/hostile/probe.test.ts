/**
 * `probe` (and the probes inside `diagnose`) through the built CLI against real loopback servers: option
 * values, request text that could inject headers, the overall deadline, progress on a terminal, the Host
 * header, upstream 5xx answers and terminal escapes coming from the configuration.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, runCli, runCliAsync } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";

let dir: string;
const cleanup: Array<() => void> = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-hostile-probe-"));
  chmodSync(dir, 0o755);
});
afterAll(() => {
  for (const f of cleanup) f();
  rmSync(dir, { recursive: true, force: true });
});

async function recorder(status = 200): Promise<{ port: number; hosts: string[]; raw: Buffer[] }> {
  const hosts: string[] = [];
  const raw: Buffer[] = [];
  const srv = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? "(none)");
    res.writeHead(status, { "Content-Length": "2" });
    res.end("ok");
  });
  srv.on("connection", (s) => s.on("data", (d: Buffer) => raw.push(d)));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => srv.close());
  return { port: (srv.address() as net.AddressInfo).port, hosts, raw };
}

async function silentServers(n: number): Promise<number[]> {
  const held: net.Socket[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const srv = net.createServer((s) => {
      held.push(s);
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    ports.push((srv.address() as net.AddressInfo).port);
    cleanup.push(() => srv.close());
  }
  cleanup.push(() => {
    for (const s of held) s.destroy();
  });
  return ports;
}

function conf(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, text: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(text);
  expect(r.stderr).not.toContain("internal error");
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("probe options", () => {
  it("refuses bad --concurrency, --timeout and --deadline values with exit 2 and the reason", () => {
    const t = ["probe", "--target", "http://127.0.0.1:1/"];
    for (const v of ["-1", "0", "abc", "1.5", "100000"])
      expectUsageError(
        runCli([...t, "--concurrency", v]),
        `--concurrency wants a whole number from 1 to 256 (got "${v}")`,
      );
    for (const v of ["abc", "-5", "0", "5h", "1e3", ""])
      expectUsageError(runCli([...t, "--timeout", v]), `--timeout wants a positive duration`);
    for (const v of ["0", "never", "-1s", "2d"])
      expectUsageError(runCli([...t, "--deadline", v]), `--deadline wants a positive duration`);
  });

  it("refuses CR/LF, other control characters and spaces in --path and in a --target path; nothing is sent", async () => {
    const s = await recorder();
    const target = `http://127.0.0.1:${s.port}/`;
    for (const p of ["/a\r\nX-Injected: 1", "/a\nb", "/\x1b[2J", "/a b", "/\x7f", "relative"])
      expectUsageError(runCli(["probe", "--target", target, "--path", p]), "--path");
    expectUsageError(
      runCli(["probe", "--target", `http://127.0.0.1:${s.port}/a\x1b[2Jb`]),
      "the path of --target",
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(s.raw).toHaveLength(0);
    // A clean path still works.
    const ok = await runCliAsync(["probe", "--target", target, "--path", "/health?x=1"]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe("probe deadline", () => {
  it("64 upstreams that never answer: probe stops at --deadline and says what it left out", async () => {
    const ports = await silentServers(64);
    const f = conf(
      "many.conf",
      `http {\n  server {\n${ports.map((p, i) => `    location /u${i} { proxy_pass http://127.0.0.1:${p}; }`).join("\n")}\n  }\n}\n`,
    );
    // Each check would wait 5 s: none finishes before the 1.5 s deadline, so nothing is known (exit 2).
    let t0 = Date.now();
    const r = await runCliAsync(["probe", "--config", f, "--deadline", "1500ms", "--json"]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ deadlineReached: true, skipped: 56, unfinished: 8 });
    expect(report.results.filter((x: { skipped?: string }) => x.skipped === "deadline")).toHaveLength(56);
    expect(r.stderr).toContain(
      "the --deadline of 1500 ms came first: 56 of 64 target(s) not probed, 8 not finished",
    );
    // Checks that time out on their own before the deadline are problems (exit 1); the rest is still cut.
    t0 = Date.now();
    const t = await runCliAsync(["probe", "--config", f, "--timeout", "400ms", "--deadline", "1s"]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(t.code, t.stderr).toBe(1);
    expect(t.stdout).toMatch(/^FAIL http:\/\/127\.0\.0\.1:\d+ /m);
    expect(t.stdout).toMatch(/✗ http +no complete response header within 400 ms/);
    expect(t.stdout).toMatch(/\d+ not probed \(deadline 1 s\)/);
  });

  it("a deadline too short for anything to finish never gives exit 0", async () => {
    const ok = await recorder();
    const r = await runCliAsync([
      "probe",
      "--concurrency",
      "1",
      "--deadline",
      "1",
      ...[1, 2, 3].flatMap((i) => ["--target", `http://127.0.0.1:${ok.port}/${i}`]),
    ]);
    expect([1, 2]).toContain(r.code);
    expect(r.stderr).toContain("the --deadline of 1 ms came first");
  });
});

describe("diagnose --probe-deadline", () => {
  it("sets the probes' deadline, and a bad value is exit 2 with the reason", async () => {
    const ports = await silentServers(16);
    const f = conf(
      "diag2.conf",
      `http {\n  server {\n${ports.map((p, i) => `    location /u${i} { proxy_pass http://127.0.0.1:${p}; }`).join("\n")}\n  }\n}\n`,
    );
    const log = conf("error2.log", "");
    const t0 = Date.now();
    const r = await runCliAsync([
      "diagnose",
      "--config",
      f,
      "--error-log",
      log,
      "--probe-deadline",
      "1s",
      "--json",
    ]);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(JSON.parse(r.stdout).warnings).toContain(
      "live probes stopped at their 1000 ms deadline: 8 of 16 upstream(s) not probed, 8 not finished",
    );
    expectUsageError(
      runCli(["diagnose", "--config", f, "--probe-deadline", "soon"]),
      '--probe-deadline wants a positive duration up to 1h: milliseconds, or a number with ms, s or m (got "soon")',
    );
  });
});

describe("probe requests", () => {
  it("sends the location's proxy_set_header Host ($host → server_name) and nginx's default $proxy_host", async () => {
    const a = await recorder();
    const b = await recorder();
    const f = conf(
      "host.conf",
      `http {
  upstream app { server 127.0.0.1:${b.port}; }
  server {
    server_name shop.example.com;
    location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:${a.port}; }
    location /api { proxy_pass http://app; }
  }
}
`,
    );
    const r = await runCliAsync(["probe", "--config", f]);
    expect(r.code, r.stderr).toBe(0);
    expect(a.hosts).toEqual(["shop.example.com"]);
    expect(b.hosts).toEqual(["app"]);
    expect(r.stdout).toContain(`Host: proxy_set_header Host "$host" (${f}:5) → shop.example.com`);
    expect(r.stdout).toContain("Host: $proxy_host (nginx's default) → app");
  });

  it("configuration errors are said on stderr and keep the result from being clean", async () => {
    const s = await recorder();
    conf("pc-a.conf", "include pc-a.conf;\n");
    const f = conf(
      "probe-cycle.conf",
      `http {\n  include pc-a.conf;\n  server { location / { proxy_pass http://127.0.0.1:${s.port}; } }\n}\n`,
    );
    const r = await runCliAsync(["probe", "--config", f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ok +http:\/\/127\.0\.0\.1/m);
    expect(r.stderr).toContain("badgateway: configuration: ");
    expect(r.stderr).toContain("pc-a.conf:1: include cycle");
    expect(r.stderr).toContain("the configuration had 1 error(s)");
  });

  it("an upstream answering 502 is reported as such, exit 1", async () => {
    const s = await recorder(502);
    const r = await runCliAsync(["probe", "--target", `http://127.0.0.1:${s.port}/`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL");
    expect(r.stdout).toContain("HTTP 502: the upstream itself answers with a server error");
    const j = JSON.parse(
      (await runCliAsync(["probe", "--target", `http://127.0.0.1:${s.port}/`, "--json"])).stdout,
    );
    expect(j.facts).toEqual([expect.objectContaining({ check: "http", ok: false, problem: "upstream-5xx" })]);
  });

  it("control characters from the configuration reach the terminal only as \\xNN", async () => {
    const s = await recorder();
    const evil = "\x1b]0;owned\x07\x1b[2J";
    const f = conf(
      "evil.conf",
      `http {\n  server {\n    server_name "shop${evil}.example";\n    location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:${s.port}; }\n  }\n}\n`,
    );
    const r = await runCliAsync(["probe", "--config", f]);
    expect(r.stdout + r.stderr).not.toContain("\x1b");
    expect(r.stdout).toContain("shop\\x1b]0;owned\\x07\\x1b[2J.example");
    expect(s.raw).toHaveLength(0); // a Host with control characters is never sent
    expect(r.code).toBe(1);
    // (no `[` here: that would make the include a glob, which may match nothing)
    const missing = conf("esc.conf", 'events {}\ninclude "gone\x1b]0;owned\x07.conf";\n');
    for (const args of [
      ["lint", missing],
      ["config", "files", missing],
      ["config", "parse", missing],
    ]) {
      const x = runCli(args);
      expect(x.code).toBe(2);
      expect(x.stdout + x.stderr).not.toContain("\x1b");
    }
    // JSON keeps the bytes, escaped the JSON way.
    const j = runCli(["config", "parse", missing]);
    expect(j.stdout).toContain("\\u001b]0;owned\\u0007");
  });
});

systemDescribe(["script"], "probe progress on a terminal", () => {
  it("shows progress on stderr when it is a terminal, and nothing when it is not", async () => {
    const s = await recorder();
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} probe --target http://127.0.0.1:${s.port}/ --target http://127.0.0.1:${s.port}/b`;
    // `script` gives the command a terminal; this process must keep serving meanwhile (no spawnSync).
    const tty = await new Promise<string>((resolve) => {
      const p = spawn("script", ["-qfec", `${cmd} >/dev/null`, "/dev/null"], {
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "ignore"],
      });
      let out = "";
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      p.on("close", () => resolve(out));
    });
    expect(tty).toContain("probing 2 target(s), 8 at once, deadline 10 s");
    expect(tty).toMatch(/1\/2 ok +http:\/\/127\.0\.0\.1/);
    expect(tty).toMatch(/2\/2 ok/);
    const plain = await runCliAsync(["probe", "--target", `http://127.0.0.1:${s.port}/`]);
    expect(plain.stderr).toBe("");
  });
});

/**
 * Listeners whose accept queue is full (backlog 0, filled by connections nobody accepts): a connect to them
 * gets no answer at all, like a host behind a firewall that drops packets. One python3 process holds them.
 */
async function blackHoles(n: number): Promise<number[]> {
  const child = spawn(
    "python3",
    [
      "-c",
      `import socket,time,json
ls=[]
for i in range(${n}):
    s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0); ls.append(s)
cs=[]
for s in ls:
    for k in range(3):
        c=socket.socket(); c.setblocking(False); c.connect_ex(s.getsockname()); cs.append(c)
print(json.dumps([s.getsockname()[1] for s in ls]), flush=True)
time.sleep(120)`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  cleanup.push(() => child.kill());
  const line = await new Promise<string>((r) => child.stdout.once("data", (d: Buffer) => r(d.toString())));
  return JSON.parse(line) as number[];
}

systemDescribe(["python3"], "diagnose over black-holed upstreams", () => {
  it("64 black-holed upstreams: diagnose ends at its 10 s probe deadline (it used to take 24 s)", async () => {
    const ports = await blackHoles(64);
    const f = conf(
      "diag.conf",
      `http {\n  server {\n${ports.map((p, i) => `    location /u${i} { proxy_pass http://127.0.0.1:${p}; }`).join("\n")}\n  }\n}\n`,
    );
    const log = conf("error.log", "");
    const t0 = Date.now();
    const r = await runCliAsync(["diagnose", "--config", f, "--error-log", log, "--json"]);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(16_000);
    expect(took).toBeGreaterThan(9_000);
    const out = JSON.parse(r.stdout);
    // 3 s connect timeouts, 8 at once: 24 found by 9 s, 8 stopped at 10 s, 32 never started (a loaded machine
    // may shift a round).
    const warning = (out.warnings as string[]).find((w) => w.startsWith("live probes stopped"));
    expect(warning).toMatch(
      /^live probes stopped at their 10000 ms deadline: (2[4-9]|3\d|40) of 64 upstream\(s\) not probed, 8 not finished$/,
    );
    const probe = runCli(["probe", "--config", f, "--timeout", "1s", "--deadline", "2500ms", "--json"]);
    const report = JSON.parse(probe.stdout);
    expect(probe.code).toBe(1);
    const steps = report.results.flatMap((x: { steps: Array<{ problem: string }> }) => x.steps);
    expect(
      steps.filter((x: { problem: string }) => x.problem === "connect-timeout").length,
    ).toBeGreaterThanOrEqual(8);
  }, 30_000);
});
