/**
 * Two hand-written cause rules asserted on their exact output: the catch-all `upstream-errors-unexplained` (when it
 * speaks, what it counts, which evidence it says is missing) and `intercepted-status` (which error_page lines it
 * blames, its confidence and status). Written to kill mutants Stryker left alive in src/rules/causes/.
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import { interceptedStatus } from "../../src/rules/causes/intercepted-status.js";
import { unexplained } from "../../src/rules/causes/unexplained.js";
import type { Finding } from "../../src/rules/types.js";

function group(cls: ErrorClass, count: number): ErrorGroup {
  return {
    class: cls,
    peer: "10.0.0.1:80",
    upstream: "http://10.0.0.1:80/",
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

function access(s502: number, s504: number, extra: Record<string, unknown> = {}): Evidence["accessLog"] {
  return {
    totals: { requests: 1000, s502, s504 },
    fields: { upstreamStatus: true },
    rewritten: [],
    ...extra,
  } as unknown as Evidence["accessLog"];
}

const ctx = (findings: Finding[] = []) => ({ claimed: new Set<ErrorGroup>(), findings });

describe("upstream-errors-unexplained", () => {
  it("says nothing when nothing failed, or when another rule explained the access-log failures", () => {
    expect(unexplained.diagnose(emptyEvidence("files"), ctx())).toEqual([]);
    const ev = emptyEvidence("files");
    ev.accessLog = access(0, 0);
    expect(unexplained.diagnose(ev, ctx())).toEqual([]);
    ev.accessLog = access(3, 1);
    expect(unexplained.diagnose(ev, ctx([{} as Finding]))).toEqual([]);
  });

  it("counts unclaimed upstream lines by class and names all missing evidence", () => {
    const ev = emptyEvidence("files");
    const a = group("invalid-response", 4);
    const b = group("broken-pipe", 2);
    const c = group("invalid-response", 1);
    const claimed = group("connection-refused", 50);
    ev.errorLog = {
      files: [],
      lines: 0,
      byClass: {},
      groups: [a, b, c, claimed, group("not-upstream", 9)],
      first: null,
      last: null,
    };
    const cx = ctx();
    cx.claimed.add(claimed);
    const [f, ...rest] = unexplained.diagnose(ev, cx);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: "upstream-errors-unexplained",
      severity: "warning",
      confidence: 0.3,
      status: null,
      message:
        "Found 7 upstream error lines of classes invalid-response, broken-pipe that no specific cause explains. Missing evidence: the configuration (nginx -T), live probes.",
      fix: "Give badgateway the configuration (nginx -T), live probes and run diagnose again; read the sample lines above with `badgateway explain`.",
      verify: "`badgateway diagnose` then names a specific cause.",
      locations: [],
    });
    expect(f?.evidence.map((e) => e.summary)).toEqual([
      "4 × invalid-response (peer 10.0.0.1:80)",
      "2 × broken-pipe (peer 10.0.0.1:80)",
      "1 × invalid-response (peer 10.0.0.1:80)",
    ]);
  });

  it("lists at most five groups as evidence", () => {
    const ev = emptyEvidence("files");
    ev.errorLog = {
      files: [],
      lines: 0,
      byClass: {},
      groups: [1, 2, 3, 4, 5, 6].map((n) => group("invalid-response", n)),
      first: null,
      last: null,
    };
    expect(unexplained.diagnose(ev, ctx())[0]?.evidence).toHaveLength(5);
  });

  it("502/504 in the access log with no error log: counts them and asks for everything", () => {
    const ev = emptyEvidence("files");
    ev.accessLog = access(3, 2);
    const f = unexplained.diagnose(ev, ctx())[0];
    expect(f?.message).toBe(
      "Found 3 × 502 and 2 × 504 in the access log that no specific cause explains. Missing evidence: the error log, the configuration (nginx -T), live probes.",
    );
    expect(f?.evidence).toEqual([{ source: "access-log", summary: "3 × 502, 2 × 504 of 1000 requests" }]);
    expect(
      unexplained.diagnose(Object.assign(emptyEvidence("files"), { accessLog: access(0, 1) }), ctx()),
    ).toHaveLength(1);
  });

  it("with everything given and lines left over after other findings, asks for the time window", () => {
    const ev = emptyEvidence("files");
    ev.errorLog = {
      files: [],
      lines: 0,
      byClass: {},
      groups: [group("broken-pipe", 2)],
      first: null,
      last: null,
    };
    ev.config = { model: modelFromText("http {}", "/etc/nginx/nginx.conf").model, source: "t", errors: [] };
    ev.probes = [];
    ev.accessLog = access(5, 0);
    const f = unexplained.diagnose(ev, ctx([{} as Finding]))[0];
    expect(f?.message).toBe(
      "Found 2 upstream error lines of classes broken-pipe that no specific cause explains.",
    );
    expect(f?.fix).toBe(
      "Give badgateway the time window around the failures and run diagnose again; read the sample lines above with `badgateway explain`.",
    );
    expect(f?.evidence.map((e) => e.source)).toEqual(["error-log", "access-log"]);
  });
});

describe("intercepted-status", () => {
  const CONF = `http {
  server {
    listen 80;
    proxy_intercept_errors on;
    fastcgi_intercept_errors off;
    error_page 404 =502 /oops.html;
    error_page 500 503 /50x.html;
    error_page 403 =504 /slow.html;
    location / { proxy_pass http://127.0.0.1:8080; }
  }
}
`;
  function ev(
    rows: Array<{ status: number; upstreamStatus: number; location: string; count: number }>,
    s502 = 40,
    s504 = 0,
  ) {
    const e = emptyEvidence("files");
    e.config = { model: modelFromText(CONF, "/etc/nginx/nginx.conf").model, source: "t", errors: [] };
    e.accessLog = access(s502, s504, { rewritten: rows });
    return e;
  }

  it("needs $upstream_status and rewritten 502/504 rows", () => {
    expect(interceptedStatus.diagnose(emptyEvidence("files"), ctx())).toEqual([]);
    const noField = ev([{ status: 502, upstreamStatus: 404, location: "/", count: 9 }]);
    (noField.accessLog as unknown as { fields: { upstreamStatus: boolean } }).fields.upstreamStatus = false;
    expect(interceptedStatus.diagnose(noField, ctx())).toEqual([]);
    expect(interceptedStatus.diagnose(ev([]), ctx())).toEqual([]);
    expect(
      interceptedStatus.diagnose(ev([{ status: 500, upstreamStatus: 404, location: "/", count: 9 }]), ctx()),
    ).toEqual([]);
  });

  it("blames the error_page that rewrites the backend's code and the intercept switch that is on", () => {
    const f = interceptedStatus.diagnose(
      ev([{ status: 502, upstreamStatus: 404, location: "/api/", count: 20 }]),
      ctx(),
    )[0];
    expect(f).toMatchObject({ id: "intercepted-status", status: 502, confidence: 0.85 });
    expect(f?.message).toBe(
      "20 of the 40 502/504 answers in the access log did not come from a failed upstream: the backend answered 404 and nginx sent 502 instead. proxy_intercept_errors on (/etc/nginx/nginx.conf:4) and error_page 404 =502 /oops.html (/etc/nginx/nginx.conf:6) made them.",
    );
    expect(f?.locations).toEqual([
      { file: "/etc/nginx/nginx.conf", line: 4 },
      { file: "/etc/nginx/nginx.conf", line: 6 },
    ]);
    expect(f?.evidence[0]).toMatchObject({
      source: "access-log",
      summary: "20 × 502 where the backend answered 404 under /api/ ($status vs $upstream_status)",
      data: { count: 20 },
    });
    expect(f?.fix).toContain(
      "remove `=502` from `error_page 404 =502 /oops.html` at /etc/nginx/nginx.conf:6",
    );
    expect(f?.fix).toContain("answers 404 for /api/");
    expect(f?.verify).toBe(
      "New access-log lines show the backend's own status (or 200) where they showed 502 with upstream status 404: `awk '$9 == 502' access.log` stays empty for those URIs.",
    );
  });

  it("a 504 rewrite answers 504; confidence grows with the share it explains, capped at 0.97", () => {
    const f = interceptedStatus.diagnose(
      ev([{ status: 504, upstreamStatus: 403, location: "", count: 10 }], 0, 10),
      ctx(),
    )[0];
    expect(f).toMatchObject({ status: 504, confidence: 0.95 });
    expect(f?.message).toContain("error_page 403 =504 /slow.html (/etc/nginx/nginx.conf:8)");
    expect(f?.evidence[0]?.summary).toBe(
      "10 × 504 where the backend answered 403 ($status vs $upstream_status)",
    );
    const none = interceptedStatus.diagnose(
      ev([{ status: 502, upstreamStatus: 404, location: "/", count: 3 }], 0, 0),
      ctx(),
    )[0];
    expect(none?.confidence).toBe(0.95);
    const more = interceptedStatus.diagnose(
      ev([{ status: 502, upstreamStatus: 404, location: "/", count: 50 }], 40),
      ctx(),
    )[0];
    expect(more?.confidence).toBe(0.97);
  });

  it("without a matching error_page it says where to look", () => {
    const f = interceptedStatus.diagnose(
      ev([{ status: 502, upstreamStatus: 500, location: "/", count: 5 }]),
      ctx(),
    )[0];
    expect(f?.message).toBe(
      "5 of the 40 502/504 answers in the access log did not come from a failed upstream: the backend answered 500 and nginx sent 502 instead. No error_page that rewrites to that status was found in the configuration given; look for `error_page … =502` and `*_intercept_errors on` in `nginx -T`.",
    );
    expect(f?.fix).toBe(
      "Find the `error_page … =502` that catches 500 (`nginx -T | grep -nE 'error_page|intercept_errors'`) and remove the rewrite, or fix why the backend answers 500.",
    );
    expect(f?.locations).toEqual([{ file: "/etc/nginx/nginx.conf", line: 4 }]);
  });

  it("lists up to three rows, the distinct codes once each", () => {
    const rows = [
      { status: 502, upstreamStatus: 404, location: "/a/", count: 5 },
      { status: 502, upstreamStatus: 404, location: "/b/", count: 4 },
      { status: 504, upstreamStatus: 403, location: "/c/", count: 3 },
      { status: 502, upstreamStatus: 404, location: "/d/", count: 2 },
    ];
    const f = interceptedStatus.diagnose(ev(rows), ctx())[0];
    expect(
      f?.message.startsWith(
        "14 of the 40 502/504 answers in the access log did not come from a failed upstream: the backend answered 404/403 and nginx sent 502/504 instead.",
      ),
    ).toBe(true);
    expect(f?.evidence[0]?.summary).toBe(
      "5 × 502 where the backend answered 404 under /a/; 4 × 502 where the backend answered 404 under /b/; 3 × 504 where the backend answered 403 under /c/ ($status vs $upstream_status)",
    );
    expect(f?.status).toBe(502);
  });
});
