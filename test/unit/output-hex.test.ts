// Policy: register values print as lowercase hex zero-padded to the access width (the width stays visible); offsets
// print with at least 8 digits; a value that does not fit its width is a programming error, not silently truncated.
import { describe, expect, test } from "bun:test";
import { byteSwap, hex, hexAddr, hexDigits } from "../../src/cli/output/hex.ts";

describe("hex pads to the width", () => {
  const cases: [bigint | number, 1 | 2 | 4 | 8, string][] = [
    [13n, 4, "0x0000000d"],
    [13, 4, "0x0000000d"],
    [0, 1, "0x00"],
    [0xff, 1, "0xff"],
    [0xabn, 2, "0x00ab"],
    [0xdeadbeefn, 4, "0xdeadbeef"],
    [0xdeadbeefn, 8, "0x00000000deadbeef"],
    [0xffffffffffffffffn, 8, "0xffffffffffffffff"],
    [0xABCDn, 2, "0xabcd"],
  ];
  for (const [v, w, want] of cases) test(`${v} at ${w} bytes -> ${want}`, () => expect(hex(v, w)).toBe(want));
});

describe("hex refuses", () => {
  test("too wide for the width", () => expect(() => hex(0x100, 1)).toThrow(RangeError));
  test("64-bit value at 32 bits", () => expect(() => hex(0x1_0000_0000n, 4)).toThrow(/does not fit 4 byte/));
  test("negative", () => expect(() => hex(-1, 4)).toThrow(RangeError));
  test("unsafe number", () => expect(() => hex(2 ** 53 + 2, 8)).toThrow(RangeError));
});

test("hexDigits has no prefix", () => expect(hexDigits(13n, 2)).toBe("000d"));

describe("hexAddr", () => {
  const cases: [bigint | number, string][] = [
    [0x20, "0x00000020"],
    [0n, "0x00000000"],
    [0xfff00000n, "0xfff00000"],
    [0x1_0000_0000n, "0x100000000"],
  ];
  for (const [v, want] of cases) test(`${v} -> ${want}`, () => expect(hexAddr(v)).toBe(want));
  test("min digits", () => expect(hexAddr(0x20, 4)).toBe("0x0020"));
});

test("byteSwap per width", () => {
  expect(byteSwap(0xabn, 1)).toBe(0xabn);
  expect(byteSwap(0x1234n, 2)).toBe(0x3412n);
  expect(byteSwap(0x12345678n, 4)).toBe(0x78563412n);
  expect(byteSwap(0x0102030405060708n, 8)).toBe(0x0807060504030201n);
  expect(byteSwap(0x01n, 4)).toBe(0x01000000n);
});
