/**
 * The `no-live-upstreams` cause on an exact pool: the pool description (max_fails, fail_timeout, backup, down),
 * which earlier findings it cites as the underlying cause, grouping by upstream name, and its locations. Written
 * to kill mutants Stryker left alive in src/rules/causes/no-live-upstreams.ts.
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { noLiveUpstreams } from "../../src/rules/causes/no-live-upstreams.js";
import type { Finding } from "../../src/rules/types.js";

const FILE = "/etc/nginx/nginx.conf";
const CONF = `http {
  upstream Shop {
    server 10.0.0.1:8080 max_fails=3 fail_timeout=30s;
    server 10.0.0.2:8080 backup;
    server unix:/run/shop.sock down;
  }
  upstream names { server api.internal:7000; }
  server {
    listen 80;
    location / { proxy_pass http://shop; }
    location /n/ { proxy_pass http://names; }
  }
}
`;

function nolive(group: string | null, count: number, extra: Partial<ErrorGroup> = {}): ErrorGroup {
  return {
    class: "no-live-upstreams",
    peer: null,
    upstream: group ? `http://${group}/` : null,
    group,
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

function earlier(id: string, peer: unknown): Finding {
  return {
    id,
    title: `${id} title`,
    severity: "error",
    confidence: 0.9,
    message: `${id} message`,
    evidence: [{ source: "error-log", summary: "s", data: { peer } }],
    fix: `${id} fix`,
    locations: [],
    docs: "",
  };
}

function run(groups: ErrorGroup[], findings: Finding[] = [], withConfig = true) {
  const ev = emptyEvidence("files");
  if (withConfig) ev.config = { model: modelFromText(CONF, FILE).model, source: "t", errors: [] };
  ev.errorLog = { files: [], lines: 0, byClass: {}, groups, first: null, last: null };
  return noLiveUpstreams.diagnose(ev, { claimed: new Set(), findings });
}

describe("no-live-upstreams", () => {
  it("describes the pool and cites the earlier finding about one of its peers", () => {
    const [f, ...rest] = run(
      [nolive("shop", 30)],
      [earlier("upstream-down", "10.0.0.1:8080"), earlier("other", "9.9.9.9:1")],
    );
    expect(rest).toEqual([]);
    // 0.95 × the best finding about its peers (0.9): the peers' own failure ranks first, this one supports it.
    expect(f).toMatchObject({ id: "no-live-upstreams", status: 502 });
    expect(f?.confidence).toBeCloseTo(0.855, 10);
    expect(f?.message).toBe(
      'Every server of upstream "shop" was marked unavailable, so 30 requests failed immediately with 502 ("no live upstreams"). Pool: 10.0.0.1:8080 max_fails=3 fail_timeout=30s; 10.0.0.2:8080 max_fails=1 fail_timeout=10s backup; unix:/run/shop.sock max_fails=1 fail_timeout=10s down. This is the consequence, not the cause: the peers failed first — upstream-down (upstream-down title) — and nginx then took them all out of the pool.',
    );
    expect(f?.fix).toBe(
      `First fix why the peers fail (upstream-down: upstream-down fix). Then make the pool more forgiving in upstream Shop at ${FILE}:2: more than one healthy server, a \`backup\` server, and max_fails/fail_timeout that match real failure patterns (e.g. \`max_fails=3 fail_timeout=10s\`) so one burst of errors does not empty the pool.`,
    );
    expect(f?.evidence.map((e) => e.summary)).toEqual([
      '30 × "no live upstreams"',
      "upstream Shop — 3 server(s), 1 backup",
      "server 10.0.0.1:8080 max_fails=3 fail_timeout=30s",
      "server 10.0.0.2:8080 backup",
      "server unix:/run/shop.sock down",
      "upstream-down: upstream-down message",
    ]);
    expect(f?.evidence[5]?.data).toEqual({ id: "upstream-down" });
    expect(f?.locations).toEqual([
      { file: FILE, line: 2 },
      { file: FILE, line: 10 },
    ]);
  });

  it("a unix peer is cited by its socket path; findings without a peer string are not", () => {
    const f = run(
      [nolive("shop", 2)],
      [earlier("unix-socket-missing", "unix:/run/shop.sock"), earlier("x", 5)],
    )[0];
    expect(
      f?.message.endsWith(
        "the peers failed first — unix-socket-missing (unix-socket-missing title) — and nginx then took them all out of the pool.",
      ),
    ).toBe(true);
  });

  it("hostname servers are matched by port, since the log names them by address", () => {
    const f = run(
      [nolive("names", 2)],
      [earlier("upstream-timeout", "10.9.9.9:7000"), earlier("y", "10.9.9.9:7001")],
    )[0];
    expect(f?.message).toContain("the peers failed first — upstream-timeout (upstream-timeout title)");
    expect(f?.message).not.toContain("y title");
  });

  it("without an earlier cause it says where to look, and one finding per upstream", () => {
    const fs = run([nolive("shop", 3), nolive("names", 1), nolive("shop", 4, { first: "x" })]);
    expect(fs.map((f) => f.message.slice(0, 40))).toEqual([
      'Every server of upstream "shop" was mark',
      'Every server of upstream "names" was mar',
    ]);
    expect(fs[0]?.message).toContain("so 7 requests failed");
    expect(
      fs[0]?.message.endsWith(
        ' The error log does not show why the peers failed in this window; look just before the first "no live upstreams" line.',
      ),
    ).toBe(true);
    expect(fs[0]?.fix.startsWith("First fix why the peers fail. Then")).toBe(true);
  });

  it("without the configuration: no pool, no upstream line; groups named by peer or URL when the line has no group", () => {
    const fs = run(
      [nolive(null, 5, { upstream: "http://backend/" }), nolive(null, 1, { upstream: null })],
      [],
      false,
    );
    expect(fs.map((f) => f.message.slice(0, 45))).toEqual([
      'Every server of upstream "http://backend/" wa',
      'Every server of upstream "?" was marked unava',
    ]);
    expect(fs[0]?.message).toContain('with 502 ("no live upstreams").');
    expect(fs[0]?.fix).toContain("Then make the pool more forgiving: more than one");
    expect(fs[0]?.locations).toEqual([]);
    expect(fs[0]?.evidence).toHaveLength(1);
  });

  it("claims its groups and ignores claimed ones", () => {
    const g = nolive("shop", 3);
    const ev = emptyEvidence("files");
    ev.errorLog = { files: [], lines: 0, byClass: {}, groups: [g], first: null, last: null };
    const ctx = { claimed: new Set<ErrorGroup>(), findings: [] };
    expect(noLiveUpstreams.diagnose(ev, ctx)).toHaveLength(1);
    expect(ctx.claimed.has(g)).toBe(true);
    expect(noLiveUpstreams.diagnose(ev, ctx)).toEqual([]);
  });
});
