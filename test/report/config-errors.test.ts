import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderConfigErrors } from "../../src/report/config-errors.js";
import { runCli } from "../helpers/cli.js";

const missing = 'open() "fastcgi_params" failed (2: No such file or directory)';

describe("renderConfigErrors", () => {
  it("prints a message seen once as file:line: message", () => {
    expect(
      renderConfigErrors([{ file: "a.conf", line: 3, message: "boom", error: "boom in a.conf:3" }]),
    ).toBe("a.conf:3: boom\n");
  });

  it("prints a repeated message once, with its count, the first three places and how many more", () => {
    const errors = Array.from({ length: 10_000 }, (_, i) => ({
      file: `site${i}.conf`,
      line: i + 1,
      message: missing,
      error: `${missing} in site${i}.conf:${i + 1}`,
    }));
    errors.splice(5, 0, { file: "x.conf", line: 9, message: "other", error: "other in x.conf:9" });
    expect(renderConfigErrors(errors)).toBe(
      `site0.conf:1: ${missing} (10000 times: site0.conf:1, site1.conf:2, site2.conf:3 and 9997 more)\nx.conf:9: other\n`,
    );
    const two = renderConfigErrors(errors.slice(0, 2));
    expect(two).toBe(`site0.conf:1: ${missing} (2 times: site0.conf:1, site1.conf:2)\n`);
  });

  it("keeps errors without a separate message as they are, and shows control characters escaped", () => {
    expect(renderConfigErrors([{ file: "f", line: null, error: "cannot read f" }])).toBe("cannot read f\n");
    expect(renderConfigErrors([{ file: "f", line: 1, message: "bad \x1b[31m", error: "" }])).toBe(
      "f:1: bad \\x1b[31m\n",
    );
  });
});

describe("config parse on stderr", () => {
  const dir = mkdtempSync(join(tmpdir(), "bg-conferr-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a missing include in 2000 servers is one line on stderr, the JSON still lists every error", () => {
    const conf = join(dir, "nginx.conf");
    const servers = Array.from(
      { length: 2000 },
      () => "server { location / { include fastcgi_params; fastcgi_pass unix:/run/php.sock; } }",
    );
    writeFileSync(conf, `events {}\nhttp {\n${servers.join("\n")}\n}\n`);
    const r = runCli(["config", "parse", conf, "--json"]);
    expect(r.code).toBe(2);
    const why = missing.replace('"fastcgi_params"', `"${join(dir, "fastcgi_params")}"`);
    expect(r.stderr.trim().split("\n")).toEqual([
      `${conf}:3: ${why} (2000 times: ${conf}:3, ${conf}:4, ${conf}:5 and 1997 more)`,
    ]);
    expect(JSON.parse(r.stdout).errors).toHaveLength(2000);
  });
});
