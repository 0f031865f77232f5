/**
 * `collect` adds backends.json: the unit behind a failing local peer (a real process, named by a fake
 * `systemctl` on PATH) and its journal over the incident window (a fake `journalctl` replaying entries in the
 * recorded shape), with the messages redacted like log lines; `diagnose --bundle` reads it back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { makeFakeSystemd, systemdEntry } from "../helpers/fake-systemd.js";
import { freePort, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

function backend(port: number): Promise<ChildProcess> {
  const c = spawn(process.execPath, [
    "-e",
    `require("http").createServer((q,s)=>s.end("ok")).listen(${port},"127.0.0.1",()=>console.log("up"))`,
  ]);
  cleanup.push(() => c.kill("SIGKILL"));
  return new Promise((r) => c.stdout?.once("data", () => r(c)));
}

systemDescribe(["nginx"], "collect: backends.json from the unit's journal", () => {
  it("records the unit and a redacted journal excerpt, and diagnose --bundle tells the backend's story", async () => {
    const port = await freePort();
    const first = await backend(port);
    const ngx = await startNginx({
      http: (p) =>
        `server { listen 127.0.0.1:${p.port}; location / { proxy_pass http://127.0.0.1:${port}; } }`,
    });
    cleanup.push(() => ngx.stop());
    await ngx.get("/ok");
    const killedAt = Date.now();
    first.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) await ngx.get(`/cart?i=${i}`);
    await ngx.waitForErrorLog(/Connection refused/);
    const again = await backend(port);
    const unit = "shop-api.service";
    const fake = makeFakeSystemd({
      units: { [again.pid as number]: unit },
      journals: {
        [unit]: [
          JSON.stringify({
            __REALTIME_TIMESTAMP: String((killedAt - 5) * 1000),
            _TRANSPORT: "stdout",
            _SYSTEMD_UNIT: unit,
            MESSAGE: "login failed for client 203.0.113.50 password=hunter2",
          }),
          systemdEntry(unit, killedAt + 2, `${unit}: Main process exited, code=killed, status=9/KILL`, {
            EXIT_CODE: "killed",
            EXIT_STATUS: "9",
          }),
          systemdEntry(unit, Date.now(), `Started ${unit} - Shop API.`),
        ],
      },
    });
    cleanup.push(() => fake.remove());
    const out = join(mkdtempSync(join(tmpdir(), "bg-collect-sd-")), "bundle");
    cleanup.push(() => rmSync(join(out, ".."), { recursive: true, force: true }));
    const pid = Number(readFileSync(join(ngx.prefix, "nginx.pid"), "utf8").trim());
    const env = { PATH: `${fake.bin}:${process.env["PATH"]}` };
    const r = await runCliAsync(["collect", "--out", out, "--pid", String(pid), "--json"], env);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).files).toContain("backends.json");
    const text = readFileSync(join(out, "backends.json"), "utf8");
    const [b] = JSON.parse(text);
    expect(b.peer).toBe(`127.0.0.1:${port}`);
    expect(b.unit).toBe(unit);
    expect(b.process.pid).toBe(again.pid);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("203.0.113.50");
    expect(text).toContain("password=REDACTED");
    expect(b.journal.events.map((e: { kind: string }) => e.kind)).toEqual(["message", "killed", "started"]);

    const d = await runCliAsync(["diagnose", "--bundle", out, "--json"]);
    const doc = JSON.parse(d.stdout);
    expect(doc.findings[0].id).toBe("backend-died");
    expect(doc.findings[0].message).toContain(`${unit} was killed (signal 9/KILL) at`);
    // the bundle is read as it is: no systemctl or journalctl run for it
    const before = fake.calls().length;
    await runCliAsync(["diagnose", "--bundle", out, "--json"], env);
    expect(fake.calls().length).toBe(before);
    // --no-systemd leaves it out
    const out2 = join(mkdtempSync(join(tmpdir(), "bg-collect-sd-")), "bundle");
    cleanup.push(() => rmSync(join(out2, ".."), { recursive: true, force: true }));
    const r2 = await runCliAsync(
      ["collect", "--out", out2, "--pid", String(pid), "--no-systemd", "--json"],
      env,
    );
    expect(JSON.parse(r2.stdout).files).not.toContain("backends.json");
  }, 60_000);
});
