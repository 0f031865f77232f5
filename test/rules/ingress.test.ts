/**
 * The ingress cause rules on the recorded incidents (test/fixtures/causes/ingress-*), with the cluster's answer
 * changed to each case the rules tell apart: an address that no pod has, a terminating pod, a listed but unready
 * pod, a Service whose endpoints came back, a read timeout instead of a connect timeout.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gatherEvidence } from "../../src/evidence/gather.js";
import type { Evidence } from "../../src/evidence/types.js";
import { diagnose } from "../../src/rules/diagnose.js";

const CAUSES = join(import.meta.dirname, "../fixtures/causes");
const load = (name: string) => gatherEvidence({ bundle: join(CAUSES, name) });

function top(ev: Evidence) {
  const r = diagnose(ev);
  return { ids: r.findings.map((f) => f.id), f: r.findings[0] };
}

describe("ingress-stale-endpoint", () => {
  it("a terminating pod still holding the address", async () => {
    const ev = await load("ingress-stale-endpoint");
    const ing = ev.ingress;
    if (!ing) throw new Error("no ingress evidence");
    ing.services[0]?.endpoints.push({
      ip: "10.36.0.1",
      ready: false,
      terminating: true,
      pod: "gateway-server-6d9c7b5f4-old01",
      node: "node-1",
    });
    const { f } = top(ev);
    expect(f?.id).toBe("ingress-stale-endpoint");
    expect(f?.message).toContain(
      "10.36.0.1:8888 belongs to pod gateway-server-6d9c7b5f4-old01, which is terminating",
    );
  });

  it("a pod listed but not ready", async () => {
    const ev = await load("ingress-stale-endpoint");
    ev.ingress?.services[0]?.endpoints.push({
      ip: "10.36.0.1",
      ready: false,
      terminating: false,
      pod: "gateway-server-6d9c7b5f4-slow1",
      node: "node-1",
    });
    expect(top(ev).f?.message).toContain(
      "10.36.0.1:8888 is listed but not ready (pod gateway-server-6d9c7b5f4-slow1)",
    );
  });

  it("from the access log alone (no error lines), the tries answered 502 are enough", async () => {
    const ev = await load("ingress-stale-endpoint");
    ev.errorLog = null;
    const { f } = top(ev);
    expect(f?.id).toBe("ingress-stale-endpoint");
    expect(f?.evidence.map((e) => e.summary).join("\n")).toContain(
      "3 tries answered 502/504 at 10.36.0.1:8888",
    );
  });

  it("without the cluster's answer it stays silent (and the generic rule speaks)", async () => {
    const ev = await load("ingress-stale-endpoint");
    if (ev.ingress) ev.ingress.services = [];
    expect(top(ev).ids).toEqual(["upstream-down"]);
  });
});

describe("ingress-no-endpoints", () => {
  it("says when the Service has ready endpoints again", async () => {
    const ev = await load("ingress-no-endpoints");
    for (const e of ev.ingress?.services[0]?.endpoints ?? []) e.ready = true;
    const { f } = top(ev);
    expect(f?.id).toBe("ingress-no-endpoints");
    expect(f?.status).toBe(503);
    expect(f?.message).toContain("It has 1 ready endpoint(s) now: the outage is over");
    expect(f?.confidence).toBeLessThan(0.97);
  });

  it("the controller's warnings alone, with the Service still without a ready pod", async () => {
    const ev = await load("ingress-no-endpoints");
    if (ev.ingress?.access) ev.ingress.access.upstreams = {};
    const { f } = top(ev);
    expect(f?.id).toBe("ingress-no-endpoints");
    expect(f?.message).toContain("Service clickhouse/error-reader (port ?)");
    expect(f?.message).not.toContain("request(s) got 503");
  });

  it("warnings about a Service that is fine now and no 503 in the log: nothing", async () => {
    const ev = await load("ingress-no-endpoints");
    if (ev.ingress?.access) ev.ingress.access.upstreams = {};
    for (const e of ev.ingress?.services[0]?.endpoints ?? []) e.ready = true;
    expect(top(ev).ids).not.toContain("ingress-no-endpoints");
  });
});

describe("ingress-upstream-timeout", () => {
  it("a read timeout names proxy_read_timeout and the Ingress annotation", async () => {
    const ev = await load("ingress-upstream-timeout");
    for (const g of ev.errorLog?.groups ?? []) if (g.class === "connect-timeout") g.class = "read-timeout";
    const { f } = top(ev);
    expect(f?.id).toBe("ingress-upstream-timeout");
    expect(f?.message).toContain("proxy_read_timeout there is 60 s");
    expect(f?.fix).toContain("nginx.ingress.kubernetes.io/proxy-read-timeout");
  });

  it("an address that is no ready endpoint any more is the stale rule's, not a timeout", async () => {
    const ev = await load("ingress-upstream-timeout");
    const svc = ev.ingress?.services[0];
    if (svc)
      svc.endpoints = [
        { ip: "192.168.215.9", ready: true, terminating: false, pod: "example-web-new", node: null },
      ];
    if (ev.ingress) ev.ingress.pods = [];
    const { ids, f } = top(ev);
    expect(ids[0]).toBe("ingress-stale-endpoint");
    expect(ids).not.toContain("ingress-upstream-timeout");
    expect(f?.message).toContain("no pod has 192.168.215.1 any more");
  });
});
