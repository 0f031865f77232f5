/**
 * The unix-socket permission check depends on who runs badgateway: root can stat and connect to anything and
 * must reason from the mode bits about nginx's worker user; an unprivileged operator cannot connect to a socket
 * it has no write permission on. Both must give the same answer about the worker user. As root (CI) the same
 * CLI call runs twice: as root, and as nobody through `setpriv --reuid=nobody --regid=nogroup --clear-groups`.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProgram, requireSystem } from "../../helpers/system.js";

const CLI = resolve(import.meta.dirname, "../../../dist/cli.js");
const isRoot = process.getuid?.() === 0;
const setpriv = findProgram("setpriv");

interface ProbeJson {
  results: Array<{ ok: boolean; steps: Array<{ check: string; ok: boolean; problem: string | null }> }>;
}

/** `badgateway probe --target unix:PATH --as-user nobody --json`, as this user or (root only) as nobody. */
function probeAs(user: "self" | "nobody", path: string): Promise<{ code: number | null; json: ProbeJson }> {
  const args = [CLI, "probe", "--target", `unix:${path}`, "--as-user", "nobody", "--json"];
  const [cmd, argv] =
    user === "self"
      ? [process.execPath, args]
      : [
          setpriv as string,
          ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, ...args],
        ];
  return new Promise((done) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("close", (code) => done({ code, json: JSON.parse(out) as ProbeJson }));
  });
}

describe("unix socket permission, as root and as an unprivileged user", () => {
  let dir: string;
  let path: string;
  let srv: net.Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bg-users-"));
    chmodSync(dir, 0o755);
    path = join(dir, "app.sock");
    srv = net.createServer((s) => s.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    await new Promise<void>((r) => srv.listen(path, () => r()));
  });
  afterAll(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const users: Array<"self" | "nobody"> = ["self"];
  if (isRoot && setpriv) users.push("nobody");
  else {
    const reason = isRoot ? "setpriv is not installed" : "not root: cannot switch to nobody with setpriv";
    if (requireSystem && isRoot)
      it("BADGATEWAY_REQUIRE_SYSTEM=1 needs setpriv", () => {
        throw new Error(reason);
      });
    else {
      process.stderr.write(`[skip] unix socket checks as nobody: ${reason}\n`);
      it.skip(`as nobody [skipped: ${reason}]`, () => undefined);
    }
  }

  for (const user of users) {
    it(`as ${user === "self" ? (isRoot ? "root" : "this user") : "nobody"}: 0600 owned by us is closed to nobody, 0666 is open`, async () => {
      chmodSync(path, 0o600);
      const closed = await probeAs(user, path);
      expect(closed.code).toBe(1);
      expect(closed.json.results[0]?.steps[0]).toMatchObject({
        check: "unix",
        ok: false,
        problem: "socket-permission",
      });
      chmodSync(path, 0o666);
      const open = await probeAs(user, path);
      expect(open.json.results[0]?.steps[0]).toMatchObject({ check: "unix", ok: true, problem: null });
      expect(open.json.results[0]?.ok).toBe(true);
      expect(open.code).toBe(0);
    }, 20_000);
  }
});
