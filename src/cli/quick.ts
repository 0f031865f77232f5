/**
 * Which argument lists the bin's quick path (src/cli/bin.ts) answers itself, without the program: `--version`,
 * help (only texts generated at build time from the real program), and `explain` of one line given as an
 * argument. Anything else, including every usage error, is left to the program (null), so messages and exit
 * codes have one source. Pure.
 */
import type { ColorMode } from "./color.js";

export type QuickCommand =
  | { kind: "version" }
  /** `name` is a command of the table, or "" for the program's own help. */
  | { kind: "help"; name: string }
  | { kind: "explain"; line: string; json: boolean; color: ColorMode };

const isColorMode = (v: string | undefined): v is ColorMode =>
  v === "auto" || v === "always" || v === "never";

/**
 * The quick command `args` (process.argv without node and the script) asks for, or null. `hasHelp` says whether
 * the bin carries the help text of a command (asked only when the arguments ask for one).
 */
export function quickCommand(
  args: readonly string[],
  hasHelp: (name: string) => boolean,
): QuickCommand | null {
  const [a, b] = args;
  if (args.length === 1 && (a === "--version" || a === "-V")) return { kind: "version" };
  if (args.length === 1 && (a === "--help" || a === "-h" || a === "help")) return { kind: "help", name: "" };
  if (args.length === 2 && a !== undefined && b !== undefined) {
    if (a === "help" && b !== "" && hasHelp(b)) return { kind: "help", name: b };
    if ((b === "--help" || b === "-h") && a !== "" && hasHelp(a)) return { kind: "help", name: a };
  }
  // explain with one line: `--color` once, anywhere (the program's global option), `--json` once after the
  // command word, and exactly one argument that is neither an option nor "-" (stdin).
  let color: ColorMode | null = null;
  let json = false;
  let line: string | null = null;
  let command = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as string;
    if (w === "--color" || w.startsWith("--color=")) {
      const v = w === "--color" ? args[++i] : w.slice("--color=".length);
      if (color !== null || !isColorMode(v)) return null;
      color = v;
    } else if (!command) {
      if (w !== "explain") return null;
      command = true;
    } else if (w === "--json") {
      if (json) return null;
      json = true;
    } else {
      if (line !== null || w.startsWith("-") || w.trim() === "") return null;
      line = w;
    }
  }
  return line === null ? null : { kind: "explain", line, json, color: color ?? "auto" };
}
