/**
 * A fake `journalctl` and `systemctl` for machines without a running systemd (this one, CI containers): shell
 * scripts in a temp bin directory, put first on PATH, that replay recorded `journalctl -o json` output and print
 * a `systemctl status` page. Every call's arguments are appended to `calls.log`, so a test can check what
 * badgateway asked for (unit, --since/--until, -o json).
 *
 *   const fake = makeFakeSystemd({ journals: { "php8.2-fpm.service": lines }, kernel: klines, units: { [pid]: "php8.2-fpm.service" } });
 *   spawn(cli, args, { env: { ...process.env, PATH: `${fake.bin}:${process.env.PATH}` } });
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeSystemd {
  bin: string;
  dir: string;
  /** Arguments of every call so far, one line per call: "journalctl -u x.service -o json …". */
  calls(): string[];
  setJournal(unit: string, lines: string[]): void;
  setUnit(pid: number, unit: string): void;
  remove(): void;
}

export function makeFakeSystemd(
  init: { journals?: Record<string, string[]>; kernel?: string[]; units?: Record<number, string> } = {},
): FakeSystemd {
  const dir = mkdtempSync(join(tmpdir(), "bg-fake-systemd-"));
  const bin = join(dir, "bin");
  const data = join(dir, "data");
  mkdirSync(bin);
  mkdirSync(data);
  writeFileSync(join(data, "kernel.jsonl"), (init.kernel ?? []).map((l) => `${l}\n`).join(""));
  const journalctl = `#!/bin/sh
echo "journalctl $*" >> "${dir}/calls.log"
units=""; kernel=0
while [ $# -gt 0 ]; do
  case "$1" in
    -u|--unit) units="$units $2"; shift ;;
    -k|--dmesg) kernel=1 ;;
  esac
  shift
done
if [ "$kernel" = 1 ]; then cat "${data}/kernel.jsonl"; exit 0; fi
found=0
for u in $units; do
  if [ -f "${data}/$u.jsonl" ]; then cat "${data}/$u.jsonl"; found=1; fi
done
[ "$found" = 1 ] && exit 0
echo "-- No entries --" >&2
exit 1
`;
  const systemctl = `#!/bin/sh
echo "systemctl $*" >> "${dir}/calls.log"
for a in "$@"; do pid="$a"; done
if [ -f "${data}/pid-$pid" ]; then
  unit=$(cat "${data}/pid-$pid")
  echo "● $unit - Lab backend"
  echo "     Loaded: loaded (/etc/systemd/system/$unit; enabled; preset: enabled)"
  echo "     Active: active (running) since Sun 2026-12-06 03:14:58 UTC; 3s ago"
  echo "   Main PID: $pid (node)"
  echo "      Tasks: 7 (limit: 4647)"
  echo "     CGroup: /system.slice/$unit"
  echo "             └─$pid node backend.js"
  exit 0
fi
echo "Failed to get unit for PID $pid: PID $pid does not belong to any loaded unit." >&2
exit 1
`;
  writeFileSync(join(bin, "journalctl"), journalctl);
  writeFileSync(join(bin, "systemctl"), systemctl);
  chmodSync(join(bin, "journalctl"), 0o755);
  chmodSync(join(bin, "systemctl"), 0o755);
  const fake: FakeSystemd = {
    bin,
    dir,
    calls: () => {
      try {
        return readFileSync(join(dir, "calls.log"), "utf8").split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
    setJournal: (unit, lines) =>
      writeFileSync(join(data, `${unit}.jsonl`), lines.map((l) => `${l}\n`).join("")),
    setUnit: (pid, unit) => writeFileSync(join(data, `pid-${pid}`), unit),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [u, l] of Object.entries(init.journals ?? {})) fake.setJournal(u, l);
  for (const [p, u] of Object.entries(init.units ?? {})) fake.setUnit(Number(p), u);
  return fake;
}

/**
 * A systemd journal entry about `unit`, shaped like the recorded ones in test/fixtures/journal (systemd's own
 * fields: _PID 1, _SYSTEMD_UNIT init.scope, UNIT=…), at epoch milliseconds `ms`.
 */
export function systemdEntry(
  unit: string,
  ms: number,
  message: string,
  extra: Record<string, string> = {},
): string {
  return JSON.stringify({
    __REALTIME_TIMESTAMP: String(ms * 1000),
    __MONOTONIC_TIMESTAMP: "812345678901",
    _BOOT_ID: "5c0c3b8e2f1e4f0a9d6b7a1c2e3f4a5b",
    PRIORITY: "6",
    SYSLOG_FACILITY: "3",
    SYSLOG_IDENTIFIER: "systemd",
    _TRANSPORT: "journal",
    _PID: "1",
    _COMM: "systemd",
    _SYSTEMD_UNIT: "init.scope",
    UNIT: unit,
    MESSAGE: message,
    ...extra,
  });
}
