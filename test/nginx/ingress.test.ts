/**
 * ingress-nginx knowledge (src/nginx/ingress.ts): the upstreaminfo formats recognised from real controller lines
 * of several versions, the upstream-name split, the routes of a generated nginx.conf, the per-upstream
 * accounting and the controller's klog warnings. Sources of the real lines: test/fixtures/ingress/sources.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNginxT } from "../../src/evidence/config-loader.js";
import { buildModel } from "../../src/nginx/config/model.js";
import {
  detectIngressFormat,
  INGRESS_LOG_FORMATS,
  IngressAccessAccumulator,
  ingressRoutes,
  isIngressConfig,
  isKlogLine,
  noEndpointWarning,
  parseUpstreamName,
} from "../../src/nginx/ingress.js";

const FIX = join(import.meta.dirname, "../fixtures/ingress");

/** ingress-nginx issue 3610, controller 0.21.0. */
const V021 =
  '223.65.108.109 - [223.65.108.109] - - [29/Dec/2018:16:02:02 +0000] "GET /actuator/health HTTP/1.1" 502 157 "-" "PostmanRuntime/7.4.0" 240 0.002 [dop-gateway-server-14523] 10.36.0.1:8888, 10.36.0.1:8888, 10.36.0.1:8888 0, 0, 0 0.000, 0.001, 0.000 502, 502, 502 d22a768555620d053d72cfc24178e3b4';
/** ingress-nginx issue 4469, controller 0.30.0. */
const V030 =
  '111.220.96.19 - - [14/Jul/2020:06:04:14 +0000] "GET /hello HTTP/1.1" 200 11 "-" "Apache-HttpClient/4.5.3 (Java/1.8.0_211)" 347 12.797 [worker-80] [] 10.20.3.117:8080 11 12.797 200 5f540d869efb6a517e34363aba9e783b';
/** ingress-nginx issue 9443, controller 1.x. */
const V1 =
  '108.162.227.25 - - [08/Mar/2023:16:02:45 +0000] "GET / HTTP/1.1" 504 562 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36" 1100 14.998 [pc-dev-example-web-service-80] [] 192.168.215.1:80, 192.168.215.1:80, 192.168.215.1:80 0, 0, 0 5.000, 5.000, 5.000 504, 504, 504 a7c98d98ac870f64981a997cd2f373a1';
/** Constructed: the 0.21 line in the 0.25 format (with the alternative upstream) and in the 0.10 one (no $req_id). */
const V025 = V021.replace("[dop-gateway-server-14523] ", "[dop-gateway-server-14523] [] ");
const V010 = V021.replace(/ d22a768555620d053d72cfc24178e3b4$/, "");
const COMBINED =
  '46.101.51.208 - - [17/Jun/2020:15:42:54 +0000] "GET / HTTP/1.1" 502 559 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"';
const ERROR_LINE =
  '2018/12/29 16:02:02 [error] 206#206: *342 connect() failed (111: Connection refused) while connecting to upstream, client: 223.65.108.109, server: open.dop.clsaa.com, request: "GET /actuator/health HTTP/1.1", upstream: "http://10.36.0.1:8888/actuator/health", host: "open.dop.clsaa.com"';

describe("detectIngressFormat", () => {
  it.each([
    ["1.x", V1, "upstreaminfo-v0.26"],
    ["0.30", V030, "upstreaminfo-v0.26"],
    ["0.25", V025, "upstreaminfo-v0.25"],
    ["0.21", V021, "upstreaminfo-v0.14"],
    ["0.10", V010, "upstreaminfo-v0.10"],
  ])("recognises a controller %s line", (_v, line, id) => {
    expect(detectIngressFormat([line])?.id).toBe(id);
  });

  it("says nothing for combined lines, error lines or an empty sample", () => {
    expect(detectIngressFormat([COMBINED, COMBINED])).toBeNull();
    expect(detectIngressFormat([ERROR_LINE])).toBeNull();
    expect(detectIngressFormat(["", "  "])).toBeNull();
  });

  it("the controller's klog and nginx error lines do not count; other lines must stay under half", () => {
    const klog = "I0707 17:20:04.152859       6 event.go:282] x";
    expect(detectIngressFormat([klog, klog, ERROR_LINE, ERROR_LINE, V1])?.id).toBe("upstreaminfo-v0.26");
    expect(detectIngressFormat([klog, ERROR_LINE])).toBeNull();
    expect(detectIngressFormat([V1, COMBINED, COMBINED])).toBeNull();
    expect(detectIngressFormat([V1, V1, COMBINED])?.id).toBe("upstreaminfo-v0.26");
  });

  it("the formats are the controller's, in the order newest first", () => {
    expect(INGRESS_LOG_FORMATS[0]?.format).toContain(
      "[$proxy_upstream_name] [$proxy_alternative_upstream_name]",
    );
    expect(INGRESS_LOG_FORMATS.map((f) => f.format.includes("$req_id"))).toEqual([true, true, true, false]);
  });
});

describe("parseUpstreamName", () => {
  it("uses a known namespace/Service pair, even when both contain hyphens", () => {
    expect(
      parseUpstreamName("pc-dev-example-web-service-80", [
        { namespace: "pc-dev", service: "example-web-service" },
      ]),
    ).toEqual({ namespace: "pc-dev", service: "example-web-service", port: "80", certain: true });
  });
  it("guesses first segment = namespace, last = port, and says it guessed", () => {
    expect(parseUpstreamName("dop-gateway-server-14523")).toEqual({
      namespace: "dop",
      service: "gateway-server",
      port: "14523",
      certain: false,
    });
    expect(parseUpstreamName("default-web-http")?.port).toBe("http");
  });
  it("controller-internal names are no Service", () => {
    for (const n of ["-", "internal", "upstream-default-backend", "custom-default-backend-x-y", "a-b"])
      expect(parseUpstreamName(n)).toBeNull();
  });
});

describe("ingressRoutes", () => {
  it("maps each upstream name of a generated nginx.conf to its Service, hosts and timeouts", () => {
    const model = buildModel(loadNginxT(readFileSync(join(FIX, "timeout/nginx-T.txt"), "utf8")));
    expect(isIngressConfig(model)).toBe(true);
    const routes = ingressRoutes(model);
    expect([...routes.keys()]).toEqual(["pc-dev-example-web-service-80"]);
    expect(routes.get("pc-dev-example-web-service-80")).toMatchObject({
      namespace: "pc-dev",
      service: "example-web-service",
      servicePort: "80",
      ingress: "example-web",
      hosts: ["dev-aws.example.com"],
      paths: ["/"],
      connectTimeout: 5,
      readTimeout: 60,
    });
  });
  it("a plain nginx configuration is not an ingress one", () => {
    const model = buildModel(
      loadNginxT(
        "# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { server { location / { proxy_pass http://127.0.0.1:8080; } } }\n",
      ),
    );
    expect(isIngressConfig(model)).toBe(false);
    expect(ingressRoutes(model).size).toBe(0);
  });
});

describe("IngressAccessAccumulator", () => {
  it("counts final statuses per upstream name and each try per pod address", () => {
    const acc = new IngressAccessAccumulator(INGRESS_LOG_FORMATS[0] as (typeof INGRESS_LOG_FORMATS)[0]);
    acc.addLine(V1);
    acc.addLine(V030);
    acc.addLine(
      '10.42.0.1 - - [07/Jul/2022:17:20:05 +0000] "GET /errors HTTP/1.1" 503 190 "-" "curl/7.81.0" 88 0.000 [clickhouse-error-reader-80] [] - - - - 4d3c8a1f6b2e9d7c5a4b3c2d1e0f9a8b',
    );
    acc.addLine("not an access line");
    // The application's own 502 (157 bytes came back): a failed try, but not one that got nothing.
    acc.addLine(
      V030.replace(" 200 11 ", " 502 157 ").replace(
        "10.20.3.117:8080 11 12.797 200",
        "10.20.3.118:8080 157 0.020 502",
      ),
    );
    const r = acc.result();
    expect(r.lines).toBe(5);
    expect(r.matched).toBe(4);
    expect(r.upstreams["worker-80"]?.peers["10.20.3.118:8080"]).toMatchObject({
      tries: 1,
      s502: 1,
      noResponse: 0,
    });
    const t = r.upstreams["pc-dev-example-web-service-80"];
    expect(t).toMatchObject({ requests: 1, s504: 1, s502: 0 });
    expect(t?.peers["192.168.215.1:80"]).toMatchObject({
      tries: 3,
      s504: 3,
      noResponse: 3,
      maxFailedTime: 5,
    });
    expect(t?.first).toBe("2023-03-08T16:02:45.000Z");
    expect(r.upstreams["worker-80"]?.peers["10.20.3.117:8080"]).toMatchObject({ tries: 1, s502: 0, s504: 0 });
    expect(r.upstreams["clickhouse-error-reader-80"]).toMatchObject({
      s503: 1,
      noTry: { "503": 1 },
      peers: {},
    });
    expect(r.peerUpstreams["192.168.215.1:80"]).toEqual(["pc-dev-example-web-service-80"]);
  });
});

describe("controller (klog) lines", () => {
  it("reads the no-active-Endpoint warning of several controller versions", () => {
    expect(
      noEndpointWarning(
        'W0707 17:20:04.226330       6 controller.go:977] Service "clickhouse/error-reader" does not have any active Endpoint.',
      ),
    ).toEqual({ namespace: "clickhouse", service: "error-reader" });
    expect(
      noEndpointWarning(
        'W0601 10:05:49.745387       7 controller.go:1152] Service "bmdev-ne-linker/bmdev-ne-linker-service" does not have any active Endpoint.',
      ),
    ).toEqual({ namespace: "bmdev-ne-linker", service: "bmdev-ne-linker-service" });
    expect(noEndpointWarning("Service default/x is fine")).toBeNull();
  });
  it("tells klog lines from nginx's", () => {
    expect(isKlogLine('I0601 08:40:02.319902       7 main.go:209] "Creating API client"')).toBe(true);
    expect(isKlogLine(ERROR_LINE)).toBe(false);
    expect(isKlogLine(V1)).toBe(false);
  });
});
