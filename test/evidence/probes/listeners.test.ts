/**
 * Which listeners may be the backend a refused upstream was meant to reach: the upstream's own address only,
 * a wildcard only for a local upstream, never nginx's own sockets.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import {
  isLocalAddress,
  type Listener,
  listTcpListeners,
  nearbyListeners,
} from "../../../src/evidence/probes/listeners.js";
import { probeTarget } from "../../../src/evidence/probes/run.js";
import { parseTargetSpec } from "../../../src/evidence/probes/targets.js";
import { startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

const L = (address: string, port: number, process?: string): Listener => ({
  address,
  port,
  inode: port,
  ...(process ? { process, pid: 1 } : {}),
});
const ports = (ls: Listener[]) => ls.map((l) => l.port);

describe("nearbyListeners", () => {
  const all = [
    L("0.0.0.0", 80, "nginx"),
    L("::", 443, "nginx"),
    L("0.0.0.0", 3001, "node"),
    L("127.0.0.1", 3002),
    L("127.0.0.2", 3003),
    L("10.0.0.5", 3004),
    L("::1", 3006),
    L("0.0.0.0", 8080),
  ];
  it("never lists nginx's own listeners (by owning process)", () => {
    expect(ports(nearbyListeners(all, "127.0.0.1", 3000))).not.toContain(80);
    expect(ports(nearbyListeners(all, "127.0.0.1", 3000))).not.toContain(443);
  });
  it("never lists a port nginx listens on even when the owner is unknown (not root)", () => {
    const anon = [L("0.0.0.0", 80), L("0.0.0.0", 3001)];
    expect(ports(nearbyListeners(anon, "127.0.0.1", 3000))).toEqual([3001, 80]);
    expect(ports(nearbyListeners(anon, "127.0.0.1", 3000, { ownPorts: [80] }))).toEqual([3001]);
  });
  it("loopback upstream: its own address and wildcards, not another loopback address", () => {
    expect(ports(nearbyListeners(all, "127.0.0.1", 3000))).toEqual([3001, 3002, 8080]);
  });
  it("localhost means 127.0.0.1 and ::1", () => {
    expect(ports(nearbyListeners(all, "localhost", 3000))).toEqual([3001, 3002, 3006, 8080]);
  });
  it("a remote upstream: only a listener on that very address, never a wildcard of this host", () => {
    expect(ports(nearbyListeners(all, "10.0.0.5", 3000))).toEqual([3004]);
    expect(ports(nearbyListeners(all, "192.0.2.7", 3000))).toEqual([]);
  });
  it("an address of this host is local: wildcards count", () => {
    expect(ports(nearbyListeners(all, "10.0.0.5", 3000, { localAddresses: ["10.0.0.5"] }))).toEqual([
      3001, 3004, 8080,
    ]);
  });
  it("[::1] in brackets is the IPv6 loopback", () => {
    expect(isLocalAddress("[::1]")).toBe(true);
    expect(ports(nearbyListeners(all, "[::1]", 3000))).toEqual([3001, 3006, 8080]);
  });
});

systemDescribe(["nginx"], "nearby listeners with a real nginx on this host", () => {
  it("a refused upstream next to nginx's own port: the probe lists the app, not nginx", async () => {
    // nginx listens on p.port and proxies to a dead port right above its own; an app listens two above.
    const ngx = await startNginx({
      http: (p) =>
        `server { listen 127.0.0.1:${p.port}; location / { proxy_pass http://127.0.0.1:${p.free[0]}; } }`,
    });
    const app = net.createServer(() => undefined);
    try {
      await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
      const appPort = (app.address() as net.AddressInfo).port;
      const dead = ngx.free[0] as number;
      const r = await probeTarget(parseTargetSpec(`127.0.0.1:${dead}`), { ownPorts: [ngx.port] });
      const near = (r.steps.find((s) => s.check === "listeners")?.data?.["nearbyListeners"] ?? []) as Array<{
        port: number;
      }>;
      expect(near.map((n) => n.port)).not.toContain(ngx.port);
      // the same without ownPorts: as root the owner is read from /proc and nginx is still left out
      if (process.getuid?.() === 0) {
        const owned = listTcpListeners().find((l) => l.port === ngx.port);
        expect(owned?.process).toBe("nginx");
        const r2 = await probeTarget(parseTargetSpec(`127.0.0.1:${dead}`), {});
        const near2 = (r2.steps.find((s) => s.check === "listeners")?.data?.["nearbyListeners"] ??
          []) as Array<{ port: number }>;
        expect(near2.map((n) => n.port)).not.toContain(ngx.port);
      }
      expect(appPort).toBeGreaterThan(0);
    } finally {
      app.close();
      await ngx.stop();
    }
  });
});
