/**
 * A small unified-diff writer (pure). Lines are compared with Myers' O(ND) greedy algorithm, so the cost grows
 * with the size of the change, not of the file — the edits badgateway proposes touch a few lines of files that
 * may be thousands of lines long. Output follows `diff -u`: `--- a/PATH`, `+++ b/PATH`, hunks with three lines
 * of context, and `\ No newline at end of file` where a side does not end with a line end. A line's CR (CRLF
 * files) stays part of the line, so it is compared and written as it is.
 */

type Op = { kind: " " | "-" | "+"; text: string };

function splitLines(s: string): { lines: string[]; finalEol: boolean } {
  if (s === "") return { lines: [], finalEol: true };
  const parts = s.split("\n");
  const finalEol = s.endsWith("\n");
  if (finalEol) parts.pop();
  return { lines: parts, finalEol };
}

/** The edit script between two line arrays (Myers, forward greedy with the V arrays kept for backtracking). */
function script(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const nv = v;
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (nv[off + k - 1] as number) < (nv[off + k + 1] as number)))
        x = nv[off + k + 1] as number;
      else x = (nv[off + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      nv[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = nv;
  }
  // Walk back through the saved V arrays.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const tv = trace[d] as Int32Array;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && (tv[off + k - 1] as number) < (tv[off + k + 1] as number))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : (tv[off + prevK] as number);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY && x > 0 && y > 0) {
      ops.push({ kind: " ", text: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: "+", text: b[y - 1] as string });
      else ops.push({ kind: "-", text: a[x - 1] as string });
      x = prevX;
      y = prevY;
    }
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: " ", text: a[x - 1] as string });
    x--;
    y--;
  }
  return ops.reverse();
}

/**
 * A unified diff of two versions of one file, or "" when they are equal. `path` is written as `a/PATH` and
 * `b/PATH` (an absolute path keeps its leading slash after the prefix: `a//etc/nginx/x.conf` is avoided by
 * writing `a/etc/nginx/x.conf`), so `patch -p1` from `/` or from the configuration root applies it.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return "";
  const A = splitLines(before);
  const B = splitLines(after);
  // The last line differs when only one side ends with a line end: compare it with a marker.
  const a = [...A.lines];
  const b = [...B.lines];
  const NOEOL = "\u0000noeol";
  if (!A.finalEol && a.length) a[a.length - 1] += NOEOL;
  if (!B.finalEol && b.length) b[b.length - 1] += NOEOL;
  const ops = script(a, b);
  const name = path.replace(/^\/+/, "");
  const out: string[] = [`--- a/${name}`, `+++ b/${name}`];
  // Group the changes into hunks with `context` lines around them.
  const changed = ops.map((o) => o.kind !== " ");
  let i = 0;
  // Line numbers before each op.
  const aLine: number[] = [];
  const bLine: number[] = [];
  let la = 1;
  let lb = 1;
  for (const o of ops) {
    aLine.push(la);
    bLine.push(lb);
    if (o.kind !== "+") la++;
    if (o.kind !== "-") lb++;
  }
  while (i < ops.length) {
    if (!changed[i]) {
      i++;
      continue;
    }
    let start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2 × context unchanged lines.
    for (;;) {
      while (end < ops.length && changed[end]) end++;
      let j = end;
      while (j < ops.length && !changed[j] && j - end < 2 * context) j++;
      if (j < ops.length && changed[j] && j - end <= 2 * context) end = j;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    if (start < 0) start = 0;
    const slice = ops.slice(start, stop);
    const aCount = slice.filter((o) => o.kind !== "+").length;
    const bCount = slice.filter((o) => o.kind !== "-").length;
    const aStart = aCount === 0 ? (aLine[start] as number) - 1 : (aLine[start] as number);
    const bStart = bCount === 0 ? (bLine[start] as number) - 1 : (bLine[start] as number);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) {
      const noEol = o.text.endsWith(NOEOL);
      out.push(`${o.kind}${noEol ? o.text.slice(0, -NOEOL.length) : o.text}`);
      if (noEol) out.push("\\ No newline at end of file");
    }
    i = stop;
  }
  return `${out.join("\n")}\n`;
}

/**
 * Applies a unified diff made by `unifiedDiff` to `before` (used by the tests to check the diff says exactly
 * what changed). Throws when a hunk does not match.
 */
export function applyUnifiedDiff(before: string, diff: string): string {
  const A = splitLines(before);
  const src = A.lines;
  const out: string[] = [];
  let at = 0;
  let finalEol = A.finalEol;
  const lines = diff.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let i = 2;
  while (i < lines.length) {
    const h = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/.exec(lines[i] as string);
    if (!h) throw new Error(`not a hunk header: ${lines[i]}`);
    const aStart = Number(h[1]);
    const aCount = Number(h[2]);
    const from = aCount === 0 ? aStart : aStart - 1;
    while (at < from) out.push(src[at++] as string);
    i++;
    while (i < lines.length && !(lines[i] as string).startsWith("@@")) {
      const l = lines[i] as string;
      const kind = l[0];
      const text = l.slice(1);
      const noEolNext = lines[i + 1] === "\\ No newline at end of file";
      if (kind === " " || kind === "-") {
        if (src[at] !== text) throw new Error(`hunk does not match at line ${at + 1}`);
        at++;
        if (kind === " ") out.push(text);
      }
      if (kind === "+") out.push(text);
      if (noEolNext) {
        if (kind !== "-") finalEol = false;
        i++;
      } else if (kind !== "-" && at >= src.length) finalEol = true;
      i++;
    }
  }
  while (at < src.length) out.push(src[at++] as string);
  return out.length ? out.join("\n") + (finalEol ? "\n" : "") : "";
}
