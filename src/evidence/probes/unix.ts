/** Unix-socket checks: exists, is a socket, owner/group/mode, and whether nginx's worker user may connect. */
import { readFileSync, statSync } from "node:fs";
import type { ProbeStep } from "./types.js";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  groups: number[];
}

/** Looks up a user (and its groups) in /etc/passwd and /etc/group. */
export function lookupUser(name: string, etc = "/etc"): Account | null {
  try {
    const passwd = readFileSync(`${etc}/passwd`, "utf8").split("\n");
    const row = passwd.map((l) => l.split(":")).find((f) => f[0] === name || f[2] === name);
    if (!row) return null;
    const uid = Number(row[2]);
    const gid = Number(row[3]);
    const groups = new Set([gid]);
    try {
      for (const l of readFileSync(`${etc}/group`, "utf8").split("\n")) {
        const f = l.split(":");
        if ((f[3] ?? "").split(",").includes(row[0] as string)) groups.add(Number(f[2]));
      }
    } catch {
      /* no group file */
    }
    return { name: row[0] as string, uid, gid, groups: [...groups] };
  } catch {
    return null;
  }
}

/** Can `who` connect to a socket with this owner and mode? (connect needs write permission on the socket.) */
export function mayConnect(who: Account, st: { uid: number; gid: number; mode: number }): boolean {
  if (who.uid === 0) return true;
  if (st.uid === who.uid) return (st.mode & 0o200) !== 0;
  if (who.groups.includes(st.gid)) return (st.mode & 0o020) !== 0;
  return (st.mode & 0o002) !== 0;
}

export function inspectSocket(path: string, worker: Account | null): ProbeStep {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      check: "unix",
      ok: false,
      problem:
        code === "ENOENT" ? "socket-missing" : code === "EACCES" ? "socket-permission" : "socket-unreadable",
      summary: code === "ENOENT" ? `${path} does not exist` : `cannot stat ${path}: ${(e as Error).message}`,
    };
  }
  const mode = Number(st.mode) & 0o777;
  const data = {
    uid: Number(st.uid),
    gid: Number(st.gid),
    mode: `0${mode.toString(8)}`,
    worker: worker?.name ?? null,
  };
  if (!st.isSocket())
    return {
      check: "unix",
      ok: false,
      problem: "not-a-socket",
      summary: `${path} exists but is not a socket`,
      data,
    };
  if (worker && !mayConnect(worker, { uid: Number(st.uid), gid: Number(st.gid), mode }))
    return {
      check: "unix",
      ok: false,
      problem: "socket-permission",
      summary: `nginx's worker user ${worker.name} (uid ${worker.uid}) may not connect: socket is uid ${st.uid} gid ${st.gid} mode ${data.mode}`,
      data,
    };
  return {
    check: "unix",
    ok: true,
    problem: null,
    summary: `socket uid ${st.uid} gid ${st.gid} mode ${data.mode}${worker ? `, ${worker.name} may connect` : ""}`,
    data,
  };
}
