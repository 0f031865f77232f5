/**
 * Two shapes found while re-reading the first held-out set's remaining misses, each on a line written here:
 * OCSP stapling (nginx fetching its own certificate's status, which no proxied request waits on) and a gRPC backend
 * resetting the stream instead of answering (nginx answers 502).
 */
import { describe, expect, it } from "vitest";
import { explainLine } from "../../../src/nginx/errorlog/explain.js";

const T = "2026/12/06 09:30:00";

function read(line: string) {
  const e = explainLine(line);
  return { parsed: e.parsed, class: e.parsed ? e.class : null, status: e.status ?? null };
}

describe("OCSP stapling failures are nginx's own business, not an upstream's", () => {
  it.each([
    `${T} [error] 12#12: no resolver defined to resolve ocsp.ca.test while requesting certificate status, responder: ocsp.ca.test, certificate: "/etc/nginx/tls/shop.pem"`,
    `${T} [error] 12#12: connect() failed (111: Connection refused) while requesting certificate status, responder: ocsp.ca.test, peer: 192.0.2.7:80, certificate: "/etc/nginx/tls/shop.pem"`,
    `${T} [error] 12#12: ocsp.ca.test could not be resolved (3: Host not found) while requesting certificate status, responder: ocsp.ca.test, certificate: "/etc/nginx/tls/shop.pem"`,
    `no resolver defined to resolve ocsp.ca.test while requesting certificate status, responder: ocsp.ca.test`,
  ])("%s", (line) => {
    expect(read(line)).toEqual({ parsed: true, class: "not-upstream", status: null });
  });

  it("the same failures toward a proxied upstream keep their class", () => {
    expect(
      read(
        `${T} [error] 12#12: *4 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: shop.test, request: "GET / HTTP/1.1", upstream: "http://192.0.2.8:8080/", host: "shop.test"`,
      ),
    ).toEqual({ parsed: true, class: "connection-refused", status: 502 });
    expect(
      read(
        `${T} [error] 12#12: *5 no resolver defined to resolve api.shop.test, client: 10.0.0.9, server: shop.test, request: "GET / HTTP/1.1", host: "shop.test"`,
      ),
    ).toMatchObject({ parsed: true, class: "no-resolver" });
  });
});

describe("a gRPC backend resetting the stream is an invalid response (502)", () => {
  it.each([
    `${T} [error] 12#12: *8 upstream rejected request with error 2 while reading response header from upstream, client: 10.0.0.9, server: grpc.shop.test, request: "POST /shop.Orders/Get HTTP/2.0", upstream: "grpc://192.0.2.9:50051", host: "grpc.shop.test"`,
    `upstream rejected request with error 7 while reading response header from upstream`,
  ])("%s", (line) => {
    expect(read(line)).toEqual({ parsed: true, class: "invalid-response", status: 502 });
  });

  it("is not retried on the next server (needs invalid_header, like other invalid responses)", () => {
    const e = explainLine(
      `${T} [error] 12#12: *8 upstream rejected request with error 2 while reading response header from upstream, client: 10.0.0.9, server: grpc.shop.test, request: "POST /shop.Orders/Get HTTP/2.0", upstream: "grpc://192.0.2.9:50051", host: "grpc.shop.test"`,
    );
    expect(e.nextUpstream).toBe(false);
    expect(e.detail).toBe("stream-reset");
  });
});
