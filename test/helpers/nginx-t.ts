/**
 * Runs a real `nginx -t` on a configuration text in a throw-away prefix (nothing is started, nothing
 * outside the temp dir is written). Used to prove that "good" lint fixtures are valid nginx.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nginxBinary } from "./nginx.js";

export function nginxTest(
  conf: string,
  extraFiles: Record<string, string> = {},
): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "bg-nginx-t-"));
  try {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "logs"));
    const text = conf.replaceAll("__PREFIX__", dir);
    writeFileSync(join(dir, "nginx.conf"), text);
    for (const [name, body] of Object.entries(extraFiles)) writeFileSync(join(dir, name), body);
    const r = spawnSync(
      nginxBinary(),
      [
        "-t",
        "-p",
        `${dir}/`,
        "-c",
        join(dir, "nginx.conf"),
        "-e",
        join(dir, "logs", "error.log"),
        "-g",
        `pid ${dir}/nginx.pid;`,
      ],
      {
        encoding: "utf8",
        timeout: 10_000,
      },
    );
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.replaceAll(dir, "<prefix>") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
