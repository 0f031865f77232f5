/**
 * Fix planners, end to end on in-memory configurations: lint/diagnose findings → plans → edits applied with the
 * byte-preserving writer. Golden texts check that each change lands in the file that holds the directive (an
 * included file when that is where it is written), keeps comments, tabs and CRLF, and touches only the lines
 * it needs.
 */
import { describe, expect, it } from "vitest";
import { applyEdits, toBinary } from "../../src/nginx/config/edits.js";
import { buildModel } from "../../src/nginx/config/model.js";
import { loadPayload, nginxTSource } from "../../src/nginx/config/payload.js";
import { applyUnifiedDiff, unifiedDiff } from "../../src/report/diff.js";
import { planFixes } from "../../src/rules/fix/index.js";
import type { FixPlan } from "../../src/rules/fix/types.js";
import { collectSuppressions, lintModel } from "../../src/rules/lint/run.js";

function setup(
  files: Record<string, string>,
  opts: { resolvers?: string[]; version?: string; caBundle?: string | null } = {},
) {
  const texts = new Map(Object.entries(files));
  const main = Object.keys(files)[0] as string;
  const payload = loadPayload(main, nginxTSource(texts), { comments: true });
  expect(payload.errors).toEqual([]);
  const model = buildModel(payload, opts.version ? { version: opts.version } : {});
  const lint = lintModel(model, { suppressions: collectSuppressions(payload) });
  const plans = planFixes([], lint, {
    model,
    evidence: null,
    resolvers: opts.resolvers ?? ["192.0.2.53"],
    caBundle: opts.caBundle === undefined ? "/etc/ssl/certs/ca-certificates.crt" : opts.caBundle,
  });
  const run = (rule: string) => {
    const p = plans.filter((x) => x.rule === rule);
    expect(p.length, `no plan for ${rule}: ${plans.map((x) => x.id)}`).toBeGreaterThan(0);
    return applyEdits(
      model,
      texts,
      (p as FixPlan[]).flatMap((x) => x.edits),
    );
  };
  return { texts, model, plans, run };
}

describe("fix planners (golden)", () => {
  const main = [
    "# main",
    "worker_processes 2;",
    "events {",
    "    worker_connections 128;   # small",
    "}",
    "http {",
    "    access_log /var/log/nginx/access.log buffer=32k;",
    "    proxy_set_header Host $host;",
    "    upstream app {",
    "        server 10.0.0.1:8080 weight=2 max_fails=1 fail_timeout=60s;",
    "        keepalive 32;",
    "    }",
    "    include /etc/nginx/sites/*.conf;",
    "}",
    "",
  ].join("\n");
  const site = [
    "server {",
    "\tlisten 80;",
    "\tlocation /api {",
    "\t\tproxy_pass http://app/;",
    "\t}",
    "\tlocation ~ \\.php$ {",
    "\t\tinclude fastcgi_params;",
    "\t\tfastcgi_pass unix:/run/php/fpm.sock;",
    "\t}",
    "\tlocation /up/ {",
    "\t\tproxy_pass https://backend.example.com;",
    "\t}",
    "}",
    "",
  ].join("\n");
  const files = {
    "/etc/nginx/nginx.conf": main,
    "/etc/nginx/sites/app.conf": site,
    "/etc/nginx/fastcgi_params": "fastcgi_param QUERY_STRING $query_string;\n",
  };

  it("trailing slash: the proxy_pass in the included file changes, nothing else", () => {
    const out = setup(files).run("proxy-pass-uri-prefix");
    expect([...out.keys()]).toEqual(["/etc/nginx/sites/app.conf"]);
    expect(out.get("/etc/nginx/sites/app.conf")).toBe(
      site.replace("proxy_pass http://app/;", "proxy_pass http://app;"),
    );
  });

  it('keepalive: proxy_http_version in the location, Connection "" where the other proxy_set_header lines are', () => {
    const out = setup(files).run("upstream-keepalive-http10");
    expect(out.get("/etc/nginx/sites/app.conf")).toBe(
      site.replace(
        "\t\tproxy_pass http://app/;\n",
        "\t\tproxy_pass http://app/;\n\t\tproxy_http_version 1.1;\n",
      ),
    );
    // The Connection header goes to http level (with Host), not into the location, which would drop Host.
    expect(out.get("/etc/nginx/nginx.conf")).toBe(
      main.replace(
        "    include /etc/nginx/sites/*.conf;\n",
        '    include /etc/nginx/sites/*.conf;\n    proxy_set_header Connection "";\n',
      ),
    );
  });

  it("worker limits: the formula's values, worker_rlimit_nofile with the main-level directives", () => {
    const { plans, run } = setup(files);
    const p = plans.find((x) => x.rule === "worker-connections-small");
    expect(p?.explanation).toContain("max(1024, 4 × 128) = 1024");
    expect(run("worker-connections-small").get("/etc/nginx/nginx.conf")).toBe(
      main
        .replace("worker_processes 2;\n", "worker_processes 2;\nworker_rlimit_nofile 2048;\n")
        .replace("worker_connections 128;   # small", "worker_connections 1024;   # small"),
    );
  });

  it("max_fails/fail_timeout: the parameters change in place, weight stays", () => {
    expect(setup(files).run("max-fails-long-fail-timeout").get("/etc/nginx/nginx.conf")).toBe(
      main.replace("weight=2 max_fails=1 fail_timeout=60s", "weight=2 max_fails=3 fail_timeout=10s"),
    );
  });

  it("upstream_timing: log_format first in http, access_log keeps its path and buffer", () => {
    const out = setup(files).run("access-log-no-upstream-fields").get("/etc/nginx/nginx.conf") as string;
    const lines = out.split("\n");
    expect(lines[6]).toMatch(/^ {4}log_format upstream_timing ".*\$upstream_addr.*";$/);
    expect(lines[7]).toBe("    access_log /var/log/nginx/access.log upstream_timing buffer=32k;");
    expect(lines.length).toBe(main.split("\n").length + 1);
  });

  it("SCRIPT_FILENAME: at the level of the inherited fastcgi_param lines (the included params file's level)", () => {
    const out = setup(files).run("fastcgi-no-script-filename");
    // fastcgi_params is included inside the location, so its lines are the location's own: add it there.
    expect(out.get("/etc/nginx/sites/app.conf")).toBe(
      site.replace(
        "\t\tfastcgi_pass unix:/run/php/fpm.sock;\n",
        "\t\tfastcgi_pass unix:/run/php/fpm.sock;\n\t\tfastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n",
      ),
    );
  });

  it("dynamic name: set + variable proxy_pass + resolver with this host's name servers", () => {
    const out = setup(files, { resolvers: ["192.0.2.53", "2001:db8::53"] }).run(
      "proxy-pass-hostname-no-resolver",
    );
    expect(out.get("/etc/nginx/sites/app.conf")).toBe(
      site
        .replace(
          "\t\tproxy_pass https://backend.example.com;\n",
          "\t\tset $upstream_backend_example_com backend.example.com;\n\t\tproxy_pass https://$upstream_backend_example_com;\n",
        )
        .replace("\t}\n}\n", "\t}\n\tresolver 192.0.2.53 [2001:db8::53] valid=30s;\n}\n"),
    );
  });

  it("SNI: proxy_ssl_server_name on in the location of the https proxy_pass", () => {
    expect(setup(files).run("https-upstream-no-sni").get("/etc/nginx/sites/app.conf")).toBe(
      site.replace(
        "\t\tproxy_pass https://backend.example.com;\n",
        "\t\tproxy_pass https://backend.example.com;\n\t\tproxy_ssl_server_name on;\n",
      ),
    );
  });

  it("every plan's diff applies back to its new text and touches only a few lines", () => {
    const { plans, model, texts } = setup(files);
    for (const p of plans.filter((x) => x.edits.length)) {
      for (const [file, text] of applyEdits(model, texts, p.edits)) {
        const d = unifiedDiff(file, texts.get(file) as string, text);
        expect(applyUnifiedDiff(texts.get(file) as string, d)).toBe(text);
        const touched = d.split("\n").filter((l) => /^[-+][^-+]/.test(l) || l === "+" || l === "-").length;
        expect(touched, `${p.id}\n${d}`).toBeLessThanOrEqual(4);
      }
    }
  });

  it("respects # badgateway-disable-next-line: no plan for a silenced line", () => {
    const silenced = site.replace(
      "\t\tproxy_pass http://app/;",
      "\t\t# badgateway-disable-next-line proxy-pass-uri-prefix\n\t\tproxy_pass http://app/;",
    );
    const { plans } = setup({ ...files, "/etc/nginx/sites/app.conf": silenced });
    expect(plans.map((p) => p.rule)).not.toContain("proxy-pass-uri-prefix");
  });

  it("keeps CRLF and non-UTF-8 bytes of the file it edits", () => {
    const crlf =
      "events {\r\n    worker_connections 64; # caf\u00e9 in Latin-1\r\n}\r\nhttp { server { location / { proxy_pass http://127.0.0.1:81; } } }\r\n";
    const { model, plans } = setup({ "/n.conf": crlf });
    const p = plans.find((x) => x.rule === "worker-connections-small") as FixPlan;
    // The file as bytes: é is one Latin-1 byte (0xE9), which is not UTF-8.
    const bytes = Buffer.from(crlf, "latin1").toString("latin1");
    const out = applyEdits(model, new Map([["/n.conf", bytes]]), p.edits, { binary: true }).get(
      "/n.conf",
    ) as string;
    expect(Buffer.from(out, "latin1").includes(Buffer.from([0xe9]))).toBe(true);
    expect(out).toContain("worker_connections 1024; # caf\u00e9 in Latin-1\r\n");
    expect(out).toMatch(/^worker_rlimit_nofile 2048;\r\nevents/);
    expect(toBinary("é")).toBe("\u00c3\u00a9");
  });

  it("no resolver known: the plan says what to add and edits nothing", () => {
    const { plans } = setup(
      { "/n.conf": 'http { server { location / { set $b "x.example"; proxy_pass http://$b:8080; } } }\n' },
      { resolvers: [] },
    );
    const p = plans.find((x) => x.rule === "pass-variable-no-resolver");
    expect(p?.edits).toEqual([]);
    expect(p?.explanation).toContain("resolver");
  });
});
