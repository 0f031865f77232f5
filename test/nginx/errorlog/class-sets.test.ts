import { describe, expect, it } from "vitest";
import { incidentPeers } from "../../../src/evidence/systemd.js";
import type { ErrorGroup } from "../../../src/evidence/types.js";
import { BACKEND_GONE_CLASSES, STALE_ADDRESS_CLASSES } from "../../../src/nginx/errorlog/class-sets.js";
import type { ErrorClass } from "../../../src/nginx/errorlog/taxonomy.js";

const g = (cls: ErrorClass, peer: string): ErrorGroup => ({
  class: cls,
  peer,
  upstream: null,
  group: null,
  server: null,
  host: null,
  count: 1,
  first: "2026-12-06T10:00:00",
  last: "2026-12-06T10:00:01",
  samples: [],
  uris: [],
  details: [],
});

describe("shared error-class sets", () => {
  it("name distinct classes", () => {
    for (const set of [BACKEND_GONE_CLASSES, STALE_ADDRESS_CLASSES])
      expect(new Set(set).size).toBe(set.length);
  });

  it("a refused local peer is a backend to look up; a TLS verify failure toward another local peer is not", () => {
    const w = incidentPeers([
      g("connection-refused", "127.0.0.1:3000"),
      g("tls-verify", "127.0.0.1:4000"),
      g("unix-socket-missing", "unix:/run/app.sock"),
    ]);
    expect(w.peers.sort()).toEqual(["127.0.0.1:3000", "unix:/run/app.sock"]);
  });
});
