import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CrossplaneJsonWriter,
  globSegmentMatcher,
  loadPayload,
  nginxTSource,
  payloadFromNginxT,
  splitNginxT,
  toCrossplaneJson,
  writeCrossplaneJson,
} from "../../src/nginx/config/payload.js";

/** What nginx -T prints (src/core/nginx.c): marker line, the file's bytes, one more newline. */
const dump = (files: Array<[string, string]>, lf = "\n") =>
  files.map(([path, text]) => `# configuration file ${path}:${lf}${text}${lf}`).join("");

describe("splitNginxT", () => {
  it("gives back every file's exact text, with or without a final newline", () => {
    const files: Array<[string, string]> = [
      ["/etc/nginx/nginx.conf", "events {}\nhttp { include conf.d/*.conf; }\n"],
      ["/etc/nginx/conf.d/a.conf", "server { listen 80; }"],
      ["/etc/nginx/conf.d/empty.conf", ""],
      ["/etc/nginx/conf.d/b.conf", "\n\nserver { listen 81; }\n\n"],
    ];
    expect([...splitNginxT(dump(files))]).toEqual(files);
  });

  it("ignores what comes before the first marker and marker-like comments without the colon", () => {
    const text = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n${dump([
      ["/etc/nginx/nginx.conf", "# configuration file written by hand\nworker_processes 1;\n"],
    ])}`;
    const files = splitNginxT(text);
    expect([...files.keys()]).toEqual(["/etc/nginx/nginx.conf"]);
    expect(files.get("/etc/nginx/nginx.conf")).toBe(
      "# configuration file written by hand\nworker_processes 1;\n",
    );
  });

  it("handles the CRLF line feeds of Windows builds", () => {
    const files: Array<[string, string]> = [
      ["C:/nginx/conf/nginx.conf", "events {}\r\n"],
      ["C:/nginx/conf/x.conf", "a 1;"],
    ];
    expect([...splitNginxT(dump(files, "\r\n"))]).toEqual(files);
  });

  it("round-trips arbitrary file texts that hold no marker line", () => {
    const body = fc.string({ maxLength: 80 }).filter((s) => !s.includes("# configuration file "));
    const path = fc.stringMatching(/^\/[a-z]{1,8}(\/[a-z]{1,8}){0,2}\.conf$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(path, body), { selector: (t) => t[0], maxLength: 5 }), (files) => {
        expect([...splitNginxT(dump(files))]).toEqual(files);
      }),
      { numRuns: 200 },
    );
  });
});

describe("payload from nginx -T", () => {
  it("resolves includes (globs sorted, relative to the main file) against the dumped files only", () => {
    const p = payloadFromNginxT(
      dump([
        ["/etc/nginx/nginx.conf", "http {\n  include sites/*.conf;\n  include missing.conf;\n}\n"],
        ["/etc/nginx/sites/b.conf", "server { listen 2; }\n"],
        ["/etc/nginx/sites/a.conf", "server { listen 1; }\n"],
        ["/etc/nginx/sites/.hidden.conf", "server { listen 3; }\n"],
      ]),
    );
    expect(p.config.map((c) => c.file)).toEqual([
      "/etc/nginx/nginx.conf",
      "/etc/nginx/sites/a.conf",
      "/etc/nginx/sites/b.conf",
    ]);
    expect(p.config[0]?.parsed[0]?.block?.[0]?.includes).toEqual([1, 2]);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ file: "/etc/nginx/nginx.conf", line: 3 });
    expect(p.errors[0]?.error).toContain('open() "/etc/nginx/missing.conf" failed');
  });
});

describe("toCrossplaneJson", () => {
  const source = nginxTSource(
    new Map([
      ["/c/main.conf", "# top\nhttp { # open\n  include inc.conf;\n}\n"],
      ["/c/inc.conf", "server {}\n"],
    ]),
  );

  it("prints crossplane's keys in crossplane's order", () => {
    const json = JSON.stringify(toCrossplaneJson(loadPayload("/c/main.conf", source, { comments: true })));
    expect(json).toBe(
      JSON.stringify({
        status: "ok",
        errors: [],
        config: [
          {
            file: "/c/main.conf",
            status: "ok",
            errors: [],
            parsed: [
              { directive: "#", line: 1, args: [], comment: " top" },
              {
                directive: "http",
                line: 2,
                args: [],
                block: [
                  { directive: "#", line: 2, args: [], comment: " open" },
                  { directive: "include", line: 3, args: ["inc.conf"], includes: [1] },
                ],
              },
            ],
          },
          {
            file: "/c/inc.conf",
            status: "ok",
            errors: [],
            parsed: [{ directive: "server", line: 1, args: [], block: [] }],
          },
        ],
      }),
    );
  });

  it("drops comment entries when asked", () => {
    const j = toCrossplaneJson(loadPayload("/c/main.conf", source, { comments: true }), { comments: false });
    expect(JSON.stringify(j)).not.toContain('"#"');
  });
});

describe("glob segments", () => {
  it("match like glob(3): *, ?, classes with ! negation, hidden names only with a leading dot", () => {
    const m = (pat: string, name: string) => globSegmentMatcher(pat)(name);
    expect(m("*.conf", "a.conf")).toBe(true);
    expect(m("*.conf", ".a.conf")).toBe(false);
    expect(m(".*.conf", ".a.conf")).toBe(true);
    expect(m("site?.conf", "site1.conf")).toBe(true);
    expect(m("site?.conf", "site10.conf")).toBe(false);
    expect(m("[0-4]*", "3x")).toBe(true);
    expect(m("[!0-4]*", "3x")).toBe(false);
    expect(m("[!0-4]*", "7x")).toBe(true);
    expect(m("a+b(c).conf", "a+b(c).conf")).toBe(true);
  });
});

describe("include cycles", () => {
  const load = (files: Record<string, string>) =>
    loadPayload("/c/main.conf", {
      read: (p) =>
        files[p] === undefined ? { error: "2: No such file or directory" } : { text: files[p] as string },
      glob: () => [],
    });

  it("reports each cycle once, at the include that closes it, with the chain", () => {
    const p = load({
      "/c/main.conf": "include a.conf;\ninclude b.conf;\n",
      "/c/a.conf": "x;\ninclude b.conf;\n",
      "/c/b.conf": "include c.conf;\n",
      "/c/c.conf": "\n\ninclude a.conf;\n",
    });
    expect(p.errors.map((e) => `${e.file}:${e.line}: ${e.message}`)).toEqual([
      '/c/c.conf:3: include cycle: "/c/a.conf" includes itself (/c/a.conf:2 -> /c/b.conf:1 -> /c/c.conf:3 -> /c/a.conf); nginx reads it again and again until open() fails with "24: Too many open files" or it crashes',
    ]);
  });

  it("a file included twice without a cycle (a diamond) is not a cycle", () => {
    const p = load({
      "/c/main.conf": "include a.conf;\ninclude b.conf;\n",
      "/c/a.conf": "include common.conf;\n",
      "/c/b.conf": "include common.conf;\n",
      "/c/common.conf": "x;\n",
    });
    expect(p.errors).toEqual([]);
    expect(p.status).toBe("ok");
  });

  it("a file including itself, and the main file included again", () => {
    const p = load({ "/c/main.conf": "include main.conf;\n" });
    expect(p.errors.map((e) => e.line)).toEqual([1]);
    expect(p.errors[0]?.message).toContain('"/c/main.conf" includes itself (/c/main.conf:1 -> /c/main.conf)');
  });

  it("a long include chain stops at the nesting limit instead of recursing", () => {
    const files: Record<string, string> = { "/c/main.conf": "include f0.conf;\n" };
    for (let i = 0; i < 2000; i++) files[`/c/f${i}.conf`] = `include f${i + 1}.conf;\n`;
    files["/c/f2000.conf"] = "x;\n";
    const p = load(files);
    expect(p.errors.map((e) => e.message)).toEqual([expect.stringContaining("nested more than 256 levels")]);
    expect(p.config.length).toBe(257);
  });
});

/** The pieces a writer emitted, as one string. */
const joined = (pieces: Uint8Array[]) => Buffer.concat(pieces).toString("utf8");

describe("writeCrossplaneJson", () => {
  const collect = (p: Parameters<typeof writeCrossplaneJson>[0], comments?: boolean) => {
    const pieces: Uint8Array[] = [];
    writeCrossplaneJson(p, (s) => pieces.push(s), comments === undefined ? {} : { comments });
    return pieces;
  };
  const files: Record<string, string> = {
    "/etc/nginx/nginx.conf":
      '# top\nevents {}\nhttp {\n  include conf.d/*.conf;\n  log_format x \'"$a" \\\\ \\t\';\n  server { listen 80; # why\n location / { return 200 "h\\"i"; } }\n}\n',
    "/etc/nginx/conf.d/a.conf": "server { server_name é.example ☃; location ~ ^/(a|b)$ { } }\n",
    "/etc/nginx/conf.d/b.conf": "broken {\n",
  };
  const source = {
    read: (p: string) => (p in files ? { text: files[p] as string } : { error: "No such file" }),
    glob: (pattern: string) =>
      Object.keys(files)
        .filter((f) => f.startsWith(pattern.slice(0, pattern.indexOf("*"))))
        .sort(),
  };

  it("writes the same bytes as JSON.stringify(toCrossplaneJson(…)), with and without comments", () => {
    for (const comments of [true, false]) {
      const p = loadPayload("/etc/nginx/nginx.conf", source, { comments });
      for (const c of [undefined, true, false]) {
        const want = JSON.stringify(toCrossplaneJson(p, c === undefined ? {} : { comments: c }));
        expect(joined(collect(p, c))).toBe(want);
      }
    }
  });

  it("gives large outputs in pieces of about 64 KiB", () => {
    const big = Array.from({ length: 3000 }, (_, i) => `server { listen ${i}; server_name s${i}.example; }`);
    const p = loadPayload("/big.conf", {
      read: () => ({ text: `http {\n${big.join("\n")}\n}\n` }),
      glob: () => [],
    });
    const pieces = collect(p);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeLessThanOrEqual(65_536);
    expect(joined(pieces)).toBe(JSON.stringify(toCrossplaneJson(p)));
  });

  it("escapes every argument as JSON.stringify does (quotes, backslashes, control characters, lone surrogates)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        (args) => {
          const node = { directive: "x", line: 1, args, file: "f" };
          const p = {
            status: "ok" as const,
            errors: [],
            config: [{ file: 'f"\\', status: "ok" as const, errors: [], parsed: [node] }],
          };
          expect(joined(collect(p))).toBe(JSON.stringify(toCrossplaneJson(p)));
        },
      ),
    );
  });
});

describe("CrossplaneJsonWriter with blocks written as they close", () => {
  const texts = [
    "events {}\nhttp {\n  server { listen 80; location / { if ($a) { return 403; } } }\n  server { # c\n listen 81; }\n}\n",
    "http { server { listen 1; } }\n}\nstray;\n", // an unexpected "}"
    "http { server { listen 1; location / {\n", // blocks still open at the end
    'a "b\\"c" \'d\';\nblock { inner { x; } y { } }\n',
  ];
  it.each(texts.flatMap((t) => [true, false].map((c) => [t, c] as const)))(
    "the same bytes as toCrossplaneJson + JSON.stringify (%#)",
    (text, comments) => {
      const source = { read: () => ({ text }), glob: () => [] };
      const want = JSON.stringify(
        toCrossplaneJson(loadPayload("/a.conf", source, { comments, singleFile: true })),
      );
      const writer = new CrossplaneJsonWriter();
      const p = loadPayload("/a.conf", source, {
        comments,
        singleFile: true,
        onBlockClosed: writer.blockClosed,
        onDirective: writer.directive,
      });
      const pieces: Uint8Array[] = [];
      writer.write(p, (s) => pieces.push(s));
      expect(joined(pieces)).toBe(want);
    },
  );

  it("lets the nodes of a closed block go (the block is left empty)", () => {
    const writer = new CrossplaneJsonWriter();
    const source = { read: () => ({ text: "http { server { listen 1; } }\n" }), glob: () => [] };
    const p = loadPayload("/a.conf", source, {
      singleFile: true,
      onBlockClosed: writer.blockClosed,
      onDirective: writer.directive,
    });
    expect(p.config[0]?.parsed[0]?.block).toEqual([]);
  });

  it("with includes followed: the same bytes, include indices and error order as without it", () => {
    const files: Record<string, string> = {
      "/etc/nginx/nginx.conf":
        "events {}\nhttp {\n  include conf.d/*.conf;\n  server { include snippets/missing.conf; location / { include inner.conf; } }\n  include conf.d/a.conf;\n  broken }\n}\n",
      "/etc/nginx/conf.d/a.conf": "server { listen 1; include /etc/nginx/inner.conf; }\n",
      "/etc/nginx/conf.d/b.conf": "server { listen 2; }\nstray }\n",
      "/etc/nginx/inner.conf": "location /x { return 204; }\ninclude /etc/nginx/nginx.conf;\n",
    };
    const source = {
      read: (p: string) =>
        p in files ? { text: files[p] as string } : { error: "2: No such file or directory" },
      glob: (pattern: string) =>
        Object.keys(files)
          .filter((f) => f.startsWith(pattern.slice(0, pattern.indexOf("*"))))
          .sort(),
    };
    for (const maxDepth of [256, 3]) {
      const want = JSON.stringify(
        toCrossplaneJson(loadPayload("/etc/nginx/nginx.conf", source, { maxDepth })),
      );
      const writer = new CrossplaneJsonWriter();
      const p = loadPayload("/etc/nginx/nginx.conf", source, {
        maxDepth,
        onBlockClosed: writer.blockClosed,
        onDirective: writer.directive,
      });
      const pieces: Uint8Array[] = [];
      writer.write(p, (s) => pieces.push(s));
      expect(joined(pieces)).toBe(want);
      expect(want).toContain('"includes":[1,2]');
      expect(want).toContain(maxDepth === 3 ? "nested more than 3 levels" : "include cycle");
    }
  });
});

describe("CrossplaneJsonWriter reporting while parsing, without a tree", () => {
  // Token soup: directives, quoted words with escapes and non-ASCII, comments between arguments and before a
  // block, stray and missing braces, `if (…)`, semicolons in the wrong places, blocks left open at the end.
  const token = fc.constantFrom(
    "a",
    "server",
    "location",
    "if",
    "($x",
    "~",
    "=",
    "b)",
    '"q\\"uo té"',
    "'s ☃ 𝄞'",
    "x\\;y",
    `\${v}`,
    "{",
    "}",
    ";",
    "# note\n",
    "\n",
    " ",
    "include",
    "inc.conf",
  );
  const text = fc.array(token, { maxLength: 60 }).map((t) => t.join(" "));
  const files = (main: string): Record<string, string> => ({
    "/c/nginx.conf": main,
    "/c/inc.conf": "z { y 1; # c\n }\n",
  });
  const sourceOf = (f: Record<string, string>) => ({
    read: (p: string) => (p in f ? { text: f[p] as string } : { error: "2: No such file or directory" }),
    glob: () => [],
  });

  it("gives the bytes of JSON.stringify(toCrossplaneJson(…)) on any text, includes followed or not", () => {
    fc.assert(
      fc.property(
        text,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(256, 2),
        (main, comments, singleFile, maxDepth) => {
          const source = sourceOf(files(main));
          const opts = { comments, singleFile, maxDepth };
          const want = JSON.stringify(toCrossplaneJson(loadPayload("/c/nginx.conf", source, opts)));
          const writer = new CrossplaneJsonWriter();
          const p = loadPayload("/c/nginx.conf", source, {
            ...opts,
            onDirective: writer.directive,
            onBlockClosed: writer.blockClosed,
            tree: false,
          });
          const pieces: Uint8Array[] = [];
          writer.write(p, (piece) => pieces.push(piece));
          expect(joined(pieces)).toBe(want);
        },
      ),
      { numRuns: 400 },
    );
  });
});
