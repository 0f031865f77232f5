/**
 * `explain` of one line for the bin's quick path (src/cli/bin.ts requires it only for this command, so
 * `--version` and help do not run the error-line grammar's and the catalogue's top-level code).
 */
import { ExplainOutput } from "../report/explain.js";
import { type ColorMode, decideColor } from "./color.js";
import { stdoutIsTerminal, writeStdoutSync } from "./stdout-sync.js";

/** Writes the explanation of `line` to stdout and returns the exit code, as `badgateway explain` does. */
export function explainQuick(line: string, json: boolean, color: ColorMode): number {
  const out = new ExplainOutput(json, !json && decideColor(stdoutIsTerminal(), process.env, color));
  writeStdoutSync(out.add(line));
  return out.exitCode() ?? 2;
}
