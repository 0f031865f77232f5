/** PHP-FPM pool files: where each pool listens and with which owner/group/mode (to compare with fastcgi_pass). */
import { readdirSync, readFileSync } from "node:fs";

export interface FpmPool {
  file: string;
  pool: string;
  listen: string | null;
  owner: string | null;
  group: string | null;
  mode: string | null;
  user: string | null;
}

/** Parses the ini text of a pool file ([name] sections with key = value lines; ; and # comments). */
export function parseFpmPools(text: string, file: string): FpmPool[] {
  const out: FpmPool[] = [];
  let cur: FpmPool | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const sec = /^\[([^\]]{1,100})\]$/.exec(line);
    if (sec) {
      cur = { file, pool: sec[1] as string, listen: null, owner: null, group: null, mode: null, user: null };
      if (cur.pool !== "global") out.push(cur);
      continue;
    }
    const eq = line.indexOf("=");
    if (!cur || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, "");
    if (key === "listen") cur.listen = value;
    else if (key === "listen.owner") cur.owner = value;
    else if (key === "listen.group") cur.group = value;
    else if (key === "listen.mode") cur.mode = value;
    else if (key === "user") cur.user = value;
  }
  return out;
}

/** Pools from the given directories, or from /etc/php/<version>/fpm/pool.d and the RHEL/Alpine locations. */
export function readFpmPools(dirs?: string[]): FpmPool[] {
  const candidates = dirs ?? defaultPoolDirs();
  const out: FpmPool[] = [];
  for (const d of candidates) {
    let names: string[] = [];
    try {
      names = readdirSync(d)
        .filter((n) => n.endsWith(".conf"))
        .sort();
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        out.push(...parseFpmPools(readFileSync(`${d}/${n}`, "utf8"), `${d}/${n}`));
      } catch {
        /* unreadable pool file */
      }
    }
  }
  return out;
}

function defaultPoolDirs(): string[] {
  const dirs = ["/etc/php-fpm.d", "/etc/php/php-fpm.d", "/usr/local/etc/php-fpm.d"];
  try {
    for (const v of readdirSync("/etc/php")) dirs.push(`/etc/php/${v}/fpm/pool.d`);
  } catch {
    /* no Debian-style php */
  }
  try {
    for (const v of readdirSync("/etc").filter((n) => /^php\d+$/.test(n))) dirs.push(`/etc/${v}/php-fpm.d`);
  } catch {
    /* ignore */
  }
  return dirs;
}
