/**
 * Text that came from outside (configuration values, paths, server names, upstream replies) is shown on an
 * operator's terminal: control characters in it must not reach the terminal raw, where an ESC sequence could
 * clear the screen, retitle the window or hide lines. Pure; renderers call it on each piece of such data.
 */

/**
 * `s` with every C0 control character except tab, DEL and every C1 control character written as a visible
 * `\xNN` escape (ESC becomes `\x1b`, a newline `\x0a`). Everything else is kept as it is.
 */
export function safeText(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f)) {
      out += `${s.slice(from, i)}\\x${c.toString(16).padStart(2, "0")}`;
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}
