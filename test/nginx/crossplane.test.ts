import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ConfNode, parseConfig } from "../../src/nginx/config/parser.js";

const dir = new URL("../fixtures/configs/", import.meta.url).pathname;
const strip = (n: ConfNode): unknown => ({
  directive: n.directive,
  line: n.line,
  args: n.args,
  ...(n.block ? { block: n.block.map(strip) } : {}),
});

describe("parser output equals crossplane's (crossplane parse --single-file, stored fixtures)", () => {
  for (const name of ["node-proxy", "openresty"]) {
    it(name, () => {
      const file = `${dir}${name}.conf`;
      const expected = JSON.parse(readFileSync(`${dir}${name}.crossplane.json`, "utf8"));
      const r = parseConfig(readFileSync(file, "utf8"), { file });
      expect(expected.status).toBe("ok");
      expect(r.errors).toEqual([]);
      expect(r.parsed.map(strip)).toEqual(expected.config[0].parsed);
    });
  }
});
