/**
 * The `uri-rewrite` cause on exact configurations and access-log shares: which proxy_pass lines are candidates,
 * the 404 threshold (five requests, 20 %), confidence per case, and the fix for slash mistakes versus a stripped
 * prefix. Written to kill mutants Stryker left alive in src/rules/causes/uri-rewrite.ts.
 */
import { describe, expect, it } from "vitest";
import { type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { uriRewrite } from "../../src/rules/causes/uri-rewrite.js";

const FILE = "/etc/nginx/conf.d/app.conf";

function ev(locations: string, byLocation?: Record<string, { requests: number; s404?: number }>): Evidence {
  const e = emptyEvidence("files");
  const text = `http {\n  server {\n    listen 80;\n${locations}\n  }\n}\n`;
  e.config = { model: modelFromText(text, FILE).model, source: "t", errors: [] };
  if (byLocation) e.accessLog = { byLocation } as unknown as Evidence["accessLog"];
  return e;
}
const ids = (e: Evidence) => uriRewrite.diagnose(e, { claimed: new Set(), findings: [] });

describe("uri-rewrite", () => {
  it("a stripped prefix with 404s: confidence 0.8, message, evidence and fix exact", () => {
    const e = ev("    location /api/ { proxy_pass http://127.0.0.1:9000/; }", {
      "/api/": { requests: 10, s404: 2 },
    });
    const [f, ...rest] = ids(e);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: "uri-rewrite",
      confidence: 0.8,
      status: null,
      locations: [{ file: FILE, line: 4 }],
    });
    expect(f?.message).toBe(
      `In location /api/ (${FILE}:4), \`proxy_pass http://127.0.0.1:9000/\` replaces the prefix /api/ with /: a request for /api/items is sent upstream as /items. The backend answers 404 for 20% of these requests, so it expects the original path.`,
    );
    expect(f?.evidence.map((x) => x.summary)).toEqual([
      "proxy_pass http://127.0.0.1:9000/ — location /api/ → a request for /api/items reaches the backend as /items",
      "location /api/",
      "2 of 10 requests under /api/ got 404 (20%)",
    ]);
    expect(f?.evidence[2]?.data).toEqual({ location: "/api/", requests: 10, s404: 2 });
    expect(f?.fix).toBe(
      `If the backend routes on the full path, drop the URI part at ${FILE}:4: \`proxy_pass http://127.0.0.1:9000;\` (no trailing slash) passes /api/items unchanged. Keep the URI only if the backend really serves the stripped path.`,
    );
    expect(f?.verify).toBe(
      "`curl -s -o /dev/null -w '%{http_code}\\n' http://<server>/api/items` returns the backend's page instead of 404; the backend's access log shows the path you expect.",
    );
  });

  it("below the thresholds (fewer than 5 requests, or under 20 % 404) a clean join says nothing", () => {
    const loc = "    location /api/ { proxy_pass http://127.0.0.1:9000/; }";
    expect(ids(ev(loc, { "/api/": { requests: 4, s404: 4 } }))).toEqual([]);
    expect(ids(ev(loc, { "/api/": { requests: 10, s404: 1 } }))).toEqual([]);
    expect(ids(ev(loc, { "/api/": { requests: 5, s404: 1 } }))).toHaveLength(1);
    expect(ids(ev(loc, { "/api/": { requests: 0 } }))).toEqual([]);
    expect(ids(ev(loc, { "/other/": { requests: 50, s404: 50 } }))).toEqual([]);
    expect(ids(ev(loc))).toEqual([]);
  });

  it("the access-log key matches the location by prefix either way", () => {
    const loc = "    location /api/v1/ { proxy_pass http://127.0.0.1:9000/; }";
    expect(ids(ev(loc, { "/api/": { requests: 10, s404: 5 } }))[0]?.confidence).toBe(0.8);
    expect(ids(ev(loc, { "/api/v1/x": { requests: 10, s404: 5 } }))[0]?.confidence).toBe(0.8);
  });

  it("a slash mistake is reported from the config alone (0.55), and with 404s at 0.9", () => {
    const doubled = "    location /api { proxy_pass http://127.0.0.1:9000/api/; }";
    const [f] = ids(ev(doubled));
    expect(f?.confidence).toBe(0.55);
    expect(f?.message).toBe(
      `In location /api (${FILE}:4), \`proxy_pass http://127.0.0.1:9000/api/\` replaces the prefix /api with /api/: a request for /api/items is sent upstream as /api//items (doubled slash).`,
    );
    expect(f?.fix).toBe(
      `Make the slashes agree at ${FILE}:4: either \`location /api/\` with \`proxy_pass http://127.0.0.1:9000/api/\`, or drop the URI part (\`proxy_pass http://127.0.0.1:9000;\`) to pass the path unchanged.`,
    );
    expect(f?.evidence).toHaveLength(2);
    expect(ids(ev(doubled, { "/api": { requests: 10, s404: 9 } }))[0]?.confidence).toBe(0.9);
    const missing = "    location /api/ { proxy_pass http://127.0.0.1:9000/v1; }";
    expect(ids(ev(missing))[0]?.fix).toBe(
      `Make the slashes agree at ${FILE}:4: either \`location /api/\` with \`proxy_pass http://127.0.0.1:9000/v1/\`, or drop the URI part (\`proxy_pass http://127.0.0.1:9000;\`) to pass the path unchanged.`,
    );
  });

  it("is not a candidate: no URI part, the same URI as the prefix, variables, regex or exact locations, other modules", () => {
    for (const loc of [
      "    location /api/ { proxy_pass http://127.0.0.1:9000; }",
      "    location /api/ { proxy_pass http://127.0.0.1:9000/api/; }",
      "    location /api { proxy_pass http://$up/api/; }",
      "    location ~ ^/api { proxy_pass http://127.0.0.1:9000; }",
      "    location = /api { proxy_pass http://127.0.0.1:9000/v1/; }",
      "    location /php/ { fastcgi_pass 127.0.0.1:9000; }",
    ])
      expect(
        ids(ev(loc, { "/api/": { requests: 10, s404: 10 }, "/php/": { requests: 10, s404: 10 } })),
        loc,
      ).toEqual([]);
    const caret = "    location ^~ /api/ { proxy_pass http://127.0.0.1:9000/; }";
    expect(ids(ev(caret, { "/api/": { requests: 10, s404: 10 } }))).toHaveLength(1);
  });

  it("one finding per affected location", () => {
    const locs = [
      "    location /a/ { proxy_pass http://127.0.0.1:9000/; }",
      "    location /b { proxy_pass http://127.0.0.1:9000/b/; }",
    ].join("\n");
    expect(ids(ev(locs, { "/a/": { requests: 10, s404: 10 } })).map((f) => f.message.slice(12, 16))).toEqual([
      "/a/ ",
      "/b (",
    ]);
  });
});
