import { spawn, spawnSync } from "node:child_process";

import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  bin: { badgateway: string };
};

/** The built CLI as users run it: package.json's bin (dist/cli.cjs, which hands all but the quick commands on). */
export const cliPath = new URL(pkg.bin.badgateway, root).pathname;
/** The ES-module program's own entry (dist/cli.js): every command through commander. */
export const esmCliPath = new URL("dist/cli.js", root).pathname;

/** The environment of a CLI run: plain output (NO_COLOR, no inherited FORCE_COLOR) unless `env` asks otherwise. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _inherited, ...rest } = process.env;
  return { ...rest, NO_COLOR: "1", ...env };
}

/** Runs the built CLI (npm test builds first) with NO_COLOR and returns exit code and output. */
export function runCli(args: string[], input?: string, env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [cliPath, ...args], {
    input,
    encoding: "utf8",
    env: cliEnv(env),
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Like runCli but without blocking this process (servers started by the test keep answering). */
export function runCliAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliPath, ...args], { env: cliEnv(env) });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
