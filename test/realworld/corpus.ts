/**
 * Loader for the real-world corpus in test/fixtures/realworld/: error lines that nginx, OpenResty and Tengine
 * users published in issue trackers and Q&A threads, and incident reports whose root cause the thread
 * established. See test/fixtures/realworld/README.md for provenance and labelling rules.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REALWORLD_DIR = fileURLToPath(new URL("../fixtures/realworld/", import.meta.url));
export const ERROR_LINES_FILE = path.join(REALWORLD_DIR, "error-lines.jsonl");
export const INCIDENTS_DIR = path.join(REALWORLD_DIR, "incidents");

/** One published error line with the class and client status assigned to it. */
export interface CorpusLine {
  /** The text exactly as published (may hold a newline where the paste was wrapped). */
  line: string;
  /** Address of the thread or page the line was copied from. */
  source: string;
  /** Class id from src/nginx/errorlog/taxonomy.ts. */
  class: string;
  /** What the client got because of this line; null when the line does not decide it. */
  status: 502 | 504 | 500 | null;
  /** Why this class, in one sentence. */
  why: string;
  /** 1-based line number in error-lines.jsonl, for messages. */
  at: number;
}

export interface Incident {
  /** Directory name, NN-short-name. */
  name: string;
  dir: string;
  /** The material the reporter posted (error lines, config, command output), as posted. */
  paste: string;
  expected: {
    source: string;
    cause: string;
    why: string;
    alsoAcceptable: string[];
  };
}

/** Reads error-lines.jsonl; throws with the line number when a line is not valid JSON. */
export function loadErrorLines(file = ERROR_LINES_FILE): CorpusLine[] {
  const text = readFileSync(file, "utf8");
  const out: CorpusLine[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new Error(`${path.basename(file)}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    out.push({ ...(value as Omit<CorpusLine, "at">), at: i + 1 });
  });
  return out;
}

/** Reads every incidents/NN-name/ directory (paste.txt + expected.json), sorted by name. */
export function loadIncidents(dir = INCIDENTS_DIR): Incident[] {
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const d = path.join(dir, name);
      return {
        name,
        dir: d,
        paste: readFileSync(path.join(d, "paste.txt"), "utf8"),
        expected: JSON.parse(readFileSync(path.join(d, "expected.json"), "utf8")) as Incident["expected"],
      };
    });
}
