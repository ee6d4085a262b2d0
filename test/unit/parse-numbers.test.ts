// Policy: one strict number parser. Every form means exactly one value in every tool users know; anything that
// JavaScript or strtoull would read differently (or leniently) is refused with a UsageError naming the argument.
import { describe, expect, test } from "bun:test";
import { parseCount, parseNumber, parseSize, parseU32 } from "../../src/cli/parse/numbers.ts";
import { UsageError } from "../../src/cli/usage-error.ts";
import { refusal } from "../helpers/expect-usage.ts";


describe("parseNumber accepts", () => {
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["7", 7n],
    ["31", 31n],
    ["1_000", 1000n],
    ["1_000_000", 1000000n],
    ["0x0", 0n],
    ["0x1f", 31n],
    ["0X1F", 31n],
    ["0xDeadBeef", 3735928559n],
    ["0x1000_0000", 268435456n],
    ["0xffffffffffffffff", 18446744073709551615n],
    ["0b101", 5n],
    ["0B1_0000", 16n],
    ["0o17", 15n],
    ["0O777", 511n],
    ["0o10", 8n],
    ["0x10", 16n],
    ["10", 10n],
  ];
  for (const [text, want] of cases) test(`'${text}' -> ${want}`, () => expect(parseNumber(text, "value")).toBe(want));
});

describe("parseNumber refuses", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    [" 0x10", /whitespace/],
    ["0x10 ", /whitespace/],
    ["1 0", /whitespace/],
    ["-1", /signs/],
    ["+1", /signs/],
    ["-0x10", /signs/],
    ["12abc", /not a number/],
    ["0x10g", /not a valid hex/],
    ["0x", /no digits/],
    ["0b", /no digits/],
    ["0b102", /not a valid binary/],
    ["0o8", /not a valid octal/],
    ["1e3", /exponent/],
    ["1E3", /exponent/],
    ["1.5", /fractions are not accepted/],
    [".5", /fractions are not accepted/],
    ["1.", /fractions are not accepted/],
    ["1.5e3", /exponent notation is not accepted/],
    ["1e-3", /exponent notation is not accepted/],
    ["0x1p3", /hex float notation is not accepted/],
    ["0x1.8p1", /hex float notation is not accepted/],
    ["0x_1", /not a valid hex/],
    ["1__000", /not a number/],
    ["1_", /not a number/],
    ["_1", /not a number/],
    ["0x1_", /not a valid hex/],
    ["010", /ambiguous: write 0x10, 0o10 or 10/],
    ["0_10", /ambiguous/],
    ["007", /ambiguous: write 0x7, 0o7 or 7/],
    ["0x1_0000_0000_0000_0000", /out of range/],
    ["18446744073709551616", /out of range/],
    ["abc", /not a number/],
    ["4k", /not a number/],
  ];
  for (const [text, why] of cases) {
    test(`'${text}'`, () => {
      const e = refusal(() => parseNumber(text, "offset"));
      expect(e.message).toMatch(why);
      expect(e.message).toContain("offset");
      expect(e.message).toContain(`'${text}'`);
      expect(e.hint).toBeTruthy();
    });
  }
  test("hint lists the accepted forms", () => {
    expect(refusal(() => parseNumber("zz", "value")).hint).toContain("0x1f (hex)");
  });
});

describe("parseNumber range", () => {
  test("max is inclusive", () => {
    expect(parseNumber("0xff", "byte", { max: 0xffn })).toBe(255n);
    expect(refusal(() => parseNumber("0x100", "byte", { max: 0xffn })).hint).toContain("0xff");
  });
  test("min", () => {
    expect(refusal(() => parseNumber("0", "count", { min: 1n })).message).toMatch(/out of range/);
  });
});

describe("parseSize", () => {
  const ok: [string, bigint][] = [
    ["0x100", 256n],
    ["4k", 4096n],
    ["4K", 4096n],
    ["1M", 1048576n],
    ["2G", 2147483648n],
    ["0x10k", 16384n],
    ["1_0k", 10240n],
  ];
  for (const [text, want] of ok) test(`'${text}' -> ${want}`, () => expect(parseSize(text, "size")).toBe(want));
  const bad = ["k", "4m", "4g", "4kk", "4 k", "-4k", "04k", "1.5k", "4KiB"];
  for (const text of bad) {
    test(`refuses '${text}'`, () => {
      const e = refusal(() => parseSize(text, "size"));
      expect(e.message).toContain(`'`);
      expect(e.message).toContain("size");
    });
  }
  test("range applies after the suffix", () => {
    expect(refusal(() => parseSize("2k", "size", { max: 2047n })).message).toMatch(/out of range/);
  });
});

describe("parseCount / parseU32", () => {
  test("count is a number, default min 1", () => {
    expect(parseCount("0x10", "count")).toBe(16);
    expect(refusal(() => parseCount("0", "count")).message).toMatch(/out of range/);
    expect(parseCount("0", "count", { min: 0n })).toBe(0);
  });
  test("u32 bounds", () => {
    expect(parseU32("0xffffffff", "index")).toBe(4294967295);
    expect(refusal(() => parseU32("0x100000000", "index")).message).toMatch(/out of range/);
    expect(refusal(() => parseU32("8", "index", { max: 7n })).message).toMatch(/out of range/);
  });
});
