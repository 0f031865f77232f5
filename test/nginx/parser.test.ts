import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ConfNode, parseConfig } from "../../src/nginx/config/parser.js";
import { loadPayload } from "../../src/nginx/config/payload.js";

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

  it("keeps a final comment that has no newline after it (crossplane 0.5.7 loses it: documented difference)", () => {
    const r = p("worker_processes 1;\n# the end", true);
    expect(r.parsed.map((n) => [n.directive, n.line, n.comment])).toEqual([
      ["worker_processes", 1, undefined],
      ["#", 2, " the end"],
    ]);
  });
});

interface Gen {
  directive: string;
  args: string[];
  block?: Gen[];
}

/** Writes directives one per line (quoting arguments that need it) and returns the expected parse with lines. */
function render(nodes: Gen[], out: string[], depth = 0): unknown[] {
  const quote = (a: string) => (/^[A-Za-z0-9_$./:=-]+$/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`);
  return nodes.map((n) => {
    const pad = "  ".repeat(depth);
    const head = [n.directive, ...n.args.map(quote)].join(" ");
    const line = out.length + 1;
    if (!n.block) {
      out.push(`${pad}${head};`);
      return { directive: n.directive, line, args: n.args };
    }
    out.push(`${pad}${head} {`);
    const block = render(n.block, out, depth + 1);
    out.push(`${pad}}`);
    return { directive: n.directive, line, args: n.args, block };
  });
}

const strip = (nodes: ConfNode[]): unknown[] =>
  nodes.map((n) => ({
    directive: n.directive,
    line: n.line,
    args: n.args,
    ...(n.block ? { block: strip(n.block) } : {}),
  }));

describe("config parser properties", () => {
  const name = fc
    .stringMatching(/^[a-z][a-z0-9_]{0,12}$/)
    .filter((n) => n !== "if" && !n.endsWith("_by_lua_block"));
  const arg = fc.string({ maxLength: 12 }).filter((a) => !a.includes("\\") && !a.includes("\r"));
  const tree = fc.letrec<{ nodes: Gen[] }>((tie) => ({
    nodes: fc.array(
      fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({ directive: name, args: fc.array(arg, { maxLength: 4 }) }),
        fc.record({
          directive: name,
          args: fc.array(arg, { maxLength: 2 }),
          block: tie("nodes") as fc.Arbitrary<Gen[]>,
        }),
      ),
      { maxLength: 4 },
    ),
  })).nodes;

  it("parses what a writer of valid configurations writes back to the same tree and lines", () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const lines: string[] = [];
        const expected = render(nodes, lines);
        const r = p(lines.join("\n"));
        expect(r.errors).toEqual([]);
        expect(strip(r.parsed)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("loads random include graphs (cycles, self-includes, globs, missing files) without throwing", () => {
    const files = ["/c/a.conf", "/c/b.conf", "/c/sub/c.conf", "/c/sub/d.conf"];
    const target = fc.constantFrom(
      "a.conf",
      "b.conf",
      "sub/c.conf",
      "sub/d.conf",
      "sub/*.conf",
      "*.conf",
      "none.conf",
    );
    fc.assert(
      fc.property(fc.array(fc.array(target, { maxLength: 4 }), { minLength: 4, maxLength: 4 }), (incs) => {
        const texts = new Map(
          files.map((f, i) => [f, (incs[i] ?? []).map((t) => `include ${t};\n`).join("")]),
        );
        const source = {
          read: (f: string) => {
            const t = texts.get(f);
            return t === undefined ? { error: "2: No such file or directory" } : { text: t };
          },
          glob: (g: string) =>
            files.filter((f) =>
              g.endsWith("/*.conf")
                ? f.startsWith(g.slice(0, -6)) && !f.slice(g.length - 6).includes("/")
                : f === g,
            ),
        };
        const payload = loadPayload("/c/a.conf", source);
        const seen = payload.config.map((c) => c.file);
        expect(new Set(seen).size).toBe(seen.length);
        for (const c of payload.config)
          for (const n of c.parsed)
            for (const i of n.includes ?? []) expect(payload.config[i]?.file).toBeDefined();
        for (const e of payload.errors) expect(e.line).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
