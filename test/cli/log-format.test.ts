import { describe, expect, it } from "vitest";
import { resolveLogFormat, UnknownLogFormatError } from "../../src/nginx/config/logs.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { COMBINED_FORMAT } from "../../src/nginx/logformat.js";
import { runCli } from "../helpers/cli.js";

const EX = "examples/checkout-outage";
const conf = `http {
  log_format timed escape=json '$remote_addr [$time_local] "$request" $status $upstream_addr';
  access_log /var/log/nginx/access.log timed;
}`;

describe("resolveLogFormat", () => {
  const { model } = modelFromText(conf, "nginx.conf");

  it("a string with $ is the format itself; names come from the config, combined is built in", () => {
    expect(resolveLogFormat("$status $request_time", model)).toMatchObject({
      format: "$status $request_time",
      escape: "default",
    });
    expect(resolveLogFormat("timed", model)).toMatchObject({ name: "timed", escape: "json" });
    expect(resolveLogFormat("combined", model).format).toBe(COMBINED_FORMAT);
    expect(resolveLogFormat("combined", null).format).toBe(COMBINED_FORMAT);
  });

  it("extra definitions (--define-format) win over the configuration", () => {
    const def = resolveLogFormat("timed", model, [["timed", { format: "$status", escape: "none" }]]);
    expect(def).toMatchObject({ format: "$status", escape: "none" });
  });

  it("an undefined name is an UnknownLogFormatError listing the known names", () => {
    expect(() => resolveLogFormat("nosuch", model)).toThrow(UnknownLogFormatError);
    expect(() => resolveLogFormat("nosuch", model)).toThrow(
      /unknown log format 'nosuch' \(known: combined, timed\)/,
    );
    expect(() => resolveLogFormat("timed", null)).toThrow(/known: combined\)/);
  });
});

describe("--log-format means the same in every command", () => {
  it("access and diagnose both exit 2 with one line on stderr for an unknown name", () => {
    const access = runCli(["access", `${EX}/access.log`, "--log-format", "nosuch"]);
    const diag = runCli([
      "diagnose",
      "--config",
      `${EX}/nginx.conf`,
      "--error-log",
      `${EX}/error.log`,
      "--access-log",
      `${EX}/access.log`,
      "--log-format",
      "nosuch",
    ]);
    for (const r of [access, diag]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^badgateway: unknown log format 'nosuch'/);
    }
    // diagnose knows the configuration's own formats and says so.
    expect(diag.stderr).toMatch(/known: combined, upstreams\)/);
  });

  it("diagnose with a bundle and an unknown name is the same error; a defined name or a format string works", () => {
    const bad = runCli(["diagnose", "--bundle", EX, "--log-format", "nosuch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown log format 'nosuch'/);
    const named = runCli(["diagnose", "--bundle", EX, "--log-format", "upstreams", "--json"]);
    expect(named.code).toBe(1);
    expect(JSON.parse(named.stdout).warnings.join("\n")).not.toMatch(/matched the log format/);
    // A string with $ is taken as the format itself: this one reads none of the lines, and says so.
    const literal = runCli(["diagnose", "--bundle", EX, "--log-format", "X $status", "--json"]);
    expect(JSON.parse(literal.stdout).warnings.join("\n")).toMatch(
      /none of the \d+ access-log lines matched/,
    );
  });

  it("access reads a name from --format-file as diagnose reads it from --config", () => {
    const r = runCli([
      "access",
      `${EX}/access.log`,
      "--format-file",
      `${EX}/log_format.conf`,
      "--log-format",
      "upstreams",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).unmatched).toBe(0);
  });
});
