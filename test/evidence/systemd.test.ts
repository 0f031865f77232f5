import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  backendStories,
  fpmListenIs,
  fpmPoolListen,
  listenerOf,
  localIso,
  parseJournalJson,
  unitFileNames,
  unitFromCgroup,
  unitFromSystemctlStatus,
  unitsNaming,
} from "../../src/evidence/systemd.js";
import { makeFakeSystemd } from "../helpers/fake-systemd.js";

const FIX = resolve(import.meta.dirname, "../fixtures/journal");
const lines = (name: string) => readFileSync(join(FIX, name), "utf8");
/** Local time of a UTC instant, as the parser writes it (the fixtures were recorded on a UTC host). */
const at = (utc: string) => localIso(Date.parse(utc));

describe("journalctl -o json", () => {
  it("reads a php-fpm OOM kill and its return from the unit's entries", () => {
    const r = parseJournalJson(lines("php8.2-fpm-oom.unit.jsonl"), "php8.2-fpm.service");
    expect(r.lines).toBe(10);
    expect(r.skipped).toBe(0);
    const kinds = r.events.map((e) => e.kind);
    expect(kinds).toEqual([
      "message",
      "oom-kill",
      "killed",
      "oom-kill",
      "message",
      "message",
      "message",
      "message",
      "message",
      "started",
    ]);
    const killed = r.events.find((e) => e.kind === "killed");
    expect(killed?.exitCode).toBe("killed");
    expect(killed?.exitStatus).toBe("9/KILL");
    expect(killed?.time).toBe(at("2026-12-06T03:12:01.468Z"));
    expect(r.events[3]?.result).toBe("oom-kill");
    expect(r.events.at(-1)?.time).toBe(at("2026-12-06T03:14:58.305Z"));
  });

  it("keeps kernel OOM-killer lines only when they name the unit's cgroup", () => {
    const k = parseJournalJson(lines("php8.2-fpm-oom.kernel.jsonl"), "php8.2-fpm.service");
    expect(k.events.map((e) => e.kind)).toEqual(["oom-kill"]);
    expect(k.events[0]?.message).toContain("task_memcg=/system.slice/php8.2-fpm.service");
    expect(parseJournalJson(lines("php8.2-fpm-oom.kernel.jsonl"), "nginx.service").events).toEqual([]);
  });

  it("sees systemd give up (Start request repeated too quickly) after exit-code restarts", () => {
    const r = parseJournalJson(lines("app-start-limit.unit.jsonl"), "app.service");
    expect(r.events.filter((e) => e.kind === "restart-scheduled")).toHaveLength(6);
    expect(r.events.filter((e) => e.kind === "exited").every((e) => e.exitStatus === "1/FAILURE")).toBe(true);
    const limit = r.events.find((e) => e.kind === "start-limit");
    expect(limit?.time).toBe(at("2026-12-06T03:40:15.402Z"));
    expect(r.events.at(-1)?.kind).toBe("start-failed");
  });

  it("decodes MESSAGE written as a byte array, skips other units, bad lines and entries past the cap", () => {
    const bytes = [...Buffer.from("Started x.service - \u00e9t\u00e9.")];
    const out = [
      JSON.stringify({ __REALTIME_TIMESTAMP: "1796526721000000", UNIT: "x.service", MESSAGE: bytes }),
      JSON.stringify({ __REALTIME_TIMESTAMP: "1796526722000000", UNIT: "y.service", MESSAGE: "Started y." }),
      "{not json",
      JSON.stringify({
        __REALTIME_TIMESTAMP: "1796526723000000",
        _SYSTEMD_UNIT: "x.service",
        MESSAGE: "hello",
      }),
    ].join("\n");
    const r = parseJournalJson(out, "x.service", 1);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.message).toBe("Started x.service - \u00e9t\u00e9.");
    expect(r.events[0]?.kind).toBe("started");
    expect(r.skipped).toBe(3);
  });
});

describe("finding the unit", () => {
  it("reads the unit from /proc/<pid>/cgroup (v2, v1, user services)", () => {
    expect(unitFromCgroup("0::/system.slice/php8.2-fpm.service\n")).toBe("php8.2-fpm.service");
    expect(unitFromCgroup("12:pids:/x\n1:name=systemd:/system.slice/gunicorn.service\n")).toBe(
      "gunicorn.service",
    );
    expect(unitFromCgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/api.service\n")).toBe(
      "api.service",
    );
    expect(unitFromCgroup("0::/init.scope\n")).toBeNull();
    expect(unitFromCgroup("0::/\n")).toBeNull();
  });

  it("reads the unit from systemctl status", () => {
    expect(
      unitFromSystemctlStatus(
        "● php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager\n     Loaded: loaded (/lib/systemd/system/php8.2-fpm.service; enabled)\n",
      ),
    ).toBe("php8.2-fpm.service");
    expect(unitFromSystemctlStatus("× app.service - Shop API\n")).toBe("app.service");
    expect(
      unitFromSystemctlStatus("Failed to get unit for PID 7: PID 7 does not belong to any loaded unit.\n"),
    ).toBeNull();
  });

  it("matches unit files and PHP-FPM pools that name a port or socket", () => {
    expect(unitFileNames("[Socket]\nListenStream=127.0.0.1:9000\n", "127.0.0.1:9000")).toBe(true);
    expect(unitFileNames("[Socket]\nListenStream=9000\n", "127.0.0.1:9000")).toBe(true);
    expect(unitFileNames("[Socket]\nListenStream=/run/app.sock\n", "unix:/run/app.sock")).toBe(true);
    expect(
      unitFileNames("[Service]\nExecStart=/usr/bin/node server.js --port 3000\n", "127.0.0.1:3000"),
    ).toBe(true);
    expect(unitFileNames("[Service]\nEnvironment=PORT=3000\n", "127.0.0.1:3000")).toBe(true);
    expect(
      unitFileNames("[Service]\nExecStart=/usr/bin/node server.js --port 30000\n", "127.0.0.1:3000"),
    ).toBe(false);
    expect(unitFileNames("# ListenStream=3000\n", "127.0.0.1:3000")).toBe(false);
    expect(fpmPoolListen("[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n")).toBe(
      "/run/php/php8.2-fpm.sock",
    );
    expect(fpmListenIs("127.0.0.1:9000", "127.0.0.1:9000")).toBe(true);
    expect(fpmListenIs("9000", "127.0.0.1:9000")).toBe(true);
    expect(fpmListenIs("/run/php/php8.2-fpm.sock", "unix:/run/php/php8.2-fpm.sock")).toBe(true);
  });

  it("finds the unit file naming a port when nothing listens", () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-units-"));
    try {
      const units = join(dir, "units");
      const pool = join(dir, "php", "8.2", "fpm", "pool.d");
      mkdirSync(units);
      mkdirSync(pool, { recursive: true });
      writeFileSync(
        join(units, "api.service"),
        "[Service]\nExecStart=/usr/bin/node /srv/api/server.js --port 3000\n",
      );
      writeFileSync(join(units, "other.service"), "[Service]\nExecStart=/usr/bin/other --port 3001\n");
      writeFileSync(join(pool, "www.conf"), "[www]\nlisten = /run/php/php8.2-fpm.sock\n");
      expect(unitsNaming("127.0.0.1:3000", [units], join(dir, "php")).map(([u]) => u)).toEqual([
        "api.service",
      ]);
      expect(unitsNaming("unix:/run/php/php8.2-fpm.sock", [units], join(dir, "php")).map(([u]) => u)).toEqual(
        ["php8.2-fpm.service"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the process behind a peer (/proc) and its journal (fake journalctl)", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  it("names the process listening on a TCP port and on a unix socket, with its start time", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), "bg-sock-"));
    const path = join(dir, "app.sock");
    const usrv = net.createServer();
    await new Promise<void>((r) => usrv.listen(path, () => r()));
    try {
      const p = listenerOf(`127.0.0.1:${port}`);
      expect(p?.pid).toBe(process.pid);
      const started = Date.now() - process.uptime() * 1000;
      expect(Math.abs((p?.startedEpochMs ?? 0) - started)).toBeLessThan(1500);
      expect(listenerOf(`unix:${path}`)?.pid).toBe(process.pid);
      expect(listenerOf(`unix:${path}.missing`)).toBeNull();
    } finally {
      srv.close();
      usrv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("asks systemctl for the unit of the listening pid and reads its journal over the window", async () => {
    const port = await new Promise<number>((r) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const child = spawn(process.execPath, [
      "-e",
      `require("net").createServer(()=>{}).listen(${port},"127.0.0.1",()=>console.log("up"))`,
    ]);
    children.push(child);
    await new Promise<void>((r) => child.stdout?.once("data", () => r()));
    const fake = makeFakeSystemd({
      journals: { "php8.2-fpm.service": lines("php8.2-fpm-oom.unit.jsonl").trim().split("\n") },
      kernel: lines("php8.2-fpm-oom.kernel.jsonl").trim().split("\n"),
      units: { [child.pid as number]: "php8.2-fpm.service" },
    });
    const path = process.env["PATH"];
    process.env["PATH"] = `${fake.bin}:${path}`;
    try {
      const since = Date.parse("2026-12-06T03:02:00Z");
      const until = Date.parse("2026-12-06T03:25:00Z");
      const [b] = await backendStories([`127.0.0.1:${port}`], since, until, {
        unitDirs: [],
        phpRoot: "/nonexistent",
      });
      expect(b?.unit).toBe("php8.2-fpm.service");
      expect(b?.process?.pid).toBe(child.pid);
      expect(b?.how).toContain(`systemctl status ${child.pid}`);
      // unit entries plus the kernel's oom-kill line naming its cgroup, in time order
      expect(b?.journal?.events.map((e) => e.kind).slice(0, 3)).toEqual(["message", "oom-kill", "oom-kill"]);
      const calls = fake.calls();
      const j = calls.find((c) => c.startsWith("journalctl -u php8.2-fpm.service"));
      expect(j).toContain("-o json");
      expect(j).toContain(`--since ${localIso(since).slice(0, 19).replace("T", " ")}`);
      expect(j).toContain(`--until ${localIso(until).slice(0, 19).replace("T", " ")}`);
      expect(calls.some((c) => c.startsWith("journalctl -k"))).toBe(true);
    } finally {
      process.env["PATH"] = path;
      fake.remove();
      child.kill("SIGKILL");
    }
  });

  it("socket activation: nothing listens but a .socket unit names the port; its service's journal is read too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-units-"));
    const fake = makeFakeSystemd({
      journals: {
        "api.socket": [
          JSON.stringify({
            __REALTIME_TIMESTAMP: "1796526600000000",
            UNIT: "api.socket",
            MESSAGE: "Listening on api.socket - API socket.",
          }),
        ],
        "api.service": [
          JSON.stringify({
            __REALTIME_TIMESTAMP: "1796526721000000",
            UNIT: "api.service",
            MESSAGE: "api.service: Main process exited, code=dumped, status=11/SEGV",
          }),
        ],
      },
    });
    const path = process.env["PATH"];
    process.env["PATH"] = `${fake.bin}:${path}`;
    try {
      writeFileSync(join(dir, "api.socket"), "[Socket]\nListenStream=127.0.0.1:1\n");
      const [b] = await backendStories(["127.0.0.1:1"], 0, Date.now(), {
        unitDirs: [dir],
        phpRoot: "/nonexistent",
      });
      expect(b?.unit).toBe("api.socket");
      expect(b?.how).toContain("its service api.service is read too");
      expect(b?.journal?.events.map((e) => [e.unit, e.kind])).toEqual([
        ["api.socket", "socket"],
        ["api.service", "killed"],
      ]);
      expect(b?.journal?.events[1]?.exitCode).toBe("dumped");
      expect(fake.calls().find((c) => c.startsWith("journalctl -u"))).toContain(
        "-u api.socket -u api.service -o json",
      );
    } finally {
      process.env["PATH"] = path;
      fake.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops looking up peers once its time budget is spent, and says so", async () => {
    const r = await backendStories(["127.0.0.1:1", "127.0.0.1:2"], 0, 1, {
      unitDirs: [],
      phpRoot: "/nonexistent",
      budgetMs: -1,
    });
    expect(r.map((b) => b.how)).toEqual(["not looked up", "not looked up"]);
    expect(r[0]?.problems[0]).toMatch(/budget for systemd lookups was spent/);
  });
});
