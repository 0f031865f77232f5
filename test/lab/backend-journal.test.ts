/**
 * The backend's own story against a real outage: a real process owns the upstream port, the test kills it
 * (SIGKILL) at a known time while traffic flows through a real nginx, then starts a new one on the same port (as
 * systemd's Restart= would). `diagnose --systemd` must name the unit and the process and put the death within
 * 1 s of the first 502.
 *
 * What is real and what is not: nginx, the process, the kill, the 502s and the new process's start time (read
 * from /proc by badgateway) are real. systemd is not running here, so `systemctl` and `journalctl` are fakes on
 * PATH (test/helpers/fake-systemd.ts); the journal they replay is written at the moment of the kill in the shape
 * of the recorded fixtures (test/fixtures/journal). The second case has no journal: the death is then bounded
 * only by the first failure, and the return comes from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { localIso } from "../../src/evidence/systemd.js";
import { runCliAsync } from "../helpers/cli.js";
import { makeFakeSystemd, systemdEntry } from "../helpers/fake-systemd.js";
import { freePort, type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";
import { LAB_LOG_FORMAT } from "./harness.js";

const UNIT = "lab-backend.service";
const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

function startBackend(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    "-e",
    `require("http").createServer((q,s)=>s.end("ok\\n")).listen(${port},"127.0.0.1",()=>console.log("up"))`,
  ]);
  cleanup.push(() => child.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    child.stdout?.once("data", () => resolve(child));
    child.once("exit", (c) => reject(new Error(`backend exited with ${c}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests every 25 ms until stopped; the time of the first 502. */
function traffic(ngx: RunningNginx): { stop: () => Promise<void>; first502: () => number | null } {
  let running = true;
  let first: number | null = null;
  const loop = (async () => {
    let i = 0;
    while (running) {
      const t = Date.now();
      const r = await ngx.get(`/api/item?i=${i++}`);
      if (r.status === 502 && first === null) first = t;
      await sleep(25);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    first502: () => first,
  };
}

/** Milliseconds of a local ISO time, read as UTC (like localIso's output): for differences only. */
const ms = (local: string) => Date.parse(`${local}Z`);

systemDescribe(
  ["nginx"],
  "backend-died against a real killed process (real nginx, fake systemd on PATH)",
  () => {
    async function outage() {
      const port = await freePort();
      let p1 = await startBackend(port);
      const ngx = await startNginx({
        logFormat: LAB_LOG_FORMAT,
        logLevel: "error",
        http: (p) =>
          `server { listen 127.0.0.1:${p.port}; location /api/ { proxy_pass http://127.0.0.1:${port}; } }`,
      });
      cleanup.push(() => ngx.stop());
      const t = traffic(ngx);
      await sleep(700);
      const killedAt = Date.now();
      p1.kill("SIGKILL");
      await sleep(1600);
      const spawnedAt = Date.now();
      p1 = await startBackend(port);
      await sleep(700);
      await t.stop();
      return { ngx, port, killedAt, spawnedAt, first502: t.first502(), p2: p1 };
    }

    it("names the unit and its death within 1 s of the first 502 (journal), and the process's return (/proc)", async () => {
      const o = await outage();
      expect(o.first502).not.toBeNull();
      // the real outage: nginx's first 502 follows the kill at once
      expect((o.first502 as number) - o.killedAt).toBeLessThan(300);
      const fake = makeFakeSystemd({
        units: { [o.p2.pid as number]: UNIT },
        journals: {
          [UNIT]: [
            systemdEntry(UNIT, o.killedAt + 3, `${UNIT}: Main process exited, code=killed, status=9/KILL`, {
              MESSAGE_ID: "98e322203f7a4ed290d09fe03c09fe15",
              EXIT_CODE: "killed",
              EXIT_STATUS: "9",
            }),
            systemdEntry(UNIT, o.killedAt + 4, `${UNIT}: Failed with result 'signal'.`, {
              MESSAGE_ID: "d9b373ed55a64feb8242e02dbe79a49c",
            }),
            systemdEntry(UNIT, o.spawnedAt - 50, `${UNIT}: Scheduled restart job, restart counter is at 1.`),
            systemdEntry(UNIT, o.spawnedAt, `Started ${UNIT} - Lab backend.`, { JOB_RESULT: "done" }),
          ],
        },
      });
      cleanup.push(() => fake.remove());
      const args = [
        "diagnose",
        "--config",
        o.ngx.confPath,
        "--error-log",
        o.ngx.errorLogPath,
        "--access-log",
        o.ngx.accessLogPath,
        "--systemd",
        "--no-probe",
      ];
      const r = await runCliAsync([...args, "--json"], { PATH: `${fake.bin}:${process.env["PATH"]}` });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as {
        findings: Array<{
          id: string;
          message: string;
          evidence: Array<{ source: string; data?: Record<string, unknown> }>;
        }>;
      };
      const f = doc.findings[0];
      expect(f?.id).toBe("backend-died");
      const sys = f?.evidence.find((e) => e.source === "system")?.data as Record<string, string | null>;
      expect(sys["unit"]).toBe(UNIT);
      expect((sys["process"] as unknown as { pid: number }).pid).toBe(o.p2.pid);
      const died = ms(sys["died"] as string);
      const first = ms(sys["firstFailure"] as string);
      expect(Math.abs(died - first)).toBeLessThanOrEqual(1000);
      expect(sys["died"]).toBe(localIso(o.killedAt + 3));
      expect(sys["how"]).toBe("killed (signal 9/KILL)");
      expect(Math.abs(ms(sys["back"] as string) - ms(localIso(o.spawnedAt)))).toBeLessThanOrEqual(10);
      expect(f?.message).toMatch(
        new RegExp(
          `^${UNIT.replace(".", "\\.")} was killed \\(signal 9/KILL\\) at \\d\\d:\\d\\d:\\d\\d\\.\\d{3}; the first 502 was at`,
        ),
      );
      // the journal was asked for the unit over a window around the failures
      const call = fake.calls().find((c) => c.startsWith(`journalctl -u ${UNIT} -o json`));
      expect(call).toMatch(/--since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d --until /);
      // the text report says it in one line
      const text = await runCliAsync(args, { PATH: `${fake.bin}:${process.env["PATH"]}` });
      expect(text.stdout).toContain(`${UNIT} was killed (signal 9/KILL) at`);
      expect(text.stdout).toContain("it came back at");

      // No journal (journalctl has no entries for the unit): the return is read from /proc — the real start time
      // of the new process — and the death is bounded by the first failure only.
      const bare = makeFakeSystemd({ units: { [o.p2.pid as number]: UNIT } });
      cleanup.push(() => bare.remove());
      const r2 = await runCliAsync([...args, "--json"], { PATH: `${bare.bin}:${process.env["PATH"]}` });
      const d2 = JSON.parse(r2.stdout) as typeof doc;
      const f2 = d2.findings.find((x) => x.id === "backend-died");
      const s2 = f2?.evidence.find((e) => e.source === "system")?.data as Record<string, string | null>;
      expect(s2["died"]).toBeNull();
      expect(s2["backFrom"]).toBe(`start time of pid ${o.p2.pid} in /proc`);
      expect(Math.abs(ms(s2["back"] as string) - ms(localIso(o.spawnedAt)))).toBeLessThan(500);
      expect(f2?.message).toContain("with no journal entry the death is only bounded by the first failure");
    }, 60_000);
  },
);
