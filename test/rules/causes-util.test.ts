/**
 * The helpers every cause rule is built on (src/rules/causes/util.ts and simple.ts), asserted on exact values:
 * confidence arithmetic at its bounds, peer splitting, evidence wording, config references, the retry discount
 * and the peers list. Written to kill the mutants Stryker left alive there (docs/testing.md).
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import {
  atConfig,
  classRule,
  clientsSaw,
  mergeRefs,
  peersText,
  retriedElsewhere,
} from "../../src/rules/causes/simple.js";
import type { CauseMeta } from "../../src/rules/causes/types.js";
import {
  claim,
  confidence,
  configItem,
  configRefs,
  curlFor,
  errorItem,
  failureTotal,
  groupsOf,
  mentions,
  probeItem,
  probesFor,
  refItems,
  refLocations,
  splitPeer,
  total,
} from "../../src/rules/causes/util.js";

function group(
  cls: ErrorClass,
  peer: string | null,
  count: number,
  extra: Partial<ErrorGroup> = {},
): ErrorGroup {
  return {
    class: cls,
    peer,
    upstream: peer ? `http://${peer}/` : null,
    group: null,
    server: null,
    host: null,
    count,
    first: null,
    last: null,
    samples: [],
    uris: [],
    details: [],
    ...extra,
  };
}

const CONF = `http {
  upstream shop {
    server 127.0.0.1:8081;
    server [::1]:8082 backup;
  }
  upstream Other { server 10.0.0.9:80; }
  server {
    listen 80;
    server_name shop.test;
    location / { proxy_pass http://shop; }
    location /api/ { proxy_pass http://127.0.0.1:9000/; }
    location /php/ { fastcgi_pass unix:/run/php/fpm.sock; }
    location /name/ { proxy_pass http://api.internal:7000; }
    location /again/ { proxy_pass http://shop/again/; }
  }
}
stream {
  upstream db { server 10.0.0.5:5432; }
  server { listen 5432; proxy_pass db; }
}
`;
const model = modelFromText(CONF, "/etc/nginx/nginx.conf").model;
const lines = (refs: ReturnType<typeof configRefs>) => ({
  passes: refs.passes.map((p) => p.directive.line),
  servers: refs.servers.map((s) => s.server.directive.line),
});

describe("confidence", () => {
  it("scales the base by the share of failures it explains, within 0.7..1 of the base, capped at 0.99", () => {
    expect(confidence(0.9, 10, 10)).toBe(0.9);
    expect(confidence(0.9, 0, 10)).toBe(0.63);
    // Not rounded: the ranking reads the exact score (rounding is for output only).
    expect(confidence(0.9, 5, 10)).toBeCloseTo(0.765, 10);
    expect(confidence(0.9, 20, 10)).toBe(0.9);
    expect(confidence(0.9, 3, 0)).toBe(0.9);
    expect(confidence(1.2, 10, 10)).toBe(0.99);
    expect(confidence(0.5, 1, 3)).toBeCloseTo(0.4, 10);
  });
});

describe("peers", () => {
  it("splits host:port, [v6]:port, unix paths and bare hosts", () => {
    expect(splitPeer("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080, unix: null });
    expect(splitPeer("[::1]:443")).toEqual({ host: "[::1]", port: 443, unix: null });
    expect(splitPeer("unix:/run/php/fpm.sock:")).toEqual({
      host: null,
      port: null,
      unix: "/run/php/fpm.sock",
    });
    expect(splitPeer("unix:/run/app.sock")).toEqual({ host: null, port: null, unix: "/run/app.sock" });
    expect(splitPeer("backend")).toEqual({ host: "backend", port: null, unix: null });
    expect(splitPeer("backend:http")).toEqual({ host: "backend", port: null, unix: null });
  });

  it("writes a curl line for TCP, unix and unknown peers", () => {
    expect(curlFor("10.0.0.1:8080")).toBe(
      "curl -sS -o /dev/null -w '%{http_code} %{time_total}s\\n' http://10.0.0.1:8080/",
    );
    expect(curlFor("10.0.0.1:8443", "https")).toBe(
      "curl -sS -o /dev/null -w '%{http_code} %{time_total}s\\n' https://10.0.0.1:8443/",
    );
    expect(curlFor("unix:/run/app.sock")).toBe(
      "curl -sS --unix-socket /run/app.sock -o /dev/null -w '%{http_code}\\n' http://localhost/",
    );
    expect(curlFor(null)).toBe("curl -sS -o /dev/null -w '%{http_code}\\n' http://UPSTREAM/");
  });

  it("lists peers: one, two, up to five, and more with an ellipsis", () => {
    expect(peersText([])).toBe("the upstream");
    expect(peersText([group("connection-refused", "a:1", 1), group("connect-timeout", "a:1", 1)])).toBe(
      "a:1",
    );
    expect(peersText([group("connection-refused", null, 1, { group: "g" })])).toBe("g");
    expect(peersText([group("connection-refused", null, 1)])).toBe("an upstream");
    expect(peersText([group("connection-refused", "a:1", 1), group("connection-refused", "b:1", 1)])).toBe(
      "a:1 and b:1",
    );
    const five = ["a", "b", "c", "d", "e"].map((h) => group("connection-refused", `${h}:1`, 1));
    expect(peersText(five)).toBe("a:1, b:1, c:1, d:1 and e:1");
    const six = ["a", "b", "c", "d", "e", "f"].map((h) => group("connection-refused", `${h}:1`, 1));
    expect(peersText(six)).toBe("a:1, b:1, c:1, d:1, … and f:1");
  });
});

describe("groups", () => {
  it("picks unclaimed groups of the classes, biggest first, and totals them", () => {
    const ev = emptyEvidence("files");
    expect(groupsOf(ev, { claimed: new Set(), findings: [] }, ["connection-refused"])).toEqual([]);
    const a = group("connection-refused", "a:1", 2);
    const b = group("connection-refused", "b:1", 9);
    const c = group("connection-refused", "c:1", 5);
    const d = group("read-timeout", "d:1", 50);
    const n = group("not-upstream", null, 70);
    ev.errorLog = { files: [], lines: 0, byClass: {}, groups: [a, b, c, d, n], first: null, last: null };
    const ctx = { claimed: new Set<ErrorGroup>(), findings: [] };
    claim(ctx, [c]);
    expect(groupsOf(ev, ctx, ["connection-refused"])).toEqual([b, a]);
    expect(total([a, b, c])).toBe(16);
    expect(failureTotal(ev)).toBe(66);
    expect(failureTotal(emptyEvidence("files"))).toBe(0);
  });

  it("finds mentions in details, never in sample lines", () => {
    const g = group("connection-refused", null, 1, {
      details: ["wrong version number"],
      samples: [{ text: "Primary script unknown" }],
    });
    expect(mentions(g, /wrong version/)).toBe(true);
    expect(mentions(g, /Primary script/)).toBe(false);
    expect(mentions(g, /nothing/)).toBe(false);
  });
});

describe("evidence items", () => {
  it("summarises a group with its count, peer, time span and first sample's place", () => {
    const g = group("connection-refused", "127.0.0.1:8081", 12, {
      first: "2026-11-24T10:00:00",
      last: "2026-11-24T10:05:00",
      samples: [
        { text: "line one", file: "/var/log/nginx/error.log", line: 7 },
        { text: "line two", file: "/var/log/nginx/error.log", line: 9 },
      ],
    });
    expect(errorItem(g, "connect() refused")).toEqual({
      source: "error-log",
      summary:
        "12 × connect() refused (peer 127.0.0.1:8081) between 2026-11-24T10:00:00 and 2026-11-24T10:05:00",
      location: { file: "/var/log/nginx/error.log", line: 7 },
      samples: ["line one", "line two"],
      data: {
        class: "connection-refused",
        peer: "127.0.0.1:8081",
        upstream: "http://127.0.0.1:8081/",
        count: 12,
        first: "2026-11-24T10:00:00",
        last: "2026-11-24T10:05:00",
      },
    });
  });

  it("one time is 'at', no time is nothing, pasted curl output is its own source, a sample without line has no line", () => {
    const once = group("connection-refused", null, 1, {
      first: "10:00",
      last: "10:00",
      origin: "curl",
      samples: [{ text: "t", file: "paste" }],
    });
    const item = errorItem(once, "what");
    expect(item.summary).toBe("1 × what at 10:00");
    expect(item.source).toBe("paste (curl)");
    expect(item.location).toEqual({ file: "paste" });
    const noLast = errorItem(group("connection-refused", "p:1", 2, { first: "10:00", last: null }), "w");
    expect(noLast.summary).toBe("2 × w (peer p:1) at 10:00");
    const none = errorItem(group("connection-refused", null, 3, { samples: [{ text: "t" }] }), "w");
    expect(none.summary).toBe("3 × w");
    expect(none).not.toHaveProperty("location");
  });

  it("probe and config items", () => {
    expect(
      probeItem({
        target: "http://127.0.0.1:8081",
        peer: "127.0.0.1:8081",
        check: "tcp",
        ok: false,
        problem: "connection-refused",
        summary: "ECONNREFUSED",
        data: { ms: 1 },
      }),
    ).toEqual({
      source: "probe",
      summary: "tcp http://127.0.0.1:8081: ECONNREFUSED",
      data: { problem: "connection-refused", ms: 1 },
    });
    const d = { name: "proxy_pass", args: ["http://shop"], file: "/etc/nginx/nginx.conf", line: 10 };
    expect(configItem(d as never)).toEqual({
      source: "config",
      summary: "proxy_pass http://shop",
      location: { file: "/etc/nginx/nginx.conf", line: 10 },
    });
    expect(configItem(d as never, "note").summary).toBe("proxy_pass http://shop — note");
  });

  it("probe facts are found by peer only", () => {
    const ev = emptyEvidence("files");
    expect(probesFor(ev, "a:1")).toEqual([]);
    const p = { target: "http://a:1", peer: "a:1", check: "tcp", ok: true, problem: null, summary: "ok" };
    ev.probes = [p, { ...p, peer: "b:1" }];
    expect(probesFor(ev, "a:1")).toEqual([p]);
    expect(probesFor(ev, null)).toEqual([]);
  });
});

describe("config references", () => {
  it("a named group gives its servers and every pass to it", () => {
    const refs = configRefs(model, group("no-live-upstreams", null, 1, { group: "SHOP" }));
    expect(lines(refs)).toEqual({ passes: [10, 14], servers: [3, 4] });
    expect(refLocations(refs)).toEqual([
      { file: "/etc/nginx/nginx.conf", line: 10 },
      { file: "/etc/nginx/nginx.conf", line: 14 },
      { file: "/etc/nginx/nginx.conf", line: 3 },
      { file: "/etc/nginx/nginx.conf", line: 4 },
    ]);
    expect(atConfig(refs)).toBe(" (proxy_pass http://shop at /etc/nginx/nginx.conf:10)");
  });

  it("a peer gives the upstream servers at that address and the passes to them or to it directly", () => {
    expect(lines(configRefs(model, group("connection-refused", "127.0.0.1:8081", 1)))).toEqual({
      passes: [10, 14],
      servers: [3],
    });
    expect(lines(configRefs(model, group("connection-refused", "[::1]:8082", 1)))).toEqual({
      passes: [10, 14],
      servers: [4],
    });
    expect(lines(configRefs(model, group("connection-refused", "127.0.0.1:9000", 1)))).toEqual({
      passes: [11],
      servers: [],
    });
    expect(lines(configRefs(model, group("connection-refused", "unix:/run/php/fpm.sock:", 1)))).toEqual({
      passes: [12],
      servers: [],
    });
    expect(lines(configRefs(model, group("connection-refused", "10.0.0.5:5432", 1)))).toEqual({
      passes: [19],
      servers: [18],
    });
    // Same host, other port: nothing.
    expect(lines(configRefs(model, group("connection-refused", "127.0.0.1:9001", 1)))).toEqual({
      passes: [],
      servers: [],
    });
    expect(lines(configRefs(undefined, group("connection-refused", "127.0.0.1:9000", 1)))).toEqual({
      passes: [],
      servers: [],
    });
  });

  it("an unknown group name falls back to the peer", () => {
    expect(
      lines(configRefs(model, group("connection-refused", "127.0.0.1:9000", 1, { group: "nope" }))),
    ).toEqual({
      passes: [11],
      servers: [],
    });
  });

  it("a peer logged by address falls back to the server and location that handled the request", () => {
    const g = group("connection-refused", "10.1.1.1:7000", 1, { host: "shop.test", uris: ["/name/x"] });
    expect(lines(configRefs(model, g))).toEqual({ passes: [13], servers: [] });
    const byServer = group("connection-refused", "10.1.1.1:7000", 1, {
      server: "shop.test",
      uris: ["/api/y"],
    });
    expect(lines(configRefs(model, byServer))).toEqual({ passes: [11], servers: [] });
    expect(
      lines(configRefs(model, group("connection-refused", "10.1.1.1:7000", 1, { host: "shop.test" }))),
    ).toEqual({
      passes: [],
      servers: [],
    });
  });

  it("lists at most three passes and three servers as evidence, and says where the first server is", () => {
    const refs = configRefs(model, group("no-live-upstreams", null, 1, { group: "shop" }));
    const items = refItems(refs);
    expect(items.map((i) => i.summary)).toEqual([
      "proxy_pass http://shop",
      "proxy_pass http://shop/again/",
      "server 127.0.0.1:8081 — in upstream shop",
      "server [::1]:8082 backup — in upstream shop",
    ]);
    expect(atConfig({ passes: [], servers: refs.servers })).toBe(
      " (server 127.0.0.1:8081 in upstream shop at /etc/nginx/nginx.conf:3)",
    );
    expect(atConfig({ passes: [], servers: [] })).toBe("");
    const merged = mergeRefs([
      refs,
      refs,
      configRefs(model, group("connection-refused", "127.0.0.1:9000", 1)),
    ]);
    expect(lines(merged)).toEqual({ passes: [10, 14, 11], servers: [3, 4] });
  });
});

describe("classRule and the retry discount", () => {
  const meta: CauseMeta = {
    id: "upstream-down",
    title: "t",
    kind: "cause",
    severity: "error",
    description: "d",
    status: 502,
  };
  const rule = classRule({
    meta,
    classes: ["connection-refused"],
    accept: (g) => g.peer !== "skip:1",
    base: 0.9,
    what: "refused",
    message: (gs) => `refused by ${peersText(gs)}.`,
    fix: () => "start it",
    verify: () => "curl it",
  });

  function ev(access?: Partial<NonNullable<Evidence["accessLog"]>>): Evidence {
    const e = emptyEvidence("files");
    e.errorLog = {
      files: [],
      lines: 0,
      byClass: {},
      groups: [group("connection-refused", "a:1", 10), group("connection-refused", "skip:1", 100)],
      first: null,
      last: null,
    };
    if (access) e.accessLog = access as Evidence["accessLog"];
    return e;
  }

  it("explains the accepted groups only, with the share of all failures", () => {
    const f = rule.diagnose(ev(), { claimed: new Set(), findings: [] });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      id: "upstream-down",
      status: 502,
      message: "refused by a:1.",
    });
    expect(f[0]?.confidence).toBeCloseTo(0.6545454545, 8);
    expect(f[0]?.evidence.map((e) => e.summary)).toEqual(["10 × refused (peer a:1)"]);
    expect(rule.meta.classes).toEqual(["connection-refused"]);
  });

  it("lowers confidence when the access log shows most tries were retried elsewhere", () => {
    const access = {
      totals: { requests: 100, s502: 1, s504: 0 },
      fields: { upstreamStatus: true },
      byPeer: { "a:1": { failedInChain: 9 } },
    } as unknown as Partial<NonNullable<Evidence["accessLog"]>>;
    const f = rule.diagnose(ev(access), { claimed: new Set(), findings: [] })[0];
    expect(f?.confidence).toBeCloseTo(0.5236363636, 8);
    expect(f?.message).toBe(
      "refused by a:1. The access log shows nginx retried 9 of these on another peer, so most clients did not see an error from them.",
    );
    // Clients saw 2 of the 10 (20 %): not "most clients", no discount.
    const seen2 = { ...access, totals: { requests: 100, s502: 2, s504: 0 } } as typeof access;
    expect(rule.diagnose(ev(seen2), { claimed: new Set(), findings: [] })[0]?.confidence).toBeCloseTo(
      0.6545454545,
      8,
    );
  });

  it("clientsSaw reads 502/504 totals only when the log has $upstream_status", () => {
    const e = emptyEvidence("files");
    expect(clientsSaw(e, 502)).toBeNull();
    e.accessLog = {
      totals: { s502: 3, s504: 4 },
      fields: { upstreamStatus: false },
    } as unknown as Evidence["accessLog"];
    expect(clientsSaw(e, 502)).toBeNull();
    e.accessLog = {
      totals: { s502: 3, s504: 4 },
      fields: { upstreamStatus: true },
    } as unknown as Evidence["accessLog"];
    expect(clientsSaw(e, 502)).toBe(3);
    expect(clientsSaw(e, 504)).toBe(4);
    expect(clientsSaw(e, 500)).toBeNull();
    expect(retriedElsewhere(emptyEvidence("files"), [])).toBe(0);
    e.accessLog = { byPeer: { "a:1": { failedInChain: 2 }, "b:1": {} } } as unknown as Evidence["accessLog"];
    expect(
      retriedElsewhere(e, [
        group("connection-refused", "a:1", 1),
        group("connect-timeout", "a:1", 1),
        group("read-timeout", "b:1", 1),
        group("send-timeout", null, 1),
      ]),
    ).toBe(2);
  });
});
