/**
 * The validation copy: nginx -t must read the changed copy, never the real files — absolute includes inside the
 * tree are rewritten into the copy, includes outside it stay where they are, and relative paths to non-config
 * files next to the configuration still resolve.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { findNginx, readConfigBytes, Sandbox } from "../../src/evidence/fix-io.js";
import { systemDescribe } from "../helpers/system.js";

const dir = mkdtempSync(join(tmpdir(), "bg-fix-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

systemDescribe(["nginx"], "Sandbox (nginx -t on a copy)", () => {
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(join(dir, "logs"));
  const main = join(dir, "nginx.conf");
  const site = join(dir, "conf.d", "site.conf");
  // A non-configuration file next to the configuration, named relatively (resolved against the conf dir).
  writeFileSync(join(dir, "htpasswd"), "user:{PLAIN}secret\n");
  writeFileSync(
    main,
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log ${dir}/logs/access.log;\n  include ${dir}/conf.d/*.conf;\n}\n`,
  );
  writeFileSync(
    site,
    `server {\n  listen 127.0.0.1:18097;\n  auth_basic "x";\n  auth_basic_user_file htpasswd;\n}\n`,
  );
  const texts = new Map([
    [main, readConfigBytes(main)],
    [site, readConfigBytes(site)],
  ]);
  const box = new Sandbox(texts, main, { binary: findNginx() as string }, true);
  afterAll(() => box.dispose());

  it("accepts the unchanged copy", async () => {
    expect(await box.check()).toEqual({ ok: true, message: expect.any(String) });
  });

  it("reads the changed copy of a file included by absolute path, and names the original path", async () => {
    const broken = new Map([[site, (texts.get(site) as string).replace("listen", "lisen")]]);
    const r = await box.check(broken);
    expect(r?.ok).toBe(false);
    expect(r?.message).toContain('unknown directive "lisen"');
    expect(r?.message).toContain(`${site}:2`);
    expect(r?.message).not.toContain(box.root);
    // The real file was never touched.
    expect(readFileSync(site, "utf8")).toContain("listen 127.0.0.1:18097;");
  });

  it("leaves an absolute include outside the tree pointing at the real file", async () => {
    const outside = join(dir, "..", `bg-fix-io-outside-${process.pid}.conf`);
    writeFileSync(outside, "# nothing\n");
    try {
      const withOutside = new Map([
        [main, (texts.get(main) as string).replace("events {}", `include ${outside};\nevents {}`)],
      ]);
      expect((await box.check(withOutside))?.ok).toBe(true);
    } finally {
      rmSync(outside, { force: true });
    }
  });
});
