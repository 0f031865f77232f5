/**
 * The rotation proof for `watch --json`: a writer appends numbered failure lines (and unrelated lines) at a steady
 * rate while the log is rotated both ways, several times: rename-and-create (the writer keeps writing to the
 * renamed file for a moment, as nginx does until it reopens its logs, and older rotations are gzipped) and
 * copytruncate. Every failure line must be reported exactly once: none lost, none twice.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { cliPath } from "../helpers/cli.js";

const failure = (n: number) =>
  `2026/12/06 08:00:00 [error] 811#811: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: shop.example.com, request: "GET /item/${n} HTTP/1.1", upstream: "http://127.0.0.1:8080/item/${n}", host: "shop.example.com"\n`;
const other = (n: number) => `2026/12/06 08:00:00 [notice] 811#811: *${n} something unrelated ${n}\n`;

interface Watch {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number | null>;
}

function startWatch(args: string[]): Watch {
  const child = spawn(process.execPath, [cliPath, "watch", ...args], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return { child, out: () => out, err: () => err, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

const failureNumbers = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { type: string; request?: string })
    .filter((e) => e.type === "failure")
    .map((e) => Number(/\/item\/(\d+)/.exec(e.request ?? "")?.[1]));

let dir = "";
let running: Watch | null = null;
afterEach(() => {
  running?.child.kill("SIGKILL");
  running = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("watch --json across log rotation", () => {
  it("reports every failure line exactly once through rename-and-create and copytruncate rotations", async () => {
    dir = mkdtempSync(join(tmpdir(), "bgw-rot-"));
    const log = join(dir, "error.log");
    // Lines already there when watch starts are not reported (it starts at the end).
    writeFileSync(log, failure(0) + other(0));
    running = startWatch(["--error-log", log, "--json", "--poll", "40ms"]);
    const w = running;
    let fd = openSync(log, "a");
    // Until watch has opened the file, lines land before its starting point: write one line at a time until
    // one is reported; from that line on, every line must be.
    let n = 0;
    for (let tries = 0; tries < 100 && failureNumbers(w.out()).length === 0; tries++) {
      n++;
      writeSync(fd, failure(n));
      await sleep(100);
    }
    const first = Math.min(...failureNumbers(w.out()));
    expect(first).toBeGreaterThanOrEqual(1);
    const writeSome = (k: number) => {
      for (let i = 0; i < k; i++) {
        n++;
        writeSync(fd, failure(n));
        if (n % 3 === 0) writeSync(fd, other(n));
      }
    };
    const shift = () => {
      // error.log.2 → error.log.3.gz (compressed: never to be read), error.log.1 → error.log.2
      const two = `${log}.2`;
      if (existsSync(two)) {
        writeFileSync(`${log}.3.gz`, gzipSync(readFileSync(two)));
        unlinkSync(two);
      }
      if (existsSync(`${log}.1`)) renameSync(`${log}.1`, two);
    };
    const writer = setInterval(() => writeSome(4), 10);
    const rotations: string[] = [];
    for (let r = 0; r < 8; r++) {
      await sleep(180 + (r % 3) * 70);
      shift();
      if (r % 2 === 0) {
        // rename-and-create: the writer goes on writing to the renamed file for a moment (nginx until reopen)
        renameSync(log, `${log}.1`);
        // logrotate's `create`: the new empty file exists before nginx reopens
        writeFileSync(log, "");
        writeSome(5);
        await sleep(150);
        writeSome(5);
        closeSync(fd);
        fd = openSync(log, "a");
        rotations.push("rename");
      } else {
        // copytruncate: copy, then truncate in place; the writer's O_APPEND descriptor goes on at the new end
        copyFileSync(log, `${log}.1`);
        truncateSync(log, 0);
        rotations.push("copytruncate");
      }
    }
    await sleep(200);
    clearInterval(writer);
    closeSync(fd);
    const total = n;
    expect(total).toBeGreaterThan(200);
    expect(rotations.filter((r) => r === "rename").length).toBeGreaterThanOrEqual(4);
    expect(rotations.filter((r) => r === "copytruncate").length).toBeGreaterThanOrEqual(4);
    await until(() => failureNumbers(w.out()).length >= total - first + 1, 15_000);
    w.child.kill("SIGTERM");
    const code = await w.done;
    running = null;

    const seen = failureNumbers(w.out());
    const counts = new Map<number, number>();
    for (const x of seen) counts.set(x, (counts.get(x) ?? 0) + 1);
    const missing: number[] = [];
    for (let i = first; i <= total; i++) if (!counts.has(i)) missing.push(i);
    const twice = [...counts].filter(([, c]) => c > 1).map(([k]) => k);
    expect({ missing, twice, before: counts.has(0) }).toEqual({ missing: [], twice: [], before: false });
    expect(seen.length).toBe(total - first + 1);
    expect(Math.min(...seen)).toBe(first);
    expect(code).toBe(0);
    // The .gz rotation was never read: had it been, its lines would have come out twice.
    expect(existsSync(`${log}.3.gz`)).toBe(true);
  }, 60_000);
});
