import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addBundleBackends, readBackends } from "../../src/evidence/backends.js";
import { readBundleDir } from "../../src/evidence/bundle-dir.js";
import { addBundleClusterFacts, addClusterFacts } from "../../src/evidence/cluster-facts.js";
import { emptyEvidence } from "../../src/evidence/types.js";

const dir = mkdtempSync(join(tmpdir(), "bg-readers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("backends.json reader", () => {
  it("keeps fields of the right types and drops entries and events of the wrong shape", () => {
    const p = file(
      "backends.json",
      JSON.stringify({
        backends: [
          {
            peer: "127.0.0.1:9000",
            unit: "app.service",
            how: "listening socket",
            process: { pid: 42, comm: 7, startedAt: "2026-12-06T10:00:00" },
            journal: {
              since: "a",
              until: "b",
              events: [
                { time: "2026-12-06T10:00:01", kind: "oom-kill", message: "killed", unit: "app.service" },
                { time: "yesterday", kind: "oom-kill", message: "bad time" },
                { time: "2026-12-06T10:00:02", kind: "exploded", message: "bad kind" },
                "not an object",
              ],
            },
            problems: ["p", 3],
          },
          { unit: "no-peer.service" },
          null,
        ],
      }),
    );
    const units = readBackends(p, 1 << 20);
    expect(units).toHaveLength(1);
    const u = units[0];
    expect(u?.peer).toBe("127.0.0.1:9000");
    expect(u?.process).toEqual({
      pid: 42,
      comm: "?",
      startedAt: "2026-12-06T10:00:00",
      startedEpochMs: null,
    });
    expect(u?.journal?.events.map((e) => e.message)).toEqual(["killed"]);
    expect(u?.journal?.lines).toBe(1);
    expect(u?.problems).toEqual(["p"]);
  });

  it("a file that is not an array of backends is a warning in the evidence, not a crash", () => {
    const ev = emptyEvidence("bundle");
    addBundleBackends(ev, file("b2.json", '{"backends": 3}'), 1 << 20);
    expect(ev.backends).toBeUndefined();
    expect(ev.warnings).toEqual(["backends.json: expected an array of backends"]);
  });
});

describe("kubernetes.json reader", () => {
  it("merges services, pods and warnings of the right shape, drops the rest", () => {
    const ev = emptyEvidence("bundle");
    addClusterFacts(ev, {
      services: [
        { namespace: "shop", name: "api", endpoints: [{ ip: "10.1.0.5", ready: false }, { ip: 5 }] },
        { namespace: "shop", endpoints: [] },
      ],
      pods: [{ namespace: "shop", name: "api-1", ip: "10.1.0.5", restarts: "x" }, { name: "nons" }],
      noEndpointWarnings: [{ namespace: "shop", service: "cart" }, { service: "x" }],
    });
    expect(ev.ingress?.services).toEqual([
      {
        namespace: "shop",
        name: "api",
        source: "endpointslices",
        endpoints: [{ ip: "10.1.0.5", ready: false, terminating: false, pod: null, node: null }],
      },
    ]);
    expect(ev.ingress?.pods.map((p) => [p.name, p.restarts])).toEqual([["api-1", 0]]);
    expect(ev.ingress?.noEndpointWarnings).toEqual([
      { namespace: "shop", service: "cart", count: 1, sample: "" },
    ]);
  });

  it("a file that is not JSON is a warning", () => {
    const ev = emptyEvidence("bundle");
    addBundleClusterFacts(ev, file("kubernetes.json", "{not json"), 1 << 20);
    expect(ev.ingress).toBeUndefined();
    expect(ev.warnings[0]).toMatch(/^kubernetes\.json: /);
  });
});

describe("readBundleDir", () => {
  it("lists the bundle's files, rotated logs oldest first, and refuses a symlink that leaves it", () => {
    const b = mkdtempSync(join(dir, "bundle-"));
    writeFileSync(join(b, "error.log"), "");
    writeFileSync(join(b, "error.log.1"), "");
    writeFileSync(join(b, "backends.json"), "[]");
    writeFileSync(
      join(b, "bundle.json"),
      JSON.stringify({ files: [{ name: "access.log", format: "main" }] }),
    );
    writeFileSync(join(b, "access.log"), "");
    const got = readBundleDir(b);
    expect(got.errorLogs.map((p) => p.slice(got.root.length + 1))).toEqual(["error.log.1", "error.log"]);
    expect(got.backends).toBe(join(got.root, "backends.json"));
    expect([...got.accessFormats.values()]).toEqual(["main"]);
    expect(got.kubernetes).toBeNull();
    symlinkSync("/etc/passwd", join(b, "kubernetes.json"));
    expect(() => readBundleDir(b)).toThrow(/kubernetes\.json/);
  });
});
