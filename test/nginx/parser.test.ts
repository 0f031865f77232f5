import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/nginx/config/parser.js";

const p = (src: string, comments = false) => parseConfig(src, { file: "t.conf", comments });

describe("config parser", () => {
  it("parses blocks, quotes, escapes, variables and if conditions with line numbers", () => {
    const r = p(
      'http {\r\n  server {\n    if ($http_x = "a\\"b") { return 403; }\n    set ${x}y \'q w\';\n  }\n}\nuser nobody',
    );
    expect(r.errors).toEqual([
      { file: "t.conf", line: 7, message: 'unexpected end of file, expecting ";" or "}"' },
    ]);
    const server = r.parsed[0]?.block?.[0];
    expect(server?.line).toBe(2);
    expect(server?.block?.[0]).toMatchObject({ directive: "if", line: 3, args: ["$http_x", "=", 'a"b'] });
    expect(server?.block?.[1]).toMatchObject({ directive: "set", line: 4, args: ["${x}y", "q w"] });
    expect(r.parsed[1]).toMatchObject({ directive: "user", line: 7, args: ["nobody"] });
  });

  it("keeps comments with line numbers when asked", () => {
    const r = p("# top\nworker_processes 1; # trailing\n", true);
    expect(r.parsed.map((n) => [n.directive, n.line, n.comment ?? n.args[0]])).toEqual([
      ["#", 1, " top"],
      ["worker_processes", 2, "1"],
      ["#", 2, " trailing"],
    ]);
  });

  it("reads *_by_lua_block bodies raw", () => {
    const r = p('content_by_lua_block {\n  ngx.say("}") -- }\n  if x then end\n}\nfoo;\n');
    expect(r.errors).toEqual([]);
    expect(r.parsed[0]?.args).toEqual(['\n  ngx.say("}") -- }\n  if x then end\n']);
    expect(r.parsed[1]).toMatchObject({ directive: "foo", line: 5 });
  });

  it("reports unbalanced braces like nginx -t and continues", () => {
    const r = p("a;\n}\nb { c 1 }\nd {\n");
    expect(r.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '2: unexpected "}"',
      '3: unexpected "}"',
      '5: unexpected end of file, expecting "}"', // nginx counts the final newline,
    ]);
    expect(r.parsed.map((n) => n.directive)).toEqual(["a", "b", "d"]);
  });

  it("never throws on random input; every error has a line number", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const r = p(s, true);
        for (const e of r.errors) expect(typeof e.line).toBe("number");
      }),
      { numRuns: 300 },
    );
    const tok = fc.constantFrom(
      "a",
      "b",
      "{",
      "}",
      ";",
      '"',
      "'",
      "#c\n",
      "\n",
      " ",
      "\\",
      "${",
      "content_by_lua_block",
    );
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 60 }), (ts) => {
        const r = p(ts.join(""), true);
        for (const e of r.errors) expect(e.line).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
