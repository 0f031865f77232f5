import { describe, expect, it } from "vitest";
import type { BackendUnit, JournalEvent } from "../../src/evidence/systemd.js";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { backendDied } from "../../src/rules/causes/backend-died.js";

const PEER = "127.0.0.1:3000";
function group(
  first: string,
  last: string,
  cls: ErrorGroup["class"] = "connection-refused",
  count = 40,
): ErrorGroup {
  return {
    class: cls,
    peer: PEER,
    upstream: `http://${PEER}/`,
    group: null,
    server: "shop",
    host: "shop.example.com",
    count,
    first,
    last,
    samples: [{ text: "connect() failed (111: Connection refused)", file: "error.log", line: 1 }],
    uris: ["/"],
    details: [],
  };
}
function ev(
  time: string,
  kind: JournalEvent["kind"],
  message: string,
  extra: Partial<JournalEvent> = {},
): JournalEvent {
  return { time, epochMs: Date.parse(`${time}Z`), kind, unit: "api.service", message, ...extra };
}
function evidence(
  groups: ErrorGroup[],
  events: JournalEvent[],
  process: BackendUnit["process"] = null,
): Evidence {
  const e = emptyEvidence("files");
  e.errorLog = { files: ["error.log"], lines: 100, byClass: {}, groups, first: null, last: null };
  e.backends = [
    {
      peer: PEER,
      unit: "api.service",
      how: "test",
      process,
      journal: { since: "", until: "", lines: events.length, truncated: false, events },
      problems: [],
    },
  ];
  return e;
}
const run = (e: Evidence) => backendDied.diagnose(e, { claimed: new Set(), findings: [] });
const data = (f: ReturnType<typeof run>[number] | undefined) =>
  f?.evidence.find((x) => x.source === "system")?.data as Record<string, unknown>;

describe("backend-died", () => {
  it("start limit: names the exits and when systemd gave up; no return", () => {
    const f = run(
      evidence(
        [group("2026-12-06T03:40:11", "2026-12-06T03:49:00")],
        [
          ev(
            "2026-12-06T03:40:10.100",
            "exited",
            "api.service: Main process exited, code=exited, status=1/FAILURE",
            {
              exitCode: "exited",
              exitStatus: "1/FAILURE",
            },
          ),
          ev("2026-12-06T03:40:10.410", "started", "Started api.service."),
          ev(
            "2026-12-06T03:40:15.100",
            "exited",
            "api.service: Main process exited, code=exited, status=1/FAILURE",
            {
              exitCode: "exited",
              exitStatus: "1/FAILURE",
            },
          ),
          ev("2026-12-06T03:40:15.402", "start-limit", "api.service: Start request repeated too quickly."),
        ],
      ),
    );
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toBe(
      "api.service exited with status 1/FAILURE at 03:40:10.100; the first 502 was at 03:40:11; systemd stopped restarting it at 03:40:15.402 after 1 restart(s) that failed again (Start request repeated too quickly). 40 error-log line(s) toward 127.0.0.1:3000 fall in this outage.",
    );
    expect(f[0]?.fix).toContain("systemctl reset-failed api.service");
    expect(data(f[0])["gaveUp"]).toBe("2026-12-06T03:40:15.402");
  });

  it("an OOM kill of one process while the unit kept running is said as such", () => {
    const f = run(
      evidence(
        [group("2026-12-06T03:12:01", "2026-12-06T03:12:01", "premature-close", 1)],
        [
          ev(
            "2026-12-06T03:12:00.900",
            "oom-kill",
            "api.service: A process of this unit has been killed by the OOM killer.",
          ),
        ],
      ),
    );
    expect(f[0]?.message).toMatch(
      /^api\.service was hit by the OOM killer \(one of its processes was killed; the unit kept running\) at 03:12:00\.900; the first 502 was at 03:12:01\. 1 error-log/,
    );
  });

  it("does not blame a death long before the failures, nor one after them", () => {
    const groups = [group("2026-12-06T03:12:02", "2026-12-06T03:14:00")];
    expect(
      run(
        evidence(groups, [
          ev(
            "2026-12-06T02:40:00.000",
            "killed",
            "api.service: Main process exited, code=killed, status=9/KILL",
          ),
        ]),
      ),
    ).toEqual([]);
    expect(
      run(
        evidence(groups, [
          ev(
            "2026-12-06T03:20:00.000",
            "killed",
            "api.service: Main process exited, code=killed, status=9/KILL",
          ),
        ]),
      ),
    ).toEqual([]);
    // a death 3 s after the first failure still counts (journald and nginx write independently) …
    expect(
      run(evidence(groups, [ev("2026-12-06T03:12:05.000", "killed", "x", { exitStatus: "9/KILL" })])),
    ).toHaveLength(1);
  });

  it("without a journal: a process that started after the failures is the return, the death only bounded", () => {
    const groups = [group("2026-12-06T03:12:02", "2026-12-06T03:14:00")];
    const before = { pid: 10, comm: "node", startedAt: "2026-12-06T01:00:00.000", startedEpochMs: 0 };
    expect(run(evidence(groups, [], before))).toEqual([]);
    const after = { pid: 11, comm: "node", startedAt: "2026-12-06T03:14:01.250", startedEpochMs: 0 };
    const f = run(evidence(groups, [], after));
    expect(data(f[0])["back"]).toBe("2026-12-06T03:14:01.250");
    expect(data(f[0])["died"]).toBeNull();
    // weaker than a death seen in the journal
    const journal = run(
      evidence(groups, [ev("2026-12-06T03:12:01.500", "killed", "x", { exitStatus: "9/KILL" })], after),
    );
    expect(f[0]?.confidence).toBeLessThan(journal[0]?.confidence ?? 0);
    expect(f[0]?.message).toContain("it came back at 03:14:01.250 (start time of pid 11 in /proc)");
  });
});
