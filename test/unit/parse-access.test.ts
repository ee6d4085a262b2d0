// Policy: `[REGION:]OFFSET[.b|.w|.l|.q]` and `--width BITS` give one unambiguous width (default 32-bit); devmem's width
// letters are refused with a hint about the width-letter trap; alignment and bounds are checked before any access.
import { describe, expect, test } from "bun:test";
import { checkAligned, checkInRegion, parseAccess, parseWidthOption, type Access } from "../../src/cli/parse/access.ts";
import { UsageError } from "../../src/cli/usage-error.ts";
import { refusal } from "../helpers/expect-usage.ts";


describe("parseAccess accepts", () => {
  const cases: [string, string | number | undefined, Access][] = [
    ["0x20", undefined, { offset: 0x20n, width: 4, widthFrom: "default" }],
    ["0x20.b", undefined, { offset: 0x20n, width: 1, widthFrom: "suffix" }],
    ["0x20.w", undefined, { offset: 0x20n, width: 2, widthFrom: "suffix" }],
    ["0x20.l", undefined, { offset: 0x20n, width: 4, widthFrom: "suffix" }],
    ["0x20.q", undefined, { offset: 0x20n, width: 8, widthFrom: "suffix" }],
    ["0x20.W", undefined, { offset: 0x20n, width: 2, widthFrom: "suffix" }],
    ["0x2b", undefined, { offset: 0x2bn, width: 4, widthFrom: "default" }],
    ["16", "8", { offset: 16n, width: 1, widthFrom: "option" }],
    ["16", 16, { offset: 16n, width: 2, widthFrom: "option" }],
    ["16", "64", { offset: 16n, width: 8, widthFrom: "option" }],
    ["16.w", "16", { offset: 16n, width: 2, widthFrom: "suffix" }],
    ["1:0x8", undefined, { region: { index: 1 }, offset: 8n, width: 4, widthFrom: "default" }],
    ["0x2:0x8.q", undefined, { region: { index: 2 }, offset: 8n, width: 8, widthFrom: "suffix" }],
    ["ctrl:0x8.w", undefined, { region: { name: "ctrl" }, offset: 8n, width: 2, widthFrom: "suffix" }],
    ["dma_regs:0", undefined, { region: { name: "dma_regs" }, offset: 0n, width: 4, widthFrom: "default" }],
  ];
  for (const [text, w, want] of cases) {
    test(`'${text}' width=${w}`, () => expect(parseAccess(text, w)).toEqual(want));
  }
});

describe("parseAccess refuses", () => {
  const cases: [string, string | number | undefined, RegExp, RegExp?][] = [
    ["0x20.h", undefined, /suffix '\.h'/, /16-bit.*32-bit/],
    ["0x20h", undefined, /width letter 'h' without a dot/, /devmem/],
    ["0x20w", undefined, /width letter 'w' without a dot/, /\.w = 16-bit/],
    ["32l", undefined, /width letter 'l'/, /devmem/],
    ["0x20.x", undefined, /suffix '\.x'/],
    ["0x20.", undefined, /suffix '\.'/],
    ["0x20.w", "32", /conflicting widths.*16-bit.*32-bit/],
    ["0x20.q", 8, /conflicting widths/],
    ["0x20", "h", /--width 'h'/, /devmem/],
    ["0x20", "w", /--width 'w'/, /width letters differ/],
    ["0x20", "l", /--width 'l'/, /width letters differ/],
    ["0x20", "4", /expected 8, 16, 32 or 64/],
    ["0x20", "0x20", /expected 8, 16, 32 or 64/],
    ["010", undefined, /ambiguous/],
    ["", undefined, /empty/],
    ["ctrl", undefined, /not a number/],
    ["-1:0x4", undefined, /invalid region/],
    ["1x:0", undefined, /region index/],
    ["0:1:2", undefined, /offset/],
  ];
  for (const [text, w, msg, hint] of cases) {
    test(`'${text}' width=${w}`, () => {
      const e = refusal(() => parseAccess(text, w));
      expect(e.message).toMatch(msg);
      if (hint) expect(e.hint ?? "").toMatch(hint);
    });
  }
});

test("parseWidthOption maps bits to bytes", () => {
  expect([8, 16, 32, 64].map((b) => parseWidthOption(b))).toEqual([1, 2, 4, 8]);
});

describe("checkAligned", () => {
  const ok: [bigint, 1 | 2 | 4 | 8][] = [[0x21n, 1], [0x22n, 2], [0x24n, 4], [0x28n, 8], [0n, 8]];
  for (const [off, w] of ok) test(`0x${off.toString(16)} at ${w} bytes is aligned`, () => expect(() => checkAligned(off, w)).not.toThrow());
  const bad: [bigint, 1 | 2 | 4 | 8, string][] = [[0x21n, 2, "0x20"], [0x22n, 4, "0x20"], [0x2cn, 8, "0x28"]];
  for (const [off, w, down] of bad) {
    test(`0x${off.toString(16)} at ${w} bytes is refused`, () => {
      const e = refusal(() => checkAligned(off, w));
      expect(e.message).toContain(`0x${off.toString(16)}`);
      expect(e.message).toContain(`${w * 8}-bit`);
      expect(e.hint).toContain(down);
    });
  }
});

describe("checkInRegion", () => {
  test("the last word fits, one past does not", () => {
    expect(() => checkInRegion(0xffcn, 4, 1, 0x1000n, "region 0")).not.toThrow();
    const e = refusal(() => checkInRegion(0x1000n, 4, 1, 0x1000n, "region 0"));
    expect(e.message).toContain("region 0");
    expect(e.hint).toContain("0xffc");
  });
  test("a count that runs past the end", () => {
    expect(() => checkInRegion(0xff0n, 4, 4, 0x1000n, "r")).not.toThrow();
    expect(refusal(() => checkInRegion(0xff0n, 4, 5, 0x1000n, "r")).message).toContain("5 accesses");
  });
});

test("an offset a JavaScript number cannot hold is refused with the text as typed (never 18446744073709552000)", () => {
  let msg = "";
  try {
    parseAccess("0:18446744073709551615");
  } catch (e) {
    msg = (e as Error).message;
  }
  expect(msg).toBe("invalid offset '18446744073709551615': out of range");
  expect(parseAccess("0:0x1fffffffffffff").offset).toBe(0x1fffffffffffffn);
});

test("--width refuses exponents, hex floats and fractions by name, like every number (cac took 3.2e1 as 32)", () => {
  for (const [text, why] of [
    ["3.2e1", "exponent notation is not accepted"],
    ["32.0", "fractions are not accepted"],
    ["0x1p5", "hex float notation is not accepted"],
  ] as const) {
    expect(() => parseWidthOption(text)).toThrow(`invalid --width '${text}': ${why}`);
  }
});
