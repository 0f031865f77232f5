import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeText } from "../../src/report/terminal.js";

describe("safeText", () => {
  it("shows C0 and C1 controls (and DEL) as \\xNN, keeps tab and everything printable", () => {
    expect(safeText("a\x1b[2Jb")).toBe("a\\x1b[2Jb");
    expect(safeText("x\r\ny\x00z\x7f\x9b\x85")).toBe("x\\x0d\\x0ay\\x00z\\x7f\\x9b\\x85");
    expect(safeText("tab\there é ü ✓ 中")).toBe("tab\there é ü ✓ 中");
    expect(safeText("")).toBe("");
  });

  it("never lets a control character through, and changes nothing else", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        fc.pre(!/\\x[0-9a-f]{2}/.test(s)); // text that already looks like an escape would not round-trip
        const out = safeText(s);
        expect(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/.test(out)).toBe(false);
        // Undoing the escapes of the controls gives the input back.
        const back = out.replace(/\\x([0-9a-f]{2})/g, (m, h: string) => {
          const c = Number.parseInt(h, 16);
          return (c < 0x20 && c !== 9) || (c >= 0x7f && c <= 0x9f) ? String.fromCharCode(c) : m;
        });
        expect(back).toBe(s);
      }),
      { numRuns: 300 },
    );
  });
});
