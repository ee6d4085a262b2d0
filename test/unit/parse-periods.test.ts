// Policy: periods are gpiomon-style (us, ms, s, m; bare number = ms), returned in milliseconds; 0 means "do not wait";
// negatives, junk, unknown units and exponents are refused.
import { describe, expect, test } from "bun:test";
import { PERIOD_MAX_MS, formatPeriod, parsePeriod } from "../../src/cli/parse/periods.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

describe("parsePeriod accepts", () => {
  const cases: [string, number][] = [
    ["5s", 5000],
    ["100ms", 100],
    ["1500us", 1.5],
    ["2m", 120000],
    ["1.5s", 1500],
    ["1.005s", 1005],
    ["250", 250],
    ["0.5", 0.5],
    ["1us", 0.001],
    ["0", 0],
    ["0s", 0],
    ["2147483647", PERIOD_MAX_MS],
  ];
  for (const [text, ms] of cases) test(`'${text}' -> ${ms} ms`, () => expect(parsePeriod(text, "--timeout")).toBe(ms));
});

describe("parsePeriod refuses", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["-1s", /signs/],
    ["+1s", /signs/],
    ["5 s", /not a period/],
    [" 5s", /not a period/],
    ["5sec", /not a period/],
    ["1h", /not a period/],
    ["5S", /not a period/],
    [".5s", /not a period/],
    ["5.s", /not a period/],
    ["1e3", /exponent notation is not accepted/],
    ["1e3s", /exponent notation is not accepted/],
    ["1.5e2ms", /exponent notation is not accepted/],
    ["0x1p3", /hex float notation is not accepted/],
    ["5s\nx", /not a period/],
    ["0x10", /not a period/],
    ["s", /not a period/],
    ["0.0001ms", /shorter than 1 us/],
    ["2147483648", /too long/],
    ["25d", /not a period/],
    ["40000m", /too long/],
  ];
  for (const [text, why] of cases) {
    test(`'${text}'`, () => {
      let err: unknown;
      try {
        parsePeriod(text, "--timeout");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toMatch(why);
      expect((err as UsageError).message).toContain("--timeout");
      expect((err as UsageError).hint).toMatch(/us, ms, s or m|longest period is 2147483647 ms/);
    });
  }
  test("zero can be refused", () => {
    expect(() => parsePeriod("0ms", "--debounce", { allowZero: false })).toThrow(/greater than zero/);
    expect(parsePeriod("1ms", "--debounce", { allowZero: false })).toBe(1);
  });
});

test("formatPeriod", () => {
  expect([5000, 1500, 100, 1.5, 0].map(formatPeriod)).toEqual(["5 s", "1.5 s", "100 ms", "1500 us", "0 ms"]);
});
