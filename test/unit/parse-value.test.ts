// Policy: a write's VALUE[:MASK] must fit the access width before anything touches the device; a mask that changes
// nothing, or value bits the mask would silently drop, are refused.
import { describe, expect, test } from "bun:test";
import { applyMask, parseWriteValue, widthMax } from "../../src/cli/parse/value.ts";
import { UsageError } from "../../src/cli/usage-error.ts";
import { refusal } from "../helpers/expect-usage.ts";


describe("parseWriteValue accepts", () => {
  const cases: [string, 1 | 2 | 4 | 8, { value: bigint; mask?: bigint }][] = [
    ["0xff", 1, { value: 255n }],
    ["0xffff", 2, { value: 65535n }],
    ["0xffffffff", 4, { value: 4294967295n }],
    ["0xffffffffffffffff", 8, { value: 18446744073709551615n }],
    ["0", 1, { value: 0n }],
    ["0x10:0x30", 4, { value: 0x10n, mask: 0x30n }],
    ["0:0x1", 1, { value: 0n, mask: 1n }],
    ["0x8000:0x8000", 2, { value: 0x8000n, mask: 0x8000n }],
  ];
  for (const [text, w, want] of cases) test(`'${text}' at ${w} bytes`, () => expect(parseWriteValue(text, w)).toEqual(want));
});

describe("parseWriteValue refuses", () => {
  const cases: [string, 1 | 2 | 4 | 8, RegExp, RegExp?][] = [
    ["0x100", 1, /does not fit a 8-bit access/, /0xff\b/],
    ["0x10000", 2, /does not fit a 16-bit/, /0xffff\b/],
    ["0x100000000", 4, /does not fit a 32-bit/, /0xffffffff\b/],
    ["0x1:0x100", 1, /mask '0x100' does not fit/],
    ["0x1:0", 4, /mask '0' is zero/],
    ["0xff:0x0f", 4, /bits outside mask 0xf \(0xf0\)/],
    ["1:2:3", 4, /more than one ':'/],
    ["", 4, /empty/],
    ["0x1:", 4, /mask '': empty|invalid mask '': empty/],
    ["010", 4, /ambiguous/],
  ];
  for (const [text, w, msg, hint] of cases) {
    test(`'${text}' at ${w} bytes`, () => {
      const e = refusal(() => parseWriteValue(text, w));
      expect(e.message).toMatch(msg);
      if (hint) expect(e.hint ?? "").toMatch(hint);
    });
  }
});

test("widthMax", () => {
  expect([1, 2, 4, 8].map((w) => widthMax(w as 1 | 2 | 4 | 8))).toEqual([0xffn, 0xffffn, 0xffffffffn, 0xffffffffffffffffn]);
});

test("applyMask keeps the bits outside the mask", () => {
  expect(applyMask(0xaaaa_aaaan, 0x10n, 0x30n)).toBe(0xaaaa_aa9an);
  expect(applyMask(0xffn, 0n, 0x0fn)).toBe(0xf0n);
  expect(applyMask(0n, 0xffn, 0xffn)).toBe(0xffn);
});
