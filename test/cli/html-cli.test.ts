// `diagnose --html FILE`: where the report may be written (never through a symlink, never over something that
// is not our regular file), `-` for stdout, and one-line errors with exit 2 before any evidence is read.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const BUNDLE = new URL("../../examples/checkout-outage", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "bg-html-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("diagnose --html", () => {
  it("writes one self-contained page, mode 0600, and still prints the text report", () => {
    const out = join(dir, "report.html");
    const r = runCli(["diagnose", "--bundle", BUNDLE, "--html", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Root cause:");
    expect(r.stderr).toBe(`badgateway: wrote the HTML report to ${out}\n`);
    const page = readFileSync(out, "utf8");
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;');
    // Self-contained: no URL to fetch anything from.
    expect(page).not.toMatch(/\s(src|href|action|srcset|poster|data|xlink:href)="(?!#)/);
    expect(page).not.toMatch(/url\(|@import/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // Written again over our own file: replaced, no temporary file left behind.
    expect(runCli(["diagnose", "--bundle", BUNDLE, "--html", out]).code).toBe(1);
    expect(readFileSync(out, "utf8").length).toBeGreaterThan(1000);
    const stamp = /Made \S+/;
    expect(readFileSync(out, "utf8").replace(stamp, "")).toBe(page.replace(stamp, ""));
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("'-' writes the page to stdout instead of the text report", () => {
    const r = runCli(["diagnose", "--bundle", BUNDLE, "--html", "-"]);
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(r.stdout.match(/<!DOCTYPE html>/g)?.length).toBe(1);
    expect(r.stdout.endsWith("</html>\n")).toBe(true);
    expect(r.stdout).not.toMatch(/^Root cause:/m);
    const both = runCli(["diagnose", "--bundle", BUNDLE, "--html", "-", "--json"]);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe("");
    expect(both.stderr).toMatch(
      /^badgateway: --html - writes the HTML report to stdout: give --out FILE .*\n$/,
    );
    const out = join(dir, "with-json.json");
    const ok = runCli(["diagnose", "--bundle", BUNDLE, "--html", "-", "--json", "--out", out]);
    expect(ok.code).toBe(1);
    expect(ok.stdout.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(JSON.parse(readFileSync(out, "utf8")).findings.length).toBeGreaterThan(0);
  });

  it("refuses a symlink, a directory and a missing directory before reading anything, and leaves them as they were", () => {
    const target = join(dir, "victim.txt");
    writeFileSync(target, "precious\n");
    const link = join(dir, "link.html");
    symlinkSync(target, link);
    const dangling = join(dir, "dangling.html");
    symlinkSync(join(dir, "nothing-here"), dangling);
    const sub = join(dir, "adir.html");
    mkdirSync(sub);
    for (const [path, why] of [
      [link, "is a symbolic link; refusing to write through it"],
      [dangling, "is a symbolic link; refusing to write through it"],
      [sub, "exists and is not a regular file"],
      [join(dir, "no", "such", "r.html"), "is not usable"],
    ] as const) {
      const r = runCli(["diagnose", "--bundle", BUNDLE, "--html", path]);
      expect(r.code, path).toBe(2);
      expect(r.stdout, path).toBe("");
      expect(r.stderr, path).toContain(why);
      expect(r.stderr.trim().split("\n").length, path).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    expect(() => statSync(join(dir, "nothing-here"))).toThrow();
  });
});
