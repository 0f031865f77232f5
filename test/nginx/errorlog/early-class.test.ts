/**
 * earlyClass (src/nginx/errorlog/taxonomy.ts) answers before the classifier runs, for the messages its first rules
 * decide; the record decoder then shares one entry per class and detail without classifying. It must give what
 * classify gives, for every line, whatever text follows the decisive start (a path or a temp file that itself
 * says "upstream", "client prematurely closed connection" or "reconfiguring"), and nothing for other messages.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify, earlyClass } from "../../../src/nginx/errorlog/taxonomy.js";

const root = join(import.meta.dirname, "../../..");
const LEVELS = ["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"] as const;

/** classify's class and detail for the message on a line in nginx's layout (with or without request context). */
function classified(level: string, message: string, withContext: boolean) {
  const ctx = withContext
    ? ', client: 10.0.0.1, server: a.test, request: "GET / HTTP/1.1", upstream: "http://10.0.0.2:80/", host: "a.test"'
    : "";
  const line = parseErrorLine(`2026/11/24 10:00:00 [${level}] 7#7: *41 ${message}${ctx}`);
  if (!line) throw new Error(`not parsed: ${message}`);
  const c = classify(line);
  return { line, c: { class: c.class, detail: c.detail } };
}

const STARTS = [
  'open() "',
  'stat() "',
  'lstat() "',
  'opendir() "',
  'realpath() "',
  "an upstream response is buffered to a temporary file ",
  "upstream response is buffered ",
  "client sent ",
  "client closed keepalive ",
  "client prematurely closed ",
  "client timed out ",
  "invalid port in upstream ",
  "no port in upstream ",
  "connect() failed (111: Connection refused) while connecting to upstream",
  "upstream timed out (110: Connection timed out) while reading response header from upstream",
];
/** What nginx or a paste may put before the message (tidyMessage drops it). */
const LEADS = ["", "*", "- ", "'", '"', "… "];
const TAILS = [
  "/srv/upstream/a",
  " failed (2: No such file or directory)",
  " while connecting to upstream",
  " client prematurely closed connection",
  " while requesting certificate status, responder: ocsp.test",
  ", reconfiguring",
  "client read timed out",
  '"',
  "",
];

describe("earlyClass", () => {
  it("gives classify's class and detail, or nothing, for messages built from decisive starts and tricky tails", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LEVELS),
        fc.constantFrom(...LEADS),
        fc.constantFrom(...STARTS),
        fc.array(fc.constantFrom(...TAILS), { maxLength: 4 }),
        fc.boolean(),
        (level, lead, start, tails, withContext) => {
          const message = lead + start + tails.join("");
          const { line, c } = classified(level, message, withContext);
          const early = earlyClass(line.level, line.message);
          if (early !== null) expect(early).toEqual(c);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("decides missing files, temp files, the client's side and debug lines, and leaves upstream failures to classify", () => {
    const e = (level: string, m: string) => {
      const { line } = classified(level, m, true);
      return earlyClass(line.level, line.message);
    };
    expect(e("error", 'open() "/srv/upstream/x" failed (2: No such file or directory)')).toEqual({
      class: "not-upstream",
      detail: "local-file",
    });
    expect(
      e("warn", "an upstream response is buffered to a temporary file /t/1 while reading upstream"),
    ).toEqual({
      class: "not-upstream",
      detail: "buffered",
    });
    expect(e("debug", "connect() failed (111: Connection refused) while connecting to upstream")).toEqual({
      class: "not-upstream",
      detail: null,
    });
    expect(e("error", "connect() failed (111: Connection refused) while connecting to upstream")).toBeNull();
    expect(
      e("error", "upstream timed out (110: Connection timed out) while connecting to upstream"),
    ).toBeNull();
  });

  it("agrees with classify on every real published line it decides", () => {
    const rows = readFileSync(join(root, "test/fixtures/realworld/error-lines.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { line: string });
    let decided = 0;
    for (const { line: text } of rows) {
      const line = parseErrorLine(text);
      if (!line) continue;
      const early = earlyClass(line.level, line.message);
      if (early === null) continue;
      decided++;
      const c = classify(line);
      if (line.confFile === null) expect(early).toEqual({ class: c.class, detail: c.detail });
    }
    expect(decided).toBeGreaterThan(0);
  });
});
