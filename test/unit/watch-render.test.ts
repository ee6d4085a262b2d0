// Policy: what `watch` shows for a sample is a pure function of the values read. The terminal frame names the device,
// the time and the sample count, and highlights exactly the bits (binary digits) and hex digits that changed since
// the previous sample (inverse video), also naming them in words; the pipe line and the JSON Lines object carry the
// same values; the redraw moves the cursor back over the previous frame; samples keep to a fixed tick grid.
import { describe, expect, test } from "bun:test";
import { Chalk } from "chalk";
import type { Target } from "../../src/cli/named-address.ts";
import { Redraw } from "../../src/cli/watch/redraw.ts";
import { nextTick } from "../../src/cli/watch/tick-schedule.ts";
import { binaryDigits, changedBits, hexDigits, renderFrame, sampleJson, sampleLine, type Watched } from "../../src/cli/watch/watch-render.ts";

const reg32: Target = { access: { region: { index: 0 }, offset: 0n, width: 4, widthFrom: "option" }, name: "RTCDR" } as Target;
const field: Target = {
  access: { region: { index: 0 }, offset: 0xcn, width: 4, widthFrom: "option" },
  name: "RTCCR.RTC_START",
  field: { name: "RTC_START", lsb: 0, width: 1 },
} as Target;
const byte: Target = { access: { region: { index: 0 }, offset: 0xfe0n, width: 1, widthFrom: "option" } } as Target;
const watched: Watched[] = [
  { target: reg32, region: 0 },
  { target: field, region: 0 },
  { target: byte, region: 0 },
];
const brackets = (s: string) => `[${s}]`;
const at = new Date("2026-12-06T18:30:00.123Z");

describe("changed bits", () => {
  test("xor of the two values within the target's width; none without a previous sample", () => {
    expect(changedBits(reg32, 0x10n, 0x13n)).toBe(0x3n);
    expect(changedBits(reg32, undefined, 0x13n)).toBe(0n);
    expect(changedBits(byte, 0xffn, 0x0fn)).toBe(0xf0n);
  });
  test("binary digits: grouped by four, only the changed bits marked", () => {
    expect(binaryDigits(0b1010_0110n, 8, 0b0000_0011n, brackets)).toBe("1010 01[1][0]");
    expect(binaryDigits(0x1n, 1, 0n, brackets)).toBe("1");
  });
  test("hex digits: a digit is marked when one of its four bits changed", () => {
    expect(hexDigits(reg32, 0x6b15a910n, 0x1fn, brackets)).toBe("0x6b15a9[1][0]");
    expect(hexDigits(reg32, 0x6b15a910n, 0n, brackets)).toBe("0x6b15a910");
  });
});

describe("terminal frame", () => {
  const chalk = new Chalk({ level: 1 });
  const first = { at, n: 1, values: [0x6b15a90fn, 1n, 0x31n] };
  const second = { at: new Date(at.getTime() + 1000), n: 2, values: [0x6b15a910n, 1n, 0x31n] };

  test("header: interval, device, time of day and sample count (of --count)", () => {
    const [header] = renderFrame("9010000.pl031", watched, first, undefined, { intervalMs: 1000, count: 5, chalk: new Chalk({ level: 0 }) });
    expect(header).toBe("Every 1 s: 9010000.pl031  18:30:00.123 UTC  sample 1/5");
  });

  test("the first frame marks nothing; the next marks the changed bits in inverse video and names them", () => {
    const one = renderFrame("9010000.pl031", watched, first, undefined, { intervalMs: 1000, chalk });
    expect(one.slice(1).join("\n")).not.toContain("\x1b[7m");
    const two = renderFrame("9010000.pl031", watched, second, first, { intervalMs: 1000, chalk });
    const row = two[1]!;
    expect(row).toStartWith("RTCDR ");
    expect(row).toContain("0x6b15a9\x1b[7m1\x1b[27m\x1b[7m0\x1b[27m");
    // 0x...0f -> 0x...10: bits 0-4 changed, and exactly those five binary digits are marked.
    expect(row.match(/\x1b\[7m[01]\x1b\[27m/g)!.length).toBe(2 + 5);
    expect(row).toEndWith("bits 0, 1, 2, 3, 4 changed");
    expect(two[2]).not.toContain("changed");
    expect(two[3]).toBe("0:0x00000fe0.b   0x31        0011 0001");
  });

  test("without colour the rows carry the same words (colour is decoration)", () => {
    const plain = renderFrame("9010000.pl031", watched, second, first, { intervalMs: 1000, chalk: new Chalk({ level: 0 }) });
    expect(plain[1]).toBe("RTCDR            0x6b15a910  0110 1011 0001 0101 1010 1001 0001 0000  bits 0, 1, 2, 3, 4 changed");
    expect(plain[2]).toBe("RTCCR.RTC_START  0x1         1");
  });
});

describe("pipe line and JSON Lines", () => {
  const prev = { at, n: 1, values: [0x10n, 0n, 0x31n] };
  const cur = { at, n: 2, values: [0x13n, 1n, 0x31n] };
  test("one line: ISO time, then LABEL=VALUE for each address", () => {
    expect(sampleLine(watched, cur)).toBe("2026-12-06T18:30:00.123Z RTCDR=0x00000013 RTCCR.RTC_START=0x1 0:0x00000fe0.b=0x31");
  });
  test("one object per sample in the shared register shape, with the changed bits (null in the first)", () => {
    const doc = sampleJson("9010000.pl031", watched, cur, prev);
    expect(doc).toMatchObject({ type: "sample", time: "2026-12-06T18:30:00.123Z", sample: 2, device: "9010000.pl031" });
    const values = doc.values as Record<string, unknown>[];
    expect(values[0]).toEqual({ region: 0, offset: "0x0", width: 32, value: "0x00000013", changed: "0x3" });
    expect(values[1]).toEqual({ field: "RTC_START", region: 0, offset: "0xc", width: 32, value: "0x1", changed: "0x1" });
    expect(values[2]).toMatchObject({ value: "0x31", changed: "0x0" });
    expect((sampleJson("d", watched, prev, undefined).values as { changed: unknown }[]).every((v) => v.changed === null)).toBe(true);
  });
});

describe("redraw in place", () => {
  test("the first frame is written as is; the next goes up over it, clearing each line, and erases below", () => {
    const r = new Redraw();
    expect(r.frame(["a", "b"])).toBe("\x1b[2Ka\n\x1b[2Kb\n\x1b[J");
    expect(r.frame(["c", "d", "e"])).toBe("\x1b[2F\x1b[2Kc\n\x1b[2Kd\n\x1b[2Ke\n\x1b[J");
    expect(r.frame(["f"])).toStartWith("\x1b[3F");
  });
  test("a line wider than the terminal takes several rows, colour codes not counted, and the way up counts them", () => {
    const r = new Redraw(10);
    r.frame(["header", `\x1b[7m${"x".repeat(15)}\x1b[27m`, "y".repeat(10)]);
    expect(r.frame(["z"])).toStartWith("\x1b[4F");
  });
});

describe("tick schedule", () => {
  test("ticks stay on start + k * interval whatever a sample took (no drift)", () => {
    expect(nextTick(0, 100, 0, 7)).toEqual({ tick: 1, delayMs: 93 });
    expect(nextTick(0, 100, 1, 130)).toEqual({ tick: 2, delayMs: 70 });
    expect(nextTick(0, 100, 1, 200)).toEqual({ tick: 2, delayMs: 0 });
  });
  test("a sample that overran whole intervals skips their ticks instead of bursting", () => {
    expect(nextTick(0, 100, 1, 350)).toEqual({ tick: 4, delayMs: 50 });
  });
});
