import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

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
