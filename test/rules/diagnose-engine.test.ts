/**
 * The ranking and bookkeeping of `diagnose` itself, with hand-built rules so every confidence, line count and
 * rule order is known: the whole order is pinned, not only the top finding, and so are the exit code, the basis
 * and what paste mode does to each finding. Written to kill the mutants Stryker left alive in src/rules/diagnose.ts.
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import type { CauseRule } from "../../src/rules/causes/types.js";
import { diagnose } from "../../src/rules/diagnose.js";
import type { Finding, Severity } from "../../src/rules/types.js";

function finding(
  id: string,
  confidence: number,
  counts: unknown[] = [],
  severity: Severity = "error",
): Finding {
  return {
    id,
    title: id,
    severity,
    confidence,
    status: 502,
    message: `${id} happened.`,
    evidence: counts.map((c) => ({ source: "error-log", summary: "x", data: { count: c } })),
    fix: "fix it",
    locations: [],
    docs: `docs/rules/${id}.md`,
  };
}

/** A rule that returns fixed findings (fresh copies each run). */
function rule(id: string, make: () => Finding[]): CauseRule {
  return {
    meta: { id, title: id, kind: "cause", severity: "error", description: id, status: 502 },
    diagnose: () => make(),
  };
}

function group(cls: ErrorClass, count: number): ErrorGroup {
  return {
    class: cls,
    peer: "127.0.0.1:8081",
    upstream: "http://127.0.0.1:8081/",
    group: null,
    server: null,
    host: null,
    count,
    first: null,
    last: null,
    samples: [],
    uris: [],
    details: [],
  };
}

function withLog(mode: Evidence["mode"] = "files", groups: ErrorGroup[] = []): Evidence {
  const ev = emptyEvidence(mode);
  ev.errorLog = {
    files: ["/var/log/nginx/error.log"],
    lines: 250,
    byClass: {},
    groups,
    first: "2026-11-24T10:00:00",
    last: "2026-11-24T10:05:00",
  };
  return ev;
}

const ids = (fs: Finding[]) => fs.map((f) => f.id);

describe("ranking", () => {
  it("orders by confidence first, whatever the rule order and line counts", () => {
    const r = diagnose(withLog(), [
      rule("low", () => [finding("low", 0.4, [1000])]),
      rule("high", () => [finding("high", 0.9, [1])]),
      rule("mid", () => [finding("mid", 0.6, [50])]),
    ]);
    expect(ids(r.findings)).toEqual(["high", "mid", "low"]);
  });

  it("breaks a confidence tie by the lines behind each finding, most first", () => {
    const r = diagnose(withLog(), [
      rule("few", () => [finding("few", 0.77, [7])]),
      rule("many", () => [finding("many", 0.77, [3, 5])]),
      rule("middle", () => [finding("middle", 0.77, [7.5])]),
    ]);
    // 8 lines (3 + 5) beat 7.5, which beat 7; rule order would have said few, many, middle.
    expect(ids(r.findings)).toEqual(["many", "middle", "few"]);
  });

  it("counts only numeric counts as lines (strings and missing data weigh nothing)", () => {
    const r = diagnose(withLog(), [
      rule("stringy", () => {
        const f = finding("stringy", 0.5, ["900"]);
        f.evidence.push({ source: "config", summary: "no data" });
        return [f];
      }),
      rule("numeric", () => [finding("numeric", 0.5, [1])]),
    ]);
    expect(ids(r.findings)).toEqual(["numeric", "stringy"]);
  });

  it("orders equal findings by the registry place of their id, then by id (a stable, documented last key)", () => {
    const r = diagnose(withLog(), [
      rule("first", () => [finding("first", 0.5, [4]), finding("second", 0.5, [4])]),
      rule("third", () => [finding("third", 0.5, [4])]),
      rule("fourth", () => [finding("fourth", 0.5, [2, 2])]),
    ]);
    // "second" is not a registered rule id: it comes after the registered ones (rank() level 4).
    expect(ids(r.findings)).toEqual(["first", "third", "fourth", "second"]);
  });

  it("pins a three-cause order built from the real rules", () => {
    const r = diagnose(
      withLog("files", [group("read-timeout", 12), group("connection-refused", 40), group("tls-verify", 3)]),
    );
    const order = ids(r.findings);
    expect(order).toEqual(["upstream-down", "upstream-timeout", "tls-upstream"]);
    const conf = r.findings.map((f) => f.confidence);
    expect([...conf].sort((a, b) => b - a)).toEqual(conf);
  });
});

describe("rules that fail and what is reported", () => {
  it("a rule that throws becomes a warning and the other rules still run", () => {
    const r = diagnose(withLog(), [
      rule("boom", () => {
        throw new Error("cannot read property");
      }),
      rule("fine", () => [finding("fine", 0.5, [1])]),
    ]);
    expect(ids(r.findings)).toEqual(["fine"]);
    expect(r.warnings).toEqual(["rule boom failed: cannot read property"]);
    expect(r.exitCode).toBe(1);
  });

  it("gives the rules the claims of the rules before them", () => {
    const seen: number[] = [];
    const g = group("connection-refused", 3);
    const r = diagnose(withLog("files", [g]), [
      {
        meta: { id: "a", title: "a", kind: "cause", severity: "error", description: "a", status: 502 },
        diagnose: (_ev, ctx) => {
          ctx.claimed.add(g);
          return [finding("a", 0.5, [3])];
        },
      },
      {
        meta: { id: "b", title: "b", kind: "cause", severity: "error", description: "b", status: 502 },
        diagnose: (_ev, ctx) => {
          seen.push(ctx.claimed.size, ctx.findings.length);
          return [];
        },
      },
    ]);
    expect(seen).toEqual([1, 1]);
    expect(ids(r.findings)).toEqual(["a"]);
  });
});

describe("exit code", () => {
  it("is 2 with no evidence at all and no findings", () => {
    expect(diagnose(emptyEvidence("files"), []).exitCode).toBe(2);
  });

  it("is 0 when an error log was read and nothing is wrong", () => {
    expect(diagnose(withLog(), []).exitCode).toBe(0);
  });

  it("is 0 with an access log that matched lines, or with probes, and nothing wrong", () => {
    const ev = emptyEvidence("files");
    ev.accessLog = {
      matched: 3,
      files: [],
      totals: { requests: 3, s502: 0, s504: 0 },
    } as unknown as Evidence["accessLog"];
    expect(diagnose(ev, []).exitCode).toBe(0);
    const ev2 = emptyEvidence("files");
    ev2.probes = [];
    expect(diagnose(ev2, []).exitCode).toBe(0);
  });

  it("is 2 when the access log matched no line and nothing else was read", () => {
    const ev = emptyEvidence("files");
    ev.accessLog = {
      matched: 0,
      files: [],
      totals: { requests: 0, s502: 0, s504: 0 },
    } as unknown as Evidence["accessLog"];
    expect(diagnose(ev, []).exitCode).toBe(2);
  });

  it("is 1 for warnings-only findings too, and 1 even with no log when a rule found something", () => {
    expect(diagnose(withLog(), [rule("w", () => [finding("w", 0.3, [], "warning")])]).exitCode).toBe(1);
    expect(
      diagnose(emptyEvidence("files"), [rule("i", () => [finding("i", 0.3, [], "info")])]).exitCode,
    ).toBe(1);
  });
});

describe("basis", () => {
  it("sums upstream errors without the not-upstream lines and carries the log's files and times", () => {
    const ev = withLog("files", [
      group("connection-refused", 40),
      group("not-upstream", 9),
      group("read-timeout", 2),
    ]);
    ev.nginxVersion = "1.22.1";
    const r = diagnose(ev, []);
    expect(r.basis).toEqual({
      mode: "files",
      nginxVersion: "1.22.1",
      config: null,
      errorLog: {
        files: ["/var/log/nginx/error.log"],
        lines: 250,
        upstreamErrors: 42,
        first: "2026-11-24T10:00:00",
        last: "2026-11-24T10:05:00",
      },
      accessLog: null,
      probes: null,
    });
  });

  it("carries the access-log totals, the config source and the number of probes", () => {
    const ev = emptyEvidence("host");
    ev.config = {
      model: modelFromText("http {}", "/etc/nginx/nginx.conf").model,
      source: "nginx -T",
      errors: [],
    };
    ev.accessLog = {
      files: ["/var/log/nginx/access.log"],
      matched: 10,
      totals: { requests: 10, s502: 3, s504: 2 },
      firstTime: "2026-11-24T10:00:00",
      lastTime: "2026-11-24T10:01:00",
    } as unknown as Evidence["accessLog"];
    ev.probes = [
      {
        target: "http://127.0.0.1:1",
        peer: "127.0.0.1:1",
        check: "tcp",
        ok: true,
        problem: null,
        summary: "ok",
      },
      {
        target: "http://127.0.0.1:2",
        peer: "127.0.0.1:2",
        check: "tcp",
        ok: true,
        problem: null,
        summary: "ok",
      },
    ];
    ev.missing.push("error log");
    const r = diagnose(ev, []);
    expect(r.basis).toEqual({
      mode: "host",
      nginxVersion: null,
      config: "nginx -T",
      errorLog: null,
      accessLog: {
        files: ["/var/log/nginx/access.log"],
        requests: 10,
        s502: 3,
        s504: 2,
        first: "2026-11-24T10:00:00",
        last: "2026-11-24T10:01:00",
      },
      probes: 2,
    });
    expect(r.missing).toEqual(["error log"]);
    expect(r).not.toHaveProperty("paste");
  });
});

describe("paste mode", () => {
  const all = [
    "upstream-down",
    "wrong-port",
    "connection-limit",
    "ephemeral-ports",
    "unix-socket-missing",
    "permission-denied",
    "dns-unresolvable",
    "no-resolver",
    "upstream-timeout",
    "upstream-overloaded",
    "tls-upstream",
    "scheme-mismatch",
    "fastcgi-script-path",
  ];
  const rules = [rule("all", () => all.map((id) => finding(id, 0.5, [1])))];

  it("lowers confidence by 0.9 with a config and timed lines, by 0.8 without a config", () => {
    const full = withLog("paste");
    full.config = {
      model: modelFromText("http {}", "/etc/nginx/nginx.conf").model,
      source: "paste",
      errors: [],
    };
    const withConfig = diagnose(full, [rule("x", () => [finding("x", 0.77, [1])])]);
    expect(withConfig.findings[0]?.confidence).toBe(0.69);
    expect(withConfig.findings[0]?.message).toBe("x happened.");
    const noConfig = diagnose(withLog("paste"), [rule("x", () => [finding("x", 0.77, [1])])]);
    expect(noConfig.findings[0]?.confidence).toBe(0.62);
  });

  it("lowers by 0.8 when the pasted lines carry no time, and asks for the timed log", () => {
    const ev = withLog("paste");
    ev.config = {
      model: modelFromText("http {}", "/etc/nginx/nginx.conf").model,
      source: "paste",
      errors: [],
    };
    if (ev.errorLog) ev.errorLog.first = null;
    const r = diagnose(ev, [rule("x", () => [finding("x", 0.5, [1])])]);
    expect(r.findings[0]?.confidence).toBe(0.4);
    expect(r.findings[0]?.message).toBe(
      "x happened. (From a paste: confirm with the error log with timestamps (`tail -n 200 /var/log/nginx/error.log`).)",
    );
  });

  it("names what would confirm each kind of cause", () => {
    const r = diagnose(withLog("paste"), rules);
    const by = Object.fromEntries(r.findings.map((f) => [f.id, f.message.replace(/^.* happened\. /, "")]));
    const ss =
      "(From a paste: confirm with `nginx -T`, `ss -tlnp` on the backend host and `curl -v` to the peer.)";
    expect(by["upstream-down"]).toBe(ss);
    expect(by["wrong-port"]).toBe(ss);
    expect(by["connection-limit"]).toBe(ss);
    expect(by["ephemeral-ports"]).toBe(ss);
    const ls =
      "(From a paste: confirm with `nginx -T`, `ls -la` of the socket and the FPM pool's `listen.owner`/`listen.group`.)";
    expect(by["unix-socket-missing"]).toBe(ls);
    expect(by["permission-denied"]).toBe(ls);
    const dig =
      "(From a paste: confirm with `nginx -T`, `nginx -T | grep -E 'resolver|proxy_pass'` and `dig` of the upstream name.)";
    expect(by["dns-unresolvable"]).toBe(dig);
    expect(by["no-resolver"]).toBe(dig);
    const acc =
      "(From a paste: confirm with `nginx -T`, the access log with `$upstream_response_time` and `nginx -T | grep _timeout`.)";
    expect(by["upstream-timeout"]).toBe(acc);
    expect(by["upstream-overloaded"]).toBe(acc);
    const ssl =
      "(From a paste: confirm with `nginx -T`, `openssl s_client -connect HOST:PORT -servername NAME` from the nginx host.)";
    expect(by["tls-upstream"]).toBe(ssl);
    expect(by["scheme-mismatch"]).toBe(ssl);
    expect(by["fastcgi-script-path"]).toBe("(From a paste: confirm with `nginx -T`.)");
  });

  it("matches the confirm hints at the start of the id only", () => {
    const others = all.filter((id) => id !== "fastcgi-script-path").map((id) => `x-${id}`);
    const r = diagnose(withLog("paste"), [rule("x", () => others.map((id) => finding(id, 0.5, [1])))]);
    for (const f of r.findings)
      expect(f.message, f.id).toBe(`${f.id} happened. (From a paste: confirm with \`nginx -T\`.)`);
    expect(r.findings).toHaveLength(12);
  });

  it("leaves findings of other modes untouched and passes the paste report through", () => {
    const ev = withLog("files");
    const r = diagnose(ev, [rule("x", () => [finding("upstream-down", 0.77, [1])])]);
    expect(r.findings[0]?.confidence).toBe(0.77);
    expect(r.findings[0]?.message).toBe("upstream-down happened.");
    const p = withLog("paste");
    p.paste = { used: {}, ignored: 0 } as unknown as Evidence["paste"];
    expect(diagnose(p, []).paste).toBe(p.paste);
  });
});
