/** The unified-diff writer: minimal hunks, `diff -u` layout, and a diff that applies back to the new text. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyUnifiedDiff, unifiedDiff } from "../../src/report/diff.js";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a.conf", "x\n", "x\n")).toBe("");
  });

  it("writes one hunk with three lines of context around a one-line change", () => {
    const before = lines(20);
    const after = before.replace("line 10\n", "line ten\n");
    expect(unifiedDiff("/etc/nginx/a.conf", before, after)).toBe(
      [
        "--- a/etc/nginx/a.conf",
        "+++ b/etc/nginx/a.conf",
        "@@ -7,7 +7,7 @@",
        " line 7",
        " line 8",
        " line 9",
        "-line 10",
        "+line ten",
        " line 11",
        " line 12",
        " line 13",
        "",
      ].join("\n"),
    );
  });

  it("writes an insertion as + lines only, and splits far-apart changes into hunks", () => {
    const before = lines(40);
    const after = before.replace("line 5\n", "line 5\nnew a\n").replace("line 35\n", "line 35\nnew b\n");
    const d = unifiedDiff("a.conf", before, after);
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(d).toContain("@@ -3,6 +3,7 @@");
    expect(d.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"))).toEqual([]);
    expect(applyUnifiedDiff(before, d)).toBe(after);
  });

  it("marks a missing final newline like diff -u", () => {
    const d = unifiedDiff("a.conf", "a\nb", "a\nc");
    expect(d).toContain("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
    expect(applyUnifiedDiff("a\nb", d)).toBe("a\nc");
  });

  it("applies back on random edits (property)", () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: rnd(30) }, () => `l${rnd(6)}`);
      const b = [...a];
      for (let e = rnd(5); e > 0; e--) {
        const at = rnd(b.length + 1);
        if (rnd(2) && b.length) b.splice(at, 1);
        else b.splice(at, 0, `n${rnd(6)}`);
      }
      const A = a.length ? `${a.join("\n")}\n` : "";
      const B = b.length ? `${b.join("\n")}\n` : "";
      const d = unifiedDiff("f", A, B);
      expect(applyUnifiedDiff(A, d)).toBe(B);
    }
  });

  it("is accepted by GNU patch when it is installed", () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-diff-"));
    const before = lines(30);
    const after = before.replace("line 3\n", "").replace("line 20\n", "line 20\r\nx\n");
    writeFileSync(join(dir, "f.conf"), before);
    const r = spawnSync("patch", ["-p1", "-s"], { cwd: dir, input: unifiedDiff("f.conf", before, after) });
    if (r.error) return; // no patch program here: the applyUnifiedDiff property above still holds
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, "f.conf"), "utf8")).toBe(after);
  });
});
