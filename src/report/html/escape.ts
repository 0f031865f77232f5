/**
 * Escaping for the HTML report. Everything shown in the report comes from logs, configuration and probes,
 * which an attacker can write into (a request line, a Host header, a server_name): every value goes through
 * `esc` (text and attribute values alike), and data embedded for the page's script goes through `scriptJson`.
 * Pure.
 */
import { createHash } from "node:crypto";

const ENTITY: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Text or a double- or single-quoted attribute value: & < > " ' ` become entities, and control characters
 * (other than tab, newline) are shown as `\xNN` like the terminal report does, so they cannot hide text.
 */
export function esc(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const c = s.charCodeAt(i);
    let rep: string | undefined = ENTITY[ch];
    if (rep === undefined && ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f)))
      rep = `\\x${c.toString(16).padStart(2, "0")}`;
    if (rep !== undefined) {
      out += s.slice(from, i) + rep;
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` are written as \u escapes (so
 * no `</script>` or `<!--` can end or change the element) and so are U+2028/U+2029. JSON.parse reads it back
 * unchanged.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => {
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** The CSP source expression for an inline element's exact text: 'sha256-BASE64'. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}
