/**
 * The one colour decision of the CLI. In order: `--color=always|never` on the command line; `FORCE_COLOR`
 * (`0` turns colour off, any other value on); `NO_COLOR` (any non-empty value turns it off); otherwise colour
 * only when the output is a terminal. Renderers get the answer as a boolean and never look at the environment.
 */
import pc from "picocolors";
import { UserError } from "./exit.js";
import { stdoutIsTerminal } from "./stdout-sync.js";

export type ColorMode = "auto" | "always" | "never";

let mode: ColorMode = "auto";

/** Checks a `--color` value (a usage error, exit 2, otherwise). */
export function parseColorMode(value: string): ColorMode {
  if (value === "auto" || value === "always" || value === "never") return value;
  throw new UserError(`--color must be auto, always or never (got ${JSON.stringify(value)})`);
}

/** Sets the mode for this run (the global `--color` option). */
export function setColorMode(m: ColorMode): void {
  mode = m;
}

/** Whether to colour output written to a stream with this `isTTY`, under `env` and the mode. */
export function decideColor(
  isTTY: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  m: ColorMode = mode,
): boolean {
  if (m !== "auto") return m === "always";
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0";
  if (env["NO_COLOR"]) return false;
  return Boolean(isTTY);
}

/** Colour for what a command prints on stdout. */
export function stdoutColor(): boolean {
  return decideColor(stdoutIsTerminal());
}

/** picocolors functions that colour only when `stdoutColor()` (or the given decision) says so. */
export function colors(on: boolean = stdoutColor()): ReturnType<typeof pc.createColors> {
  return pc.createColors(on);
}
