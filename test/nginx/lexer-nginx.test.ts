/**
 * The lexer's word boundaries, long parameters, unclosed quotes and deep nesting, each checked against what the
 * installed `nginx -t` says about the same text.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_DEPTH, parseConfig } from "../../src/nginx/config/parser.js";
import { nginxTest } from "../helpers/nginx-t.js";
import { systemDescribe } from "../helpers/system.js";

const p = (src: string, opts: { maxDepth?: number } = {}) => parseConfig(src, { file: "t.conf", ...opts });
const wrap = (body: string) => `events {}\nhttp {\n  server {\n    listen 127.0.0.1:1;\n${body}\n  }\n}\n`;

/** nginx's `[emerg]` line reduced to "MESSAGE:LINE". */
function emerg(output: string): string | null {
  const m = /\[emerg\] (.*) in <prefix>\/nginx\.conf:(\d+)/.exec(output);
  return m ? `${m[1]}:${m[2]}` : null;
}

describe("lexer: words end where nginx ends them", () => {
  it("keeps `}` inside a word and ends a word at `{` (unless right after `$`)", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx variables
    const r = p("a x}y ${v}w ${{z} b{c;\n");
    expect(r.errors.map((e) => e.message)).toEqual(['unexpected end of file, expecting "}"']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx variables
    expect(r.parsed[0]).toMatchObject({ directive: "a", args: ["x}y", "${v}w", "${{z}", "b"] });
    expect(r.parsed[0]?.block?.[0]).toMatchObject({ directive: "c", args: [] });
  });

  it("reads an unquoted regex with {n} as nginx does: the block opens at `{`, then the word `6}$`", () => {
    const r = p(wrap("    location ~ ^/id/[0-9]{6}$ {\n      return 200;\n    }"));
    const server = r.parsed[1]?.block?.[0];
    const loc = server?.block?.[1];
    expect(loc).toMatchObject({ directive: "location", args: ["~", "^/id/[0-9]"], line: 5 });
    expect(loc?.block?.[0]).toMatchObject({ directive: "6}$", args: [], line: 5 });
    expect(r.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '5: unknown directive "6}$" (the "{" after "^/id/[0-9]" opened the block: quote a regular expression that contains "{" or "}")',
      '10: unexpected end of file, expecting "}"',
    ]);
    expect(r.errors.some((e) => e.message.includes('unexpected "}"'))).toBe(false);
  });

  it("reads the quoted regex as one word", () => {
    const r = p(wrap('    location ~ "^/id/[0-9]{6}$" {\n      return 200;\n    }'));
    expect(r.errors).toEqual([]);
    expect(r.parsed[1]?.block?.[0]?.block?.[1]?.args).toEqual(["~", "^/id/[0-9]{6}$"]);
  });

  it("reports the line an unclosed quote opened on, next to nginx's end-of-file line", () => {
    const r = p('events {}\nhttp {\n  return 200 "abc;\n}\n\n\n');
    expect(r.errors).toEqual([
      {
        file: "t.conf",
        line: 7,
        message:
          'unexpected end of file, expecting ";" or "}" (the " quote opened on line 3 is never closed)',
      },
    ]);
  });

  it("gives up on a parameter of 4096 bytes or more, at the line it started, and reads no further", () => {
    const q = p(`a;\nb '${"x\n".repeat(3000)}';\nc;\n`);
    expect(q.errors).toEqual([
      {
        file: "t.conf",
        line: 2,
        message: `too long parameter, probably missing terminating "'" character`,
      },
    ]);
    expect(q.parsed.map((n) => n.directive)).toEqual(["a", "b"]);
    const w = p(`a;\n\nb ${"y".repeat(5000)};\nc;\n`);
    expect(w.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '3: too long parameter "yyyyyyyyyy..." started',
    ]);
    expect(p(`b ${"y".repeat(4095)};\n`).errors).toEqual([]);
  });

  it("reports a character glued to a closing quote like nginx", () => {
    expect(p('a "x"y;\n').errors.map((e) => e.message)).toEqual(['unexpected "y"']);
    expect(p('if ($a = "x") { }\n').errors).toEqual([]);
  });
});

describe("parser: deep nesting", () => {
  const nested = (n: number) => `${"a {\n".repeat(n)}b;\n${"}\n".repeat(n)}`;

  it("parses 3,000 nested blocks without recursion, stopping at the depth limit with one error", () => {
    const r = p(nested(3000));
    expect(r.errors).toEqual([
      expect.objectContaining({
        line: DEFAULT_MAX_DEPTH + 1,
        message: expect.stringContaining("nested more than 256 levels"),
      }),
    ]);
    let depth = 0;
    let nodes = r.parsed;
    while (nodes[0]?.block) {
      depth++;
      nodes = nodes[0].block;
    }
    expect(depth).toBe(DEFAULT_MAX_DEPTH);
  });

  it("handles 100,000 nested blocks (and unbalanced ones) in bounded time", () => {
    const t = Date.now();
    const r = p(nested(100_000));
    expect(r.errors).toHaveLength(1);
    const u = p("a {\n".repeat(100_000));
    expect(u.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("nested more than"),
      'unexpected end of file, expecting "}"',
    ]);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it("takes a higher limit when asked", () => {
    expect(p(nested(3000), { maxDepth: 5000 }).errors).toEqual([]);
  });
});

systemDescribe(["nginx"], "lexer agrees with the installed nginx -t", () => {
  it("`location ~ ^/id/[0-9]{6}$ {`: nginx reads the word `6}$` (not a stray `}`)", () => {
    const text = wrap("    location ~ ^/id/[0-9]{6}$ {\n      return 200;\n    }");
    expect(emerg(nginxTest(text).output)).toBe('unknown directive "6}$":5');
    // badgateway's first error is nginx's, with what to do about it.
    const first = p(text).errors[0];
    expect(`${first?.message.replace(/ \(the "\{" after .*/, "")}:${first?.line}`).toBe(
      'unknown directive "6}$":5',
    );
    const quoted = wrap('    location ~ "^/id/[0-9]{6}$" {\n      return 200;\n    }');
    expect(nginxTest(quoted).ok).toBe(true);
    // A `}` inside a word is part of it for nginx too.
    expect(nginxTest(wrap("    return 200 a}b;")).ok).toBe(true);
    expect(p(wrap("    return 200 a}b;")).errors).toEqual([]);
  });

  it("unclosed quote: same message and line as nginx, plus the line the quote opened on", () => {
    const text = 'events {}\nhttp {\n  server {\n    return 200 "abc;\n  }\n}\n\n\n';
    const r = p(text);
    expect(emerg(nginxTest(text).output)).toBe(
      `${r.errors[0]?.message.replace(/ \(the .*/, "")}:${r.errors[0]?.line}`,
    );
    expect(r.errors[0]?.message).toContain("opened on line 4");
  });

  it("too long parameters: same message and line as nginx", () => {
    for (const text of [
      `events {}\nhttp {\n  server {\n    return 200 "${"x\n".repeat(2500)}";\n  }\n}\n`,
      `events {}\nhttp {\n  server {\n    return 200 "abc;\n  }\n}\n${"# filler\n".repeat(600)}`,
      `events {}\nhttp {\n\n  return ${"y".repeat(5000)};\n}\n`,
    ]) {
      const r = p(text);
      expect(r.errors).toHaveLength(1);
      expect(emerg(nginxTest(text).output)).toBe(`${r.errors[0]?.message}:${r.errors[0]?.line}`);
    }
  });

  it("a form feed or vertical tab is part of a word for nginx, not whitespace", () => {
    const vt = "events {}\nhttp {\n  default_type\x0btext/plain;\n}\n";
    expect(emerg(nginxTest(vt).output)).toBe('unknown directive "default_type\x0btext/plain":3');
    expect(p(vt).parsed[1]?.block?.[0]).toMatchObject({ directive: "default_type\x0btext/plain", args: [] });
    const ff = "events {}\nhttp {\x0c}\n";
    const r = p(ff);
    expect(emerg(nginxTest(ff).output)).toBe(`${r.errors[0]?.message}:${r.errors[0]?.line}`);
  });

  it("a glued quote: same message and line as nginx", () => {
    const text = 'events {}\nhttp {\n  server {\n    return 200 "x"y;\n  }\n}\n';
    const r = p(text);
    expect(emerg(nginxTest(text).output)).toBe(`${r.errors[0]?.message}:${r.errors[0]?.line}`);
  });

  it("3,000 nested blocks are valid for nginx (the limit is badgateway's own)", () => {
    const text = `events {}\nhttp {\n  server {\n    listen 127.0.0.1:1;\n${"location /a {\n".repeat(3000)}return 200;\n${"}\n".repeat(3000)}  }\n}\n`;
    expect(nginxTest(text).ok).toBe(true);
    expect(p(text, { maxDepth: 4000 }).errors).toEqual([]);
  });
});
