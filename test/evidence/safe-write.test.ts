import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  atomicReplace,
  checkOutDir,
  checkReportPath,
  writeReportFile,
} from "../../src/evidence/safe-write.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-safe-write-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.geteuid?.() === 0;
const leftovers = () => readdirSync(dir).filter((n) => n.endsWith(".tmp"));

describe("atomicReplace", () => {
  it("creates or replaces a file with the mode asked for, whatever the umask, and leaves no temporary file", () => {
    const p = join(dir, "f");
    const old = process.umask(0o077);
    try {
      atomicReplace(p, Buffer.from("one\n"), { mode: 0o644 });
      expect(lstatSync(p).mode & 0o777).toBe(0o644);
      atomicReplace(p, Buffer.from("two\n"));
      expect(lstatSync(p).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
    expect(readFileSync(p, "utf8")).toBe("two\n");
    expect(leftovers()).toEqual([]);
  });

  it("writes binary content byte for byte", () => {
    const p = join(dir, "bin");
    const bytes = Buffer.from([0, 0xff, 0xe9, 0x0a, 0x80]);
    atomicReplace(p, bytes);
    expect(readFileSync(p).equals(bytes)).toBe(true);
  });

  it("own-file (default) refuses a symlink, a directory and another user's file at the target; nothing is left behind", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, "link"));
    expect(() => atomicReplace(join(dir, "link"), Buffer.from("x"))).toThrow(
      /is a symbolic link; refusing to write through it/,
    );
    mkdirSync(join(dir, "sub"));
    expect(() => atomicReplace(join(dir, "sub"), Buffer.from("x"))).toThrow(/not a regular file; refusing/);
    if (isRoot) {
      const theirs = join(dir, "theirs");
      writeFileSync(theirs, "theirs\n");
      chownSync(theirs, 65534, 65534);
      expect(() => atomicReplace(theirs, Buffer.from("x"))).toThrow(/belongs to another user \(uid 65534\)/);
      expect(readFileSync(theirs, "utf8")).toBe("theirs\n");
    }
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(lstatSync(join(dir, "link")).isSymbolicLink()).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("regular-file refuses a symlink but replaces a regular file of another owner, keeping the owner asked for", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, "link"));
    expect(() => atomicReplace(join(dir, "link"), Buffer.from("x"), { replace: "regular-file" })).toThrow(
      /not a regular file; refusing to replace it/,
    );
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    if (isRoot) {
      const theirs = join(dir, "theirs.conf");
      writeFileSync(theirs, "old\n", { mode: 0o640 });
      chownSync(theirs, 65534, 65534);
      atomicReplace(theirs, Buffer.from("new\n"), {
        mode: 0o640,
        owner: { uid: 65534, gid: 65534 },
        replace: "regular-file",
      });
      const st = lstatSync(theirs);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([65534, 65534, 0o640]);
      expect(readFileSync(theirs, "utf8")).toBe("new\n");
    }
    expect(leftovers()).toEqual([]);
  });

  it("any replaces a symlink at the target instead of writing through it; a directory there fails cleanly", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, "out.prom"));
    atomicReplace(join(dir, "out.prom"), Buffer.from("m 1\n"), { replace: "any", mode: 0o644 });
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(lstatSync(join(dir, "out.prom")).isFile()).toBe(true);
    mkdirSync(join(dir, "d.prom"));
    expect(() => atomicReplace(join(dir, "d.prom"), Buffer.from("m 1\n"), { replace: "any" })).toThrow(
      /^cannot write .*d\.prom: /,
    );
    expect(leftovers()).toEqual([]);
  });

  it("a directory that does not exist is a one-line reason", () => {
    expect(() => atomicReplace(join(dir, "no", "f"), Buffer.from("x"))).toThrow(/^cannot create a file in /);
  });
});

describe("the path checks of a report file and a bundle directory", () => {
  it("resolve the parent through symlinks, keep the name, and give the same kinds of reasons", () => {
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "via"));
    expect(checkReportPath(join(dir, "via", "r.html"))).toBe(join(dir, "real", "r.html"));
    expect(checkOutDir(join(dir, "via", "bundle"))).toBe(join(dir, "real", "bundle"));
    expect(() => checkReportPath(join(dir, "none", "r.html"))).toThrow(/: directory .*none is not usable/);
    expect(() => checkOutDir(join(dir, "none", "b"))).toThrow(
      /^--out .*: parent directory .*none is not usable/,
    );
    expect(() => checkReportPath("/")).toThrow(/not a usable file name/);
    expect(() => checkOutDir("/")).toThrow(/^--out \/: not a usable directory name/);
    writeFileSync(join(dir, "real", "file"), "");
    expect(() => checkOutDir(join(dir, "real", "file"))).toThrow(/exists and is not a directory/);
    expect(() => checkReportPath(join(dir, "real"))).toThrow(/exists and is not a regular file/);
  });

  it("writeReportFile writes mode 0600 through a symlinked directory, never through a symlinked name", () => {
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "via"));
    const out = writeReportFile(join(dir, "via", "r.html"), "<p>é</p>");
    expect(out).toBe(join(dir, "real", "r.html"));
    expect(readFileSync(out, "utf8")).toBe("<p>é</p>");
    expect(lstatSync(out).mode & 0o777).toBe(0o600);
  });
});
