/**
 * The byte-preserving writer: every configuration of the parser's real-config corpus (the crossplane corpus and
 * the other fixture configurations) round-trips byte for byte, also when every directive's arguments are set
 * again; each recorded span holds exactly the directive nginx reads there; and golden edits keep comments,
 * indentation, quoting and CRLF line ends.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/nginx/config/parser.js";
import { EditableConfig, renderArg } from "../../src/nginx/config/writer.js";

const fixtures = join(import.meta.dirname, "../fixtures");
function confFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) confFiles(p, out);
    else if (n.endsWith(".conf") || (n.includes(".conf") === false && /nginx|mime|params|\.inc$/.test(n)))
      out.push(p);
  }
  return out;
}
const corpus = [...confFiles(join(fixtures, "configs")), ...confFiles(join(fixtures, "causes"))];

describe("writer round trip over the corpus", () => {
  it("covers the corpus (the CRLF configuration among them)", () => {
    expect(corpus.length).toBeGreaterThan(60);
    expect(corpus.some((f) => readFileSync(f, "latin1").includes("\r\n"))).toBe(true);
  });
  for (const file of corpus) {
    const name = file.slice(fixtures.length + 1);
    it(`${name}: unchanged, and unchanged after setting every directive's own arguments`, () => {
      const text = readFileSync(file, "utf8");
      const ed = new EditableConfig(file, text);
      expect(ed.text()).toBe(text);
      for (const n of ed.all()) if (n.directive !== "if") ed.setArgs(n, [...n.args]);
      expect(ed.changed).toBe(false);
      expect(ed.text()).toBe(text);
    });
    it(`${name}: every span holds the directive nginx reads there`, () => {
      const text = readFileSync(file, "utf8");
      const ed = new EditableConfig(file, text);
      for (const n of ed.all()) {
        const sp = n.span;
        if (!sp || n.directive === "#") continue;
        expect(text.slice(sp.start, sp.nameEnd).replace(/^["']|["']$/g, "")).toBe(n.directive);
        if (n.block || n.directive === "if" || n.directive.endsWith("_by_lua_block")) continue;
        // The directive's own bytes, parsed alone, give the same directive.
        const alone = parseConfig(text.slice(sp.start, sp.end), { file: "x" }).parsed[0];
        expect(alone?.directive).toBe(n.directive);
        expect(alone?.args).toEqual(n.args);
      }
    });
  }
});

const get = (ed: EditableConfig, name: string, nth = 0) => {
  const n = ed.all().filter((x) => x.directive === name)[nth];
  if (!n) throw new Error(`no ${name}`);
  return n;
};

describe("writer edits (golden)", () => {
  const conf = [
    "# top comment",
    "http {",
    "\tupstream app {",
    "\t\tserver 127.0.0.1:3000   max_fails=3; # primary",
    "\t}",
    "\tserver {",
    "\t\tlisten 8080;",
    '\t\tlocation /api/ { proxy_pass "http://app/"; }',
    "\t\tlocation /empty {",
    "\t\t}",
    "\t}",
    "}",
    "",
  ].join("\n");

  it("setArgs replaces only the changed argument and keeps the others' spacing and comments", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.setArgs(get(ed, "server"), ["127.0.0.1:3001", "max_fails=3"]);
    expect(ed.text()).toBe(
      conf.replace("127.0.0.1:3000   max_fails=3; # primary", "127.0.0.1:3001   max_fails=3; # primary"),
    );
  });

  it("setArgs on a quoted argument writes the new value bare when nginx reads it the same", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.setArgs(get(ed, "proxy_pass"), ["http://app"]);
    expect(ed.text()).toBe(conf.replace('proxy_pass "http://app/";', "proxy_pass http://app;"));
  });

  it("adds and drops arguments", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.setArgs(get(ed, "server"), ["127.0.0.1:3000", "max_fails=3", "fail_timeout=10s"]);
    ed.setArgs(get(ed, "listen"), ["8080", "default server"]);
    expect(ed.text()).toBe(
      conf
        .replace("max_fails=3; # primary", "max_fails=3 fail_timeout=10s; # primary")
        .replace("listen 8080;", 'listen 8080 "default server";'),
    );
  });

  it("inserts after the last directive of a block with its tab indentation", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.insertInBlock(get(ed, "upstream"), { name: "keepalive", args: ["16"] });
    expect(ed.text()).toBe(conf.replace("# primary\n", "# primary\n\t\tkeepalive 16;\n"));
  });

  it("inserts into a one-line block on its line, and into an empty block one step deeper", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.insertInBlock(get(ed, "location", 0), { name: "proxy_read_timeout", args: ["60s"] });
    ed.insertInBlock(get(ed, "location", 1), { name: "return", args: ["204"] });
    expect(ed.text()).toBe(
      conf
        .replace('proxy_pass "http://app/"; }', 'proxy_pass "http://app/"; proxy_read_timeout 60s; }')
        .replace("location /empty {\n\t\t}", "location /empty {\n\t\t\treturn 204;\n\t\t}"),
    );
  });

  it("removes a directive with its line, keeping the rest", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.remove(get(ed, "listen"));
    expect(ed.text()).toBe(conf.replace("\t\tlisten 8080;\n", ""));
  });

  it("keeps CRLF line ends and uses them for new lines", () => {
    const crlf = "events {\r\n    worker_connections 64;  # small\r\n}\r\n";
    const ed = new EditableConfig("c.conf", crlf);
    expect(ed.eol).toBe("\r\n");
    const wc = get(ed, "worker_connections");
    ed.setArgs(wc, ["1024"]);
    ed.insertAfter(wc, { name: "multi_accept", args: ["on"] });
    expect(ed.text()).toBe(
      "events {\r\n    worker_connections 1024;  # small\r\n    multi_accept on;\r\n}\r\n",
    );
  });

  it("spans after CRLF lines point at the original bytes", () => {
    const crlf = "a 1;\r\n\r\nb  'x y';\r\nc {\r\n}\r\n";
    const ed = new EditableConfig("c.conf", crlf);
    const b = get(ed, "b");
    expect(crlf.slice(b.span?.start, b.span?.end)).toBe("b  'x y';");
    const c = get(ed, "c");
    expect(crlf[c.span?.close ?? -1]).toBe("}");
  });

  it("inserts at the top level of a file without a final newline", () => {
    const ed = new EditableConfig("m.conf", "worker_processes 1;");
    ed.insertAfter(get(ed, "worker_processes"), { name: "worker_rlimit_nofile", args: ["4096"] });
    expect(ed.text()).toBe("worker_processes 1;\nworker_rlimit_nofile 4096;");
  });

  it("refuses overlapping edits", () => {
    const ed = new EditableConfig("n.conf", conf);
    ed.setArgs(get(ed, "listen"), ["81"]);
    expect(() => ed.remove(get(ed, "listen"))).toThrow(/overlapping/);
  });

  it("quotes arguments nginx would otherwise split or misread", () => {
    expect(renderArg("")).toBe('""');
    expect(renderArg("a b")).toBe('"a b"');
    expect(renderArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(renderArg("$document_root$fastcgi_script_name")).toBe("$document_root$fastcgi_script_name");
    expect(renderArg("a;b")).toBe('"a;b"');
    const ed = new EditableConfig("q.conf", "x 1;\n");
    ed.setArgs(get(ed, "x"), ['say "hi"', "a;b", ""]);
    const again = parseConfig(ed.text(), { file: "q" }).parsed[0];
    expect(again?.args).toEqual(['say "hi"', "a;b", ""]);
  });
});
