/**
 * The TCP and unix-socket verdicts: every errno the TCP check names, and who may connect to a socket by owner,
 * group and mode bit (each bit on its own), on real sockets and files in a temporary directory. Written to kill
 * mutants Stryker left alive in src/evidence/probes/tcp.ts and unix.ts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tcpProblem } from "../../../src/evidence/probes/tcp.js";
import { type Account, inspectSocket, mayConnect } from "../../../src/evidence/probes/unix.js";

describe("tcpProblem", () => {
  it.each([
    ["ECONNREFUSED", "connection-refused"],
    ["ETIMEDOUT", "connect-timeout"],
    ["EHOSTUNREACH", "host-unreachable"],
    ["EHOSTDOWN", "host-unreachable"],
    ["ENETUNREACH", "network-unreachable"],
    ["ENETDOWN", "network-unreachable"],
    ["ECONNRESET", "connection-reset"],
    ["EADDRNOTAVAIL", "address-not-available"],
    ["ENOENT", "socket-missing"],
    ["EACCES", "permission-denied"],
    ["EAGAIN", "socket-busy"],
    ["EPROTO", "eproto"],
    [undefined, "connect-failed"],
    ["", "connect-failed"],
  ])("%s → %s", (code, problem) => {
    expect(tcpProblem(code)).toBe(problem);
  });
});

describe("mayConnect: connect() needs write permission on the socket", () => {
  const who: Account = { name: "www-data", uid: 33, gid: 33, groups: [33, 50] } as Account;
  it("root always may", () => {
    expect(mayConnect({ ...who, uid: 0 }, { uid: 1, gid: 1, mode: 0o000 })).toBe(true);
  });
  it("the owner needs the owner's write bit, whatever the others say", () => {
    expect(mayConnect(who, { uid: 33, gid: 1, mode: 0o200 })).toBe(true);
    expect(mayConnect(who, { uid: 33, gid: 33, mode: 0o577 })).toBe(false);
  });
  it("a member of the group needs the group's write bit", () => {
    expect(mayConnect(who, { uid: 1, gid: 50, mode: 0o020 })).toBe(true);
    expect(mayConnect(who, { uid: 1, gid: 50, mode: 0o757 })).toBe(false);
  });
  it("anyone else needs the others' write bit", () => {
    expect(mayConnect(who, { uid: 1, gid: 1, mode: 0o002 })).toBe(true);
    expect(mayConnect(who, { uid: 1, gid: 1, mode: 0o775 })).toBe(false);
  });
});

describe("inspectSocket", () => {
  let dir: string;
  let srv: net.Server;
  const sock = () => join(dir, "app.sock");
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bg-sock-"));
    chmodSync(dir, 0o755);
    srv = net.createServer();
    await new Promise<void>((r) => srv.listen(sock(), () => r()));
  });
  afterAll(() => {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a missing path", () => {
    const p = join(dir, "none.sock");
    expect(inspectSocket(p, null)).toEqual({
      check: "unix",
      ok: false,
      problem: "socket-missing",
      summary: `${p} does not exist`,
    });
  });

  it("a regular file is not a socket", () => {
    const p = join(dir, "file");
    writeFileSync(p, "x");
    chmodSync(p, 0o640);
    const r = inspectSocket(p, null);
    expect(r).toMatchObject({
      ok: false,
      problem: "not-a-socket",
      summary: `${p} exists but is not a socket`,
    });
    expect(r.data).toMatchObject({ mode: "0640", worker: null, uid: process.getuid?.() });
  });

  it("a socket nginx's worker may not write to, and one it may", () => {
    chmodSync(sock(), 0o600);
    const uid = process.getuid?.() ?? 0;
    const stranger = { name: "nobody", uid: 65534, gid: 65534, groups: [65534] } as Account;
    const no = inspectSocket(sock(), stranger);
    expect(no).toMatchObject({
      ok: false,
      problem: "socket-permission",
      data: { mode: "0600", worker: "nobody" },
    });
    expect(no.summary).toBe(
      `nginx's worker user nobody (uid 65534) may not connect: socket is uid ${uid} gid ${no.data?.["gid"]} mode 0600`,
    );
    chmodSync(sock(), 0o666);
    const yes = inspectSocket(sock(), stranger);
    expect(yes).toMatchObject({ ok: true, problem: null, data: { mode: "0666" } });
    expect(yes.summary).toBe(`socket uid ${uid} gid ${yes.data?.["gid"]} mode 0666, nobody may connect`);
    const unknown = inspectSocket(sock(), null);
    expect(unknown).toMatchObject({
      ok: true,
      summary: `socket uid ${uid} gid ${unknown.data?.["gid"]} mode 0666`,
    });
  });
});
