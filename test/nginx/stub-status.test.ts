import { describe, expect, it } from "vitest";
import { modelFromText } from "../../src/nginx/config/model.js";
import { stubStatusUrl } from "../../src/nginx/config/stub-status.js";

const url = (http: string) =>
  stubStatusUrl(modelFromText(`events {}\nhttp {\n${http}\n}\n`, "nginx.conf").model);

describe("stubStatusUrl", () => {
  it("finds the stub_status location and the address it listens on", () => {
    expect(url("server { listen 127.0.0.1:8081; location = /basic_status { stub_status; } }")).toBe(
      "http://127.0.0.1:8081/basic_status",
    );
    expect(
      url("server { listen 8080; location /nginx_status { stub_status on; allow 127.0.0.1; deny all; } }"),
    ).toBe("http://127.0.0.1:8080/nginx_status");
    expect(url("server { listen [::1]:8082; location = /s { stub_status; } }")).toBe("http://[::1]:8082/s");
  });

  it("is null without a plain-HTTP stub_status location", () => {
    expect(url("server { listen 8080; location / { proxy_pass http://127.0.0.1:9000; } }")).toBeNull();
    expect(url("server { listen 443 ssl; location = /s { stub_status; } }")).toBeNull();
    expect(url("server { listen unix:/run/n.sock; location = /s { stub_status; } }")).toBeNull();
    expect(url("server { listen 8080; location ~ ^/s$ { stub_status; } }")).toBeNull();
  });
});
