/**
 * Cause fix planners on the hand-made cause bundles (test/fixtures/causes): diagnose → planFixes → applyEdits,
 * checking the exact line each change writes, and that fixes outside nginx come as commands without edits.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gatherEvidence } from "../../src/evidence/gather.js";
import { applyEdits } from "../../src/nginx/config/edits.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { diagnose } from "../../src/rules/diagnose.js";
import { planFixes } from "../../src/rules/fix/index.js";
import { upstreamTimeoutFix } from "../../src/rules/fix/upstream-timeout.js";
import type { Finding } from "../../src/rules/types.js";

const dir = join(import.meta.dirname, "../fixtures/causes");

async function fixesFor(bundle: string) {
  const ev = await gatherEvidence({ bundle: join(dir, bundle) });
  const model = ev.config?.model;
  if (!model) throw new Error(`no configuration in ${bundle}`);
  const plans = planFixes(diagnose(ev).findings, [], {
    model,
    evidence: ev,
    resolvers: ["192.0.2.53"],
    caBundle: "/etc/ssl/certs/ca-certificates.crt",
  });
  const file = model.files[0] as string;
  const text = readFileSync(file, "utf8");
  /** The lines a rule's plans change: removed and added. */
  const change = (rule: string) => {
    const p = plans.filter((x) => x.rule === rule);
    expect(p.length, `${bundle}: ${plans.map((x) => x.id)}`).toBeGreaterThan(0);
    const after =
      applyEdits(
        model,
        new Map([[file, text]]),
        p.flatMap((x) => x.edits),
      ).get(file) ?? text;
    const a = text.split("\n");
    const b = after.split("\n");
    return {
      removed: a.filter((l) => !b.includes(l)).map((l) => l.trim()),
      added: b.filter((l) => !a.includes(l)).map((l) => l.trim()),
      plans: p,
    };
  };
  return { plans, change };
}

describe("cause fixes on the cause bundles", () => {
  it("wrong-port: the upstream server moves to the port the probe found", async () => {
    const c = (await fixesFor("wrong-port")).change("wrong-port");
    expect(c.removed).toEqual(["server 127.0.0.1:8081;"]);
    expect(c.added).toEqual(["server 127.0.0.1:8080;"]);
  });

  it("scheme-mismatch: https:// becomes http://", async () => {
    const c = (await fixesFor("scheme-mismatch")).change("scheme-mismatch");
    expect(c.removed).toEqual(["proxy_pass https://127.0.0.1:8080;"]);
    expect(c.added).toEqual(["proxy_pass http://127.0.0.1:8080;"]);
  });

  it("no-resolver: a resolver in the server block", async () => {
    const c = (await fixesFor("no-resolver")).change("no-resolver");
    expect(c.removed).toEqual([]);
    expect(c.added).toEqual(["resolver 192.0.2.53 valid=30s ipv6=off;"]);
  });

  it("too-big-header: bigger buffers in that location only", async () => {
    const c = (await fixesFor("too-big-header")).change("too-big-header");
    expect(c.added).toEqual(["proxy_buffer_size 16k;", "proxy_buffers 8 16k;"]);
  });

  it("fd-limit and connection-limit: the formula's values", async () => {
    const fd = (await fixesFor("fd-limit")).change("fd-limit");
    expect(fd.removed).toEqual(["worker_rlimit_nofile 1024;"]);
    expect(fd.added[0]).toMatch(/^worker_rlimit_nofile \d+;$/);
    expect(fd.plans[0]?.explanation).toMatch(/2 × worker_connections/);
    const cl = (await fixesFor("connection-limit")).change("connection-limit");
    expect(cl.added.some((l) => /^worker_connections \d+;$/.test(l))).toBe(true);
  });

  it("reload-changed-upstream and intercepted-status", async () => {
    const r = (await fixesFor("reload-changed-upstream")).change("reload-changed-upstream");
    expect(r.removed.length).toBe(1);
    expect(r.added.length).toBe(1);
    const i = (await fixesFor("intercepted-status")).change("intercepted-status");
    expect(i.removed[0]).toMatch(/=50[24]/);
    expect(i.added[0]).not.toMatch(/=50[24]/);
  });

  it("fixes outside nginx: commands, no edits", async () => {
    for (const [bundle, rule, command] of [
      ["upstream-down", "upstream-down", /systemctl restart/],
      ["unix-socket-permission", "unix-socket-permission", /listen\.owner = /],
      ["unix-socket-missing", "unix-socket-missing", /ls -l \//],
      ["tls-upstream", "tls-upstream", /openssl s_client -connect 127\.0\.0\.1:8443/],
    ] as const) {
      const p = (await fixesFor(bundle)).plans.filter((x) => x.rule === rule);
      expect(p.length, bundle).toBe(1);
      expect(p[0]?.edits).toEqual([]);
      expect((p[0]?.commands ?? []).join("\n"), bundle).toMatch(command);
    }
    const t = (await fixesFor("upstream-timeout")).plans.find((x) => x.rule === "upstream-timeout");
    expect(t?.edits).toEqual([]);
    expect(t?.explanation).toMatch(/would only make clients wait longer/);
  });
});

describe("upstream-timeout planner", () => {
  const conf =
    "http { server { location /reports { proxy_pass http://127.0.0.1:9000; proxy_read_timeout 2s; } location / { proxy_pass http://127.0.0.1:9000; } } }\n";
  const { model } = modelFromText(conf, "t.conf");
  const finding = (fix: string): Finding => ({
    id: "upstream-timeout",
    title: "",
    severity: "error",
    confidence: 0.9,
    message: "",
    evidence: [],
    fix,
    locations: [{ file: "t.conf", line: 1 }],
    docs: "",
  });

  it("raises the read timeout in the slow location only, with the formula", () => {
    const plans = upstreamTimeoutFix.plan(
      finding("Raise proxy_read_timeout above the backend's real response time"),
      {
        model,
        evidence: null,
      },
    );
    // Both locations are on line 1; each gets its own value in its own block.
    const out = applyEdits(
      model,
      new Map([["t.conf", conf]]),
      plans.flatMap((p) => p.edits),
    ).get("t.conf");
    expect(out).toBe(
      "http { server { location /reports { proxy_pass http://127.0.0.1:9000; proxy_read_timeout 120s; } location / { proxy_pass http://127.0.0.1:9000; proxy_read_timeout 120s; } } }\n",
    );
    expect(plans[0]?.explanation).toContain("max(120s, 2 × current) = 120s");
  });

  it("does not raise it when the evidence blames the backend", () => {
    const plans = upstreamTimeoutFix.plan(finding("Find what makes the backend slow"), {
      model,
      evidence: null,
    });
    expect(plans.map((p) => p.edits.length)).toEqual([0]);
  });
});
