/**
 * `diagnose --kubectl` through the built CLI with a fake kubectl on PATH that replays recorded controller output
 * (test/fixtures/ingress, sources in sources.json), and `access` / `diagnose --access-log` reading an ingress-nginx
 * upstreaminfo log without being told its format.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const FIX = join(import.meta.dirname, "../fixtures/ingress");
const BIN = join(FIX, "bin");
const tmp = mkdtempSync(join(tmpdir(), "bg-kubectl-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function run(scenario: string, args: string[], env: Record<string, string> = {}) {
  const log = join(tmp, `calls-${n++}.jsonl`);
  const r = runCli(["diagnose", "--kubectl", ...args], undefined, {
    PATH: `${BIN}:${process.env["PATH"] ?? ""}`,
    FAKE_KUBECTL_DIR: join(FIX, scenario),
    FAKE_KUBECTL_LOG: log,
    ...env,
  });
  let calls: string[][] = [];
  try {
    calls = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
  } catch {
    calls = [];
  }
  return { ...r, calls };
}

interface Out {
  exitCode: number;
  findings: Array<{
    id: string;
    status: number | null;
    message: string;
    evidence: Array<{ summary: string }>;
  }>;
  basis: {
    mode: string;
    kubernetes?: {
      controller: { namespace: string; pods: string[] } | null;
      services: Array<{ name: string }>;
    };
  };
}

describe("diagnose --kubectl (fake kubectl replaying recorded controller output)", () => {
  it("a rescheduled pod: the old IP refused is a stale endpoint of the right Service (502)", () => {
    const r = run("rescheduled", ["--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings[0]?.id).toBe("ingress-stale-endpoint");
    expect(out.findings[0]?.status).toBe(502);
    expect(out.findings[0]?.message).toContain("Service dop/gateway-server (port 14523)");
    expect(out.findings[0]?.message).toContain("no pod has 10.36.0.1 any more");
    expect(out.findings[0]?.message).toContain("10.36.0.7 (gateway-server-6d9c7b5f4-k2m8p)");
    expect(out.findings.map((f) => f.id)).not.toContain("upstream-down");
    expect(out.basis.mode).toBe("kubectl");
    expect(out.basis.kubernetes?.controller).toEqual({
      namespace: "ingress-nginx",
      pods: ["nginx-ingress-controller-5b8c9d6f7-q4wzt"],
    });
  });

  it("a Service with no ready endpoints: the controller's 503, said to be no 502", () => {
    const r = run("no-endpoints", []);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[ingress-no-endpoints");
    expect(r.stdout).toContain("got 503 Service Unavailable from the controller itself");
    expect(r.stdout).toContain("Service clickhouse/error-reader (port 80)");
    expect(r.stdout).toContain("This is a 503, not a 502");
    expect(r.stdout).toContain("0 ready of 1");
    // a controller pod with a sidecar: logs and nginx -T are asked of the "controller" container
    for (const verb of ["logs", "exec"])
      expect(r.calls.find((c) => c[0] === verb)?.slice(4, 6)).toEqual(["-c", "controller"]);
  });

  it("an upstream timeout: the Service and pod named, with the timeout in force (504)", () => {
    const r = run("timeout", ["--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings.map((f) => f.id)).toEqual(["ingress-upstream-timeout"]);
    expect(out.findings[0]?.status).toBe(504);
    expect(out.findings[0]?.message).toContain("Service pc-dev/example-web-service (port 80)");
    expect(out.findings[0]?.message).toContain("192.168.215.1:80 (pod example-web-7b9c6d5f8-zq4vn)");
    expect(out.findings[0]?.message).toContain("proxy_connect_timeout there is 5 s");
  });

  it("exec forbidden (no nginx -T): the upstream name is split by asking the cluster, the Service still named", () => {
    const r = run("timeout-no-exec", ["--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as Out & { warnings: string[]; missing: string[] };
    expect(out.findings[0]?.id).toBe("ingress-upstream-timeout");
    expect(out.findings[0]?.message).toContain("Service pc-dev/example-web-service (port 80)");
    expect(out.findings[0]?.message).not.toContain("guessed");
    expect(out.warnings.join("\n")).toContain(
      "kubectl exec ingress-nginx-controller-5c9f7d8b6-h8k2w: Error from server (Forbidden)",
    );
    expect(out.missing.join("\n")).toContain("`nginx -T` could not be run");
    // the first-segment split was asked first, found empty, then the next one
    const asked = r.calls.filter((c) => c.includes("endpointslices")).map((c) => c[c.indexOf("-n") + 1]);
    expect(asked).toEqual(["pc", "pc-dev"]);
  });

  it("asks kubectl with argument arrays, read-only verbs, bounded logs and the context given", () => {
    const r = run("timeout", [
      "--context",
      "prod-eu",
      "--namespace",
      "ingress-nginx",
      "--since",
      "2023-03-08T16:00:00Z",
    ]);
    expect(r.code).toBe(1);
    const verbs = r.calls.map((c) => c.filter((a) => a !== "--context" && a !== "prod-eu")[0]);
    expect(new Set(verbs)).toEqual(new Set(["get", "exec", "logs"]));
    for (const c of r.calls) expect(c.slice(0, 2)).toEqual(["--context", "prod-eu"]);
    const logs = r.calls.find((c) => c.includes("logs")) ?? [];
    expect(logs).toContain("-n");
    expect(logs.some((a) => /^--limit-bytes=\d+$/.test(a))).toBe(true);
    expect(logs).toContain("--since-time=2023-03-08T16:00:00.000Z");
    expect(logs.some((a) => a.startsWith("--tail="))).toBe(false);
    // Without --since the newest lines are read, so a long-running controller's recent incident is in them.
    const recent = run("timeout", []).calls.find((c) => c.includes("logs")) ?? [];
    expect(recent).toContain("--tail=200000");
    const exec = r.calls.find((c) => c.includes("exec")) ?? [];
    expect(exec.slice(exec.indexOf("--"))).toEqual(["--", "nginx", "-T"]);
    const pods = r.calls.find((c) => c.includes("pods") && c.includes("-l")) ?? [];
    expect(pods).toEqual(
      expect.arrayContaining([
        "-n",
        "ingress-nginx",
        "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller",
      ]),
    );
    expect(r.calls.find((c) => c.includes("endpointslices"))).toEqual(
      expect.arrayContaining(["-n", "pc-dev", "kubernetes.io/service-name=example-web-service"]),
    );
  });

  it("no kubectl on PATH: one line, exit 2, no stack trace", () => {
    const r = runCli(["diagnose", "--kubectl"], undefined, { PATH: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kubectl not found on PATH");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("no controller pod matches: exit 2 naming the selector", () => {
    const r = run("timeout", ["--selector", "app=nothing-here"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("app=nothing-here");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a kubectl that does not answer is stopped at --kubectl-timeout", () => {
    const dir = mkdtempSync(join(tmp, "slow-"));
    const table = JSON.parse(readFileSync(join(FIX, "timeout/replay.json"), "utf8")) as Array<{
      sleepMs?: number;
    }>;
    for (const e of table) e.sleepMs = 30_000;
    writeFileSync(join(dir, "replay.json"), JSON.stringify(table));
    const t0 = Date.now();
    const r = runCli(["diagnose", "--kubectl", "--kubectl-timeout", "1s"], undefined, {
      PATH: `${BIN}:${process.env["PATH"] ?? ""}`,
      FAKE_KUBECTL_DIR: dir,
    });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no answer within 1 s");
  });

  it("refuses a --namespace that is no Kubernetes name (it would reach kubectl as an option)", () => {
    const r = run("timeout", ["--namespace", "--all-namespaces"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--namespace wants a Kubernetes namespace name");
    expect(r.calls).toEqual([]);
  });

  it("an answer that is not JSON, and log names that are no Kubernetes names, never reach further calls", () => {
    const dir = mkdtempSync(join(tmp, "odd-"));
    writeFileSync(join(dir, "garbage.txt"), "<html>proxy login</html>\n");
    writeFileSync(
      join(dir, "replay.json"),
      JSON.stringify([{ args: ["get", "pods", "-A", "-l", "app=x", "-o", "json"], file: "garbage.txt" }]),
    );
    const r = runCli(["diagnose", "--kubectl", "--selector", "app=x"], undefined, {
      PATH: `${BIN}:${process.env["PATH"] ?? ""}`,
      FAKE_KUBECTL_DIR: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kubectl get pods: the answer is not JSON");
    expect(r.stderr).not.toMatch(/\n\s+at /);

    // An access line whose upstream name would make an option of a namespace: nothing is asked about it.
    const hostile = mkdtempSync(join(tmp, "hostile-"));
    const table = JSON.parse(readFileSync(join(FIX, "no-endpoints/replay.json"), "utf8")) as Array<{
      args: string[];
      file?: string;
    }>;
    for (const e of table)
      if (e.file) writeFileSync(join(hostile, e.file), readFileSync(join(FIX, "no-endpoints", e.file)));
    writeFileSync(
      join(hostile, "controller.log"),
      '10.42.0.1 - - [07/Jul/2022:17:20:05 +0000] "GET / HTTP/1.1" 503 190 "-" "curl" 88 0.000 [--all-namespaces-x-80] [] - - - - 4d3c8a1f6b2e9d7c5a4b3c2d1e0f9a8b\n',
    );
    writeFileSync(join(hostile, "replay.json"), JSON.stringify(table));
    const log = join(tmp, "hostile-calls.jsonl");
    runCli(["diagnose", "--kubectl"], undefined, {
      PATH: `${BIN}:${process.env["PATH"] ?? ""}`,
      FAKE_KUBECTL_DIR: hostile,
      FAKE_KUBECTL_LOG: log,
    });
    const calls = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
    expect(calls.map((c) => c[0])).toEqual(["get", "exec", "logs"]);
    expect(calls.flat().some((a) => a.startsWith("--all-namespaces"))).toBe(false);
  });

  it("refuses --kubectl with file inputs and --namespace without --kubectl", () => {
    const a = runCli(["diagnose", "--kubectl", "--access-log", "x.log"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--kubectl gathers its own evidence");
    const b = runCli(["diagnose", "--namespace", "x", "--access-log", "x.log"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("go with --kubectl");
  });
});

/** The controller's access lines alone, written to a file. */
function accessFile(scenario: string): string {
  const lines = readFileSync(join(FIX, scenario, "controller.log"), "utf8")
    .split("\n")
    .filter((l) => l && !/^[IWEF]\d{4} /.test(l) && !/^\d{4}\/\d{2}\/\d{2} /.test(l));
  const f = join(tmp, `${scenario}-access.log`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  chmodSync(f, 0o600);
  return f;
}

function errorFile(scenario: string): string {
  const lines = readFileSync(join(FIX, scenario, "controller.log"), "utf8")
    .split("\n")
    .filter((l) => /^\d{4}\/\d{2}\/\d{2} /.test(l));
  const f = join(tmp, `${scenario}-error.log`);
  writeFileSync(f, `${lines.join("\n")}\n`);
  return f;
}

describe("upstreaminfo logs without --log-format", () => {
  it("access: recognised from the lines, per-upstream table, JSON carries it", () => {
    const f = accessFile("rescheduled");
    const r = runCli(["access", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ingress-nginx's upstreaminfo format (controller 0.14 to 0.24");
    expect(r.stdout).toContain("10.36.0.1:8888  tries 3  502 3");
    expect(r.stdout).toContain("dop-gateway-server-14523  1 req  502 1  503 0  504 0  pods 1");
    const j = JSON.parse(runCli(["access", f, "--json"]).stdout) as {
      matched: number;
      ingress: { upstreams: Record<string, { s502: number }> };
    };
    expect(j.matched).toBe(1);
    expect(j.ingress.upstreams["dop-gateway-server-14523"]?.s502).toBe(1);
  });

  it("access: the upstreaminfo format given explicitly is accepted (its variables are the controller's)", () => {
    const fmt =
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';
    const r = runCli(["access", accessFile("timeout"), "--log-format", fmt, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout) as { ingress: { upstreams: Record<string, { s504: number }> } };
    expect(j.ingress.upstreams["pc-dev-example-web-service-80"]?.s504).toBe(1);
    const d = runCli(["diagnose", "--access-log", accessFile("timeout"), "--log-format", fmt, "--json"]);
    expect((JSON.parse(d.stdout) as Out).findings[0]?.id).toBe("ingress-upstream-timeout");
  });

  it("access on a whole controller log (kubectl logs): klog and error lines set apart, not unmatched", () => {
    const r = runCli(["access", join(FIX, "timeout/controller.log"), "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as {
      lines: number;
      matched: number;
      unmatched: number;
      controllerLines: number;
    };
    expect([j.lines, j.matched, j.unmatched, j.controllerLines]).toEqual([1, 1, 0, 3]);
    const mixed = runCli(["access", join(FIX, "no-endpoints/controller.log")]);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).not.toContain("do not match");
    expect(mixed.stdout).toContain(
      "clickhouse-error-reader-80  2 req  502 0  503 2  504 0  pods 0  answered without a pod: 2×503",
    );
  });

  it("access: an explicit --log-format still wins", () => {
    const r = runCli(["access", accessFile("timeout"), "--log-format", "combined"]);
    expect(r.stderr).not.toContain("upstreaminfo");
    expect(r.code).toBe(2);
  });

  it("diagnose --access-log: the 503s of a Service without endpoints, from the log alone", () => {
    const r = runCli(["diagnose", "--access-log", accessFile("no-endpoints"), "--json"]);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings[0]?.id).toBe("ingress-no-endpoints");
    expect(out.findings[0]?.message).toContain("Service clickhouse/error-reader (port 80)");
  });

  it("diagnose with files and nginx -T: the timeout named to the Service, the hyphenated namespace read from the config", () => {
    const r = runCli([
      "diagnose",
      "--nginx-t",
      join(FIX, "timeout/nginx-T.txt"),
      "--error-log",
      errorFile("timeout"),
      "--access-log",
      accessFile("timeout"),
      "--json",
    ]);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.findings[0]?.id).toBe("ingress-upstream-timeout");
    expect(out.findings[0]?.message).toContain("Service pc-dev/example-web-service (port 80) did not accept");
    expect(out.findings[0]?.message).not.toContain("guessed");
  });
});
