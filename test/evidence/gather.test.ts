import { describe, expect, it } from "vitest";
import { seenAddresses } from "../../src/evidence/gather.js";
import { emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";

describe("seenAddresses", () => {
  it("ties the addresses in error lines to the hostname of the location that handled them", () => {
    const ev = emptyEvidence("files");
    ev.config = {
      model: modelFromText(
        "http { server { listen 80; server_name shop.test; location /orders/ { proxy_pass http://orders.internal:8080; } location / { proxy_pass http://10.0.0.9:80; } } }",
        "nginx.conf",
      ).model,
      source: "t",
      errors: [],
    };
    const group = (peer: string, uri: string) => ({
      class: "connect-timeout" as const,
      peer,
      upstream: `http://${peer}${uri}`,
      group: null,
      server: "shop.test",
      host: "shop.test",
      count: 3,
      first: null,
      last: null,
      samples: [],
      uris: [uri],
      details: [],
    });
    ev.errorLog = {
      files: [],
      lines: 6,
      byClass: {},
      groups: [group("10.20.0.7:8080", "/orders/1"), group("10.0.0.9:80", "/")],
      first: null,
      last: null,
    };
    const seen = seenAddresses(ev);
    expect([...(seen.get("orders.internal:8080") ?? [])]).toEqual(["10.20.0.7"]);
    expect(seen.size).toBe(1);
  });
});
