import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileFollower, type FollowOptions } from "../../src/evidence/follow.js";
import type { InputWarning } from "../../src/evidence/input.js";
import { Watcher } from "../../src/evidence/watch.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bgw-follow-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function follower(path: string, opts: Partial<FollowOptions> = {}) {
  const got: string[] = [];
  const warnings: InputWarning[] = [];
  const rotations: string[] = [];
  const f = new FileFollower(path, {
    onLines: (lines) => got.push(...lines),
    onWarning: (w) => warnings.push(w),
    onRotate: (_p, how) => rotations.push(how),
    ...opts,
  });
  return { f, got, warnings, rotations };
}

describe("FileFollower", () => {
  it("starts at the end, hands out whole lines only, strips CR", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "old 1\nold 2\n");
    const { f, got } = follower(log);
    f.poll();
    expect(got).toEqual([]);
    appendFileSync(log, "new 1\r\nnew ");
    f.poll();
    expect(got).toEqual(["new 1"]);
    appendFileSync(log, "2\n");
    f.poll();
    expect(got).toEqual(["new 1", "new 2"]);
    f.stop();
  });

  it("a partial last line present at start is read once it is complete", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "old 1\nhalf");
    const { f, got } = follower(log);
    f.poll();
    appendFileSync(log, " done\n");
    f.poll();
    expect(got).toEqual(["half done"]);
  });

  it("reads from the start with fromStart", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "one\ntwo\n");
    const { f, got } = follower(log, { fromStart: true });
    f.poll();
    expect(got).toEqual(["one", "two"]);
  });

  it("rename-and-create: finishes the old file, reads late writes to it, then the new file from its start", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "");
    const { f, got, rotations } = follower(log, { drainMs: 60_000 });
    f.poll();
    appendFileSync(log, "1\n2\n");
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, "3\n");
    f.poll(); // no file at the path yet: the old one is still read
    writeFileSync(log, "5\n");
    appendFileSync(`${log}.1`, "4\n");
    f.poll();
    appendFileSync(`${log}.1`, "4b\n"); // nginx has not reopened yet
    appendFileSync(log, "6\n");
    f.poll();
    expect(got.sort()).toEqual(["1", "2", "3", "4", "4b", "5", "6"]);
    expect(rotations).toEqual(["rename"]);
    f.stop();
  });

  it("copytruncate: lines written after the last read are taken from the copy", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "");
    const { f, got, rotations, warnings } = follower(log);
    f.poll();
    appendFileSync(log, "1\n2\n");
    f.poll();
    appendFileSync(log, "3\n4\n");
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, "5\n");
    f.poll();
    expect(got).toEqual(["1", "2", "3", "4", "5"]);
    expect(rotations).toEqual(["truncate"]);
    expect(warnings).toEqual([]);
  });

  it("copytruncate noticed after the file grew past the old size again (its first bytes changed)", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "");
    const { f, got } = follower(log);
    f.poll();
    appendFileSync(log, "a1\n");
    f.poll();
    appendFileSync(log, "a2\n");
    copyFileSync(log, `${log}-20261206`);
    truncateSync(log, 0);
    appendFileSync(log, "b1 a longer line than before\nb2\n");
    f.poll();
    expect(got).toEqual(["a1", "a2", "b1 a longer line than before", "b2"]);
  });

  it("copytruncate without a plain copy: says lines may be lost, never reads a gzip copy", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "");
    const { f, got, warnings } = follower(log);
    f.poll();
    appendFileSync(log, "1\n");
    f.poll();
    appendFileSync(log, "2\n");
    writeFileSync(`${log}.1.gz`, gzipSync("1\n2\n"));
    truncateSync(log, 0);
    appendFileSync(log, "3\n");
    f.poll();
    expect(got).toEqual(["1", "3"]);
    expect(warnings.map((w) => w.code)).toEqual(["truncated"]);
  });

  it("never follows a compressed file", () => {
    const log = join(dir, "a.log.gz");
    writeFileSync(log, gzipSync("x\n"));
    const { f, got, warnings } = follower(log, { fromStart: true });
    f.poll();
    appendFileSync(log, "y\n");
    f.poll();
    expect(got).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(["compressed"]);
  });

  it("waits for a file that does not exist yet, then reads it from its start", () => {
    const log = join(dir, "later.log");
    const { f, got, warnings } = follower(log);
    expect([f.state, f.seen]).toEqual(["waiting", false]);
    f.poll();
    f.poll();
    expect(warnings.map((w) => w.code)).toEqual(["missing"]);
    expect(warnings[0]?.message).toBe(`${log}: does not exist yet; waiting for it`);
    writeFileSync(log, "first\n");
    f.poll();
    expect(got).toEqual(["first"]);
    expect(warnings.map((w) => w.code)).toEqual(["missing", "appeared"]);
    expect([f.state, f.seen]).toEqual(["following", true]);
  });

  it("says when the directory is missing too, and refuses what can never be followed", () => {
    const inMissing = follower(join(dir, "no", "x.log"));
    inMissing.f.poll();
    expect(inMissing.warnings[0]?.message).toMatch(
      /does not exist yet \(nor does its directory .*\/no\); waiting/,
    );
    const ofDir = follower(dir);
    ofDir.f.poll();
    expect([ofDir.f.state, ofDir.warnings.map((w) => w.code)]).toEqual(["refused", ["not-a-file"]]);
    writeFileSync(join(dir, "plain"), "");
    const through = follower(join(dir, "plain", "x.log"));
    through.f.poll();
    through.f.poll();
    expect(through.f.state).toBe("refused");
    expect(through.warnings.map((w) => w.code)).toEqual(["unreadable"]);
    expect(through.warnings[0]?.message).toMatch(/cannot be read \(ENOTDIR.*\); not followed$/);
  });

  it("cuts an endless line at maxLineBytes with a warning (memory stays bounded)", () => {
    const log = join(dir, "a.log");
    writeFileSync(log, "");
    const { f, got, warnings } = follower(log, { maxLineBytes: 100, chunkBytes: 64 });
    f.poll();
    appendFileSync(log, `${"x".repeat(250)}\nok\n`);
    f.poll();
    expect(got.at(-1)).toBe("ok");
    expect(got.slice(0, -1).join("")).toBe("x".repeat(250));
    expect(got.slice(0, -1).every((l) => l.length <= 164)).toBe(true);
    expect(warnings.some((w) => w.code === "line-too-long")).toBe(true);
  });
});

describe("Watcher: paths never followed", () => {
  const sources = (errorLogs: string[]) => ({
    model: null,
    configSource: null,
    stubStatus: null,
    notes: [],
    errorLogs,
    accessLogs: [],
  });

  it("resolves nothingToFollow once every path is refused, and lists the paths never followed", async () => {
    writeFileSync(join(dir, "f"), "");
    const w = new Watcher({ sources: sources([dir, join(dir, "f", "x")]), pollMs: 20 });
    let done = false;
    void w.nothingToFollow.then(() => {
      done = true;
    });
    w.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(true);
    expect(w.neverFollowed().map((p) => p.state)).toEqual(["refused", "refused"]);
    await w.stop();
  });

  it("does not give up while a path is waited for; a path that appears is no longer listed", async () => {
    const later = join(dir, "later.log");
    const w = new Watcher({ sources: sources([dir, later]), pollMs: 20 });
    let done = false;
    void w.nothingToFollow.then(() => {
      done = true;
    });
    w.start();
    await new Promise((r) => setTimeout(r, 60));
    expect(done).toBe(false);
    expect(w.neverFollowed()).toEqual([
      { path: dir, state: "refused" },
      { path: later, state: "waiting" },
    ]);
    writeFileSync(later, "x\n");
    await new Promise((r) => setTimeout(r, 80));
    expect(w.neverFollowed()).toEqual([{ path: dir, state: "refused" }]);
    await w.stop();
  });
});
