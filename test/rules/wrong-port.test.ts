/**
 * wrong-port must never send nginx to itself, must not read a listener on another address as the backend's,
 * and must not take a port that another location already uses for its own backend. Evidence is built by hand
 * (a refused group and the probe's nearby listeners) on a real configuration parsed by the model.
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence, type ProbeFact } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { nearbyListener, WRONG_PORT_WINDOW } from "../../src/rules/causes/wrong-port.js";
import { diagnose } from "../../src/rules/diagnose.js";

function refused(peer: string, count = 12): ErrorGroup {
  const line = `2026/11/24 09:14:00 [error] 2210#2210: *4103 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.24, server: app.example.com, request: "GET / HTTP/1.1", upstream: "http://${peer}/", host: "app.example.com"`;
  return {
    class: "connection-refused",
    peer,
    upstream: `http://${peer}/`,
    group: null,
    server: "app.example.com",
    host: "app.example.com",
    count,
    first: "2026-11-24T09:14:00",
    last: "2026-11-24T09:14:00",
    samples: [{ text: line, file: "error.log", line: 1 }],
    uris: ["/"],
    details: [],
  };
}

function probe(
  peer: string,
  near: Array<{ port: number; address?: string; process?: string | null }>,
): ProbeFact {
  return {
    target: `http://${peer}`,
    peer,
    check: "tcp",
    ok: false,
    problem: "connection-refused",
    summary: "refused",
    data: { nearbyListeners: near },
  };
}

function evidence(conf: string, groups: ErrorGroup[], probes: ProbeFact[]): Evidence {
  const ev = emptyEvidence("host");
  ev.config = { model: modelFromText(conf, "/etc/nginx/nginx.conf").model, source: "nginx.conf", errors: [] };
  ev.errorLog = { files: ["error.log"], lines: 20, byClass: {}, groups, first: null, last: null };
  ev.probes = probes;
  return ev;
}

const conf = (servers: string) => `events {}\nhttp {\n${servers}\n}\n`;
const SITE = conf(
  "server { listen 80; listen [::]:443 ssl; server_name app.example.com; location / { proxy_pass http://127.0.0.1:3000; } }",
);

describe("wrong-port never points nginx at itself", () => {
  it("a listener on nginx's own port 80 (from the config's listen) is not the backend: upstream-down, no port advice", () => {
    const r = diagnose(
      evidence(SITE, [refused("127.0.0.1:3000")], [probe("127.0.0.1:3000", [{ port: 80 }])]),
    );
    expect(r.findings.map((f) => f.id)).toEqual(["upstream-down"]);
    expect(JSON.stringify(r.findings)).not.toContain("to 80");
  });

  it("nginx's own 443 and a listener owned by an nginx process are skipped too", () => {
    const ev = evidence(
      SITE,
      [refused("127.0.0.1:3000")],
      [
        probe("127.0.0.1:3000", [
          { port: 443, process: "nginx" },
          { port: 3005, process: "nginx" },
        ]),
      ],
    );
    expect(nearbyListener(ev, refused("127.0.0.1:3000"))).toBeNull();
    expect(diagnose(ev).findings[0]?.id).toBe("upstream-down");
  });

  it("a server without listen means port 80: still never proposed", () => {
    const ev = evidence(
      conf("server { server_name x; location / { proxy_pass http://127.0.0.1:81; } }"),
      [refused("127.0.0.1:81")],
      [probe("127.0.0.1:81", [{ port: 80 }])],
    );
    expect(nearbyListener(ev, refused("127.0.0.1:81"))).toBeNull();
  });

  it("the app's own port next to nginx's is still found (the rule is not simply switched off)", () => {
    const ev = evidence(
      SITE,
      [refused("127.0.0.1:3000")],
      [probe("127.0.0.1:3000", [{ port: 80 }, { port: 3001 }])],
    );
    const f = diagnose(ev).findings[0];
    expect(f?.id).toBe("wrong-port");
    expect(f?.fix).toContain("Change the port of 127.0.0.1:3000 to 3001");
  });
});

describe("a neighbouring port already used by another location is not a wrong-port guess", () => {
  const TWO = conf(
    "server { listen 80; server_name app.example.com; location / { proxy_pass http://127.0.0.1:3000; } location /admin/ { proxy_pass http://localhost:3001; } }",
  );
  it("3001 serves /admin/: refused on 3000 stays upstream-down", () => {
    const ev = evidence(TWO, [refused("127.0.0.1:3000")], [probe("127.0.0.1:3000", [{ port: 3001 }])]);
    expect(diagnose(ev).findings.map((f) => f.id)).toEqual(["upstream-down"]);
  });
  it("an upstream{} server on that port counts as a backend too", () => {
    const ev = evidence(
      conf(
        "upstream other { server 127.0.0.1:3001; } server { listen 80; server_name a; location / { proxy_pass http://127.0.0.1:3000; } location /o/ { proxy_pass http://other; } }",
      ),
      [refused("127.0.0.1:3000")],
      [probe("127.0.0.1:3000", [{ port: 3001 }])],
    );
    expect(nearbyListener(ev, refused("127.0.0.1:3000"))).toBeNull();
  });
  it("the same port on another host is someone else's backend, not this one's: still wrong-port", () => {
    const ev = evidence(
      conf(
        "server { listen 80; server_name a; location / { proxy_pass http://127.0.0.1:3000; } location /r/ { proxy_pass http://10.0.0.9:3001; } }",
      ),
      [refused("127.0.0.1:3000")],
      [probe("127.0.0.1:3000", [{ port: 3001 }])],
    );
    expect(nearbyListener(ev, refused("127.0.0.1:3000"))).toBe(3001);
  });
});

describe("the neighbouring-port window at its edge", () => {
  // 8101 refused; 8081 ± WRONG_PORT_WINDOW is nearby, one more is not (ports chosen off the usual-app list).
  const at = (candidate: number) =>
    nearbyListener(
      evidence(
        SITE.replace("127.0.0.1:3000", "127.0.0.1:8101"),
        [refused("127.0.0.1:8101")],
        [probe("127.0.0.1:8101", [{ port: candidate }])],
      ),
      refused("127.0.0.1:8101"),
    );
  it(`window is ${WRONG_PORT_WINDOW}`, () => expect(WRONG_PORT_WINDOW).toBe(10));
  it("exactly 10 ports above and below: nearby", () => {
    expect(at(8111)).toBe(8111);
    expect(at(8091)).toBe(8091);
  });
  it("11 ports away: not nearby", () => {
    expect(at(8112)).toBeNull();
    expect(at(8090)).toBeNull();
  });
  it("a usual app port outside the window still counts (8080), 80 and 443 do not", () => {
    expect(at(8080)).toBe(8080);
    const ev = evidence(
      conf("server { listen 8443; server_name a; location / { proxy_pass http://127.0.0.1:8101; } }"),
      [refused("127.0.0.1:8101")],
      [probe("127.0.0.1:8101", [{ port: 80 }, { port: 443 }])],
    );
    expect(nearbyListener(ev, refused("127.0.0.1:8101"))).toBeNull();
  });
});
