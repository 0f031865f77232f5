/**
 * The readers of kubectl's JSON answers (src/evidence/kubectl.ts): EndpointSlices (ready unless conditions.ready
 * is false, as the API reference defines it), core/v1 Endpoints (addresses vs notReadyAddresses) and Pods.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  endpointsFromEndpoints,
  endpointsFromSlices,
  podsFromJson,
  splitsOf,
} from "../../src/evidence/kubectl.js";

const FIX = join(import.meta.dirname, "../fixtures/ingress");

describe("EndpointSlices", () => {
  it("reads addresses, readiness, terminating, pod and node", () => {
    const eps = endpointsFromSlices(
      JSON.parse(readFileSync(join(FIX, "no-endpoints/endpointslices-error-reader.json"), "utf8")),
    );
    expect(eps).toEqual([
      {
        ip: "10.42.2.17",
        ready: false,
        terminating: false,
        pod: "error-reader-6f7d9c8b5-r7t2x",
        node: "node-3",
      },
    ]);
  });

  it("an absent ready condition means ready; a targetRef that is no Pod names no pod", () => {
    const eps = endpointsFromSlices({
      items: [
        {
          endpoints: [
            { addresses: ["10.0.0.1", "10.0.0.2"] },
            { addresses: ["10.0.0.3"], conditions: { ready: false, terminating: true } },
            { addresses: ["10.0.0.4"], conditions: {}, targetRef: { kind: "Node", name: "n1" } },
          ],
        },
        { endpoints: "not a list" },
      ],
    });
    expect(eps.map((e) => [e.ip, e.ready, e.terminating, e.pod])).toEqual([
      ["10.0.0.1", true, false, null],
      ["10.0.0.2", true, false, null],
      ["10.0.0.3", false, true, null],
      ["10.0.0.4", true, false, null],
    ]);
  });

  it("an answer of the wrong shape gives no address, never a throw", () => {
    expect(endpointsFromSlices(null)).toEqual([]);
    expect(endpointsFromSlices({ items: [{ endpoints: [{ addresses: [42] }] }] })).toEqual([]);
  });
});

describe("Endpoints (clusters without EndpointSlices)", () => {
  it("addresses are ready, notReadyAddresses are not", () => {
    const eps = endpointsFromEndpoints({
      subsets: [
        {
          addresses: [{ ip: "10.1.0.5", nodeName: "a", targetRef: { kind: "Pod", name: "web-1" } }],
          notReadyAddresses: [{ ip: "10.1.0.6", targetRef: { kind: "Pod", name: "web-2" } }],
        },
      ],
    });
    expect(eps).toEqual([
      { ip: "10.1.0.5", ready: true, terminating: false, pod: "web-1", node: "a" },
      { ip: "10.1.0.6", ready: false, terminating: false, pod: "web-2", node: null },
    ]);
  });
});

describe("Pods", () => {
  it("reads name, IP, phase, readiness, deletion and restarts", () => {
    const pods = podsFromJson(
      JSON.parse(readFileSync(join(FIX, "no-endpoints/pods-clickhouse.json"), "utf8")),
    );
    expect(pods).toEqual([
      {
        namespace: "clickhouse",
        name: "error-reader-6f7d9c8b5-r7t2x",
        ip: "10.42.2.17",
        phase: "Running",
        ready: false,
        deleting: false,
        node: "node-3",
        restarts: 14,
      },
    ]);
    const deleting = podsFromJson({
      items: [
        { metadata: { name: "p", namespace: "n", deletionTimestamp: "2026-12-06T09:00:00Z" }, status: {} },
      ],
    });
    expect(deleting[0]).toMatchObject({ deleting: true, ip: null, ready: false, restarts: 0 });
  });
});

describe("splitsOf", () => {
  it("every namespace/Service split of namespace-service-port, first segment as namespace first", () => {
    expect(splitsOf("pc-dev-example-web-80")).toEqual([
      { namespace: "pc", service: "dev-example-web" },
      { namespace: "pc-dev", service: "example-web" },
      { namespace: "pc-dev-example", service: "web" },
    ]);
    expect(splitsOf("default-web-80")).toEqual([{ namespace: "default", service: "web" }]);
    expect(splitsOf("web-80")).toEqual([]);
  });
});
