import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath, runCli } from "../helpers/cli.js";

describe("badgateway config parse", () => {
  it("prints crossplane-shaped JSON from stdin", () => {
    const r = runCli(["config", "parse", "-", "--json"], "events {}\nhttp { include x.conf; }\n");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe("ok");
    expect(j.config[0].parsed[1]).toEqual({
      directive: "http",
      line: 2,
      args: [],
      block: [{ directive: "include", line: 2, args: ["x.conf"] }],
    });
  });

  it("exits 2 with file:line errors on a syntax error", () => {
    const r = runCli(["config", "parse", "-"], "http {\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(stdin):2: unexpected end of file, expecting "}"');
  });
});

describe("config parse output", () => {
  it("a reader that goes away (| head) ends it quietly with exit 0; a full disk is exit 2 with the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-cfgout-"));
    try {
      const conf = join(dir, "big.conf");
      const servers = Array.from(
        { length: 5000 },
        (_, i) => `server { listen ${i}; server_name s${i}.test; }`,
      );
      writeFileSync(conf, `http {\n${servers.join("\n")}\n}\n`);
      const r = spawnSync(
        "bash",
        [
          "-c",
          `"${process.execPath}" "${cliPath}" config parse --single-file "${conf}" | head -c 20; echo " exit=\${PIPESTATUS[0]}"`,
        ],
        { encoding: "utf8" },
      );
      expect(r.stdout).toBe('{"status":"ok","erro exit=0\n');
      expect(r.stderr).toBe("");
      if (existsSync("/dev/full")) {
        const full = spawnSync(
          "bash",
          ["-c", `"${process.execPath}" "${cliPath}" config parse --single-file "${conf}" > /dev/full`],
          {
            encoding: "utf8",
          },
        );
        expect(full.status).toBe(2);
        expect(full.stderr).toBe(
          "badgateway: cannot write the output: no space left on the device (ENOSPC)\n",
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
