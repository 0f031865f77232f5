/**
 * Configuration errors as `file:line: message` lines for stderr, each distinct message once: a message that
 * repeats (10,000 servers that each `include fastcgi_params` of a file that is not there) is one line with its
 * count and the first places it occurs, not 10,000 lines. Pure: returns the text.
 */
import { safeText } from "./terminal.js";

export interface ConfigErrorLike {
  file: string;
  line: number | null;
  /** The message alone, when known; else `error` is printed as it is. */
  message?: string;
  error: string;
}

/** Places listed for a repeated message. */
export const FIRST_PLACES = 3;

export function renderConfigErrors(errors: readonly ConfigErrorLike[]): string {
  const groups = new Map<string, { first: ConfigErrorLike; count: number; places: string[] }>();
  for (const e of errors) {
    const key = e.message ?? e.error;
    const place = `${e.file}:${e.line ?? "?"}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { first: e, count: 1, places: [place] });
    else {
      g.count++;
      if (g.places.length < FIRST_PLACES) g.places.push(place);
    }
  }
  let out = "";
  for (const [key, g] of groups) {
    const head = g.first.message !== undefined ? `${g.places[0]}: ${key}` : key;
    if (g.count === 1) out += `${safeText(head)}\n`;
    else {
      const more = g.count - g.places.length;
      out += `${safeText(head)} (${g.count} times: ${safeText(g.places.join(", "))}${more > 0 ? ` and ${more} more` : ""})\n`;
    }
  }
  return out;
}
