/**
 * Text that came from outside (log lines, a client's Referer or User-Agent) made safe to print on an
 * operator's terminal: control characters could clear the screen, move the cursor, retitle the window or
 * hide text. Pure.
 */

/** C0 controls but tab, DEL, and the C1 controls U+0080–U+009F (what terminals act on). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const HAS_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/** Turns every C0/C1 control character except \t into a visible `\xNN` escape (ESC → `\x1b`). */
export function safeText(s: string): string {
  if (!HAS_CONTROL.test(s)) return s;
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
