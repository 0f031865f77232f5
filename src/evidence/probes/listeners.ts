/** What is listening on this host, from /proc/net/tcp and tcp6 (owning process where /proc/<pid>/fd is readable). */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { networkInterfaces } from "node:os";

export interface Listener {
  address: string;
  port: number;
  inode: number;
  pid?: number;
  process?: string;
}

function hexToIpv4(h: string): string {
  const n = Number.parseInt(h, 16);
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join(".");
}

function hexToIpv6(h: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = h.slice(i, i + 8);
    const le = w.match(/../g)?.reverse().join("") ?? w;
    words.push(le.slice(0, 4), le.slice(4, 8));
  }
  return words
    .map((w) => w.replace(/^0{1,3}/, ""))
    .join(":")
    .replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Parses /proc/net/tcp{,6} text: sockets in state LISTEN (0A). */
export function parseProcNetTcp(text: string, v6: boolean): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== "0A") continue;
    const [addr, port] = (f[1] ?? "").split(":");
    if (!addr || !port) continue;
    out.push({
      address: v6 ? hexToIpv6(addr) : hexToIpv4(addr),
      port: Number.parseInt(port, 16),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** Listening TCP sockets with owners (best effort; needs permission to read other processes' fds). */
export function listTcpListeners(procRoot = "/proc"): Listener[] {
  const all: Listener[] = [];
  for (const [file, v6] of [
    ["net/tcp", false],
    ["net/tcp6", true],
  ] as const) {
    try {
      all.push(...parseProcNetTcp(readFileSync(`${procRoot}/${file}`, "utf8"), v6));
    } catch {
      /* not Linux, or no IPv6 */
    }
  }
  const byInode = new Map(all.map((l) => [l.inode, l]));
  let pids: string[] = [];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return all;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      const l = m ? byInode.get(Number(m[1])) : undefined;
      if (l && l.pid === undefined) {
        l.pid = Number(pid);
        try {
          l.process = readFileSync(`${procRoot}/${pid}/comm`, "utf8").trim();
        } catch {
          /* gone */
        }
      }
    }
  }
  return all;
}

/** The addresses of this host's interfaces (without brackets), for telling a local upstream from a remote one. */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return out;
}

/** True for an address nginx reaches on this host itself: 127.0.0.0/8, ::1, localhost, or one of `local`. */
export function isLocalAddress(host: string, local: readonly string[] = []): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.startsWith("127.") || h === "::1" || local.includes(h);
}

export interface NearbyOptions {
  /** Addresses of this host (default: none besides loopback); a wildcard listener serves only these. */
  localAddresses?: readonly string[];
  /** Ports nginx itself listens on (its `listen` directives): never a backend's port. */
  ownPorts?: Iterable<number>;
}

/** Process names (comm) of nginx builds: their listeners are nginx's own. */
const NGINX_PROCESSES = new Set(["nginx", "openresty", "angie"]);

/**
 * Listeners that could be the backend meant at `host:port`: on the upstream's own address (a wildcard
 * 0.0.0.0/:: listener only when that address is local: loopback or an address of this host; `localhost`
 * means 127.0.0.1 and ::1), not owned by an nginx process and not on a port nginx listens on; closest
 * port first, one per port, at most five.
 */
export function nearbyListeners(
  all: Listener[],
  host: string,
  port: number,
  opts: NearbyOptions = {},
): Listener[] {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  const local = isLocalAddress(h, opts.localAddresses ?? []);
  const own = new Set(opts.ownPorts ?? []);
  const same = (a: string) =>
    a.toLowerCase() === h || (h === "localhost" && (a === "127.0.0.1" || a === "::1"));
  return all
    .filter((l) => l.port !== port && !own.has(l.port) && !NGINX_PROCESSES.has(l.process ?? ""))
    .filter((l) => same(l.address) || (local && (l.address === "0.0.0.0" || l.address === "::")))
    .sort((a, b) => Math.abs(a.port - port) - Math.abs(b.port - port) || a.port - b.port)
    .filter((l, i, xs) => xs.findIndex((x) => x.port === l.port) === i)
    .slice(0, 5);
}
