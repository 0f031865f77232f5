import { describe, expect, it } from "vitest";
import { modelFromText } from "../../../src/nginx/config/model.js";
import { shortPassTimeouts } from "../../../src/rules/lint/util.js";

const conf = `events {}
http {
  server {
    listen 80;
    proxy_read_timeout 2s;
    proxy_send_timeout 1s;
    location /a { proxy_pass http://127.0.0.1:8080; }
    location /b { proxy_pass http://127.0.0.1:8081; }
    location /c { proxy_pass http://127.0.0.1:8082; proxy_read_timeout 30s; }
    location /d { fastcgi_pass 127.0.0.1:9000; fastcgi_read_timeout 500ms; }
  }
}
stream { server { listen 9999; proxy_pass 127.0.0.1:1; proxy_timeout 1s; } }
`;

describe("shortPassTimeouts", () => {
  const model = modelFromText(conf, "nginx.conf").model;

  it("reports each directive in force once, however many passes it governs, per suffix, below the limit only", () => {
    const got = shortPassTimeouts(model, ["read_timeout", "send_timeout"], 3, (n, v) => `${n}=${v}`);
    expect(got.map((r) => r.message)).toEqual([
      "proxy_read_timeout=2s",
      "proxy_send_timeout=1s",
      "fastcgi_read_timeout=500ms",
    ]);
    // The first pass the directive governs is named beside it.
    expect(got[0]?.related?.[0]?.args[0]).toBe("http://127.0.0.1:8080");
    expect(got[0]?.directive.line).toBe(5);
  });

  it("a stricter limit keeps only what is below it; nothing below gives nothing", () => {
    expect(shortPassTimeouts(model, ["read_timeout"], 1, (n) => n).map((r) => r.message)).toEqual([
      "fastcgi_read_timeout",
    ]);
    expect(shortPassTimeouts(model, ["connect_timeout"], 1, (n) => n)).toEqual([]);
  });
});
